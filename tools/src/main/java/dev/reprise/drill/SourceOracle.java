package dev.reprise.drill;

import dev.reprise.codec.EventDecoder;
import dev.reprise.codec.PoisonRecordException;
import dev.reprise.contract.Contract;
import dev.reprise.plan.Codecs;
import dev.reprise.projection.Event;
import dev.reprise.upcast.UpcasterRegistry;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericRecord;

/**
 * What the source stage makes of one record's value, the way it does it (SourceStage.toEvent): decode,
 * upcast to the latest version, take the ordering key, the event id and the sequence, and let the
 * projection validate the event. Used as the oracle of the fuzz tests and of {@code reprise drill poison}: a record either becomes an event
 * or is poison with a reason code; anything else thrown is an escape.
 */
public final class SourceOracle {
    private final Contract contract;
    private final Codecs codecs;
    private final EventDecoder decoder;

    public SourceOracle(Contract contract, Codecs codecs) {
        this.contract = contract;
        this.codecs = codecs;
        this.decoder = codecs.newDecoder();
    }

    /**
     * @param reasonCode null when the record became an event
     * @param escape     what was thrown that is neither an event nor poison, or null
     */
    public record Outcome(String reasonCode, String message, Throwable escape) {
        public boolean isEvent() {
            return reasonCode == null && escape == null;
        }
    }

    public Outcome classify(byte[] value) {
        try {
            toEvent(value);
            return new Outcome(null, null, null);
        } catch (PoisonRecordException e) {
            return new Outcome(e.reasonCode(), e.getMessage(), null);
        } catch (dev.reprise.projection.InvalidEventException e) {
            return new Outcome(e.reasonCode(), e.getMessage(), null);
        } catch (Throwable t) {
            return new Outcome(null, null, t);
        }
    }

    private Event toEvent(byte[] value) {
        EventDecoder.Decoded decoded = decoder.decode(value);
        UpcasterRegistry.Chain chain = codecs.upcasters().chain(decoded.type(), decoded.version());
        GenericRecord payload = chain.apply(decoded.record());
        String key = requiredText(payload, contract.ordering().keyField(), decoded);
        String eventId = requiredText(payload, contract.idempotency().eventIdField(), decoded);
        Long sequence = null;
        if (contract.ordering().sequenceField() != null) {
            Object seq = payload.getSchema().getField(contract.ordering().sequenceField()) == null ? null : payload.get(contract.ordering().sequenceField());
            if (!(seq instanceof Number n)) {
                throw new PoisonRecordException("missing-field", "no numeric sequence field");
            }
            sequence = n.longValue();
        }
        Event event = new Event(decoded.type(), chain.toVersion(), eventId, key, 0L, sequence, payload);
        codecs.projection().validate(event);
        return event;
    }

    private static String requiredText(GenericRecord payload, String field, EventDecoder.Decoded decoded) {
        Schema.Field f = payload.getSchema().getField(field);
        Object value = f == null ? null : payload.get(f.pos());
        if (value == null || value.toString().isEmpty()) {
            throw new PoisonRecordException("missing-field", decoded.type() + " v" + decoded.version() + " has no value for '" + field + "'");
        }
        return value.toString();
    }
}
