package dev.reprise.projection;

import dev.reprise.codec.PoisonRecordException;
import dev.reprise.codec.SchemaResolver;
import dev.reprise.codec.SingleObjectFormat;
import dev.reprise.codec.ValueReader;
import org.apache.avro.Schema;
import org.apache.avro.io.BinaryDecoder;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificDatumReader;
import org.apache.avro.specific.SpecificDatumWriter;
import org.apache.avro.specific.SpecificRecord;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * Encodes projection states: plain Avro binary in state stores; on the projection topic in the contract's
 * {@code projection.encoding} ({@link dev.reprise.codec.ValueFormat}), read back from any of the three encodings
 * ({@link #fromTopic}). Not thread-safe: one per processor.
 */
public final class StateCodec<S extends SpecificRecord> {
    private final Schema schema;
    private final long fingerprint;
    private final SpecificDatumWriter<S> writer;
    private final SpecificDatumReader<S> reader;
    private final ValueReader values;
    private final ByteArrayOutputStream buffer = new ByteArrayOutputStream(256);
    private BinaryEncoder encoder;
    private BinaryDecoder decoder;

    /** A codec that reads Confluent-framed states only when their schema id is one {@code resolver} knows. */
    public StateCodec(Class<S> type, SchemaResolver resolver) {
        this.schema = SpecificData.get().getSchema(type);
        this.fingerprint = SingleObjectFormat.fingerprint(schema);
        // The code the Avro compiler generates for each state class (customEncode/customDecode) instead of
        // Avro's reflective walk over the schema: the apply stage encodes a state per event (5% of the keyed
        // pipeline's stream threads in a profile). Off by default in Avro; the format is the same.
        SpecificData data = new SpecificData(type.getClassLoader());
        data.setCustomCoders(true);
        this.writer = new SpecificDatumWriter<>(schema, data);
        this.reader = new SpecificDatumReader<>(schema, schema, data);
        this.values = new ValueReader(schema, resolver);
    }

    /** A codec without schema ids: Confluent-framed states are not readable with it (single-object and JSON are). */
    public StateCodec(Class<S> type) {
        this(type, id -> {
            throw new PoisonRecordException("unknown-schema-id", "schema id " + id + " cannot be resolved: no schema registry or id map given");
        });
    }

    public Schema schema() {
        return schema;
    }

    public byte[] encode(S state) {
        try {
            buffer.reset();
            encoder = EncoderFactory.get().binaryEncoder(buffer, encoder);
            writer.write(state, encoder);
            encoder.flush();
            return buffer.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public S decode(byte[] bytes) {
        return decode(bytes, 0);
    }

    private S decode(byte[] bytes, int offset) {
        try {
            decoder = DecoderFactory.get().binaryDecoder(bytes, offset, bytes.length - offset, decoder);
            return reader.read(null, decoder);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The value written to the projection topic for a state given as plain Avro binary. */
    public byte[] toSingleObject(byte[] avroBinary) {
        return SingleObjectFormat.frame(fingerprint, avroBinary);
    }

    /**
     * A projection-topic value (Confluent, single-object or JSON) as this state's Avro binary: the bytes the checksum
     * hashes, the same whatever the encoding; {@code null} when the value is not this state in any of them.
     *
     * @throws dev.reprise.codec.RegistryUnavailableException when the schema registry does not give a schema (down, refusing)
     */
    public byte[] datum(byte[] value) {
        try {
            return values.datum(value);
        } catch (PoisonRecordException e) {
            return null;
        }
    }

    /** Reads a projection-topic value in any of the three encodings; {@code null} when it is not this state. */
    public S fromTopic(byte[] value) {
        byte[] datum = datum(value);
        if (datum == null) {
            return null;
        }
        try {
            return decode(datum);
        } catch (RuntimeException e) {
            return null;
        }
    }
}
