package dev.reprise.pipeline.repartition;

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
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The repartition topic's value format, internal to one application id (never read by anyone else):
 * a tag byte and the 8-byte tag of the run that wrote the record ({@code RunPlan.statePrefix()}), then for a
 * batch ({@link Batches}) the partition, the count and the events with their keys; for an end marker the
 * source partition and its counters as JSON; for a single event the event. An event is its envelope
 * fields and, to the end, the Avro binary of the latest schema. Strings are a 2-byte length and UTF-8.
 * A record of another run, or in no format of this class, is read as {@link Routed.Stale}: it is never
 * decoded into an event or a marker. Hand-written because the envelope is a handful of fields on the hot
 * path (8% of the stream threads with a repartition, when it went through Data streams) and Avro would
 * need a schema per payload type.
 *
 * <p>Over 300 lines: the repartition format is one format: its reader, its writer and its batches must agree byte for byte, so they stay in one file.
 */
public final class RoutedSerde implements Serde<Routed> {
    /**
     * The largest record written to the repartition topic (a batch ends as soon as it passes
     * {@link Batches#MAX_BATCH_BYTES}, so this bounds the largest event it can carry). Kafka's default of 1 MiB would
     * stop a replay at the first history record near that size; the topic and the producer are configured for this.
     */
    public static final int MAX_RECORD_BYTES = 16 * 1024 * 1024 + 64 * 1024;
    /** The largest event value the source stage hands to the repartition: a batch holding it stays below {@link #MAX_RECORD_BYTES}. */
    public static final int MAX_EVENT_BYTES = 16 * 1024 * 1024 - Batches.MAX_BATCH_BYTES - 64 * 1024;
    private static final byte DATA = 'D';
    private static final byte SINGLE = 'S';
    private static final byte END = 'E';
    private static final byte BATCH = 'B';
    /** Tag byte and run tag. */
    static final int RUN_TAG_END = 9;
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final TypeReference<Map<String, Long>> STATS = new TypeReference<>() { };
    private final byte[] runTag;

    /** @param runTag the 8 bytes of the run whose records this serde writes and reads ({@code RunPlan.statePrefix()}) */
    public RoutedSerde(byte[] runTag) {
        if (runTag.length != 8) {
            throw new IllegalArgumentException("a run tag has 8 bytes, got " + runTag.length);
        }
        this.runTag = runTag.clone();
    }

    @Override
    public Serializer<Routed> serializer() {
        return new RoutedSerializer(runTag);
    }

    @Override
    public Deserializer<Routed> deserializer() {
        return (topic, bytes) -> deserialize(bytes, runTag);
    }

    static Routed deserialize(byte[] bytes, byte[] runTag) {
        if (bytes == null) {
            return new Routed.Stale("a record without a value");
        }
        if (bytes.length < RUN_TAG_END) {
            return new Routed.Stale("a record of " + bytes.length + " bytes, too short for this format");
        }
        if (!Arrays.equals(bytes, 1, RUN_TAG_END, runTag, 0, 8)) {
            return new Routed.Stale("a record of another run (run tag " + java.util.HexFormat.of().formatHex(bytes, 1, RUN_TAG_END) + ")");
        }
        try {
            ByteBuffer in = ByteBuffer.wrap(bytes);
            byte tag = in.get();
            in.position(RUN_TAG_END);
            if (tag == END) {
                String topic = string(in);
                int partition = in.getInt();
                return new Routed.End(topic, partition, JSON.readValue(bytes, in.position(), in.remaining(), STATS));
            }
            if (tag == BATCH) {
                int partition = in.getInt();
                int count = in.getInt();
                return new Routed.Batch(partition, count, bytes);
            }
            if (tag == SINGLE) {
                return data(bytes, RUN_TAG_END, bytes.length);
            }
            return new Routed.Stale("a record with the unknown tag " + tag);
        } catch (IOException | RuntimeException e) {
            return new Routed.Stale("a record of this run that cannot be read: " + e);
        }
    }

