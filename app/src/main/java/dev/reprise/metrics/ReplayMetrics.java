package dev.reprise.metrics;

import dev.reprise.compat.KafkaInternals;
import dev.reprise.counts.Count;
import dev.reprise.counts.CountFamily;
import dev.reprise.evidence.avro.ConfidenceStatus;
import dev.reprise.runner.RunObserver;
import dev.reprise.pipeline.support.CounterFeed;
import dev.reprise.plan.RunPlan;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.binder.kafka.KafkaStreamsMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.streams.KafkaStreams;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;

/**
 * One instance's Prometheus metrics: the run's counts as this process made them, fed by the stages at each commit
 * ({@link CounterFeed}, so nothing is added per event), gauges of the run's state and progress read from
 * {@link RunStatus}, and Kafka Streams' own metrics through Micrometer's {@link KafkaStreamsMetrics} binder.
 *
 * <p>Names (Prometheus form; the dashboard, the alert rules and the runbook query them):
 * {@code reprise_events_total{outcome}}, {@code reprise_dead_letters_total{reason}},
 * {@code reprise_upcasts_total{event_type, from_version, to_version}}, {@code reprise_stale_records_total},
 * {@code reprise_progress_ratio}, {@code reprise_eta_seconds}, {@code reprise_events_per_second},
 * {@code reprise_lag_offsets{topic, partition}}, {@code reprise_reconciliation_failures}, {@code reprise_run_state{state}},
 * {@code reprise_verdict{verdict}}, {@code reprise_build_info{version, kafka_streams_version}}, and {@code kafka_stream_*}.
 */
