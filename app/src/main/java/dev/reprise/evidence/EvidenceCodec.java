package dev.reprise.evidence;

import dev.reprise.codec.PoisonRecordException;
import dev.reprise.codec.SchemaIds;
import dev.reprise.codec.SchemaResolver;
import dev.reprise.codec.ValueFormat;
import dev.reprise.codec.ValueReader;
import dev.reprise.contract.Contract;
import dev.reprise.contract.ContractException;
import dev.reprise.evidence.avro.RecoveryEvidence;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.io.BinaryDecoder;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.io.JsonEncoder;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificDatumReader;
import org.apache.avro.specific.SpecificDatumWriter;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The evidence topic's format: {@code schemas/recovery-evidence.avsc} in the contract's {@code evidence.encoding}
 * (Confluent wire format with the id of subject {@code <topic>-value}, Avro single-object encoding, or plain
 * JSON), read back from any of the three ({@link #read}). Also renders the evidence as plain JSON for people and
 * scripts, with the schema's snake_case field names.
 */
public final class EvidenceCodec {
    private static final Schema SCHEMA = RecoveryEvidence.getClassSchema();
    /** The generated class's model: it converts timestamp-millis to Instant. */
    private static final SpecificData DATA = new RecoveryEvidence().getSpecificData();
    private final ValueFormat format;
    private final ValueReader reader;

    private EvidenceCodec(ValueFormat format, ValueReader reader) {
        this.format = format;
        this.reader = reader;
    }

    /**
     * The evidence codec of a contract.
     *
     * @param resolver finds the writer schema of Confluent-framed evidence by its id
     * @param ids      gives the id Confluent-framed evidence carries (the registry, or the local id map)
     * @throws ContractException naming {@code evidence.encoding} when a local id map has no id for the evidence schema
     */
    public static EvidenceCodec forContract(Contract contract, SchemaResolver resolver, SchemaIds ids) {
        try {
            return new EvidenceCodec(ValueFormat.of(contract.evidence().encoding(), SCHEMA, contract.evidence().topic(), ids),
                    new ValueReader(SCHEMA, resolver));
        } catch (IllegalArgumentException e) {
            throw new ContractException("evidence.encoding", "confluent: " + e.getMessage() + " (schemas/recovery-evidence.avsc), or set "
                    + "history.schemas.source: registry to register it there, or choose evidence.encoding: single-object or json");
        }
    }

    /** A codec that reads evidence only (any encoding; Confluent ids through {@code resolver}) and writes single-object. */
    public static EvidenceCodec reader(SchemaResolver resolver) {
        return new EvidenceCodec(ValueFormat.of(Contract.ValueEncoding.SINGLE_OBJECT, SCHEMA, "unused", SchemaIds.NONE),
                new ValueReader(SCHEMA, resolver));
    }

    /** Registers the evidence schema now when the encoding is Confluent with a registry: see {@link ValueFormat#prepare}. */
    public void prepare() {
        format.prepare();
    }

    /** The evidence record as the contract's evidence encoding writes it. */
    public byte[] write(RecoveryEvidence evidence) {
        return format.frame(binary(evidence));
    }

    /**
     * Reads an evidence-topic value in any of the three encodings.
     *
     * @throws PoisonRecordException when the value is not a recovery-evidence record
     * @throws dev.reprise.codec.RegistryUnavailableException when the schema registry does not give a schema (down, refusing)
     */
    public RecoveryEvidence read(byte[] value) {
        byte[] datum = reader.datum(value);
        try {
            return DECODER.get().read(datum);
        } catch (IOException | RuntimeException e) {
            throw new PoisonRecordException("not-evidence", "not a recovery-evidence record: " + PoisonRecordException.describe(e), e);
        }
    }

    private static final ThreadLocal<BinaryReader> DECODER = ThreadLocal.withInitial(BinaryReader::new);

    /** Avro binary of the evidence schema to the generated class (with its logical-type conversions). */
    private static final class BinaryReader {
        private final SpecificDatumReader<RecoveryEvidence> reader = new SpecificDatumReader<>(SCHEMA, SCHEMA, DATA);
        private BinaryDecoder decoder;

        RecoveryEvidence read(byte[] datum) throws IOException {
            decoder = DecoderFactory.get().binaryDecoder(datum, decoder);
            RecoveryEvidence e = reader.read(null, decoder);
            if (!decoder.isEnd()) {
                throw new IOException("trailing bytes after the evidence record");
            }
            return e;
        }
    }

    private static byte[] binary(RecoveryEvidence evidence) {
        try {
            ByteArrayOutputStream out = new ByteArrayOutputStream(1024);
            BinaryEncoder encoder = EncoderFactory.get().binaryEncoder(out, null);
            new SpecificDatumWriter<>(SCHEMA, DATA).write(evidence, encoder);
            encoder.flush();
            return out.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Avro single-object encoding of the evidence, as {@code evidence.encoding: single-object} writes it. */
    public static byte[] encode(RecoveryEvidence evidence) {
        try {
            return RecoveryEvidence.getEncoder().encode(evidence).array();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Reads single-object or JSON evidence (Confluent-framed evidence needs the schema registry: {@link #read}).
     *
     * @throws PoisonRecordException when the value is not a recovery-evidence record in those encodings
     */
    public static RecoveryEvidence decode(byte[] bytes) {
        return reader(id -> {
            throw new PoisonRecordException("unknown-schema-id", "Confluent-framed evidence (schema id " + id + ") is read with the contract's "
                    + "schema registry or id map");
        }).read(bytes);
    }

    /**
     * Plain JSON (not Avro's JSON encoding with union wrappers): one object, snake_case field names,
     * times as ISO-8601 strings, nulls where the schema allows them.
     */
    public static Map<String, Object> toMap(RecoveryEvidence evidence) {
        return (Map<String, Object>) plain(evidence);
    }

    private static Object plain(Object value) {
        if (value instanceof org.apache.avro.generic.IndexedRecord record) {
            Map<String, Object> out = new LinkedHashMap<>();
            for (org.apache.avro.Schema.Field f : record.getSchema().getFields()) {
                out.put(f.name(), plain(record.get(f.pos())));
            }
            return out;
        }
        if (value instanceof List<?> list) {
            return list.stream().map(EvidenceCodec::plain).toList();
        }
        if (value instanceof Map<?, ?> map) {
            Map<String, Object> out = new LinkedHashMap<>();
            map.forEach((k, v) -> out.put(k.toString(), plain(v)));
            return out;
        }
        if (value instanceof Instant || value instanceof CharSequence || value instanceof Enum<?> || value instanceof GenericData.EnumSymbol) {
            return value.toString();
        }
        return value;
    }

    /** Avro's own JSON encoding, for tools that read it back with the schema. */
    static String avroJson(RecoveryEvidence evidence) {
        try {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            JsonEncoder encoder = EncoderFactory.get().jsonEncoder(evidence.getSchema(), out);
            new GenericDatumWriter<>(evidence.getSchema()).write(evidence, encoder);
            encoder.flush();
            return out.toString(StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
