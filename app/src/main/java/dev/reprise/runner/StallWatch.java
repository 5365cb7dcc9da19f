package dev.reprise.runner;

import dev.reprise.run.Progress;
import dev.reprise.cluster.GroupOffsets;
import dev.reprise.plan.RunPlan;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListOffsetsOptions;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Notices a bounded run that has nothing left to read anywhere and still has not ended: the group's committed
 * offsets are at the planned end of every source partition and at the end of every internal topic it reads,
 * yet no final evidence came. That happens when the last records of a source partition never reach the
 * application (the consumer's position moved past them: a consumer interceptor that drops records, records
 * that vanished between the plan and the read), so no end marker is ever sent for that partition. Waiting
 * longer cannot finish such a run; the supervisor aborts it with this reason instead of waiting without end.
 */
final class StallWatch {
    private static final Logger LOG = LoggerFactory.getLogger(StallWatch.class);
    private final Admin admin;
    private final String groupId;
    private final String internalPrefix;
    private final RunPlan plan;
    private final long graceMillis;
    /**
     * How far below an internal partition's end its committed offset may be and still count as read: under exactly-once
     * the last offset of a partition is the marker that committed its last transaction, which the group's committed
     * offset (the last processed record's offset + 1) never passes.
     */
    private final long markerSlack;
    /** When the run was first seen with nothing left to read (0: it has records to read). */
    private long idleSince;

    StallWatch(Admin admin, String applicationId, RunPlan plan, boolean exactlyOnce, long graceMillis) {
        this.markerSlack = exactlyOnce ? 1 : 0;
        this.admin = admin;
        this.groupId = applicationId;
        this.internalPrefix = applicationId + "-";
        this.plan = plan;
        this.graceMillis = graceMillis;
    }

    /** Forgets an idle stretch: the run is paused, or its evidence moved. */
    void reset() {
        idleSince = 0;
    }

    /**
     * Reads the group's offsets and returns the reason to abort once the run has had nothing left to read for the
     * grace period; {@code null} while it has, or before the grace is over.
     */
    String check(long now) {
        Map<TopicPartition, Long> committed = new GroupOffsets(admin, groupId).committed();
        if (!nothingLeft(committed)) {
            idleSince = 0;
            return null;
        }
        if (idleSince == 0) {
            idleSince = now;
            LOG.info("Every source partition is consumed to its planned end and every internal topic to its end, but the run has not "
                    + "ended; it aborts itself as stalled in {} s unless it ends", graceMillis / 1000);
            return null;
        }
        if (now - idleSince < graceMillis) {
            return null;
        }
        return "stalled: every source partition was consumed to its planned end and every record between the stages was read, "
                + "yet the run did not end for " + (now - idleSince) / 1000 + " s; records at the end of a source partition never "
                + "reached the replay (dropped by a consumer interceptor, or gone between the plan and the read), so its end was "
                + "never seen and its counts cannot be proved";
    }

    /** Whether the committed offsets leave nothing to read: the plan's ends reached, every internal topic read to its end. */
    boolean nothingLeft(Map<TopicPartition, Long> committed) {
        Progress progress = Progress.of(plan, committed);
        if (progress.finishedPartitions() < progress.partitions()) {
            return false;
        }
        Map<TopicPartition, OffsetSpec> internal = new HashMap<>();
        committed.keySet().stream().filter(tp -> tp.topic().startsWith(internalPrefix)).forEach(tp -> internal.put(tp, OffsetSpec.latest()));
        if (internal.isEmpty()) {
            return true;
        }
        Map<TopicPartition, Long> ends = new HashMap<>();
        try {
            admin.listOffsets(internal, new ListOffsetsOptions(IsolationLevel.READ_COMMITTED)).all().get(10, TimeUnit.SECONDS)
                    .forEach((tp, info) -> ends.put(tp, info.offset()));
        } catch (ExecutionException | TimeoutException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
        return ends.entrySet().stream().allMatch(e -> committed.getOrDefault(e.getKey(), 0L) >= e.getValue() - markerSlack);
    }
}
