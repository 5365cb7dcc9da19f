package dev.reprise.pipeline.repartition;

import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.common.header.Headers;

import java.util.Map;

/**
 * What the source stage hands on: an event for the apply stage, the end of a source partition's range,
 * or a poison record for the dead-letter topic.
 */
public sealed interface Routed {

    /**
     * An event upcast to the latest version of its type. {@code payload} is set inside one sub-topology;
     * after the repartition only {@code payloadBytes} is: from {@code payloadOffset} to its end, the
     * Avro binary of the latest schema.
     */
    final class Data implements Routed {
        public final String eventId;
        public final String type;
        public final int originVersion;
        public final long timestamp;
        public final Long sequence;
        public final String sourceTopic;
        public final int sourcePartition;
        public final long sourceOffset;
        public GenericRecord payload;
        public byte[] payloadBytes;
        public int payloadOffset;
        /** Where the payload ends in {@code payloadBytes} (events of a {@link Batch} share its bytes). */
        public int payloadEnd;

        public Data(String eventId, String type, int originVersion, long timestamp, Long sequence,
                    String sourceTopic, int sourcePartition, long sourceOffset, GenericRecord payload, byte[] payloadBytes) {
            this.eventId = eventId;
            this.type = type;
            this.originVersion = originVersion;
            this.timestamp = timestamp;
            this.sequence = sequence;
            this.sourceTopic = sourceTopic;
            this.sourcePartition = sourcePartition;
            this.sourceOffset = sourceOffset;
            this.payload = payload;
            this.payloadBytes = payloadBytes;
            this.payloadEnd = payloadBytes == null ? 0 : payloadBytes.length;
        }

        /** The Avro binary of the payload on its own (for a dead letter), when only the bytes are at hand. */
        public byte[] payloadCopy() {
            return java.util.Arrays.copyOfRange(payloadBytes, payloadOffset, payloadEnd);
        }
    }

    /**
     * A source partition passed the end of its range. Broadcast to every partition of the repartition
     * topic after the partition's last event, so each apply task knows it has seen all of it.
     *
     * @param stats the partition's source-stage counters (events read, filtered, dead-lettered, upcasts)
     */
    record End(String sourceTopic, int sourcePartition, Map<String, Long> stats) implements Routed {
        public String id() {
            return sourceTopic + ":" + sourcePartition;
        }
    }

    /**
     * Events bound for one partition of the repartition topic, serialized as one record
     * ({@link RoutedSerde.Batches}); {@link RoutedSerde#forEach} reads them back with their keys.
     */
    record Batch(int partition, int count, byte[] bytes) implements Routed {
    }

    /**
     * A record on the repartition topic that belongs to no event of this run: written by another run (an
     * offset reset with Kafka's own tools rewinds internal topics too), or not in this format at all. The
     * apply stage counts it and ignores it, so nothing of another run enters a count, a completion or a checksum.
     *
     * @param reason why it is not this run's, for the log
     */
    record Stale(String reason) implements Routed {
    }

    /** A poison record: original key and value, with the reason and coordinates in {@code headers}. */
    record Dead(byte[] key, byte[] value, Headers headers) implements Routed {
    }
}
