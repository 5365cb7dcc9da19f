package dev.reprise.projection;

import dev.reprise.Cli;
import dev.reprise.contract.ContractException;
import dev.reprise.demo.InventoryProjectionWithInjectedBug;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** A contract can name the registered projections only: the demo's deliberately wrong one is not among them. */
class ProjectionRegistryTest {
    @TempDir
    Path tmp;

    @Test
    void theSampleProjectionsAreRegisteredAndTheDemosWrongOneIsNot() {
        assertThat(ProjectionRegistry.all()).containsKeys("inventory-levels", "invoice-summary").doesNotContainKey(InventoryProjectionWithInjectedBug.NAME);
        assertThatThrownBy(() -> ProjectionRegistry.named(InventoryProjectionWithInjectedBug.NAME))
                .isInstanceOf(ContractException.class)
                .hasMessageContaining("no projection named 'inventory-levels-with-injected-bug' is registered");
    }

    @Test
    void anOfflinePlanOfAContractNamingTheDemosWrongProjectionSaysItIsUnknown() throws IOException {
        Path schemas = Path.of("../schemas").toAbsolutePath().normalize();
        String contract = Files.readString(Path.of("../config/inventory.yaml"))
                .replace("name: inventory-levels\n", "name: " + InventoryProjectionWithInjectedBug.NAME + "\n")
                .replace("../schemas", schemas.toString());
        assertThat(contract).contains("name: " + InventoryProjectionWithInjectedBug.NAME);
        Path file = Files.writeString(tmp.resolve("inventory-with-bug.yaml"), contract);

        Cli.Outcome o = Cli.reprise("plan", "--offline", "--contract", file.toString());

        assertThat(o.exitCode()).as("invalid input").isEqualTo(2);
        assertThat(o.stderr())
                .contains("projection.name")
                .contains("no projection named 'inventory-levels-with-injected-bug' is registered");
    }
}
