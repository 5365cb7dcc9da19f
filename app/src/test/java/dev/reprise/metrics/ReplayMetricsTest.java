package dev.reprise.metrics;

import dev.reprise.counts.Count;
import dev.reprise.counts.CountFamily;
import dev.reprise.evidence.avro.ConfidenceStatus;
import dev.reprise.run.Progress;
import dev.reprise.runner.RunObserver;
import dev.reprise.plan.RunPlan;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

class ReplayMetricsTest {
    final RunStatus status = new RunStatus("reprise-inventory");
    final ReplayMetrics metrics = new ReplayMetrics(status);
    final RunPlan plan = MetricsTestSupport.plan();

    @AfterEach
    void close() {
        metrics.close();
    }

    /** The value of one sample of the scrape, e.g. {@code reprise_events_total{outcome="read"}}; null when absent. */
    static Double sample(String scrape, String series) {
        Matcher m = Pattern.compile("(?m)^" + Pattern.quote(series) + " (\\S+)$").matcher(scrape);
        return m.find() ? Double.valueOf(m.group(1)) : null;
    }

    @Test
    void theStagesCountsBecomeCountersByOutcomeReasonAndUpcastStep() {
        metrics.grew(Count.EVENTS_READ.key(), 10);
        metrics.grew(Count.PROCESSED.key(), 6);
        metrics.grew(Count.DUPLICATES.key(), 1);
        metrics.grew(Count.FILTERED.key(), 1);
        metrics.grew(Count.DEAD_LETTERED.key(), 2);
        metrics.grew(CountFamily.DEAD_LETTER_REASON.name("corrupt-avro"), 2);
        metrics.grew(new CountFamily.UpcastStep("StockMovement", 1, 2).counter(), 4);
        metrics.grew(Count.STALE_RECORDS.key(), 3);
        metrics.grew(Count.LAST_OFFSET.key(), 12345);  // bookkeeping: not a metric
        metrics.grew(CountFamily.SENT_TO_PARTITION.name("0"), 7);
        metrics.grew(Count.EVENTS_READ.key(), 5);

        String scrape = metrics.scrape();
        assertThat(sample(scrape, "reprise_events_total{outcome=\"read\"}")).isEqualTo(15.0);
        assertThat(sample(scrape, "reprise_events_total{outcome=\"processed\"}")).isEqualTo(6.0);
        assertThat(sample(scrape, "reprise_events_total{outcome=\"duplicate\"}")).isEqualTo(1.0);
        assertThat(sample(scrape, "reprise_events_total{outcome=\"filtered\"}")).isEqualTo(1.0);
        assertThat(sample(scrape, "reprise_events_total{outcome=\"dead_lettered\"}")).isEqualTo(2.0);
        assertThat(sample(scrape, "reprise_dead_letters_total{reason=\"corrupt-avro\"}")).isEqualTo(2.0);
        assertThat(sample(scrape, "reprise_upcasts_total{event_type=\"StockMovement\",from_version=\"1\",to_version=\"2\"}")).isEqualTo(4.0);
        assertThat(sample(scrape, "reprise_stale_records_total")).isEqualTo(3.0);
        assertThat(scrape.lines().filter(l -> !l.startsWith("#")).map(l -> l.replaceAll("[{ ].*", "")).distinct())
                .as("bookkeeping counters (last_offset, sent:N) are not metrics")
                .containsExactlyInAnyOrder("reprise_build_info", "reprise_dead_letters_total", "reprise_eta_seconds", "reprise_events_total",
                        "reprise_events_per_second", "reprise_progress_ratio", "reprise_reconciliation_failures", "reprise_run_state",
                        "reprise_stale_records_total", "reprise_upcasts_total", "reprise_verdict");
    }

    @Test
    void deadLetterReasonsBeyondTheLimitAreCountedAsOther() {
        for (int i = 0; i < ReplayMetrics.MAX_REASONS + 10; i++) {
            metrics.grew(CountFamily.DEAD_LETTER_REASON.name("reason-" + i), 1);
        }
        String scrape = metrics.scrape();
        long series = scrape.lines().filter(l -> l.startsWith("reprise_dead_letters_total{")).count();
        assertThat(series).isEqualTo(ReplayMetrics.MAX_REASONS + 1);
        assertThat(sample(scrape, "reprise_dead_letters_total{reason=\"other\"}")).isEqualTo(10.0);
    }

    @Test
    void exactlyOneRunStateIsOneAndTheVerdictOnlyOnceTheFinalEvidenceIsKnown() {
        status.created(plan, null);
        status.state(RunObserver.State.PAUSED);
        String scrape = metrics.scrape();
        for (RunObserver.State s : RunObserver.State.values()) {
            assertThat(sample(scrape, "reprise_run_state{state=\"" + s.label() + "\"}")).as(s.label()).isEqualTo(s == RunObserver.State.PAUSED ? 1.0 : 0.0);
        }
        for (ConfidenceStatus v : ConfidenceStatus.values()) {
            assertThat(sample(scrape, "reprise_verdict{verdict=\"" + v + "\"}")).as("no verdict yet").isEqualTo(0.0);
        }
        assertThat(sample(scrape, "reprise_reconciliation_failures")).isEqualTo(0.0);

        status.finalEvidence(MetricsTestSupport.finalEvidence(plan, ConfidenceStatus.untrusted, 7, false));
        status.state(RunObserver.State.COMPLETED);
        scrape = metrics.scrape();
        assertThat(sample(scrape, "reprise_run_state{state=\"completed\"}")).isEqualTo(1.0);
        assertThat(sample(scrape, "reprise_run_state{state=\"paused\"}")).isEqualTo(0.0);
        assertThat(sample(scrape, "reprise_verdict{verdict=\"untrusted\"}")).isEqualTo(1.0);
        assertThat(sample(scrape, "reprise_verdict{verdict=\"trusted\"}")).isEqualTo(0.0);
        assertThat(sample(scrape, "reprise_reconciliation_failures")).isEqualTo(7.0);
        assertThat(sample(scrape, "reprise_events_per_second")).as("the evidence's rate").isEqualTo(250.0);
    }

    @Test
    void progressGaugesFollowTheRunStatus() {
        status.created(plan, null);
        metrics.created(plan, null);
        status.progress(Progress.of(plan, Map.of(plan.ranges().get(0).topicPartition(), 150L)));
        String scrape = metrics.scrape();
        assertThat(sample(scrape, "reprise_progress_ratio")).isEqualTo(0.15);
        assertThat(sample(scrape, "reprise_lag_offsets{partition=\"0\",topic=\"inventory-events\"}")).isEqualTo(450.0);
        assertThat(sample(scrape, "reprise_lag_offsets{partition=\"1\",topic=\"inventory-events\"}")).isEqualTo(400.0);
        assertThat(sample(scrape, "reprise_eta_seconds")).isNaN();
        assertThat(scrape).containsPattern("(?m)^reprise_build_info\\{kafka_streams_version=\"4\\.4\\.0\",version=\"[^\"]+\"} 1");
    }
}
