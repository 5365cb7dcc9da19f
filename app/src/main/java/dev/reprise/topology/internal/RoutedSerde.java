package dev.reprise.topology.internal;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serializer;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.HashMap;
import java.util.Map;

/**
 * The repartition topic's value format, internal to one application id (never read by anyone else):
 * a tag byte, then for events the envelope fields and the Avro binary of the latest schema, for
 * end markers the partition and its counters as JSON. Hand-written because the envelope is a handful
 * of fields on the hot path and Avro would need a schema per payload type.
 */
public final class RoutedSerde implements Serde<Routed> {
    private static final byte DATA = 'D';
    private static final byte END = 'E';
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final TypeReference<Map<String, Long>> STATS = new TypeReference<>() { };

    @Override
    public Serializer<Routed> serializer() {
        return new RoutedSerializer();
    }

    @Override
    public Deserializer<Routed> deserializer() {
        return (topic, bytes) -> deserialize(bytes);
    }

    static Routed deserialize(byte[] bytes) {
        if (bytes == null) {
            return null;
        }
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes))) {
            byte tag = in.readByte();
            if (tag == END) {
                String topic = in.readUTF();
                int partition = in.readInt();
                byte[] json = in.readNBytes(in.readInt());
                return new Routed.End(topic, partition, JSON.readValue(json, STATS));
            }
            if (tag != DATA) {
                throw new IllegalStateException("unknown routed tag " + tag);
            }
            String eventId = in.readUTF();
            String type = in.readUTF();
            int originVersion = in.readInt();
            long timestamp = in.readLong();
            Long sequence = in.readBoolean() ? in.readLong() : null;
            String topic = in.readUTF();
            int partition = in.readInt();
            long offset = in.readLong();
            byte[] payload = in.readNBytes(in.readInt());
            return new Routed.Data(eventId, type, originVersion, timestamp, sequence, topic, partition, offset, null, payload);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Kafka Streams shares one serializer between its stream threads, so the reusable buffers live in a
     * thread-local: no allocation per record and no sharing between threads.
     */
    private static final class RoutedSerializer implements Serializer<Routed> {
        private static final class Buffers {
            final Map<String, GenericDatumWriter<GenericRecord>> writers = new HashMap<>();
            final ByteArrayOutputStream payloadBuffer = new ByteArrayOutputStream(512);
            final ByteArrayOutputStream buffer = new ByteArrayOutputStream(512);
            BinaryEncoder encoder;
        }

        private final ThreadLocal<Buffers> local = ThreadLocal.withInitial(Buffers::new);

        @Override
        public byte[] serialize(String topic, Routed routed) {
            Buffers b = local.get();
            try {
                ByteArrayOutputStream buffer = b.buffer;
                buffer.reset();
                DataOutputStream out = new DataOutputStream(buffer);
                if (routed instanceof Routed.End end) {
                    out.writeByte(END);
                    out.writeUTF(end.sourceTopic());
                    out.writeInt(end.sourcePartition());
                    byte[] json = JSON.writeValueAsBytes(end.stats());
                    out.writeInt(json.length);
                    out.write(json);
                } else if (routed instanceof Routed.Data data) {
                    out.writeByte(DATA);
                    out.writeUTF(data.eventId);
                    out.writeUTF(data.type);
                    out.writeInt(data.originVersion);
                    out.writeLong(data.timestamp);
                    out.writeBoolean(data.sequence != null);
                    if (data.sequence != null) {
                        out.writeLong(data.sequence);
                    }
                    out.writeUTF(data.sourceTopic);
                    out.writeInt(data.sourcePartition);
                    out.writeLong(data.sourceOffset);
                    byte[] payload = data.payloadBytes != null ? data.payloadBytes : encode(b, data.payload);
                    out.writeInt(payload.length);
                    out.write(payload);
                } else {
                    throw new IllegalArgumentException("dead-letter records are not sent through the repartition topic");
                }
                out.flush();
                return buffer.toByteArray();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        private static byte[] encode(Buffers b, GenericRecord record) throws IOException {
            Schema schema = record.getSchema();
            GenericDatumWriter<GenericRecord> writer = b.writers.computeIfAbsent(schema.getFullName(), n -> new GenericDatumWriter<>(schema));
            b.payloadBuffer.reset();
            b.encoder = EncoderFactory.get().binaryEncoder(b.payloadBuffer, b.encoder);
            writer.write(record, b.encoder);
            b.encoder.flush();
            return b.payloadBuffer.toByteArray();
        }
    }
}
