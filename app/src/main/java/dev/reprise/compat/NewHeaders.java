package dev.reprise.compat;

import org.apache.kafka.common.header.internals.RecordHeaders;

/**
 * Record headers built outside a record (dead letters carry theirs through the topology): Kafka's only
 * implementation of {@link org.apache.kafka.common.header.Headers} lives in an internals package.
 */
public final class NewHeaders {
    private NewHeaders() {
    }

    public static org.apache.kafka.common.header.Headers empty() {
        return new RecordHeaders();
    }
}
