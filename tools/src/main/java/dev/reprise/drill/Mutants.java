package dev.reprise.drill;

import dev.reprise.projection.Event;
import dev.reprise.projection.Invariant;
import dev.reprise.projection.Projection;
import dev.reprise.sample.inventory.StockMovementV1ToV2;
import dev.reprise.upcast.Upcaster;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.consumer.ConsumerInterceptor;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Broken pieces of a pipeline for the evidence drill, built only on public extension points a user could
 * write too (a {@link dev.reprise.projection.Projection}, an {@link Upcaster}, a Kafka consumer interceptor).
 * None is registered as a service: no contract can name them, by mistake or not; the drill hands them to a run
 * in its own process.
 */
final class Mutants {
    /** One event in this many, chosen by event id (the same events in every run), is mishandled. */
    static final int ONE_IN = 97;

    private Mutants() {
    }

    static boolean chosen(Event event) {
        return Math.floorMod(event.eventId().hashCode(), ONE_IN) == 0;
    }

    /**
     * The contract's projection, silently ignoring one event in {@link #ONE_IN} while counting it as processed.
     * {@code changing} counts the ignored events that would have changed a key's state: none, and the fault is harmless
     * for this projection on this history, so there is nothing for the evidence to catch.
     */
    static <S extends SpecificRecord> Projection<S> dropping(Projection<S> projection, AtomicLong changing) {
        return new Wrapped<>(projection, "drill-drops-events") {
            @Override
            public S apply(S state, Event event) {
                if (!chosen(event)) {
                    return projection.apply(state, event);
                }
                S before = copy(state);
                if (!java.util.Objects.equals(before, projection.apply(copy(state), event))) {
                    changing.incrementAndGet();
                }
                return before;
            }
        };
    }

    /** The contract's projection applying one event in {@link #ONE_IN} twice; {@code changing} counts those where twice is not once. */
    static <S extends SpecificRecord> Projection<S> applyingTwice(Projection<S> projection, AtomicLong changing) {
        return new Wrapped<>(projection, "drill-applies-twice") {
            @Override
            public S apply(S state, Event event) {
                S once = projection.apply(state, event);
                if (!chosen(event)) {
                    return once;
                }
                S onceCopy = copy(once);
                S twice;
                try {
                    twice = projection.apply(once, event);
                } catch (RuntimeException refused) {
                    // The projection refuses the event a second time (a status machine takes no transition twice): the
                    // fault cannot happen with it, and the event stands applied once.
                    return onceCopy;
                }
                if (!java.util.Objects.equals(onceCopy, twice)) {
                    changing.incrementAndGet();
                }
                return twice;
            }
        };
    }

    /** A projection that does what another does, under a name of its own. */
    private abstract static class Wrapped<S extends SpecificRecord> implements Projection<S> {
        private final Projection<S> delegate;
        private final String name;

        Wrapped(Projection<S> delegate, String name) {
            this.delegate = delegate;
            this.name = name;
        }

        @Override
        public String name() {
            return name;
        }

        @Override
        public Class<S> stateClass() {
            return delegate.stateClass();
        }

        @Override
        public S initial(String key) {
            return delegate.initial(key);
        }

        @Override
        public void validate(Event event) {
            delegate.validate(event);
        }

        @Override
        public List<Invariant<S>> invariants() {
            return delegate.invariants();
        }

        /**
         * A deep copy: a projection may change the state it is given. Made with the state class's own class loader: a plugin's
         * classes are not visible to Avro's, whose copy would be a generic record the projection cannot take.
         */
        S copy(S state) {
            return state == null ? null : new SpecificData(delegate.stateClass().getClassLoader()).deepCopy(state.getSchema(), state);
        }
    }

    /** StockMovement v1 → v2 that forgets that v1 counted whole cases of 12: quantities of v1 events come out 12 times too small. */
    static final class CasesAsUnits implements Upcaster {
        private final StockMovementV1ToV2 right = new StockMovementV1ToV2();

        @Override
        public String eventType() {
            return right.eventType();
        }

        @Override
        public int fromVersion() {
            return right.fromVersion();
        }

        @Override
        public GenericRecord upcast(GenericRecord event, Schema target) {
            GenericRecord v2 = right.upcast(event, target);
            v2.put("quantity", event.get("cases"));
            return v2;
        }
    }

    /**
     * A consumer interceptor that never delivers the records of one partition from an offset on, as a broken
     * network path, proxy or client library would lose them: the consumer's position moves on, the application
     * never sees them. Configured with {@link #TOPIC}, {@link #PARTITION} and {@link #FROM_OFFSET}.
     */
    public static final class UndeliveredTail implements ConsumerInterceptor<byte[], byte[]> {
        static final String TOPIC = "reprise-drill.undelivered.topic";
        static final String PARTITION = "reprise-drill.undelivered.partition";
        static final String FROM_OFFSET = "reprise-drill.undelivered.from.offset";
        private TopicPartition partition;
        private long from;

        @Override
        public void configure(Map<String, ?> configs) {
            partition = new TopicPartition(String.valueOf(configs.get(TOPIC)), Integer.parseInt(String.valueOf(configs.get(PARTITION))));
            from = Long.parseLong(String.valueOf(configs.get(FROM_OFFSET)));
        }

        /** Kafka Streams settings that install it on the main consumer. */
        static Map<String, Object> streamsSettings(TopicPartition tp, long fromOffset) {
            Map<String, Object> settings = new HashMap<>();
            for (String prefix : List.of("main.consumer.", "")) {
                settings.put(prefix + TOPIC, tp.topic());
                settings.put(prefix + PARTITION, Integer.toString(tp.partition()));
                settings.put(prefix + FROM_OFFSET, Long.toString(fromOffset));
            }
            settings.put("main.consumer.interceptor.classes", UndeliveredTail.class.getName());
            return settings;
        }

        @Override
        public ConsumerRecords<byte[], byte[]> onConsume(ConsumerRecords<byte[], byte[]> records) {
            if (!records.partitions().contains(partition)) {
                return records;
            }
            Map<TopicPartition, List<ConsumerRecord<byte[], byte[]>>> kept = new HashMap<>();
            for (TopicPartition tp : records.partitions()) {
                List<ConsumerRecord<byte[], byte[]>> list = new ArrayList<>();
                for (ConsumerRecord<byte[], byte[]> r : records.records(tp)) {
                    if (!tp.equals(partition) || r.offset() < from) {
                        list.add(r);
                    }
                }
                if (!list.isEmpty()) {
                    kept.put(tp, list);
                }
            }
            return new ConsumerRecords<>(kept, records.nextOffsets());
        }

        @Override
        public void onCommit(Map<TopicPartition, OffsetAndMetadata> offsets) {
        }

        @Override
        public void close() {
        }
    }
}
