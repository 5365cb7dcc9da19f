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

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

/**
 * The repartition topic's value format, internal to one application id (never read by anyone else):
 * a tag byte, then for events the envelope fields and, to the end of the record, the Avro binary of
 * the latest schema; for end markers the partition and its counters as JSON. Strings are a 2-byte
 * length and UTF-8. Hand-written because the envelope is a handful of fields on the hot path (8% of
 * the stream threads with a repartition, when it went through Data streams) and Avro would need a
 * schema per payload type.
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
        try {
            ByteBuffer in = ByteBuffer.wrap(bytes);
            byte tag = in.get();
            if (tag == END) {
                String topic = string(in);
                int partition = in.getInt();
                return new Routed.End(topic, partition, JSON.readValue(bytes, in.position(), in.remaining(), STATS));
            }
            if (tag != DATA) {
                throw new IllegalStateException("unknown routed tag " + tag);
            }
            String eventId = string(in);
            String type = string(in);
            int originVersion = in.getInt();
            long timestamp = in.getLong();
            Long sequence = in.get() != 0 ? in.getLong() : null;
            String topic = string(in);
            int partition = in.getInt();
            long offset = in.getLong();
            Routed.Data data = new Routed.Data(eventId, type, originVersion, timestamp, sequence, topic, partition, offset, null, bytes);
            data.payloadOffset = in.position();
            return data;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String string(ByteBuffer in) {
        int length = in.getShort() & 0xFFFF;
        String s = new String(in.array(), in.position(), length, StandardCharsets.UTF_8);
        in.position(in.position() + length);
        return s;
    }

    /**
     * Kafka Streams shares one serializer between its stream threads, so the reusable buffers live in a
     * thread-local: no allocation per record but the result, and no sharing between threads.
     */
    private static final class RoutedSerializer implements Serializer<Routed> {
        private static final class Buffers {
            final Map<String, GenericDatumWriter<GenericRecord>> writers = new HashMap<>();
            final Output out = new Output();
            BinaryEncoder encoder;
        }

        private final ThreadLocal<Buffers> local = ThreadLocal.withInitial(Buffers::new);

        @Override
        public byte[] serialize(String topic, Routed routed) {
            Buffers b = local.get();
            Output out = b.out;
            out.size = 0;
            try {
                if (routed instanceof Routed.End end) {
                    out.write(END);
                    out.string(end.sourceTopic());
                    out.putInt(end.sourcePartition());
                    out.write(JSON.writeValueAsBytes(end.stats()));
                } else if (routed instanceof Routed.Data data) {
                    out.write(DATA);
                    out.string(data.eventId);
                    out.string(data.type);
                    out.putInt(data.originVersion);
                    out.putLong(data.timestamp);
                    out.write(data.sequence != null ? 1 : 0);
                    if (data.sequence != null) {
                        out.putLong(data.sequence);
                    }
                    out.string(data.sourceTopic);
                    out.putInt(data.sourcePartition);
                    out.putLong(data.sourceOffset);
                    if (data.payloadBytes != null) {
                        out.write(data.payloadBytes, data.payloadOffset, data.payloadBytes.length - data.payloadOffset);
                    } else {
                        Schema schema = data.payload.getSchema();
                        GenericDatumWriter<GenericRecord> writer = b.writers.computeIfAbsent(schema.getFullName(), n -> new GenericDatumWriter<>(schema));
                        b.encoder = EncoderFactory.get().directBinaryEncoder(out, b.encoder);
                        writer.write(data.payload, b.encoder);
                        b.encoder.flush();
                    }
                } else {
                    throw new IllegalArgumentException("dead-letter records are not sent through the repartition topic");
                }
                return Arrays.copyOf(out.bytes, out.size);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    /** A growable byte buffer as an OutputStream, without ByteArrayOutputStream's locks and copies. */
    private static final class Output extends OutputStream {
        byte[] bytes = new byte[512];
        int size;

        private void ensure(int more) {
            if (size + more > bytes.length) {
                bytes = Arrays.copyOf(bytes, Math.max(bytes.length * 2, size + more));
            }
        }

        @Override
        public void write(int b) {
            ensure(1);
            bytes[size++] = (byte) b;
        }

        @Override
        public void write(byte[] b, int off, int len) {
            ensure(len);
            System.arraycopy(b, off, bytes, size, len);
            size += len;
        }

        void putInt(int v) {
            ensure(4);
            for (int shift = 24; shift >= 0; shift -= 8) {
                bytes[size++] = (byte) (v >>> shift);
            }
        }

        void putLong(long v) {
            ensure(8);
            for (int shift = 56; shift >= 0; shift -= 8) {
                bytes[size++] = (byte) (v >>> shift);
            }
        }

        void string(String s) {
            byte[] utf8 = s.getBytes(StandardCharsets.UTF_8);
            if (utf8.length > 0xFFFF) {
                throw new IllegalArgumentException("a string of " + utf8.length + " bytes in a repartitioned event; at most 65,535");
            }
            ensure(2);
            bytes[size++] = (byte) (utf8.length >>> 8);
            bytes[size++] = (byte) utf8.length;
            write(utf8, 0, utf8.length);
        }
    }
}
