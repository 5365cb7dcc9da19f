package dev.reprise.cli;

import dev.reprise.evidence.EvidenceCodec;
import dev.reprise.evidence.avro.RecoveryEvidence;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/** JSON for stdout: one object per result, snake_case field names as in the Avro schemas. */
public final class Json {
    private static final ObjectMapper MAPPER = new ObjectMapper()
            .setPropertyNamingStrategy(com.fasterxml.jackson.databind.PropertyNamingStrategies.SNAKE_CASE);

    private Json() {
    }

    public static String of(Object value) {
        try {
            return MAPPER.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A value as {@link #of(Object)} writes it, as a tree: to show its fields by the names a reader of the JSON knows. */
    public static JsonNode tree(Object value) {
        return MAPPER.valueToTree(value);
    }

    public static String of(RecoveryEvidence evidence) {
        return of(EvidenceCodec.toMap(evidence));
    }
}
