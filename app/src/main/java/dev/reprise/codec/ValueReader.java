package dev.reprise.codec;

import dev.reprise.contract.Contract;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.io.BinaryDecoder;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.io.EncoderFactory;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Reads one of Reprise's own values back in any of the three encodings of {@link ValueFormat}, told apart by the
 * first bytes: 0x00 Confluent (the writer schema fetched by id), 0xC3 0x01 single-object (this schema's
 * fingerprint), '{' plain JSON. The result is the value's Avro binary in the reader's schema, byte for byte what
 * the writer encoded when it wrote this schema: what the projection's checksum hashes, whatever the encoding.
 * Thread-safe.
 */
public final class ValueReader {
    private final Schema schema;
    private final long fingerprint;
    private final SchemaResolver resolver;
    /** Writer schema id → a reader resolving it to this schema; empty when the writer schema is this schema. */
    private final Map<Integer, Optional<GenericDatumReader<Object>>> byWriterId = new ConcurrentHashMap<>();

    /** @param resolver finds the writer schema of a Confluent-framed value by its id */
    public ValueReader(Schema schema, SchemaResolver resolver) {
        this.schema = schema;
        this.fingerprint = SingleObjectFormat.fingerprint(schema);
        this.resolver = resolver;
    }

    public Schema schema() {
        return schema;
    }

    /**
     * The value's Avro binary in this reader's schema.
     *
     * @throws PoisonRecordException when the value is in none of the three encodings, names an unknown schema id or
     *                               another schema, or does not decode
     * @throws RegistryUnavailableException when the schema registry does not give a schema (down, refusing): not a property of the value
     */
    public byte[] datum(byte[] value) {
        Contract.ValueEncoding encoding = ValueFormat.detect(value);
        if (encoding == null) {
            throw new PoisonRecordException("unknown-value-format", value == null || value.length == 0 ? "the value is empty"
                    : String.format("the value starts with 0x%02x: not Confluent-framed (0x00), single-object (0xC3 0x01) or JSON ('{')", value[0]));
        }
        try {
            return switch (encoding) {
                case CONFLUENT -> {
                    int id = ConfluentWireFormat.schemaId(value);
                    Optional<GenericDatumReader<Object>> reader = byWriterId.computeIfAbsent(id, k -> {
                        Schema writer = resolver.byId(k);
                        return SingleObjectFormat.fingerprint(writer) == fingerprint ? Optional.empty() : Optional.of(ordered(writer, schema));
                    });
                    yield reader.isEmpty() ? Arrays.copyOfRange(value, ConfluentWireFormat.HEADER_LENGTH, value.length)
                            : reencode(reader.get(), value, ConfluentWireFormat.HEADER_LENGTH);
                }
                case SINGLE_OBJECT -> {
                    long written = SingleObjectFormat.fingerprint(value);
                    if (written != fingerprint) {
                        throw new PoisonRecordException("other-schema", String.format("the value's schema fingerprint %016x is not %s's (%016x)",
                                written, schema.getFullName(), fingerprint));
                    }
                    yield Arrays.copyOfRange(value, SingleObjectFormat.HEADER_LENGTH, value.length);
                }
                case JSON -> encode(PlainJson.read(schema, value));
            };
        } catch (PoisonRecordException | IllegalStateException | InfrastructureException e) {
            // A registry that does not answer is not a property of the value: never turned into poison here.
            throw e;
        } catch (IOException | RuntimeException e) {
            throw new PoisonRecordException("corrupt-avro", "the value is not a " + schema.getName() + ": " + PoisonRecordException.describe(e), e);
        }
    }

    /** A generic reader whose maps keep the order of the binary, so that encoding what it read gives the same bytes. */
    static GenericDatumReader<Object> ordered(Schema writer, Schema reader) {
        // Avro's fast reader (on by default) builds its maps itself, as HashMaps; the classic reader asks newMap.
        GenericData data = new GenericData();
        data.setFastReaderEnabled(false);
        return new GenericDatumReader<>(writer, reader, data) {
            @Override
            protected Object newMap(Object old, int size) {
                return new LinkedHashMap<>(Math.max(16, size * 2));
            }
        };
    }

    private byte[] reencode(GenericDatumReader<Object> reader, byte[] value, int offset) throws IOException {
        BinaryDecoder decoder = DecoderFactory.get().binaryDecoder(value, offset, value.length - offset, null);
        return encode(reader.read(null, decoder));
    }

    private byte[] encode(Object datum) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream(256);
        BinaryEncoder encoder = EncoderFactory.get().binaryEncoder(out, null);
        new GenericDatumWriter<>(schema).write(datum, encoder);
        encoder.flush();
        return out.toByteArray();
    }
}
