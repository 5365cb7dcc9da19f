package dev.reprise.drill;

import dev.reprise.contract.Contract;
import dev.reprise.pipeline.source.EventReader;
import dev.reprise.plan.Codecs;

/**
 * What the source stage makes of one record, asked of the very reader the stage uses ({@link EventReader}): an event,
 * a record the scope filters out, or poison with a reason code. Used as the oracle of the fuzz tests and of
 * {@code reprise drill poison}; it cannot disagree with the stage it judges. A plugin's or library's unexpected error
 * (which the stage dead-letters as unexpected-error) and anything thrown (a registry failure) are escapes.
 */
public final class SourceOracle {
    private final EventReader reader;

    public SourceOracle(Contract contract, Codecs codecs) {
        this.reader = new EventReader(contract, codecs);
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
}
