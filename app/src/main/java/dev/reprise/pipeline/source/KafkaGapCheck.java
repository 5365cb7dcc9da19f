package dev.reprise.pipeline.source;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetOutOfRangeException;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.streams.StreamsConfig;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A {@link GapCheck} that reads each gap with a consumer of its own: {@code read_committed}, no group, no offset
 * reset (a deleted offset is an error, not a jump), small fetches. It is made from the Streams application's own
 * client settings (security included) when the first gap needs it; a range read without a gap never opens it.
 */
public final class KafkaGapCheck implements GapCheck {
    /** The time all the gaps of one check may take: the check runs on the stream thread inside a transaction. */
    static final Duration BUDGET = Duration.ofSeconds(5);
    private final Map<String, Object> appConfigs;
    private KafkaConsumer<byte[], byte[]> consumer;

    public KafkaGapCheck(Map<String, Object> appConfigs) {
        this.appConfigs = appConfigs;
    }

    @Override
    public Result check(TopicPartition partition, List<Gap> gaps) {
        long proven = 0;
        List<Unproven> unproven = new ArrayList<>();
        long deadline = System.nanoTime() + BUDGET.toNanos();
        try {
            KafkaConsumer<byte[], byte[]> c = consumer();
            c.assign(List.of(partition));
            for (Gap gap : gaps) {
                String failure = firstRecordIn(c, partition, gap, deadline);
                if (failure == null) {
                    proven += gap.size();
                } else {
                    unproven.add(new Unproven(gap, failure));
                }
            }
        } catch (KafkaException e) {
            for (int i = unproven.size(); i < gaps.size(); i++) {
                unproven.add(new Unproven(gaps.get(i), "could not be read to prove it holds no record: " + e.getMessage()));
            }
        }
        return new Result(proven, unproven);
    }

    /** Null when the gap holds no committed record; else what was found. */
    private static String firstRecordIn(KafkaConsumer<byte[], byte[]> c, TopicPartition partition, Gap gap, long deadline) {
        c.seek(partition, gap.from());
        while (true) {
            ConsumerRecords<byte[], byte[]> records;
            try {
                records = c.poll(Duration.ofMillis(100));
            } catch (OffsetOutOfRangeException e) {
                long logStart = c.beginningOffsets(Set.of(partition)).getOrDefault(partition, -1L);
                return "was deleted from the log (retention or delete-records; the log now starts at offset " + logStart
                        + ") before the run read it";
            }
            for (ConsumerRecord<byte[], byte[]> r : records.records(partition)) {
                return r.offset() <= gap.to() ? "holds a record at offset " + r.offset() + " that the run did not read" : null;
            }
            if (c.position(partition) > gap.to()) {
                return null;
            }
            if (System.nanoTime() > deadline) {
                return "could not be read within " + BUDGET.toSeconds() + " s to prove it holds no record";
            }
        }
    }

    private KafkaConsumer<byte[], byte[]> consumer() {
        if (consumer == null) {
            consumer = new KafkaConsumer<>(consumerConfig(appConfigs), new ByteArrayDeserializer(), new ByteArrayDeserializer());
        }
        return consumer;
    }

    /** The application's consumer settings (its own and those prefixed for its consumers), as a group-less reader. */
    static Map<String, Object> consumerConfig(Map<String, Object> appConfigs) {
        Map<String, Object> config = new HashMap<>();
        Set<String> names = ConsumerConfig.configNames();
        appConfigs.forEach((k, v) -> {
            if (names.contains(k)) {
                config.put(k, v);
            }
        });
        for (String prefix : List.of(StreamsConfig.CONSUMER_PREFIX, StreamsConfig.MAIN_CONSUMER_PREFIX)) {
            appConfigs.forEach((k, v) -> {
                if (k.startsWith(prefix) && names.contains(k.substring(prefix.length()))) {
                    config.put(k.substring(prefix.length()), v);
                }
            });
        }
        for (String k : List.of(ConsumerConfig.GROUP_ID_CONFIG, ConsumerConfig.GROUP_INSTANCE_ID_CONFIG, ConsumerConfig.CLIENT_ID_CONFIG,
                ConsumerConfig.INTERCEPTOR_CLASSES_CONFIG, ConsumerConfig.GROUP_PROTOCOL_CONFIG, ConsumerConfig.GROUP_REMOTE_ASSIGNOR_CONFIG,
                ConsumerConfig.PARTITION_ASSIGNMENT_STRATEGY_CONFIG, ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG,
                ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG)) {
            config.remove(k);
        }
        config.put(ConsumerConfig.CLIENT_ID_CONFIG, appConfigs.getOrDefault(StreamsConfig.APPLICATION_ID_CONFIG, "reprise") + "-gap-check");
        config.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        config.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "none");
        config.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 1);
        config.put(ConsumerConfig.FETCH_MAX_BYTES_CONFIG, 64 * 1024);
        config.put(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, 64 * 1024);
        config.put(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, 20);
        return config;
    }

    @Override
    public void close() {
        if (consumer != null) {
            consumer.close();
            consumer = null;
        }
    }
}
