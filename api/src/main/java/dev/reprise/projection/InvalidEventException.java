package dev.reprise.projection;

/**
 * Thrown by {@link Projection#validate} (or {@link Projection#apply}) for an event that can never be applied: an
 * unknown kind, an impossible quantity, a missing field. Reprise dead-letters the record with {@link #reasonCode()},
 * its coordinates and this message, counts it under that reason, and the run goes on. Any other exception a plugin
 * throws on an event is an {@code unexpected-error} instead: counted apart, and the run is at best degraded.
 */
public class InvalidEventException extends RuntimeException {
    private final String reasonCode;

    /**
     * @param reasonCode a short code for the dead-letter topic and the evidence's {@code dead_letter_reasons}, e.g.
     *                   {@code invalid-quantity}
     * @param message    what is wrong with the event, naming the field
     */
    public InvalidEventException(String reasonCode, String message) {
        super(message);
        if (reasonCode == null || reasonCode.isBlank()) {
            throw new IllegalArgumentException("an invalid event needs a reason code, e.g. invalid-quantity");
        }
        this.reasonCode = reasonCode;
    }

    public String reasonCode() {
        return reasonCode;
    }
}
