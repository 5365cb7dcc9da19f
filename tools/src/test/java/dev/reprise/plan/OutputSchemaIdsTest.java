package dev.reprise.plan;

import dev.reprise.contract.Contract;
import dev.reprise.contract.ContractException;
import dev.reprise.contract.ContractLoader;
import dev.reprise.evidence.EvidenceCodec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Confluent-framed outputs with a local id map: a schema the map lacks stops the contract before anything starts. */
class OutputSchemaIdsTest {
    static final Path CONFIG = Path.of("..", "config").toAbsolutePath().normalize();

    @TempDir
    Path dir;

    /** The inventory contract with an id map holding the event schemas only (no evidence, no projection state). */
    Contract withEventIdsOnly(String extraLine) throws IOException {
        Path ids = dir.resolve("ids.yaml");
        Files.writeString(ids, "1: inventory/stock-movement-v1.avsc\n2: inventory/stock-movement-v2.avsc\n3: inventory/stock-movement-v3.avsc\n"
                + extraLine);
        String yaml = Files.readString(CONFIG.resolve("inventory.yaml")).replace("id_map: ../schemas/registry-ids.yaml", "id_map: " + ids);
        return ContractLoader.parse(yaml.getBytes(StandardCharsets.UTF_8), CONFIG, null);
    }

    @Test
    void aProjectionStateWithoutAnIdIsNamedWithTheFix() throws IOException {
        Contract c = withEventIdsOnly("");

        assertThatThrownBy(() -> CompiledContract.forContract(c)).isInstanceOf(ContractException.class)
                .satisfies(e -> assertThat(((ContractException) e).field()).isEqualTo("projection.encoding"))
                .hasMessageContaining("no id for dev.reprise.sample.inventory.InventoryLevel (subject inventory-levels-rebuilt-value)")
                .hasMessageContaining("choose projection.encoding: single-object or json");
    }

    @Test
    void anEvidenceSchemaWithoutAnIdIsNamedWithTheFix() throws IOException {
        Contract c = withEventIdsOnly("101: inventory/inventory-level.avsc\n");
        CompiledContract codecs = CompiledContract.forContract(c);

        assertThatThrownBy(() -> EvidenceCodec.forContract(c, codecs.resolver(), codecs.schemaIds())).isInstanceOf(ContractException.class)
                .satisfies(e -> assertThat(((ContractException) e).field()).isEqualTo("evidence.encoding"))
                .hasMessageContaining("no id for dev.reprise.evidence.avro.RecoveryEvidence (subject reprise-evidence-value)")
                .hasMessageContaining("schemas/recovery-evidence.avsc");
    }

    @Test
    void withEveryIdTheOutputsAreConfluentFramedWithThem() throws IOException {
        Contract c = withEventIdsOnly("101: inventory/inventory-level.avsc\n100: recovery-evidence.avsc\n");
        CompiledContract codecs = CompiledContract.forContract(c);

        assertThat(codecs.projectionFormat().prepare()).isEqualTo(101);
        assertThat(codecs.projectionFormat().subject()).isEqualTo("inventory-levels-rebuilt-value");
    }
}
