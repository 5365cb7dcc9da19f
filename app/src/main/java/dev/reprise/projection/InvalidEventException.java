package dev.reprise.projection;

import dev.reprise.codec.PoisonRecordException;

/** Thrown by {@link Projection#validate} for an event the projection cannot apply; the record is dead-lettered. */
public class InvalidEventException extends PoisonRecordException {
    public InvalidEventException(String reasonCode, String message) {
        super(reasonCode, message);
    }
}
