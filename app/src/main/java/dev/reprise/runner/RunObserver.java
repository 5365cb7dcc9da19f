package dev.reprise.runner;

import dev.reprise.run.Progress;
import dev.reprise.evidence.avro.RecoveryEvidence;
import dev.reprise.pipeline.support.CounterFeed;
import dev.reprise.plan.RunPlan;
import org.apache.kafka.streams.KafkaStreams;

import java.util.List;
import java.util.Locale;

/**
 * Watches one instance's run from outside: its state, its progress, the evidence it ends with, and the counts its
 * stages report at each commit. Metrics, health endpoints and the progress line implement it; the runner calls it
 * from its supervising thread (the counter feed from the stream threads). Every method does nothing by default.
 */
public interface RunObserver {
    /** Observes nothing. */
    RunObserver NONE = new RunObserver() {
    };

    /** Where the run stands, as this instance sees it; {@link #label()} is what metrics and {@code /status} show. */
    enum State {
        /** Planned; Kafka Streams is starting (assigning tasks, restoring state). */
        STARTING,
        /** Replaying the plan's ranges. */
        RUNNING,
        /** Paused by the operator or a threshold ('reprise resume' continues it). */
        PAUSED,
        /** A continuous run reached its plan's end (final evidence written) and follows new events. */
        CAUGHT_UP,
        /** The run's final evidence is written. */
        COMPLETED,
        /** The run was aborted (by the operator or a threshold): its final evidence is untrusted. */
        ABORTED;

        public String label() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** The stages' counters, fed at each commit ({@link CounterFeed}). */
    default CounterFeed counterFeed() {
        return CounterFeed.NONE;
    }

    /** The run's Kafka Streams was created for {@code plan}, not started yet. */
    default void created(RunPlan plan, KafkaStreams streams) {
    }

    /** Kafka Streams reached RUNNING for the first time. */
    default void running(KafkaStreams streams) {
    }

    /** The run's state changed. */
    default void state(State state) {
    }

    /** The run's progress from its group's committed offsets, about once a second. */
    default void progress(Progress progress) {
    }

    /** The run's final evidence, as seen on the evidence topic (a continuous run's catch-up, an end, an abort). */
    default void finalEvidence(RecoveryEvidence evidence) {
    }

    /** The run stopped on an error; {@code message} says why. */
    default void failed(String message) {
    }

    /** Kafka Streams is about to be closed (after the run's end, or on a failure). */
    default void closing(KafkaStreams streams) {
    }

    /** Every observer of {@code observers}, in order. */
    static RunObserver all(List<RunObserver> observers) {
        List<RunObserver> list = List.copyOf(observers);
        CounterFeed[] feeds = list.stream().map(RunObserver::counterFeed).filter(f -> f != CounterFeed.NONE).toArray(CounterFeed[]::new);
        CounterFeed feed = feeds.length == 0 ? CounterFeed.NONE : feeds.length == 1 ? feeds[0] : (counter, delta) -> {
            for (CounterFeed f : feeds) {
                f.grew(counter, delta);
            }
        };
        return new RunObserver() {
            @Override
            public CounterFeed counterFeed() {
                return feed;
            }

            @Override
            public void created(RunPlan plan, KafkaStreams streams) {
                list.forEach(o -> o.created(plan, streams));
            }

            @Override
            public void running(KafkaStreams streams) {
                list.forEach(o -> o.running(streams));
            }

            @Override
            public void state(State state) {
                list.forEach(o -> o.state(state));
            }

            @Override
            public void progress(Progress progress) {
                list.forEach(o -> o.progress(progress));
            }

            @Override
            public void finalEvidence(RecoveryEvidence evidence) {
                list.forEach(o -> o.finalEvidence(evidence));
            }

            @Override
            public void failed(String message) {
                list.forEach(o -> o.failed(message));
            }

            @Override
            public void closing(KafkaStreams streams) {
                list.forEach(o -> o.closing(streams));
            }
        };
    }
}
