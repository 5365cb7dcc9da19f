package dev.reprise.run;

import dev.reprise.cluster.GroupOffsets;
import dev.reprise.contract.Contract;
import dev.reprise.counts.Count;
import dev.reprise.pipeline.source.SourceStage;
import dev.reprise.pipeline.support.Counters;
import dev.reprise.plan.RunPlan;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Where an unfinished run stands in each source partition, read from what it committed, and the group's
 * offsets moved forward past records it has not read.
 *
 * <p>Under exactly-once, the source stage's counters (the last offset it read in each partition) commit in the
 * same transaction as the group's offsets, so the committed offset of a partition is never past an unread
 * record: between the last record read and the committed offset there are only transaction markers and aborted
 * records. An operator who moves the offsets forward with Kafka's own tools (--to-latest, --shift-by) while the
 * run is stopped would make it skip records, and nothing in the stream shows the gap (a read_committed consumer
 * skips markers the same way). This class finds such moves before Kafka Streams starts, by reading the committed
 * counters from their changelog topic and the records in each gap, and puts the offsets back: a run in force
 * reads its whole range. To replay less, an operator changes the contract's scope and starts a new run.
 */
public final class RunPositions {
    private static final Logger LOG = LoggerFactory.getLogger(RunPositions.class);
    private final Contract contract;
    private final Map<String, Object> clientConfig;

    public RunPositions(Contract contract, Map<String, Object> clientConfig) {
        this.contract = contract;
        this.clientConfig = clientConfig;
    }

    /** The changelog topic of the source stage's counters, as Kafka Streams names it. */
    String countersChangelog() {
        return contract.applicationId() + "-" + SourceStage.COUNTERS_STORE + "-changelog";
    }

    /**
     * Puts back every source partition whose committed offset lies past a record the run has not read, to the
     * record after the last one it read (or the range's start). The group must have no active members.
     *
     * @return one line per partition put back, for the operator
     */
    public List<String> putBackForwardMoves(Admin admin, RunPlan plan, Map<TopicPartition, Long> committed) {
        Map<String, Map<String, Long>> counters = committedCounters(plan);
        Map<TopicPartition, Long> back = new HashMap<>();
        List<String> lines = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> consumer = consumer()) {
            for (RunPlan.PartitionRange r : plan.ranges()) {
                Long c = committed.get(r.topicPartition());
                Map<String, Long> stats = counters.getOrDefault(r.id(), Map.of());
                if (c == null || !r.hasData() || Count.ENDED.in(stats) > 0) {
                    continue;
                }
                boolean readAny = Count.EVENTS_READ.in(stats) > 0;
                long next = readAny ? Count.LAST_OFFSET.in(stats) + 1 : r.start();
                long firstUnread = readAny ? next : r.firstDataOffset();
                if (c <= firstUnread || !hasRecords(consumer, r.topicPartition(), next, Math.min(c, r.end()))) {
                    continue;
                }
                back.put(r.topicPartition(), next);
                lines.add(r.id() + ": committed offset " + c + " skipped unread records from " + next + "; put back at " + next);
            }
        }
        if (!back.isEmpty()) {
            try {
                new GroupOffsets(admin, contract.applicationId()).alter(back);
            } catch (IllegalStateException e) {
                throw new IllegalStateException("the offsets of group " + contract.applicationId() + " were moved forward past records run "
                        + plan.runId() + " has not read (" + lines + "), and putting them back failed: " + e.getMessage(), e);
            }
            lines.forEach(l -> LOG.warn("Run {}: the group's offsets were moved forward with other tools; {}. A run in force reads its whole "
                    + "range: to replay less, change the contract's scope and start a new run with 'reprise reset'", plan.runId(), l));
        }
        return lines;
    }

    /** The source counters this run committed, per source partition id, from the changelog topic (read_committed). */
    private Map<String, Map<String, Long>> committedCounters(RunPlan plan) {
        Map<String, Map<String, Long>> out = new HashMap<>();
        String prefix = Counters.storeKey(plan.runId(), "");
        try (KafkaConsumer<byte[], byte[]> consumer = consumer()) {
            List<PartitionInfo> infos = consumer.partitionsFor(countersChangelog(), Duration.ofSeconds(30));
            if (infos == null || infos.isEmpty()) {
                return out;
            }
            List<TopicPartition> parts = infos.stream().map(i -> new TopicPartition(i.topic(), i.partition())).toList();
            consumer.assign(parts);
            consumer.seekToBeginning(parts);
            Map<TopicPartition, Long> ends = consumer.endOffsets(parts);
            long deadline = System.currentTimeMillis() + 60_000;
            while (parts.stream().anyMatch(tp -> consumer.position(tp) < ends.get(tp))) {
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    String key = r.key() == null ? "" : new String(r.key(), StandardCharsets.UTF_8);
                    if (!key.startsWith(prefix)) {
                        continue;
                    }
                    String id = key.substring(prefix.length());
                    if (r.value() == null) {
                        out.remove(id);
                    } else {
                        out.put(id, Counters.read(r.value()));
                    }
                }
                if (System.currentTimeMillis() > deadline) {
                    throw new IllegalStateException("could not read " + countersChangelog() + " to its end within 60 s");
                }
            }
        }
        return out;
    }

    /** Whether a read_committed consumer sees a record in [from, to) of {@code tp}. */
    private static boolean hasRecords(KafkaConsumer<byte[], byte[]> consumer, TopicPartition tp, long from, long to) {
        if (from >= to) {
            return false;
        }
        consumer.assign(List.of(tp));
        consumer.seek(tp, from);
        long deadline = System.currentTimeMillis() + 30_000;
        while (consumer.position(tp) < to) {
            for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200)).records(tp)) {
                if (r.offset() < to) {
                    return true;
                }
            }
            if (System.currentTimeMillis() > deadline) {
                throw new IllegalStateException("could not read " + tp + " from " + from + " to " + to + " within 30 s");
            }
        }
        return false;
    }

    private KafkaConsumer<byte[], byte[]> consumer() {
        Map<String, Object> config = new HashMap<>(clientConfig);
        config.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        config.remove(ConsumerConfig.GROUP_ID_CONFIG);
        return new KafkaConsumer<>(config, new ByteArrayDeserializer(), new ByteArrayDeserializer());
    }
}
