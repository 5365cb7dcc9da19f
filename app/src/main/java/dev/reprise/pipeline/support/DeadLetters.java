package dev.reprise.pipeline.support;

import dev.reprise.codec.HeaderNames;
import dev.reprise.codec.PoisonRecordException;
import dev.reprise.compat.NewHeaders;
import org.apache.kafka.common.header.Headers;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;

/**
 * Dead-letter records: the original key and value, with headers saying where the record came from, why it
 * was rejected, and by which run.
 *
 * <p>A dead letter must always fit what the broker and the producer accept, or the failure to write it
 * stops the run that it was meant to keep going: the producer's {@code max.request.size} is 1 MiB by
 * default, the broker's {@code message.max.bytes} about as much. So the original key and value are copied
 * up to {@link #DEFAULT_MAX_ORIGINAL_BYTES} together and cut beyond it; the headers then carry each one's
 * original size and SHA-256, {@code reprise.dlq.truncated: true}, and the coordinates from which the whole
 * record can be fetched from the source topic. Header texts are bounded too: a reason quotes the record,
 * and a hostile record can make it as long as itself.
 */
public final class DeadLetters {
    public static final String REASON = "reprise.dlq.reason";
    public static final String REASON_CODE = "reprise.dlq.reason_code";
    public static final String STAGE = "reprise.dlq.stage";
    public static final String TOPIC = "reprise.source.topic";
    public static final String PARTITION = "reprise.source.partition";
    public static final String OFFSET = "reprise.source.offset";
    public static final String RUN_ID = HeaderNames.RUN_ID;
    /** "true" when the key or the value of the dead letter is shorter than the original, else "false". */
    public static final String TRUNCATED = "reprise.dlq.truncated";
    /** The original value's size in bytes and its SHA-256 in hex; absent for a record without a value. */
    public static final String VALUE_SIZE = "reprise.dlq.original_value_size";
    public static final String VALUE_SHA256 = "reprise.dlq.original_value_sha256";
    /** The same for the original key; absent for a record without a key. */
    public static final String KEY_SIZE = "reprise.dlq.original_key_size";
    public static final String KEY_SHA256 = "reprise.dlq.original_key_sha256";

    /**
     * Bytes of the original key and value together that a dead letter carries: half the producer's default
     * {@code max.request.size}, leaving room for the headers and for brokers configured below the default.
     */
    public static final int DEFAULT_MAX_ORIGINAL_BYTES = 512 * 1024;
    /** Of those, at most this share goes to the key when both do not fit: keys are short, values are the evidence. */
    private static final int KEY_SHARE = 8;
    /** Bytes of a reason in a header (and a log line); longer ones are cut on a character boundary. */
    public static final int MAX_REASON_BYTES = 2_048;
    /** Bytes of a reason in a log line. */
    static final int MAX_LOG_REASON_BYTES = 400;
    /** Bytes of a reason code: also a counter name in the evidence. */
    static final int MAX_CODE_BYTES = 100;

    private DeadLetters() {
    }

    /**
     * A dead letter ready to send: key and value as they go to the dead-letter topic, its headers, and the
     * bounded reason code and reason that the headers hold (for counters and log lines).
     */
    public record Letter(byte[] key, byte[] value, Headers headers, String reasonCode, String reason) {
    }

    /**
     * @param key   the original key, or null
     * @param value the original value (or, after the repartition, the event's payload), or null
     * @param maxOriginalBytes bytes of {@code key} and {@code value} together beyond which both are cut
     */
    public static Letter letter(String runId, String stage, PoisonRecordException e, String topic, int partition, long offset,
                         byte[] key, byte[] value, int maxOriginalBytes) {
        String reasonCode = code(e.reasonCode());
        String reason = reason(e.getMessage());
        Headers headers = headers(runId, stage, reasonCode, reason, topic, partition, offset);
        int keyLength = key == null ? 0 : key.length;
        int valueLength = value == null ? 0 : value.length;
        byte[] keptKey = key;
        byte[] keptValue = value;
        if ((long) keyLength + valueLength > maxOriginalBytes) {
            int keyBytes = Math.min(keyLength, maxOriginalBytes / KEY_SHARE);
            keptKey = key == null ? null : Arrays.copyOf(key, keyBytes);
            keptValue = value == null ? null : Arrays.copyOf(value, Math.min(valueLength, maxOriginalBytes - keyBytes));
        }
        headers.add(TRUNCATED, utf8(Boolean.toString(keptKey != key || keptValue != value)));
        if (value != null) {
            headers.add(VALUE_SIZE, utf8(Integer.toString(value.length)));
            headers.add(VALUE_SHA256, utf8(sha256(value)));
        }
        if (key != null) {
            headers.add(KEY_SIZE, utf8(Integer.toString(key.length)));
            headers.add(KEY_SHA256, utf8(sha256(key)));
        }
        return new Letter(keptKey, keptValue, headers, reasonCode, reason);
    }

    static Headers headers(String runId, String stage, String reasonCode, String reason, String topic, int partition, long offset) {
        org.apache.kafka.common.header.Headers headers = NewHeaders.empty();
        headers.add(REASON, utf8(reason(reason)));
        headers.add(REASON_CODE, utf8(code(reasonCode)));
        headers.add(STAGE, utf8(stage));
        headers.add(TOPIC, utf8(topic));
        headers.add(PARTITION, utf8(Integer.toString(partition)));
        headers.add(OFFSET, utf8(Long.toString(offset)));
        headers.add(RUN_ID, utf8(runId));
        return headers;
    }

    /** A reason cut to {@link #MAX_REASON_BYTES} of UTF-8, saying so. */
    static String reason(String reason) {
        return cut(reason == null ? "" : reason, MAX_REASON_BYTES);
    }

    /** A reason cut for a log line: the header has the longer form. */
    public static String brief(String reason) {
        return cut(reason == null ? "" : reason, MAX_LOG_REASON_BYTES);
    }

    /** A reason code cut to {@link #MAX_CODE_BYTES} of UTF-8. */
    static String code(String reasonCode) {
        return cut(reasonCode == null || reasonCode.isBlank() ? "unknown" : reasonCode, MAX_CODE_BYTES);
    }

    private static String cut(String text, int maxBytes) {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        if (bytes.length <= maxBytes) {
            return text;
        }
        String suffix = "… (cut; " + bytes.length + " bytes in all)";
        int end = Math.max(0, maxBytes - suffix.getBytes(StandardCharsets.UTF_8).length);
        while (end > 0 && (bytes[end] & 0xC0) == 0x80) {
            end--; // not inside a character's UTF-8 sequence
        }
        return new String(bytes, 0, end, StandardCharsets.UTF_8) + suffix;
    }

    private static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java runtime has SHA-256", e);
        }
    }

    private static byte[] utf8(String s) {
        return (s == null ? "" : s).getBytes(StandardCharsets.UTF_8);
    }
}
