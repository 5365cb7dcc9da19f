package dev.reprise.compare;

import dev.reprise.sample.inventory.InventoryLevel;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class OutputCheckTest {
    private static InventoryLevel level(String sku, long onHand) {
        return new InventoryLevel(sku, onHand, 0L, 0L, 0L, onHand, onHand, 1L);
    }

    @Test
    void theSameStatesForTheSameKeysAreCorrect() {
        OutputCheck check = OutputCheck.compare(Map.of("a", level("a", 1), "b", level("b", 2)), Map.of("a", level("a", 1), "b", level("b", 2)));
        assertThat(check.correct()).isTrue();
        assertThat(check.describe()).isEqualTo("all 2 keys equal the ground truth");
    }

    @Test
    void aWrongStateAMissingKeyAndAnExtraKeyAreEachCaught() {
        Map<String, InventoryLevel> truth = Map.of("a", level("a", 1), "b", level("b", 2));
        assertThat(OutputCheck.compare(truth, Map.of("a", level("a", 1), "b", level("b", 3))))
                .satisfies(c -> assertThat(c.correct()).as("a wrong state").isFalse())
                .satisfies(c -> assertThat(c.wrong()).isEqualTo(1))
                .satisfies(c -> assertThat(c.samples()).singleElement().asString().startsWith("b: expected"));
        assertThat(OutputCheck.compare(truth, Map.of("a", level("a", 1))))
                .satisfies(c -> assertThat(c.correct()).as("a missing key").isFalse())
                .satisfies(c -> assertThat(c.missing()).isEqualTo(1));
        assertThat(OutputCheck.compare(truth, Map.of("a", level("a", 1), "b", level("b", 2), "c", level("c", 0))))
                .satisfies(c -> assertThat(c.correct()).as("an extra key").isFalse())
                .satisfies(c -> assertThat(c.extra()).isEqualTo(1));
    }
}
