package dev.reprise.pipeline.apply;

import dev.reprise.counts.Count;
import dev.reprise.counts.CountFamily;
import dev.reprise.pipeline.repartition.Routed;
import dev.reprise.pipeline.support.Counters;
import dev.reprise.plan.RunPlan;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What crossed the repartition topic into one apply task: which records it processed already (by offset), how
 * many events of this run it received from each source partition, and the records of other runs it ignored. The
 * counts live in fields on the hot path and are written to the counters before each commit, so they commit with
 * the offsets they describe.
 */
final class Transit {
    private static final Logger LOG = LoggerFactory.getLogger(Transit.class);
    /** Scope of the events received from each source partition ("topic:partition" → count). */
    private static final String RECEIVED_SCOPE = "received";

    private final Counters counters;
    private final Counters.Scope task;
    private final int partition;
    private final String runId;
    /** The offset after the last repartition record processed (0: none yet). */
    private long nextOffset;
    private final Map<String, long[]> receivedByTopic = new HashMap<>();
    private long staleLogged;

    Transit(Counters counters, Counters.Scope task, int partition, RunPlan plan, List<RunPlan.PartitionRange> ranges) {
        this.counters = counters;
        this.task = task;
        this.partition = partition;
        this.runId = plan.runId();
        this.nextOffset = task.get(Count.INPUT_NEXT_OFFSET);
        Counters.Scope received = counters.scope(RECEIVED_SCOPE);
        for (RunPlan.PartitionRange r : ranges) {
            int size = plan.ranges().stream().filter(x -> x.topic().equals(r.topic())).mapToInt(RunPlan.PartitionRange::partition).max().orElse(0) + 1;
            receivedByTopic.computeIfAbsent(r.topic(), t -> new long[size])[r.partition()] = received.get(r.id());
        }
    }

    /**
     * Whether the repartition record at {@code offset} was processed by this run already: its offset is below the one
     * after the last record processed. That happens when the group's offsets on the repartition topic are moved back
     * (Kafka's consumer-groups tool with --all-topics resets internal topics too): skipped and counted, so no event is
     * applied or counted twice whatever offsets the task is handed.
     */
    boolean isRedelivered(long offset) {
        if (offset < nextOffset) {
            task.add(Count.REDELIVERED, 1);
            return true;
        }
        nextOffset = offset + 1;
        return false;
    }

    /** Counts an event of this run received from its source partition; false when this run reads no such partition. */
    boolean received(Routed.Data data) {
        long[] received = receivedByTopic.get(data.sourceTopic);
        if (received == null || data.sourcePartition < 0 || data.sourcePartition >= received.length) {
            stale("an event from " + data.sourceTopic + "-" + data.sourcePartition + ", a partition this run does not read");
            return false;
        }
        received[data.sourcePartition]++;
        return true;
    }

    /** Counts (and logs, sparingly) a record that belongs to no event of this run. */
    void stale(String reason) {
        long n = task.add(Count.STALE_RECORDS, 1);
        if (staleLogged++ < 5 || n % 10_000 == 0) {
            LOG.warn("Apply task {} ignored {} on the repartition topic (run {}); {} such records so far, none of them counted or applied",
                    partition, reason, runId, n);
        }
    }

    /** Writes the fields to the counters; called before each commit. */
    void fold() {
        if (nextOffset > 0) {
            task.set(Count.INPUT_NEXT_OFFSET, nextOffset);
        }
        Counters.Scope received = counters.scope(RECEIVED_SCOPE);
        receivedByTopic.forEach((topic, byPartition) -> {
            for (int p = 0; p < byPartition.length; p++) {
                if (byPartition[p] > 0) {
                    received.set(topic + ":" + p, byPartition[p]);
                }
            }
        });
    }

    /** Per source partition, the events it says (in its end marker) it sent to this task. */
    Map<String, Long> expected(Map<String, Map<String, Long>> sourceStats) {
        Map<String, Long> out = new LinkedHashMap<>();
        String sent = CountFamily.SENT_TO_PARTITION.name(Integer.toString(partition));
        sourceStats.forEach((id, stats) -> out.put(id, stats.getOrDefault(sent, 0L)));
        return out;
    }

    /** Per source partition of {@code ids}, the events of this run received from it. */
    Map<String, Long> received(Iterable<String> ids) {
        fold();
        Map<String, Long> stored = counters.scope(RECEIVED_SCOPE).snapshot();
        Map<String, Long> out = new LinkedHashMap<>();
        ids.forEach(id -> out.put(id, stored.getOrDefault(id, 0L)));
        return out;
    }
}
