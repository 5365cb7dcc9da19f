package dev.reprise.topology;

import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;

import java.nio.charset.StandardCharsets;

/** The headers of a dead-letter record: where the record came from, why it was rejected, and by which run. */
public final class DeadLetters {
    public static final String REASON = "reprise.dlq.reason";
    public static final String REASON_CODE = "reprise.dlq.reason_code";
    public static final String STAGE = "reprise.dlq.stage";
    public static final String TOPIC = "reprise.source.topic";
    public static final String PARTITION = "reprise.source.partition";
    public static final String OFFSET = "reprise.source.offset";
    public static final String RUN_ID = "reprise.run_id";

    private DeadLetters() {
    }

    static Headers headers(String runId, String stage, String reasonCode, String reason, String topic, int partition, long offset) {
        RecordHeaders headers = new RecordHeaders();
        headers.add(REASON, utf8(reason));
        headers.add(REASON_CODE, utf8(reasonCode));
        headers.add(STAGE, utf8(stage));
        headers.add(TOPIC, utf8(topic));
        headers.add(PARTITION, utf8(Integer.toString(partition)));
        headers.add(OFFSET, utf8(Long.toString(offset)));
        headers.add(RUN_ID, utf8(runId));
        return headers;
    }

    private static byte[] utf8(String s) {
        return (s == null ? "" : s).getBytes(StandardCharsets.UTF_8);
    }
}
