package dev.reprise.drill;

import dev.reprise.contract.Contract;
import dev.reprise.pipeline.source.EventReader;
import dev.reprise.plan.CompiledContract;
import dev.reprise.codec.Identities;
import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.common.header.Headers;

/**
 * What the source stage makes of one record, asked of the very reader the stage uses ({@link EventReader}): an event,
 * a record the scope filters out, or poison with a reason code. Used as the oracle of the fuzz tests and of
 * {@code reprise drill poison}; it cannot disagree with the stage it judges. A plugin's or library's unexpected error
 * (which the stage dead-letters as unexpected-error) and anything thrown (a registry failure) are escapes.
 */
public final class SourceOracle {
    private final EventReader reader;

    private final Contract contract;

    public SourceOracle(Contract contract, CompiledContract codecs) {
        this.reader = new EventReader(contract, codecs);
        this.contract = contract;
    }

    /**
     * @param result what the reader made of the record, or null when it threw
     * @param escape what was thrown, or the unexpected error behind an unexpected-error poison; null otherwise
     */
    public record Outcome(EventReader.Result result, Throwable escape) {
        /** An event the stage hands on. */
        public boolean isEvent() {
            return escape == null && result instanceof EventReader.Ready;
        }

        /** Filtered out by the contract's scope: neither applied nor dead-lettered. */
        public boolean isFiltered() {
            return escape == null && result instanceof EventReader.Filtered;
        }

        /** Poison the stage dead-letters with {@link #reasonCode()}. */
        public boolean isPoison() {
            return escape == null && result instanceof EventReader.Poison;
        }

        /** The poison's reason code, null unless {@link #isPoison()}. */
        public String reasonCode() {
            return isPoison() ? ((EventReader.Poison) result).reasonCode() : null;
        }

        public String message() {
            return isPoison() ? ((EventReader.Poison) result).cause().getMessage() : null;
        }
    }

    /** A value as a record without key or headers (contracts whose identities are payload fields). */
    public Outcome classify(byte[] value) {
        return classify(new EventReader.SourceRecord("oracle", 0, 0L, null, value, null, 0L));
    }

    public Outcome classify(EventReader.SourceRecord record) {
        try {
            EventReader.Result result = reader.read(record);
            if (result instanceof EventReader.Poison p && p.unexpected()) {
                return new Outcome(result, p.cause().getCause() == null ? p.cause() : p.cause().getCause());
            }
            return new Outcome(result, null);
        } catch (Throwable t) {
            return new Outcome(null, t);
        }
    }

    /** As {@link #classify(byte[])}, for a whole record: an ordering key or event id may come from its key or a header. */
    public Outcome classify(byte[] recordKey, Headers headers, byte[] value) {
        return classify(new EventReader.SourceRecord("oracle", 0, 0L, recordKey, value, headers, 0L));
    }

    /**
     * The ordering key of a record as the source stage reads it; for a record that is poison, the key read from its
     * upcast payload when it decoded, or from the record key or a header, which need no decoding; else {@code null}.
     */
    public String orderingKey(byte[] recordKey, Headers headers, byte[] value) {
        EventReader.Result result;
        try {
            result = reader.read(new EventReader.SourceRecord("oracle", 0, 0L, recordKey, value, headers, 0L));
        } catch (RuntimeException e) {
            return null;
        }
        if (result instanceof EventReader.Ready ready) {
            return ready.orderingKey();
        }
        if (result instanceof EventReader.Filtered filtered && filtered.orderingKey() != null) {
            return filtered.orderingKey();
        }
        Contract.Identity identity = contract.ordering().key();
        try {
            GenericRecord payload = null;
            if (result instanceof EventReader.Poison poison && poison.decoded() != null && poison.upcast() != null) {
                payload = poison.upcast().apply(poison.decoded().record());
            } else if (identity.from() == Contract.Identity.From.FIELD) {
                return null;
            }
            return Identities.read(identity, payload, recordKey, headers, "a record");
        } catch (RuntimeException unreadable) {
            return null;
        }
    }
}
