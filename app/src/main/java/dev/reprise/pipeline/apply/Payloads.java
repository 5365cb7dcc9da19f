package dev.reprise.pipeline.apply;

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
import java.util.HashMap;
import java.util.Map;

/**
 * An event's payload after the repartition: read from the bytes it crossed as (Avro binary of its type's latest
 * schema), with one reader per type; and written back for a dead letter when only the record is at hand. Not
 * thread-safe: one per apply task.
 */
final class Payloads {
    private final SchemaCatalog catalog;
    private final Map<String, GenericDatumReader<GenericRecord>> readers = new HashMap<>();
    private BinaryDecoder decoder;

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
