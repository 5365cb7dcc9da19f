package dev.reprise.evidence;

import dev.reprise.evidence.avro.RecoveryEvidence;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.io.JsonEncoder;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The evidence topic's format: Avro single-object encoding of {@code schemas/recovery-evidence.avsc},
 * readable by any Avro client that has the schema (the 8-byte fingerprint names it). Also renders the
 * evidence as plain JSON for people and scripts, with the schema's snake_case field names.
 */
public final class EvidenceCodec {
    private EvidenceCodec() {
    }

    public static byte[] encode(RecoveryEvidence evidence) {
        try {
            return RecoveryEvidence.getEncoder().encode(evidence).array();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static RecoveryEvidence decode(byte[] bytes) {
        try {
            return RecoveryEvidence.getDecoder().decode(bytes);
        } catch (IOException e) {
            throw new UncheckedIOException("not a recovery-evidence record: " + e.getMessage(), e);
        }
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
