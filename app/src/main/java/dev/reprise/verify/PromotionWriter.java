package dev.reprise.verify;

import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.ByteArraySerializer;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;

/**
 * Writes a {@link Promotion} into the live topic in one transaction, and only into the live topic its snapshot
 * describes. The live topic's ends are checked twice against the snapshot's: before the transaction begins (nothing
 * is written when they moved), and inside it, once every record is acknowledged, where the records of the promotion
 * must sit exactly at the snapshot's ends with nothing before or after them (else the transaction is aborted, and
 * nothing becomes visible). A record another writer appends after that check lands after the promotion's records
 * and so wins over them, as a later write should.
 */
public final class PromotionWriter {
    /** Seams between the snapshot and the commit, where a test (or a drill) acts on the live topic. */
    public interface Hooks {
        Hooks NONE = new Hooks() {
        };

        /** After the live topic's snapshot and the promotion's plan, before anything is written. */
        default void afterSnapshot() {
        }

        /** Inside the transaction: every record sent and acknowledged, before the ends are checked and the transaction committed. */
        default void beforeCommit() {
        }
    }

    /** The live topic changed between the snapshot and the write: nothing was written (or the transaction was aborted). */
    public static final class LiveTopicMovedException extends IllegalStateException {
        private final List<String> moved;

        LiveTopicMovedException(String topic, List<String> moved, boolean aborted) {
            super("the live topic " + topic + " changed between promote's snapshot and its write (" + String.join("; ", moved)
                    + "): another writer wrote it meanwhile, so what promote decided to write and tombstone may be out of date. "
                    + (aborted ? "The promotion's transaction was aborted: nothing of it is visible. " : "Nothing was written. ")
                    + "Run promote again (its dry run shows the decisions against the live topic as it is then)");
            this.moved = List.copyOf(moved);
        }

        /** One line per partition that moved: its end at the snapshot and now. */
        public List<String> moved() {
            return moved;
        }
    }

    private PromotionWriter() {
    }

    /**
     * @param transactionalId the promotion's transactional id
     * @param headers         added to every record written
     * @throws LiveTopicMovedException when the live topic's ends moved since {@code snapshot} was read
     */
    public static void write(Map<String, Object> clientConfig, String transactionalId, TopicSnapshot.Live snapshot, Promotion p,
                             Map<String, byte[]> headers, Hooks hooks) {
        hooks.afterSnapshot();
        String topic = snapshot.topic();
        if (p.upserts().isEmpty() && p.tombstones().isEmpty()) {
            return;
        }
        Map<String, Object> config = new HashMap<>(clientConfig);
        config.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, transactionalId);
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(config, new ByteArraySerializer(), new ByteArraySerializer())) {
            producer.initTransactions();
            List<String> before = moved(snapshot.ends(), TopicSnapshot.ends(clientConfig, topic), Map.of());
            if (!before.isEmpty()) {
                throw new LiveTopicMovedException(topic, before, false);
            }
            producer.beginTransaction();
            List<Future<RecordMetadata>> sent = new ArrayList<>();
            p.upserts().forEach((k, v) -> sent.add(producer.send(record(topic, k, v, headers))));
            p.tombstones().forEach(k -> sent.add(producer.send(record(topic, k, null, headers))));
            producer.flush();
            Map<Integer, List<Long>> ours = new TreeMap<>();
            for (Future<RecordMetadata> f : sent) {
                RecordMetadata m = get(f);
                ours.computeIfAbsent(m.partition(), x -> new ArrayList<>()).add(m.offset());
            }
            hooks.beforeCommit();
            List<String> inside = moved(snapshot.ends(), TopicSnapshot.ends(clientConfig, topic), ours);
            if (!inside.isEmpty()) {
                producer.abortTransaction();
                throw new LiveTopicMovedException(topic, inside, true);
            }
            producer.commitTransaction();
        }
    }

    /**
     * The partitions whose end is not the snapshot's end plus the promotion's own records, written contiguously from
     * the snapshot's end; empty when none moved.
     */
    static List<String> moved(Map<Integer, Long> atSnapshot, Map<Integer, Long> now, Map<Integer, List<Long>> ours) {
        List<String> out = new ArrayList<>();
        for (Map.Entry<Integer, Long> e : new TreeMap<>(now).entrySet()) {
            long then = atSnapshot.getOrDefault(e.getKey(), -1L);
            List<Long> offsets = ours.getOrDefault(e.getKey(), List.of());
            long expected = then + offsets.size();
            boolean contiguous = offsets.isEmpty() || offsets.stream().mapToLong(Long::longValue).min().getAsLong() == then
                    && offsets.stream().mapToLong(Long::longValue).max().getAsLong() == expected - 1;
            if (then < 0) {
                out.add("partition " + e.getKey() + " is new since the snapshot");
            } else if (e.getValue() != expected || !contiguous) {
                long others = e.getValue() - expected;
                out.add("partition " + e.getKey() + ": end " + then + " at the snapshot, " + e.getValue() + " now"
                        + (offsets.isEmpty() ? "" : " with " + offsets.size() + " records of this promotion")
                        + (others > 0 ? ", " + others + " records of another writer" : ""));
            }
        }
        return out;
    }

    private static RecordMetadata get(Future<RecordMetadata> f) {
        try {
            return f.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while writing the promotion", e);
        } catch (ExecutionException e) {
            throw new IllegalStateException("writing the promotion failed: " + e.getCause().getMessage(), e.getCause());
        }
    }

    private static ProducerRecord<byte[], byte[]> record(String topic, String key, byte[] value, Map<String, byte[]> headers) {
        ProducerRecord<byte[], byte[]> r = new ProducerRecord<>(topic, key.getBytes(StandardCharsets.UTF_8), value);
        headers.forEach((name, v) -> r.headers().add(name, v));
        return r;
    }
}