    /** An event written by {@link #writeData}, from {@code bytes[offset]} (its tag) to {@code end} (its payload's end). */
    static Routed.Data data(byte[] bytes, int offset, int end) {
        ByteBuffer in = ByteBuffer.wrap(bytes, offset, end - offset);
        if (in.get() != DATA) {
            throw new IllegalStateException("not a routed event at offset " + offset);
        }
        String eventId = string(in);
        String type = string(in);
        int originVersion = in.getInt();
        long timestamp = in.getLong();
        Long sequence = in.get() != 0 ? in.getLong() : null;
        String topic = string(in);
        int partition = in.getInt();
        long offsetInSource = in.getLong();
        Routed.Data data = new Routed.Data(eventId, type, originVersion, timestamp, sequence, topic, partition, offsetInSource, null, bytes);
        data.payloadOffset = in.position();
        data.payloadEnd = end;
        return data;
    }

    /**
     * The events of a {@link Routed.Batch}, in the order they were added: per event a 2-byte key length,
     * the key, a 4-byte length and the event as {@link #writeData} writes it.
     */
    public static void forEach(Routed.Batch batch, java.util.function.BiConsumer<byte[], Routed.Data> action) {
        ByteBuffer in = ByteBuffer.wrap(batch.bytes());
        in.position(BATCH_HEADER);
        for (int i = 0; i < batch.count(); i++) {
            byte[] key = new byte[in.getShort() & 0xFFFF];
            in.get(key);
            int length = in.getInt();
            int start = in.position();
            action.accept(key, data(batch.bytes(), start, start + length));
            in.position(start + length);
        }
    }

