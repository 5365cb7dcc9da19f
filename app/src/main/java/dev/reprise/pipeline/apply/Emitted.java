package dev.reprise.pipeline.apply;

import org.apache.kafka.common.header.Headers;

/** What the apply stage hands on: a projection record, a dead letter, or its summary for the evidence. */
public sealed interface Emitted {
    record ProjectionRecord(byte[] value) implements Emitted {
    }

    record DeadLetter(byte[] value, Headers headers) implements Emitted {
    }

    record Summary(byte[] json) implements Emitted {
    }
}
