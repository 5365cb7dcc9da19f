package dev.reprise.codec;

import dev.reprise.contract.Contract;
import org.apache.avro.AvroRuntimeException;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryDecoder;
import org.apache.avro.io.DecoderFactory;

import java.io.IOException;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Turns the bytes of a source record into an Avro record of its own version. The writer schema comes
 * from the framing (Confluent schema id or single-object fingerprint); the reader schema is the local
 * schema of the same event type and version, so additive changes within a version are resolved by Avro.
 * One datum reader is kept per writer schema: resolution is computed once, not per record.
 */
public final class EventDecoder {
    private final Contract.Encoding encoding;
    private final SchemaResolver resolver;
    private final SchemaCatalog catalog;
    private final Map<Long, Reader> readers = new ConcurrentHashMap<>();
    private BinaryDecoder reuse;

    public EventDecoder(Contract.Encoding encoding, SchemaResolver resolver, SchemaCatalog catalog) {
        this.encoding = encoding;
        this.resolver = resolver;
        this.catalog = catalog;
    }

    /**
     * An event as written: its type, the version it was written at, and the record read at that version.
     *
     * @param avroOffset where the Avro datum starts in the record's value
     * @param asLocal    whether the writer schema is the local schema of that version itself, so that the
     *                   datum's bytes are already the local schema's binary encoding of {@code record}
     */
    public record Decoded(String type, int version, GenericRecord record, int avroOffset, boolean asLocal) {
    }

    private record Reader(String type, int version, GenericDatumReader<GenericRecord> reader, boolean asLocal) {
    }

    public Decoded decode(byte[] value) {
        if (value == null) {
            throw new PoisonRecordException("null-value", "record has no value (a tombstone in an event history)");
        }
        Reader reader;
        int offset;
        if (encoding == Contract.Encoding.CONFLUENT) {
            int id = ConfluentWireFormat.schemaId(value);
            reader = readers.computeIfAbsent((long) id, k -> readerFor(resolver.byId(id)));
            offset = ConfluentWireFormat.HEADER_LENGTH;
        } else {
            long fingerprint = SingleObjectFormat.fingerprint(value);
            reader = readers.computeIfAbsent(fingerprint, k -> readerFor(catalog.byFingerprint(fingerprint).orElseThrow(() ->
                    new PoisonRecordException("unknown-schema-fingerprint", String.format(
                            "no schema in the schemas directory has fingerprint %016x", fingerprint)))));
            offset = SingleObjectFormat.HEADER_LENGTH;
        }
        try {
            reuse = DecoderFactory.get().binaryDecoder(value, offset, value.length - offset, reuse);
            GenericRecord record = reader.reader().read(null, reuse);
            if (!reuse.isEnd()) {
                throw new PoisonRecordException("corrupt-avro", "trailing bytes after the Avro datum of " + reader.type() + " v" + reader.version());
            }
            return new Decoded(reader.type(), reader.version(), record, offset, reader.asLocal());
        } catch (IOException | AvroRuntimeException | ArrayIndexOutOfBoundsException | NegativeArraySizeException e) {
            throw new PoisonRecordException("corrupt-avro", "the Avro datum does not match its writer schema "
                    + reader.type() + " v" + reader.version() + ": " + e, e);
        }
    }

    private Reader readerFor(Schema writer) {
        if (!SchemaCatalog.isEvent(writer)) {
            throw new PoisonRecordException("not-an-event-schema", "writer schema " + writer.getFullName()
                    + " declares no event type (schema property reprise.event_type)");
        }
        String type = SchemaCatalog.eventType(writer);
        int version = SchemaCatalog.version(writer);
        Schema readerSchema = catalog.event(type, version).orElse(writer);
        return new Reader(type, version, new GenericDatumReader<>(writer, readerSchema), readerSchema.equals(writer));
    }
}
