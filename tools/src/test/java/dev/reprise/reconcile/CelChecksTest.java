package dev.reprise.reconcile;

import dev.reprise.contract.Contract;
import dev.reprise.contract.ContractException;
import dev.reprise.contract.ContractLoader;
import dev.reprise.plan.CompiledContract;
import dev.reprise.projection.Invariant;
import dev.reprise.sample.inventory.InventoryLevel;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class CelChecksTest {
    static final Path CONFIG = Path.of("..", "config").toAbsolutePath().normalize();

    static Contract withChecks(String invariants, String totals) throws Exception {
        String yaml = Files.readString(CONFIG.resolve("inventory.yaml"));
        int start = yaml.indexOf("  invariants:");
        int end = yaml.indexOf("\n# E:");
        yaml = yaml.substring(0, start) + invariants + totals + yaml.substring(end);
        return ContractLoader.parse(yaml.getBytes(StandardCharsets.UTF_8), CONFIG, null);
    }

    @Test
    void contractInvariantsRunOnEveryState() throws Exception {
        Contract c = withChecks("  invariants:\n    - name: sellable_at_most_received\n      expression: sellable <= received\n", "");
        List<Invariant<InventoryLevel>> invariants = CelChecks.invariants(c, InventoryLevel.getClassSchema());

        assertThat(invariants).singleElement().satisfies(i -> {
            assertThat(i.holds().test(new InventoryLevel("A", 10L, 0L, 0L, 0L, 10L, 10L, 1L))).isTrue();
            assertThat(i.holds().test(new InventoryLevel("A", 10L, 0L, 5L, 0L, 15L, 15L, 2L))).isFalse();
        });
        assertThat(CompiledContract.forContract(c).contractInvariants()).hasSize(1);
    }

    @Test
    void anInvariantReadsOnlyTheFieldsItNamesAndDoesNotHoldOnAMissingValue() throws Exception {
        Contract c = withChecks("  invariants:\n    - name: named\n      expression: sku != '' && sellable <= received\n", "");
        Invariant<InventoryLevel> invariant = CelChecks.<InventoryLevel>invariants(c, InventoryLevel.getClassSchema()).get(0);

        assertThat(invariant.holds().test(new InventoryLevel("A", 10L, 0L, 0L, 0L, 10L, 10L, 1L))).isTrue();
        // A null field is no variable: the expression cannot be evaluated, and what cannot be evaluated does not hold.
        assertThat(invariant.holds().test(new InventoryLevel(null, 10L, 0L, 0L, 0L, 10L, 10L, 1L))).isFalse();
        assertThat(invariant.holds().test(new InventoryLevel("A", 10L, 0L, 5L, 0L, 15L, 15L, 2L))).isFalse();
    }

    @Test
    void aTotalsCheckWithoutOneOfItsCountsDoesNotHold() throws Exception {
        Contract c = withChecks("", "  totals:\n    - name: few_dead_letters\n      expression: dead_lettered * 100 <= events_read\n");

        assertThat(CelChecks.totals(c).get("few_dead_letters").test(Map.of("events_read", 1000L))).isFalse();
    }

    @Test
    void aMalformedExpressionNamesTheCheckAndThePosition() throws Exception {
        Contract c = withChecks("  invariants:\n    - name: broken\n      expression: sellable >= \n", "");

        assertThatThrownBy(() -> CompiledContract.forContract(c)).isInstanceOf(ContractException.class)
                .hasMessageContaining("reconciliation.invariants[0].expression")
                .hasMessageContaining("check 'broken' is not valid CEL at line 1, column")
                .satisfies(e -> assertThat(((ContractException) e).field()).isEqualTo("reconciliation.invariants[0].expression"));
    }

    @Test
    void anUnknownFieldIsRefusedWithTheFieldsThatExist() throws Exception {
        Contract c = withChecks("  invariants:\n    - name: typo\n      expression: sellabel >= 0\n", "");

        assertThatThrownBy(() -> CompiledContract.forContract(c)).isInstanceOf(ContractException.class)
                .hasMessageContaining("undeclared reference to 'sellabel'").hasMessageContaining("stock_on_hand");
    }

    @Test
    void anExpressionThatIsNotTrueOrFalseIsRefused() throws Exception {
        Contract c = withChecks("", "  totals:\n    - name: count\n      expression: events_read + 1\n");

        assertThatThrownBy(() -> CelChecks.totals(c)).isInstanceOf(ContractException.class).hasMessageContaining("must be true or false");
    }

    @Test
    void totalChecksEvaluateOverTheRunsCounts() throws Exception {
        Contract c = withChecks("", "  totals:\n    - name: few_dead_letters\n      expression: dead_lettered * 100 <= events_read\n");
        var check = CelChecks.totals(c).get("few_dead_letters");

        assertThat(check.test(Map.of("events_read", 1000L, "dead_lettered", 5L, "events_processed", 995L, "duplicates_skipped", 0L,
                "filtered", 0L, "projection_keys", 10L, "out_of_range", 0L))).isTrue();
        assertThat(check.test(Map.of("events_read", 100L, "dead_lettered", 5L, "events_processed", 95L, "duplicates_skipped", 0L,
                "filtered", 0L, "projection_keys", 10L, "out_of_range", 0L))).isFalse();
    }
}
