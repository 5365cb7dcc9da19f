package dev.reprise.metrics;

import dev.reprise.evidence.avro.ConfidenceStatus;
import dev.reprise.evidence.avro.RecoveryEvidence;
import dev.reprise.run.Progress;
import dev.reprise.runner.RunObserver;
import dev.reprise.plan.RunPlan;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.streams.KafkaStreams;

import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * One instance's view of its run, for metrics, {@code /status}, readiness and the progress line: the run's state, its
 * progress from the group's committed offsets (so the same on every instance of the run), the rate over the last
 * {@link #RATE_WINDOW_MILLIS} and the ETA it gives, the offsets left per source partition, and the verdict once the
 * final evidence is known. Once it is, the rate and duration are the evidence's: one run has one duration and one rate.
 * Updated from the runner's thread, read from any.
 */
public final class RunStatus implements RunObserver {
    /** The rate is measured over this much of the most recent progress. */
    public static final long RATE_WINDOW_MILLIS = 10_000;
    /** No rate is told before progress has been seen over this long: offsets move at commits, every half second. */
    static final long MIN_RATE_SPAN_MILLIS = 2_000;

    /**
     * What {@code /status} shows and the progress line prints.
     *
     * @param runId            null before the run is planned
     * @param state            the run's state ({@link RunObserver.State#label()})
     * @param streamsState     Kafka Streams' own state, null before it is created
     * @param ratio            offsets done of the plan's, 0..1; NaN before the first progress
     * @param eventsPerSecond  records read per second over the last 10 s while running (committed offsets); the
     *                         evidence's events_per_second once the final evidence is known; NaN before it can be told
     * @param etaSeconds       seconds left at that rate; NaN when not known (no rate yet, paused); 0 once every range is read
     * @param verdict          trusted, degraded or untrusted once the final evidence is known, else null
     * @param reconciliationFailures the final evidence's reconciliation_failures, else null
     * @param durationSeconds  the evidence's ended_at - started_at (first record read to final evidence), else null
     * @param error            why the run stopped on an error, else null
     */
    public record Snapshot(String runId, String applicationId, String state, String streamsState, boolean ready, double ratio, long offsetsDone,
                           long offsetsTotal, long partitionsDone, long partitions, double eventsPerSecond, double etaSeconds, String verdict,
                           Long reconciliationFailures, Instant startedAt, Instant endedAt, Double durationSeconds, String error) {
        /** For JSON: snake_case names, numbers that are not known yet left out as null. */
        public Map<String, Object> toMap() {
            Map<String, Object> out = new LinkedHashMap<>();
            out.put("run_id", runId);
            out.put("application_id", applicationId);
            out.put("state", state);
            out.put("streams_state", streamsState);
            out.put("ready", ready);
            out.put("progress_ratio", known(ratio));
            out.put("offsets_done", offsetsDone);
            out.put("offsets_total", offsetsTotal);
            out.put("partitions_done", partitionsDone);
            out.put("partitions", partitions);
            out.put("events_per_second", known(eventsPerSecond));
            out.put("eta_seconds", known(etaSeconds));
            out.put("verdict", verdict);
            out.put("reconciliation_failures", reconciliationFailures);
            out.put("started_at", startedAt == null ? null : startedAt.toString());
            out.put("ended_at", endedAt == null ? null : endedAt.toString());
            out.put("duration_seconds", durationSeconds);
            out.put("error", error);
            return out;
        }

        private static Double known(double v) {
            return Double.isNaN(v) ? null : v;
        }
    }

    private final String applicationId;
    private final LongSupplier clockMillis;
    private volatile RunPlan plan;
    private volatile KafkaStreams streams;
    private volatile State state = State.STARTING;
    private volatile Progress progress;
    private volatile double rate = Double.NaN;
    private volatile Map<TopicPartition, Long> lag = Map.of();
    private volatile RecoveryEvidence finalEvidence;
    private volatile String error;
    /** (time, offsets done) of the progress within the rate window, oldest first; guarded by itself. */
    private final ArrayDeque<long[]> samples = new ArrayDeque<>();

    public RunStatus(String applicationId) {
        this(applicationId, System::currentTimeMillis);
    }

    /** @param clockMillis the clock the rate is measured with (tests give their own) */
    public RunStatus(String applicationId, LongSupplier clockMillis) {
        this.applicationId = applicationId;
        this.clockMillis = clockMillis;
    }

    @Override
    public void created(RunPlan plan, KafkaStreams streams) {
        this.plan = plan;
        this.streams = streams;
        Map<TopicPartition, Long> left = new LinkedHashMap<>();
        plan.ranges().forEach(r -> left.put(r.topicPartition(), r.size()));
        this.lag = Collections.unmodifiableMap(left);
    }

    @Override
    public void state(State state) {
        State before = this.state;
        this.state = state;
        if (state == State.PAUSED || state == State.RUNNING && before != State.RUNNING) {
            // The rate is measured while the run replays: not over Kafka Streams' start-up (restoring state, assigning
            // tasks), nor across a pause, which would make the ETA hours long.
            synchronized (samples) {
                samples.clear();
            }
            rate = Double.NaN;
        }
    }

    @Override
    public void progress(Progress p) {
        long now = clockMillis.getAsLong();
        synchronized (samples) {
            samples.addLast(new long[]{now, p.done()});
            while (samples.size() > 2 && now - samples.peekFirst()[0] > RATE_WINDOW_MILLIS) {
                samples.removeFirst();
            }
            long[] first = samples.peekFirst();
            long span = now - first[0];
            if (span >= MIN_RATE_SPAN_MILLIS) {
                rate = Math.max(0, p.done() - first[1]) * 1000.0 / span;
            }
        }
        if (!p.left().isEmpty()) {
            lag = p.left();
        }
        progress = p;
    }

    @Override
    public void finalEvidence(RecoveryEvidence evidence) {
        finalEvidence = evidence;
    }

    @Override
    public void failed(String message) {
        error = message == null ? "the run stopped on an error" : message;
    }

    /** The run's Kafka Streams is running or rebalancing and the run has not failed. */
    public boolean ready() {
        KafkaStreams s = streams;
        if (s == null || error != null) {
            return false;
        }
        KafkaStreams.State st = s.state();
        return st == KafkaStreams.State.RUNNING || st == KafkaStreams.State.REBALANCING;
    }

    public State state() {
        return state;
    }

    /** Offsets left to the plan's end per source partition (the whole range before the first progress). */
    public Map<TopicPartition, Long> lag() {
        return lag;
    }

    public double progressRatio() {
        RecoveryEvidence done = finalEvidence;
        if (done != null && !done.getAborted()) {
            return 1.0;
        }
        Progress p = progress;
        return p == null ? Double.NaN : p.fraction();
    }

    public double eventsPerSecond() {
        RecoveryEvidence done = finalEvidence;
        return done != null ? done.getEventsPerSecond() : rate;
    }

    public double etaSeconds() {
        Progress p = progress;
        if (finalEvidence != null || p != null && p.done() >= p.total()) {
            return 0;
        }
        double r = rate;
        if (p == null || Double.isNaN(r) || r <= 0 || state == State.PAUSED) {
            return Double.NaN;
        }
        return Math.ceil((p.total() - p.done()) / r);
    }

    /** The final evidence's reconciliation failures; NaN before it is known. */
    public double reconciliationFailures() {
        RecoveryEvidence done = finalEvidence;
        return done == null ? Double.NaN : done.getReconciliationFailures();
    }

    /** The final evidence's verdict, or null before it is known. */
    public ConfidenceStatus verdict() {
        RecoveryEvidence done = finalEvidence;
        return done == null ? null : done.getConfidenceStatus();
    }

    public Snapshot snapshot() {
        RunPlan current = plan;
        KafkaStreams s = streams;
        Progress p = progress;
        RecoveryEvidence done = finalEvidence;
        ConfidenceStatus verdict = verdict();
        Double duration = done == null || done.getEndedAt() == null ? null
                : (done.getEndedAt().toEpochMilli() - done.getStartedAt().toEpochMilli()) / 1000.0;
        long total = p == null ? (current == null ? 0 : current.totalOffsets()) : p.total();
        long partitions = p == null ? (current == null ? 0 : current.ranges().size()) : p.partitions();
        // A run that ended with its final evidence read every range, whatever the last committed offsets said.
        boolean complete = done != null && !done.getAborted();
        return new Snapshot(current == null ? null : current.runId(), applicationId, state.label(), s == null ? null : s.state().name(), ready(),
                progressRatio(), complete ? total : p == null ? 0 : p.done(), total,
                complete ? partitions : p == null ? 0 : p.finishedPartitions(), partitions,
                eventsPerSecond(), etaSeconds(), verdict == null ? null : verdict.toString(),
                done == null ? null : done.getReconciliationFailures(), done == null ? null : done.getStartedAt(),
                done == null ? null : done.getEndedAt(), duration, error);
    }
}