public final class ReplayMetrics implements RunObserver, CounterFeed, AutoCloseable {
    /** The outcomes of a record read: read = processed + duplicate + id_conflict + filtered + dead_lettered, as in the evidence. */
    public static final List<String> OUTCOMES = List.of("read", "processed", "duplicate", "id_conflict", "filtered", "dead_lettered");
    /** Dead-letter reasons beyond this many distinct codes are counted as {@code other}: a label's values stay few. */
    static final int MAX_REASONS = 64;
    /** How often the Kafka Streams binder looks for metrics of new threads and tasks (Micrometer's default is a minute). */
    private static final Duration KAFKA_METRICS_REFRESH = Duration.ofSeconds(10);

    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final RunStatus status;
    /** The counter each fed counter name adds to; names that are not counted here are not kept. */
    private final Map<String, Counter> byName = new ConcurrentHashMap<>();
    private final Set<String> reasons = ConcurrentHashMap.newKeySet();
    private final Set<TopicPartition> lagGauges = ConcurrentHashMap.newKeySet();
    private volatile KafkaStreamsMetrics kafkaStreamsMetrics;
    /** The binder's refresh; a daemon thread, so a run that ends without {@link #close()} still lets the JVM exit. */
    private final ScheduledExecutorService refresh = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "reprise-kafka-metrics");
        t.setDaemon(true);
        return t;
    });

    public ReplayMetrics(RunStatus status) {
        this.status = status;
        byName.put(Count.EVENTS_READ.key(), outcome("read"));
        byName.put(Count.PROCESSED.key(), outcome("processed"));
        byName.put(Count.DUPLICATES.key(), outcome("duplicate"));
        byName.put(Count.ID_CONFLICTS.key(), outcome("id_conflict"));
        byName.put(Count.FILTERED.key(), outcome("filtered"));
        byName.put(Count.DEAD_LETTERED.key(), outcome("dead_lettered"));
        byName.put(Count.STALE_RECORDS.key(), Counter.builder("reprise.stale.records")
                .description("Records of other runs (or in no format of this run) found on the run's internal topics and ignored").register(registry));

        Gauge.builder("reprise.progress.ratio", status, RunStatus::progressRatio)
                .description("Offsets of the plan's ranges committed by the run's group, 0..1 (the same on every instance of the run)")
                .strongReference(true).register(registry);
        Gauge.builder("reprise.eta", status, RunStatus::etaSeconds).baseUnit("seconds")
                .description("Seconds left at the rate of the last 10 s; NaN while unknown (no rate yet, paused), 0 once the ranges are read")
                .strongReference(true).register(registry);
        Gauge.builder("reprise.events.per.second", status, RunStatus::eventsPerSecond)
                .description("Records read per second by the run over the last 10 s (committed offsets); the evidence's rate once it is final")
                .strongReference(true).register(registry);
        Gauge.builder("reprise.reconciliation.failures", status, s -> zeroIfUnknown(s.reconciliationFailures()))
                .description("reconciliation_failures of the run's final evidence; 0 until it is known")
                .strongReference(true).register(registry);
        for (State state : State.values()) {
            Gauge.builder("reprise.run.state", status, s -> s.state() == state ? 1 : 0).tag("state", state.label())
                    .description("1 for the run's current state, 0 for the others").strongReference(true).register(registry);
        }
        for (ConfidenceStatus verdict : ConfidenceStatus.values()) {
            Gauge.builder("reprise.verdict", status, s -> s.verdict() == verdict ? 1 : 0).tag("verdict", verdict.toString())
                    .description("1 for the verdict of the run's final evidence once it is known, 0 for the others").strongReference(true).register(registry);
        }
        String version = ReplayMetrics.class.getPackage().getImplementationVersion();
        Gauge.builder("reprise.build.info", () -> 1).tag("version", version == null ? "development" : version)
                .tag("kafka_streams_version", KafkaInternals.streamsVersion())
                .description("Reprise's version and the Kafka Streams version it runs on").strongReference(true).register(registry);
    }

    private Counter outcome(String outcome) {
        return Counter.builder("reprise.events").tag("outcome", outcome)
                .description("Records this instance read, and what became of them: processed, duplicate, id_conflict, filtered or dead_lettered")
                .register(registry);
    }

    /** The registry, for the {@code /metrics} endpoint. */
    public PrometheusMeterRegistry registry() {
        return registry;
    }

    /** The text Prometheus scrapes. */
    public String scrape() {
        return registry.scrape();
    }

    @Override
    public CounterFeed counterFeed() {
        return this;
    }

    @Override
    public void grew(String counter, long delta) {
        Counter c = byName.get(counter);
        if (c == null) {
            c = counterOf(counter);
            if (c == null) {
                return;
            }
        }
        c.increment(delta);
    }

    /** The counter of a family's name (a dead-letter reason, an upcaster step); null for names not counted here. */
    private Counter counterOf(String name) {
        String reason = CountFamily.DEAD_LETTER_REASON.valueIn(name).orElse(null);
        if (reason != null) {
            String label = reasons.size() < MAX_REASONS || reasons.contains(reason) ? reason : "other";
            reasons.add(label);
            Counter c = Counter.builder("reprise.dead.letters").tag("reason", label)
                    .description("Records and events this instance sent to the dead-letter topic, by reason code").register(registry);
            byName.put(name, c);
            return c;
        }
        String upcast = CountFamily.UPCAST.valueIn(name).orElse(null);
        if (upcast != null) {
            CountFamily.UpcastStep step = CountFamily.UpcastStep.parse(upcast);
            Counter c = Counter.builder("reprise.upcasts").tag("event_type", step.type())
                    .tag("from_version", Integer.toString(step.from())).tag("to_version", Integer.toString(step.to()))
                    .description("Events this instance upcast, by upcaster step").register(registry);
            byName.put(name, c);
            return c;
        }
        return null;
    }

    /** Gauges of the plan's source partitions, and Kafka Streams' own metrics (none when {@code streams} is null). */
    @Override
    public void created(RunPlan plan, KafkaStreams streams) {
        for (RunPlan.PartitionRange r : plan.ranges()) {
            TopicPartition tp = r.topicPartition();
            if (lagGauges.add(tp)) {
                Gauge.builder("reprise.lag.offsets", status, s -> s.lag().getOrDefault(tp, 0L))
                        .tag("topic", tp.topic()).tag("partition", Integer.toString(tp.partition()))
                        .description("Offsets left to the plan's end in this source partition (committed offsets; the same on every instance)")
                        .strongReference(true).register(registry);
            }
        }
        if (streams == null) {
            return;
        }
        KafkaStreamsMetrics previous = kafkaStreamsMetrics;
        if (previous != null) {
            previous.close();
        }
        KafkaStreamsMetrics binder = new KafkaStreamsMetrics(streams, List.of(), refresh, KAFKA_METRICS_REFRESH);
        binder.bindTo(registry);
        kafkaStreamsMetrics = binder;
    }

    private static double zeroIfUnknown(double v) {
        return Double.isNaN(v) ? 0 : v;
    }

    /** Stops the Kafka Streams binder's refresh and closes the registry. */
    @Override
    public void close() {
        KafkaStreamsMetrics binder = kafkaStreamsMetrics;
        if (binder != null) {
            binder.close();
        }
        refresh.shutdownNow();
        registry.close();
    }
}
