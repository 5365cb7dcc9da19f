package dev.reprise.pipeline.apply;

import org.apache.kafka.common.header.Headers;

/** What the apply stage hands on: a projection record, a dead letter, its summary for the evidence, or the ids it applied for the id check. */
public sealed interface Emitted {
    record ProjectionRecord(byte[] value) implements Emitted {
    }

    record DeadLetter(byte[] value, Headers headers) implements Emitted {
    }

    record Summary(byte[] json) implements Emitted {
    }

    /** Event ids this task applied, or its end, for the id check of task {@code task} ({@link dev.reprise.pipeline.idcheck.IdClaims}). */
    record IdClaim(int task, byte[] value) implements Emitted {
    }
}
