package dev.reprise.projection;

import dev.reprise.codec.SingleObjectFormat;
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
 * Encodes projection states: plain Avro binary in state stores, single-object encoding on the
 * projection topic so any client with the schema can read it. Not thread-safe: one per processor.
 */
public final class StateCodec<S extends SpecificRecord> {
    private final Schema schema;
    private final long fingerprint;
    private final SpecificDatumWriter<S> writer;
    private final SpecificDatumReader<S> reader;
    private final ByteArrayOutputStream buffer = new ByteArrayOutputStream(256);
    private BinaryEncoder encoder;
    private BinaryDecoder decoder;

    public StateCodec(Class<S> type) {
        this.schema = SpecificData.get().getSchema(type);
        this.fingerprint = SingleObjectFormat.fingerprint(schema);
        // The code the Avro compiler generates for each state class (customEncode/customDecode) instead of
        // Avro's reflective walk over the schema: the apply stage encodes a state per event (5% of the keyed
        // pipeline's stream threads in a profile). Off by default in Avro; the format is the same.
        SpecificData data = new SpecificData(type.getClassLoader());
        data.setCustomCoders(true);
        this.writer = new SpecificDatumWriter<>(schema, data);
        this.reader = new SpecificDatumReader<>(schema, schema, data);
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

    /** Reads a projection-topic value; {@code null} when the bytes are not this schema's single-object encoding. */
    public S fromSingleObject(byte[] framed) {
        try {
            if (SingleObjectFormat.fingerprint(framed) != fingerprint) {
                return null;
            }
        } catch (dev.reprise.codec.PoisonRecordException e) {
            return null;
        }
        return decode(framed, SingleObjectFormat.HEADER_LENGTH);
    }
}
