package dev.reprise.verify;

import dev.reprise.codec.HeaderNames;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndTimestamp;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** The latest value of every key of a (compacted) topic, read to its end under read_committed. */
public final class TopicSnapshot {
    /**
     * A key's latest value, the run that wrote it (header reprise.run_id; null when the record carries
     * none) and the record's timestamp: for Reprise's own projection records, when they were written.
     *
     * @param value          the value; {@code null} only in {@link Live#deleted()}, for a key whose latest record is a tombstone
     * @param partition      the record's partition, -1 when unknown
     * @param offset         the record's offset, -1 when unknown
     * @param promotedFromRun header reprise.promoted_from_run: the run whose promotion wrote the record, or {@code null}
     */
    public record Entry(byte[] value, String runId, long timestamp, int partition, long offset, String promotedFromRun) {
        public Entry(byte[] value, String runId, long timestamp) {
            this(value, runId, timestamp, -1, -1, null);
        }

        /** Where the record is, for messages: {@code p1@42}. */
        public String position() {
            return "p" + partition + "@" + offset;
        }
    }

    /**
     * A topic as {@code reprise promote} needs it: its keys, the keys whose latest record is a tombstone, the end of
     * every partition when it was read, and per partition the first offset whose timestamp is at or after a given
     * time (the run plan's creation), or the end when there is none.
     *
     * @param ends       per partition, the log end (high watermark) when the snapshot was read; every record below it
     *                   was committed or aborted, so the snapshot holds the whole topic up to there
     * @param timeBound  per partition, the first offset whose record timestamp is at or after {@code since}
     */
    public record Live(String topic, Map<String, Entry> entries, Map<String, Entry> deleted, Map<Integer, Long> ends,
                       long since, Map<Integer, Long> timeBound) {
        public Live {
            entries = java.util.Collections.unmodifiableMap(new TreeMap<>(entries));
            deleted = java.util.Collections.unmodifiableMap(new TreeMap<>(deleted));
            ends = Map.copyOf(ends);
            timeBound = Map.copyOf(timeBound);
        }

        /**
         * Whether the key's latest record was written at or after {@link #since()}: its timestamp says so, or it lies at
         * or beyond the first offset of its partition whose timestamp does (a record written later with an older,
         * producer-chosen timestamp still counts as later, by its offset).
         */
        public boolean writtenSince(Entry e) {
            return e.timestamp() >= since || e.offset() >= timeBound.getOrDefault(e.partition(), Long.MAX_VALUE);
        }
    }

    private TopicSnapshot() {
    }

    /** Keys whose latest record is a tombstone are absent. */
    public static Map<String, Entry> read(Map<String, Object> clientConfig, String topic) {
        Map<String, Entry> out = new TreeMap<>();
        scan(clientConfig, topic, Long.MAX_VALUE, Duration.ZERO).entries().forEach((k, v) -> {
            if (v.value() != null) {
                out.put(k, v);
            }
        });
        return out;
    }

    /**
     * The live topic of a promotion, with its ends and the offsets from which records were written at or after
     * {@code sinceMillis}. A partition with an open transaction (its last stable offset below its end) is waited for up
     * to {@code settle}: its records are not readable yet, so a snapshot read then would miss them.
     *
     * @throws IllegalStateException when a transaction is still open after {@code settle}, naming the partitions
     */
    public static Live readLive(Map<String, Object> clientConfig, String topic, long sinceMillis, Duration settle) {
        Live all = scan(clientConfig, topic, sinceMillis, settle);
        Map<String, Entry> entries = new TreeMap<>();
        Map<String, Entry> deleted = new TreeMap<>();
        all.entries().forEach((k, v) -> (v.value() == null ? deleted : entries).put(k, v));
        return new Live(topic, entries, deleted, all.ends(), sinceMillis, all.timeBound());
    }

    /** Per partition, the topic's end (high watermark) now, as {@link Live#ends()} records it. */
    public static Map<Integer, Long> ends(Map<String, Object> clientConfig, String topic) {
        try (KafkaConsumer<byte[], byte[]> consumer = consumer(clientConfig, "read_uncommitted")) {
            Map<Integer, Long> out = new TreeMap<>();
            consumer.endOffsets(partitions(consumer, topic)).forEach((tp, end) -> out.put(tp.partition(), end));
            return out;
        }
    }

