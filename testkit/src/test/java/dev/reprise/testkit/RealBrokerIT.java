package dev.reprise.testkit;

import dev.reprise.testkit.basket.BasketTotal;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

import static dev.reprise.testkit.ReplayKitTest.ADDED;
import static dev.reprise.testkit.ReplayKitTest.event;
import static org.assertj.core.api.Assertions.assertThat;

/** The kit on a real KRaft broker: the replay 'reprise replay' runs, with the verdict of the in-memory run. */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
@ExtendWith(RealBrokerExtension.class)
class RealBrokerIT {
    @Test
    void aCleanHistoryIsTrustedThenABrokenRecordAddedToItIsNot(RealBroker broker) {
        ReplayKit kit = ReplayKit.load(ReplayKitTest.contract());
        ReplayResult<BasketTotal> result = broker.replay(kit, ReplayKitTest.history(kit));

        result.assertTrusted();
        assertThat(result.count("events_processed")).isEqualTo(4);
        assertThat(result.count("duplicates_skipped")).isEqualTo(1);
        assertThat(result.count("projections_unchanged")).isEqualTo(2);
        assertThat(result.state("b1")).isEqualTo(new BasketTotal("b1", 2L, 650L, 3L));
        assertThat(result.state("b2")).isEqualTo(new BasketTotal("b2", 3L, 300L, 1L));

        // The same history with one more record that is not Avro and an event of b2 out of its sequence: a new run, not trusted.
        History more = kit.history()
                .raw("b2", "garbage".getBytes(StandardCharsets.UTF_8))
                .event("b2", event(ADDED, "e9", "b2", 0, 1, 100));
        ReplayResult<BasketTotal> again = broker.replay(kit, more);
        again.assertNotTrusted();
        assertThat(again.evidence().getRunId()).isNotEqualTo(result.evidence().getRunId());
        assertThat(again.count("dead_lettered")).isEqualTo(1);
        assertThat(again.deadLetters()).extracting(ReplayResult.DeadLetter::reasonCode).containsExactly("not-confluent-framing");
        assertThat(again.count("ordering_violations")).isEqualTo(1);
    }
}
