package dev.reprise.codec;

/**
 * A record that cannot become an event: wrong framing, unknown schema, corrupt Avro, no upcaster path,
 * a missing key field or an event the projection rejects. It is never dropped: the topology sends the
 * original bytes to the dead-letter topic with {@link #reasonCode()} and the message, and counts it.
 */
public class PoisonRecordException extends RuntimeException {
    /**
     * The reason code of a failure that is not the record's poison: a projection, upcaster or invariant (or a library under
     * them) threw on a valid event. Dead-lettered like poison, but counted apart in the evidence: the run is at best degraded.
     */
    public static final String UNEXPECTED_ERROR = "unexpected-error";
    private final String reasonCode;

    public PoisonRecordException(String reasonCode, String message) {
        super(message);
        this.reasonCode = reasonCode;
    }

    public PoisonRecordException(String reasonCode, String message, Throwable cause) {
        super(message, cause);
        this.reasonCode = reasonCode;
    }

    /**
     * A failure that the code handling one record did not foresee (a projection's or an upcaster's bug, an
     * exception of a library), as the record's poison: dead-lettered with {@code reasonCode} and a message
     * that says where it happened and what was thrown. A {@link PoisonRecordException} is returned as it is.
     *
     * @param where what was being done, e.g. "projection inventory-levels rejected the event"
     */
    public static PoisonRecordException unexpected(String reasonCode, String where, Throwable failure) {
        if (failure instanceof PoisonRecordException poison) {
            return poison;
        }
        return new PoisonRecordException(reasonCode, where + ": " + describe(failure), failure);
    }

    /** The message of a failure and the kind of failure it is, for a reason a person reads. */
    public static String describe(Throwable failure) {
        String kind = failure.getClass().getSimpleName();
        return failure.getMessage() == null || failure.getMessage().isBlank() ? kind : failure.getMessage() + " (" + kind + ")";
    }

    /** A short, stable code used as a counter name in the evidence, e.g. {@code unknown-schema-id}. */
    public String reasonCode() {
        return reasonCode;
    }
}
