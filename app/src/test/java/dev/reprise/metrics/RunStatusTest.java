package dev.reprise.metrics;

import dev.reprise.evidence.avro.ConfidenceStatus;
import dev.reprise.run.Progress;
import dev.reprise.runner.RunObserver;
import dev.reprise.plan.RunPlan;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

class RunStatusTest {
    final AtomicLong clock = new AtomicLong(1_000_000);
    final RunStatus status = new RunStatus("reprise-inventory", clock::get);
    final RunPlan plan = MetricsTestSupport.plan();

    private void progressAfter(long millis, long partition0, long partition1) {
        clock.addAndGet(millis);
        status.progress(Progress.of(plan, Map.of(new TopicPartition("inventory-events", 0), partition0,
                new TopicPartition("inventory-events", 1), partition1)));
    }

    @Test
    void rateAndEtaComeFromTheCommittedOffsetsOfTheLastTenSeconds() {
        status.created(plan, null);
        status.state(RunObserver.State.RUNNING);
        assertThat(status.lag()).as("the whole range is left before any progress")
                .containsEntry(new TopicPartition("inventory-events", 0), 600L).containsEntry(new TopicPartition("inventory-events", 1), 400L);
        progressAfter(0, 0, 0);
        progressAfter(1_000, 50, 50);
        assertThat(status.eventsPerSecond()).as("no rate from one second of commits").isNaN();
        assertThat(status.etaSeconds()).isNaN();
        progressAfter(1_000, 100, 100);
        assertThat(status.eventsPerSecond()).isEqualTo(100.0);
        assertThat(status.etaSeconds()).as("800 offsets left at 100/s").isEqualTo(8.0);
        assertThat(status.progressRatio()).isEqualTo(0.2);
        assertThat(status.lag()).containsEntry(new TopicPartition("inventory-events", 0), 500L).containsEntry(new TopicPartition("inventory-events", 1), 300L);

        // 12 s later at a slower pace: the first samples left the window, so the rate is the recent one.
        for (int i = 0; i < 12; i++) {
            progressAfter(1_000, 100 + 10L * (i + 1), 100);
        }
        assertThat(status.eventsPerSecond()).as("10 offsets/s over the last 10 s").isEqualTo(10.0);
    }

    @Test
    void aPauseForgetsTheRateSoTheEtaIsNotMadeOfTimeSpentPaused() {
        status.created(plan, null);
        status.state(RunObserver.State.RUNNING);
        progressAfter(0, 0, 0);
        progressAfter(2_000, 100, 100);
        assertThat(status.eventsPerSecond()).isEqualTo(100.0);
        status.state(RunObserver.State.PAUSED);
        assertThat(status.eventsPerSecond()).isNaN();
        assertThat(status.etaSeconds()).isNaN();
        status.state(RunObserver.State.RUNNING);
        progressAfter(60_000, 100, 100);
        progressAfter(2_000, 150, 150);
        assertThat(status.eventsPerSecond()).as("measured since the resume only").isEqualTo(50.0);
    }

    @Test
    void onceTheFinalEvidenceIsKnownTheRateAndDurationAreTheEvidences() {
        status.created(plan, null);
        status.state(RunObserver.State.RUNNING);
        progressAfter(0, 0, 0);
        progressAfter(2_000, 300, 100);
        status.finalEvidence(MetricsTestSupport.finalEvidence(plan, ConfidenceStatus.degraded, 3, false));
        status.state(RunObserver.State.COMPLETED);

        RunStatus.Snapshot s = status.snapshot();
        assertThat(s.runId()).isEqualTo("run-42");
        assertThat(s.state()).isEqualTo("completed");
        assertThat(s.verdict()).isEqualTo("degraded");
        assertThat(s.reconciliationFailures()).isEqualTo(3);
        assertThat(s.eventsPerSecond()).isEqualTo(250.0);
        assertThat(s.durationSeconds()).isEqualTo(4.0);
        assertThat(s.etaSeconds()).isZero();
        assertThat(s.ratio()).isEqualTo(1.0);
        assertThat(s.offsetsDone()).as("every offset of the plan, whatever was committed last").isEqualTo(s.offsetsTotal()).isPositive();
        assertThat(s.partitionsDone()).isEqualTo(s.partitions()).isPositive();
        assertThat(s.ready()).as("no Kafka Streams to be ready").isFalse();
        assertThat(s.toMap()).containsEntry("run_id", "run-42").containsEntry("verdict", "degraded").containsEntry("duration_seconds", 4.0);
    }

    @Test
    void beforeAnyProgressNumbersThatAreNotKnownAreNullInTheStatus() {
        RunStatus.Snapshot s = status.snapshot();
        assertThat(s.state()).isEqualTo("starting");
        assertThat(s.toMap()).containsEntry("run_id", null).containsEntry("progress_ratio", null).containsEntry("eta_seconds", null)
                .containsEntry("events_per_second", null).containsEntry("verdict", null).containsEntry("ready", false);
    }

    @Test
    void aFailureIsNotReadyAndSaysWhy() {
        status.failed("the replay stopped before it was complete (Kafka Streams state ERROR)");
        assertThat(status.ready()).isFalse();
        assertThat(status.snapshot().error()).contains("Kafka Streams state ERROR");
    }
}
