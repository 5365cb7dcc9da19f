package dev.reprise.pipeline.apply;

import com.google.common.hash.HashFunction;
import com.google.common.hash.Hasher;
import com.google.common.hash.Hashing;
import dev.reprise.codec.SchemaCatalog;
import dev.reprise.pipeline.repartition.Routed;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryDecoder;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.io.EncoderFactory;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;

/**
 * An event's payload after the repartition: read from the bytes it crossed as (Avro binary of its type's latest
 * schema), with one reader per type; written back for a dead letter when only the record is at hand; and digested, so
 * that two events with one id can be compared. Not thread-safe: one per apply task.
 */
final class Payloads {
    private static final HashFunction DIGEST = Hashing.murmur3_128(0x5EED);
    private final SchemaCatalog catalog;
    private final Map<String, GenericDatumReader<GenericRecord>> readers = new HashMap<>();
    private final Map<String, GenericDatumWriter<GenericRecord>> writers = new HashMap<>();
    private final Buffer buffer = new Buffer();
    private BinaryDecoder decoder;
    private BinaryEncoder encoder;

    Payloads(SchemaCatalog catalog) {
        this.catalog = catalog;
    }

    GenericRecord read(Routed.Data data) {
        if (data.payload != null) {
            return data.payload;
        }
        GenericDatumReader<GenericRecord> reader = readers.computeIfAbsent(data.type, type -> {
            Schema schema = catalog.event(type, catalog.latestVersion(type).orElseThrow()).orElseThrow();
            return new GenericDatumReader<>(schema);
        });
        try {
            decoder = DecoderFactory.get().binaryDecoder(data.payloadBytes, data.payloadOffset, data.payloadEnd - data.payloadOffset, decoder);
            return reader.read(null, decoder);
        } catch (IOException e) {
            throw new UncheckedIOException("repartitioned event " + data.eventId + " is unreadable", e);
        }
    }

    /**
     * A 64-bit digest of what makes the event this event: its type, its ordering key and its payload upcast to the
     * latest version, as Avro binary of the latest schema. Two copies of one event (a producer's retry, the same event
     * written again in an older version and upcast) digest the same; an event that reuses another's id with any field
     * changed (a quantity, the key, a timestamp inside the payload) does not. The record's Kafka timestamp, headers and
     * coordinates are left out: they legitimately differ between copies.
     *
     * <p>One caveat: the bytes are those the event crossed the repartition with, which are the producer's own when the
     * event needed no upcast, and a re-encoding otherwise. For a payload with an Avro map written in another entry order
     * the two differ, and copies would be reported as conflicting: an alarm in the safe direction.
     */
    long digest(Routed.Data data, byte[] key) {
        Hasher hasher = DIGEST.newHasher()
                .putBytes(data.type.getBytes(StandardCharsets.UTF_8)).putByte((byte) 0)
                .putInt(key.length).putBytes(key);
        if (data.payloadBytes != null) {
            hasher.putBytes(data.payloadBytes, data.payloadOffset, data.payloadEnd - data.payloadOffset);
        } else {
            // Upcast, or in the source stage's task: the record in its latest version, encoded as the repartition would.
            Schema schema = data.payload.getSchema();
            GenericDatumWriter<GenericRecord> writer = writers.computeIfAbsent(schema.getFullName(), n -> new GenericDatumWriter<>(schema));
            buffer.reset();
            try {
                encoder = EncoderFactory.get().directBinaryEncoder(buffer, encoder);
                writer.write(data.payload, encoder);
                encoder.flush();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            hasher.putBytes(buffer.bytes(), 0, buffer.size());
        }
        return hasher.hash().asLong();
    }

    /** A reusable output whose bytes can be read without a copy. */
    private static final class Buffer extends ByteArrayOutputStream {
        byte[] bytes() {
            return buf;
        }
    }

    /** The payload's Avro binary on its own, for a dead letter. */
    static byte[] bytes(Routed.Data data) {
        if (data.payloadBytes != null) {
            return data.payloadCopy();
        }
        try {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            BinaryEncoder encoder = EncoderFactory.get().binaryEncoder(out, null);
            new GenericDatumWriter<GenericRecord>(data.payload.getSchema()).write(data.payload, encoder);
            encoder.flush();
            return out.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
