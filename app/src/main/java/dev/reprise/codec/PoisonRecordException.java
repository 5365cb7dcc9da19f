package dev.reprise.codec;

/**
 * A record that cannot become an event: wrong framing, unknown schema, corrupt Avro, no upcaster path,
 * a missing key field or an event the projection rejects. It is never dropped: the topology sends the
 * original bytes to the dead-letter topic with {@link #reasonCode()} and the message, and counts it.
 */
public class PoisonRecordException extends RuntimeException {
    private final String reasonCode;

    public PoisonRecordException(String reasonCode, String message) {
        super(message);
        this.reasonCode = reasonCode;
    }

    public PoisonRecordException(String reasonCode, String message, Throwable cause) {
        super(message, cause);
        this.reasonCode = reasonCode;
    }

    /** A short, stable code used as a counter name in the evidence, e.g. {@code unknown-schema-id}. */
    public String reasonCode() {
        return reasonCode;
    }
}