    private static Live scan(Map<String, Object> clientConfig, String topic, long sinceMillis, Duration settle) {
        Map<String, Entry> out = new TreeMap<>();
        Map<Integer, Long> highWatermarks = new TreeMap<>();
        Map<Integer, Long> timeBound = new TreeMap<>();
        try (KafkaConsumer<byte[], byte[]> consumer = consumer(clientConfig, "read_committed")) {
            List<TopicPartition> parts = partitions(consumer, topic);
            consumer.assign(parts);
            consumer.seekToBeginning(parts);
            Map<TopicPartition, Long> ends = new HashMap<>(consumer.endOffsets(parts));
            if (!settle.isZero()) {
                try (KafkaConsumer<byte[], byte[]> uncommitted = consumer(clientConfig, "read_uncommitted")) {
                    settle(consumer, uncommitted, topic, parts, ends, settle);
                }
                ends.forEach((tp, end) -> highWatermarks.put(tp.partition(), end));
                Map<TopicPartition, Long> query = new HashMap<>();
                parts.forEach(tp -> query.put(tp, sinceMillis));
                Map<TopicPartition, OffsetAndTimestamp> found = consumer.offsetsForTimes(query);
                parts.forEach(tp -> timeBound.put(tp.partition(), found.get(tp) == null ? ends.get(tp) : found.get(tp).offset()));
            }
            long deadline = System.currentTimeMillis() + 300_000;
            while (parts.stream().anyMatch(tp -> consumer.position(tp) < ends.get(tp))) {
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    if (r.key() == null) {
                        continue;
                    }
                    String key = new String(r.key(), StandardCharsets.UTF_8);
                    out.put(key, new Entry(r.value(), header(r, HeaderNames.RUN_ID), r.timestamp(), r.partition(), r.offset(),
                            header(r, HeaderNames.PROMOTED_FROM_RUN)));
                }
                if (System.currentTimeMillis() > deadline) {
                    throw new IllegalStateException("could not read " + topic + " to its end within 5 minutes");
                }
            }
        }
        return new Live(topic, out, Map.of(), highWatermarks, sinceMillis, timeBound);
    }

    /**
     * Under read_committed a partition's end is its last stable offset: below the high watermark while a transaction
     * is open (or its markers are not written yet). Waits up to {@code settle} for the two to meet, so that the
     * snapshot is the whole topic; {@code ends} then holds the high watermarks.
     */
    private static void settle(KafkaConsumer<byte[], byte[]> committed, KafkaConsumer<byte[], byte[]> uncommitted, String topic,
                               List<TopicPartition> parts, Map<TopicPartition, Long> ends, Duration settle) {
        long settleBy = System.currentTimeMillis() + settle.toMillis();
        Map<TopicPartition, Long> hw = new HashMap<>(uncommitted.endOffsets(parts));
        while (!hw.equals(ends)) {
            if (System.currentTimeMillis() > settleBy) {
                StringBuilder open = new StringBuilder();
                parts.stream().filter(tp -> !hw.get(tp).equals(ends.get(tp))).forEach(tp -> open.append(open.isEmpty() ? "" : ", ")
                        .append("partition ").append(tp.partition()).append(" (last stable offset ").append(ends.get(tp))
                        .append(", end ").append(hw.get(tp)).append(')'));
                throw new IllegalStateException(topic + " has an open transaction on " + open + " that did not end within "
                        + settle.toSeconds() + " s: its records cannot be read yet, so promote cannot see every live key. "
                        + "Nothing was written; run promote again when the writer's transaction has ended");
            }
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for " + topic + "'s open transaction to end", e);
            }
            ends.putAll(committed.endOffsets(parts));
            hw.putAll(uncommitted.endOffsets(parts));
        }
    }

    private static String header(ConsumerRecord<byte[], byte[]> r, String name) {
        Header h = r.headers().lastHeader(name);
        return h == null ? null : new String(h.value(), StandardCharsets.UTF_8);
    }

    private static KafkaConsumer<byte[], byte[]> consumer(Map<String, Object> clientConfig, String isolation) {
        Map<String, Object> config = new HashMap<>(clientConfig);
        config.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, isolation);
        config.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 5000);
        config.remove(ConsumerConfig.GROUP_ID_CONFIG);
        return new KafkaConsumer<>(config, new ByteArrayDeserializer(), new ByteArrayDeserializer());
    }

    private static List<TopicPartition> partitions(KafkaConsumer<byte[], byte[]> consumer, String topic) {
        List<TopicPartition> parts = consumer.partitionsFor(topic, Duration.ofSeconds(30)).stream()
                .map(p -> new TopicPartition(p.topic(), p.partition())).toList();
        if (parts.isEmpty()) {
            throw new IllegalArgumentException("topic " + topic + " does not exist");
        }
        return parts;
    }
}
