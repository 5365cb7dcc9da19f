package dev.reprise.codec;

import dev.reprise.contract.Contract;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericRecord;

import java.io.IOException;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Turns the bytes of a source record into an Avro record of its own version. The writer schema comes
 * from the framing (Confluent schema id or single-object fingerprint); the reader schema is the local
 * schema of the same event type and version, so additive changes within a version are resolved by Avro.
 * One datum reader is kept per writer schema: resolution is computed once, not per record.
 *
 * <p>The bytes come from producers nobody here controls: every length and count in them is checked against
 * the record's own size before anything is allocated ({@link BoundedBinaryDecoder}), records of a schema
 * that nests in itself are read to a fixed depth ({@link DepthLimitedReader}), and whatever else goes wrong
 * while reading a datum is that record's {@link PoisonRecordException}, never an escape that stops the run.
 * Only a registry that does not give the writer schema ({@link RegistryUnavailableException}: down, overloaded,
 * refusing) is not poison, since it is not a property of the record: the id is asked again as
 * {@link RegistryRetry} says, and if the registry still does not answer the exception stops the run.
 */
public final class EventDecoder {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(EventDecoder.class);
    /**
     * How deep records of a writer schema that contains itself may nest. Each level takes a few stack frames of
     * Avro's reader; events of such schemas are rare and shallow, and the stack of a stream thread holds some
     * thousands of levels, so the limit makes a deep record poison on every thread and in every run alike.
     */
    static final int MAX_DEPTH = 128;
    private final Contract.Encoding encoding;
    private final SchemaResolver resolver;
    private final SchemaCatalog catalog;
    private final Map<Long, Reader> readers = new ConcurrentHashMap<>();
    private final BoundedBinaryDecoder decoder = new BoundedBinaryDecoder();
    private final RegistryRetry retry;

    public EventDecoder(Contract.Encoding encoding, SchemaResolver resolver, SchemaCatalog catalog) {
        this(encoding, resolver, catalog, RegistryRetry.DEFAULT);
    }

    /** @param retry how a schema id is asked again while the registry does not give it */
    public EventDecoder(Contract.Encoding encoding, SchemaResolver resolver, SchemaCatalog catalog, RegistryRetry retry) {
        this.encoding = encoding;
        this.resolver = resolver;
        this.catalog = catalog;
        this.retry = retry;
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
            reader = readers.get((long) id);
            if (reader == null) {
                reader = readerFor(id, writerSchema(id));
                readers.put((long) id, reader);
            }
            offset = ConfluentWireFormat.HEADER_LENGTH;
        } else {
            long fingerprint = SingleObjectFormat.fingerprint(value);
            reader = readers.computeIfAbsent(fingerprint, k -> readerFor(-1, catalog.byFingerprint(fingerprint).orElseThrow(() ->
                    new PoisonRecordException("unknown-schema-fingerprint", String.format(
                            "no schema in the schemas directory has fingerprint %016x", fingerprint)))));
            offset = SingleObjectFormat.HEADER_LENGTH;
        }
        String datum = reader.type() + " v" + reader.version();
        try {
            decoder.reset(value, offset, value.length - offset);
            GenericRecord record = reader.reader().read(null, decoder);
            if (!decoder.isEnd()) {
                throw new PoisonRecordException("corrupt-avro", decoder.remaining() + " trailing bytes after the Avro datum");
            }
            return new Decoded(reader.type(), reader.version(), record, offset, reader.asLocal());
        } catch (PoisonRecordException e) {
            throw new PoisonRecordException(e.reasonCode(), "the Avro datum of " + datum + " is not readable: " + e.getMessage(), e);
        } catch (IOException | RuntimeException e) {
            throw new PoisonRecordException("corrupt-avro", "the Avro datum does not match its writer schema " + datum + ": "
                    + PoisonRecordException.describe(e), e);
        } catch (StackOverflowError e) {
            // Only a writer schema that nests records in themselves can get here, and those are read with a depth limit
            // (DepthLimitedReader) far below the stack's size: this is the last line, not the rule.
            throw new PoisonRecordException("nesting-too-deep", "the Avro datum of " + datum + " nests deeper than the stack allows", e);
        } catch (OutOfMemoryError e) {
            // Every length and count is bounded by the record's own size (BoundedBinaryDecoder), so a single record cannot
            // ask for more than a few times its size; should the heap still run out here, the record is not retried forever.
            throw new PoisonRecordException("decode-out-of-memory", "decoding " + value.length + " bytes of " + datum
                    + " ran out of memory: " + PoisonRecordException.describe(e), e);
        }
    }

    /**
     * The writer schema of a schema id, asked again while the registry does not give it.
     *
     * @throws PoisonRecordException when the registry says the id is not a schema Reprise can read (404, not Avro)
     * @throws RegistryUnavailableException after the last attempt: the run stops, nothing is dead-lettered
     */
    private Schema writerSchema(int id) {
        long start = System.nanoTime();
        for (int attempt = 1; ; attempt++) {
            try {
                return resolver.byId(id);
            } catch (RegistryUnavailableException e) {
                long elapsed = (System.nanoTime() - start) / 1_000_000;
                if (!retry.retriesAfter(attempt, elapsed)) {
                    throw e.afterAttempts(attempt, elapsed);
                }
                long wait = retry.waitAfter(attempt);
                LOG.warn("{}; asking again in {} ms (attempt {} of at most {})", e.getMessage(), wait, attempt + 1, retry.attempts());
                try {
                    Thread.sleep(wait);
                } catch (InterruptedException interrupted) {
                    Thread.currentThread().interrupt();
                    throw e.afterAttempts(attempt, (System.nanoTime() - start) / 1_000_000);
                }
            }
        }
    }

    private Reader readerFor(int schemaId, Schema writer) {
        try {
            SchemaCatalog.EventOf event = catalog.eventOf(schemaId, writer).orElseThrow(() -> new PoisonRecordException("not-an-event-schema",
                    "writer schema " + writer.getFullName() + (schemaId < 0 ? "" : " (schema id " + schemaId + ")") + " is no event type of "
                            + "the contract: no item of history.schemas.events maps it, and it has neither the schema property "
                            + "reprise.event_type nor a namespace ending in .vN"));
            String type = event.type();
            int version = event.version();
            Schema readerSchema = catalog.event(type, version).orElse(writer);
            GenericDatumReader<GenericRecord> reader = DepthLimitedReader.isRecursive(writer) || DepthLimitedReader.isRecursive(readerSchema)
                    ? new DepthLimitedReader(writer, readerSchema, MAX_DEPTH)
                    : new GenericDatumReader<>(writer, readerSchema);
            return new Reader(type, version, reader, readerSchema.equals(writer));
        } catch (PoisonRecordException e) {
            throw e;
        } catch (RuntimeException e) {
            // A registry schema with a malformed reprise.version, say: a property of the schema id the record names.
            throw new PoisonRecordException("not-an-event-schema", "writer schema " + writer.getFullName() + " cannot be read as an event: "
                    + PoisonRecordException.describe(e), e);
        }
    }
}
