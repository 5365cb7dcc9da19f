package dev.reprise.verify;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class PromotionWriterTest {
    @Test
    void aLiveTopicWithOnlyThePromotionsOwnRecordsAtItsEndHasNotMoved() {
        assertThat(PromotionWriter.moved(Map.of(0, 10L, 1, 5L), Map.of(0, 13L, 1, 5L), Map.of(0, List.of(10L, 11L, 12L)))).isEmpty();
    }

    @Test
    void anotherWritersRecordBeforeAfterOrBetweenThePromotionsIsAMove() {
        assertThat(PromotionWriter.moved(Map.of(0, 10L), Map.of(0, 11L), Map.of())).singleElement().asString()
                .isEqualTo("partition 0: end 10 at the snapshot, 11 now, 1 records of another writer");
        assertThat(PromotionWriter.moved(Map.of(0, 10L), Map.of(0, 14L), Map.of(0, List.of(11L, 12L, 13L)))).as("one before ours").hasSize(1);
        assertThat(PromotionWriter.moved(Map.of(0, 10L), Map.of(0, 14L), Map.of(0, List.of(10L, 11L, 12L)))).as("one after ours").hasSize(1);
        assertThat(PromotionWriter.moved(Map.of(0, 10L), Map.of(0, 14L), Map.of(0, List.of(10L, 12L, 13L)))).as("one between ours").hasSize(1);
        assertThat(PromotionWriter.moved(Map.of(0, 10L), Map.of(0, 10L, 1, 0L), Map.of())).singleElement().asString().contains("new");
    }
}
