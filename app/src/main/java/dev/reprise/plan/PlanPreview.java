package dev.reprise.plan;

import dev.reprise.codec.EventDecoder;
import dev.reprise.codec.PoisonRecordException;
import dev.reprise.contract.Contract;
import dev.reprise.topology.Codecs;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;

/**
 * The impact preview of a plan: what it reads, what it writes and creates, how long it should take,
 * and whether the schemas and upcasters cover the event versions found in a sample of the range.
 */
public final class PlanPreview {
    private PlanPreview() {
    }

    /** Every topic the run writes: the contract's outputs and the app's internal topics. */
    public static List<String> writtenTopics(Contract c) {
        String app = c.applicationId();
        List<String> out = new ArrayList<>(c.outputTopics());
        if (!c.history().keyedByOrderingKey()) {
            out.add(app + "-reprise-by-key-repartition");
        }
        out.add(app + "-reprise-evidence-parts-repartition");
        List<String> stores = new ArrayList<>(List.of("reprise-source-counters", "reprise-dedup", "reprise-projection"));
        if (c.ordering().sequenceField() != null) {
            stores.add("reprise-sequence");
        }
        stores.addAll(List.of("reprise-apply-counters", "reprise-evidence-parts"));
        for (String store : stores) {
            out.add(app + "-" + store + "-changelog");
        }
        out.add(app + "-reprise-runs");
        out.add(app + "-reprise-control");
        return out;
    }

    /**
     * @param eventsPerSecond the rate used for the estimate
     * @param samplePerPartition records read from the start and from the end of each range
     */
    public static Map<String, Object> describe(Contract contract, Codecs codecs, RunPlan plan, Admin admin,
                                               Map<String, Object> clientConfig, double eventsPerSecond, int samplePerPartition) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("run_id", plan.runId());
        out.put("contract", contract.name());
        out.put("contract_hash", contract.hash());
        out.put("application_id", contract.applicationId());
        Map<String, Long> perTopic = new TreeMap<>();
        plan.ranges().forEach(r -> perTopic.merge(r.topic(), r.size(), Long::sum));
        out.put("offsets_per_topic", perTopic);
        out.put("total_offsets", plan.totalOffsets());
        out.put("estimated_seconds", Math.round(plan.totalOffsets() / Math.max(1, eventsPerSecond)));
        out.put("estimate_rate_events_per_second", eventsPerSecond);
        List<String> writes = writtenTopics(contract);
        Set<String> existing;
        try {
            existing = admin.listTopics().names().get();
        } catch (ExecutionException e) {
            throw new IllegalStateException("cannot list topics: " + e.getCause().getMessage(), e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
        out.put("writes", writes);
        out.put("creates", writes.stream().filter(t -> !existing.contains(t)).toList());
        out.put("repartition_partitions", plan.repartitionPartitions());
        Map<String, Long> versions = new TreeMap<>();
        Map<String, Long> undecodable = new TreeMap<>();
        sample(codecs, plan, clientConfig, samplePerPartition, versions, undecodable);
        out.put("sampled_versions", versions);
        out.put("sampled_undecodable", undecodable);
        Map<String, String> gaps = new TreeMap<>();
        versions.keySet().forEach(tv -> {
            String[] parts = tv.split(" v");
            var chain = codecs.upcasters().chain(parts[0], Integer.parseInt(parts[1]));
            if (chain.brokenReason() != null) {
                gaps.put(tv, chain.brokenReason());
            }
        });
        out.put("upcaster_gaps_in_sample", gaps);
        out.put("ranges", plan.ranges());
        return out;
    }

    private static void sample(Codecs codecs, RunPlan plan, Map<String, Object> clientConfig, int perPartition,
                               Map<String, Long> versions, Map<String, Long> undecodable) {
        if (perPartition <= 0) {
            return;
        }
        Map<String, Object> config = new HashMap<>(clientConfig);
        config.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        config.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, Math.max(1, perPartition));
        config.remove(ConsumerConfig.GROUP_ID_CONFIG);
        EventDecoder decoder = codecs.newDecoder();
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(config, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            for (RunPlan.PartitionRange r : plan.ranges()) {
                if (!r.hasData()) {
                    continue;
                }
                TopicPartition tp = r.topicPartition();
                consumer.assign(List.of(tp));
                for (long from : new long[]{r.start(), Math.max(r.start() + perPartition, r.end() - perPartition)}) {
                    if (from >= r.end()) {
                        continue;
                    }
                    consumer.seek(tp, from);
                    int seen = 0;
                    long deadline = System.currentTimeMillis() + 10_000;
                    while (seen < perPartition && consumer.position(tp) < r.end() && System.currentTimeMillis() < deadline) {
                        for (ConsumerRecord<byte[], byte[]> rec : consumer.poll(Duration.ofMillis(200)).records(tp)) {
                            if (rec.offset() >= r.end() || seen >= perPartition) {
                                break;
                            }
                            seen++;
                            try {
                                EventDecoder.Decoded d = decoder.decode(rec.value());
                                versions.merge(d.type() + " v" + d.version(), 1L, Long::sum);
                            } catch (PoisonRecordException e) {
                                undecodable.merge(e.reasonCode(), 1L, Long::sum);
                            }
                        }
                    }
                }
            }
        }
    }
}
