package dev.reprise.cli;

import dev.reprise.evidence.EvidenceCodec;
import dev.reprise.evidence.avro.RecoveryEvidence;
import com.fasterxml.jackson.core.JsonProcessingException;
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

    public static String of(RecoveryEvidence evidence) {
        return of(EvidenceCodec.toMap(evidence));
    }
}
