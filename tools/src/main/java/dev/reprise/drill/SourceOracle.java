package dev.reprise.drill;

import dev.reprise.codec.EventDecoder;
import dev.reprise.codec.Identities;
import dev.reprise.codec.PoisonRecordException;
import dev.reprise.contract.Contract;
import dev.reprise.plan.Codecs;
import dev.reprise.projection.Event;
import dev.reprise.upcast.UpcasterRegistry;
import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.common.header.Headers;

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
        return classify(null, null, value);
    }

    /** As {@link #classify(byte[])}, for a whole record: an ordering key or event id may come from its key or a header. */
    public Outcome classify(byte[] recordKey, Headers headers, byte[] value) {
        try {
            toEvent(recordKey, headers, value);
            return new Outcome(null, null, null);
        } catch (PoisonRecordException e) {
            return new Outcome(e.reasonCode(), e.getMessage(), null);
        } catch (dev.reprise.projection.InvalidEventException e) {
            return new Outcome(e.reasonCode(), e.getMessage(), null);
        } catch (Throwable t) {
            return new Outcome(null, null, t);
        }
    }

    /**
     * The ordering key of a record as the source stage reads it ({@link Identities}); for a record that is poison, the key
     * when the contract reads it from the record key or a header, which need no decoding; else {@code null}.
     */
    public String orderingKey(byte[] recordKey, Headers headers, byte[] value) {
        Contract.Identity identity = contract.ordering().key();
        try {
            EventDecoder.Decoded decoded = decoder.decode(value);
            GenericRecord payload = codecs.upcasters().chain(decoded.type(), decoded.version()).apply(decoded.record());
            return Identities.read(identity, payload, recordKey, headers, decoded.type() + " v" + decoded.version());
        } catch (PoisonRecordException | dev.reprise.projection.InvalidEventException e) {
            if (identity.from() == Contract.Identity.From.FIELD) {
                return null;
            }
            try {
                return Identities.read(identity, null, recordKey, headers, "a record");
            } catch (PoisonRecordException unreadable) {
                return null;
            }
        }
    }

    private Event toEvent(byte[] recordKey, Headers headers, byte[] value) {
        EventDecoder.Decoded decoded = decoder.decode(value);
        UpcasterRegistry.Chain chain = codecs.upcasters().chain(decoded.type(), decoded.version());
        GenericRecord payload = chain.apply(decoded.record());
        String what = decoded.type() + " v" + decoded.version();
        String key = Identities.read(contract.ordering().key(), payload, recordKey, headers, what);
        String eventId = Identities.read(contract.idempotency().eventId(), payload, recordKey, headers, what);
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

}