    /** The keys of a {@link Routed.Batch}'s events, in order, without reading the events. */
    public static void forEachKey(Routed.Batch batch, java.util.function.Consumer<byte[]> action) {
        ByteBuffer in = ByteBuffer.wrap(batch.bytes());
        in.position(BATCH_HEADER);
        for (int i = 0; i < batch.count(); i++) {
            byte[] key = new byte[in.getShort() & 0xFFFF];
            in.get(key);
            int length = in.getInt();
            in.position(in.position() + length);
            action.accept(key);
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
        /** A thread's writer and the buffer its records are written to. */
        private record Buffers(Writer writer, Output out) {
        }

        private final byte[] runTag;
        private final ThreadLocal<Buffers> local = ThreadLocal.withInitial(() -> new Buffers(new Writer(), new Output()));

        RoutedSerializer(byte[] runTag) {
            this.runTag = runTag;
        }

        @Override
        public byte[] serialize(String topic, Routed routed) {
            if (routed instanceof Routed.Batch batch) {
                return batch.bytes();
            }
            Buffers b = local.get();
            Output out = b.out();
            out.size = 0;
            try {
                if (routed instanceof Routed.End end) {
                    out.write(END);
                    out.write(runTag, 0, runTag.length);
                    out.string(end.sourceTopic());
                    out.putInt(end.sourcePartition());
                    out.write(JSON.writeValueAsBytes(end.stats()));
                } else if (routed instanceof Routed.Data data) {
                    out.write(SINGLE);
                    out.write(runTag, 0, runTag.length);
                    b.writer().writeData(out, data);
                } else {
                    throw new IllegalArgumentException("dead-letter and stale records are not sent through the repartition topic");
                }
                return Arrays.copyOf(out.bytes, out.size);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    /** Writes events in the repartition format; holds the Avro writers and encoder it reuses. One per thread. */
    static final class Writer {
        private final Map<String, GenericDatumWriter<GenericRecord>> writers = new HashMap<>();
        private BinaryEncoder encoder;

        /** The tag, the envelope and, to the end, the payload as Avro binary of the latest schema. */
        void writeData(Output out, Routed.Data data) throws IOException {
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
                out.write(data.payloadBytes, data.payloadOffset, data.payloadEnd - data.payloadOffset);
            } else {
                Schema schema = data.payload.getSchema();
                GenericDatumWriter<GenericRecord> writer = writers.computeIfAbsent(schema.getFullName(), n -> new GenericDatumWriter<>(schema));
                encoder = EncoderFactory.get().directBinaryEncoder(out, encoder);
                writer.write(data.payload, encoder);
                encoder.flush();
            }
        }
    }

    /** Tag, run tag, partition and count. */
    static final int BATCH_HEADER = RUN_TAG_END + 8;

    /**
     * Events bound for the partitions of the repartition topic, gathered per partition and sent as one
     * record each ({@link Routed.Batch}) when a partition has {@value #MAX_BATCH_EVENTS} events or
     * {@value #MAX_BATCH_BYTES} bytes, and whenever the source task commits or ends a range (see
     * SourceStage). One record per event cost a producer send, a broker append, a consumer fetch and
     * Kafka Streams' per-record work on the apply side for every event: with batches those are paid
     * once per few hundred events. Not thread-safe: one per source task.
     */
    public static final class Batches {
        static final int MAX_BATCH_EVENTS = 256;
        static final int MAX_BATCH_BYTES = 128 * 1024;
        private final Writer writer = new Writer();
        private final byte[] runTag;
        private final Output[] buffers;
        private final int[] counts;

        /** @param runTag the run's 8-byte tag, written into every batch */
        public Batches(int partitions, byte[] runTag) {
            this.runTag = runTag.clone();
            this.buffers = new Output[partitions];
            this.counts = new int[partitions];
        }

        /** Adds an event for {@code partition}; returns the partition's batch when it is full, else null. */
        public Routed.Batch add(int partition, byte[] key, Routed.Data data) {
            Output out = buffers[partition];
            if (out == null) {
                out = buffers[partition] = new Output();
            }
            if (counts[partition] == 0) {
                out.size = 0;
                out.write(BATCH);
                out.write(runTag, 0, runTag.length);
                out.putInt(partition);
                out.putInt(0);
            }
            if (key.length > 0xFFFF) {
                throw new IllegalArgumentException("an ordering key of " + key.length + " bytes; at most 65,535");
            }
            // An event that cannot be written leaves the batch as it was: the source stage dead-letters it and goes on.
            int entryAt = out.size;
            out.ensure(2 + key.length + 4);
            out.bytes[out.size++] = (byte) (key.length >>> 8);
            out.bytes[out.size++] = (byte) key.length;
            out.write(key, 0, key.length);
            // The event's length goes before it: written once the event is, in the 4 bytes kept here.
            int lengthAt = out.size;
            out.putInt(0);
            try {
                writer.writeData(out, data);
            } catch (IOException e) {
                out.size = entryAt;
                throw new UncheckedIOException(e);
            } catch (RuntimeException | Error e) {
                out.size = entryAt;
                throw e;
            }
            ByteBuffer.wrap(out.bytes, lengthAt, 4).putInt(out.size - lengthAt - 4);
            counts[partition]++;
            return counts[partition] >= MAX_BATCH_EVENTS || out.size >= MAX_BATCH_BYTES ? take(partition) : null;
        }

        /** The batches of every partition holding events, emptied. */
        public List<Routed.Batch> takeAll() {
            List<Routed.Batch> out = new ArrayList<>();
            for (int p = 0; p < buffers.length; p++) {
                if (counts[p] > 0) {
                    out.add(take(p));
                }
            }
            return out;
        }

        private Routed.Batch take(int partition) {
            Output out = buffers[partition];
            int count = counts[partition];
            ByteBuffer.wrap(out.bytes, BATCH_HEADER - 4, 4).putInt(count);
            counts[partition] = 0;
            return new Routed.Batch(partition, count, Arrays.copyOf(out.bytes, out.size));
        }
    }

    /** A growable byte buffer as an OutputStream, without ByteArrayOutputStream's locks and copies. */
    private static final class Output extends OutputStream {
        byte[] bytes = new byte[512];
        int size;

        void ensure(int more) {
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
