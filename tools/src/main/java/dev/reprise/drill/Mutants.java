package dev.reprise.drill;

import dev.reprise.projection.Event;
import dev.reprise.sample.inventory.InventoryLevel;
import dev.reprise.sample.inventory.InventoryProjection;
import dev.reprise.sample.inventory.StockMovementV1ToV2;
import dev.reprise.upcast.Upcaster;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.clients.consumer.ConsumerInterceptor;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

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

    /** The inventory projection that silently ignores one event in {@link #ONE_IN} while counting it as processed. */
    static final class DroppingProjection extends InventoryProjection {
        @Override
        public String name() {
            return "drill-drops-events";
        }

        @Override
        public InventoryLevel apply(InventoryLevel state, Event event) {
            return chosen(event) ? state : super.apply(state, event);
        }
    }

    /** The inventory projection that applies one event in {@link #ONE_IN} twice. */
    static final class TwiceApplyingProjection extends InventoryProjection {
        @Override
        public String name() {
            return "drill-applies-twice";
        }

        @Override
        public InventoryLevel apply(InventoryLevel state, Event event) {
            InventoryLevel once = super.apply(state, event);
            return chosen(event) ? super.apply(once, event) : once;
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
