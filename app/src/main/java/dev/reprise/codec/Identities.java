package dev.reprise.codec;

import dev.reprise.contract.Contract;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * Reads an identity of an event (its ordering key, its event id) where the contract says it is: a payload field of the
 * upcast event, a record header, or the record key. Headers and keys are read as UTF-8 text, the way Debezium's outbox
 * event router and Kafka's string serializer write them. A record without it is poison, naming what is missing.
 */
public final class Identities {
    private Identities() {
    }

    /**
     * @param event how the event reads in messages, e.g. "OrderPlaced v1"
     * @throws PoisonRecordException missing-field, missing-header or missing-key
     */
    public static String read(Contract.Identity identity, GenericRecord payload, byte[] recordKey, Headers headers, String event) {
        return switch (identity.from()) {
            case FIELD -> {
                Schema.Field f = payload.getSchema().getField(identity.name());
                Object value = f == null ? null : payload.get(f.pos());
                if (value == null || value.toString().isEmpty()) {
                    throw new PoisonRecordException("missing-field", event + " has no value for '" + identity.name() + "' ("
                            + identity.declaredAt() + ")");
                }
                yield value.toString();
            }
            case HEADER -> {
                Header header = headers == null ? null : headers.lastHeader(identity.name());
                if (header == null || header.value() == null || header.value().length == 0) {
                    throw new PoisonRecordException("missing-header", event + " has no header '" + identity.name() + "' ("
                            + identity.declaredAt() + ")");
                }
                yield text(header.value(), "header '" + identity.name() + "'", identity, event);
            }
            case RECORD_KEY -> {
                if (recordKey == null || recordKey.length == 0) {
                    throw new PoisonRecordException("missing-key", event + " has no record key (" + identity.declaredAt() + ")");
                }
                yield text(recordKey, "record key", identity, event);
            }
        };
    }

    private static String text(byte[] bytes, String what, Contract.Identity identity, String event) {
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            throw new PoisonRecordException(identity.from() == Contract.Identity.From.HEADER ? "missing-header" : "missing-key",
                    "the " + what + " of " + event + " is not UTF-8 text (" + identity.declaredAt() + " reads it as text; a key "
                            + "written by an Avro or JSON key serializer needs a string key converter)");
        }
    }
}
