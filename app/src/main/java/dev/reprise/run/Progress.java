package dev.reprise.run;

import dev.reprise.cluster.GroupOffsets;
import dev.reprise.plan.RunPlan;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.common.TopicPartition;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Progress of a run seen from outside the app: the committed offsets of its consumer group against
 * the plan's ranges. It counts offsets, not events (transaction markers take offsets too), so it is a
 * gauge for people; the evidence has the exact counts.
 *
 * @param done offsets consumed and committed inside the ranges
 * @param total offsets inside the ranges
 * @param left offsets left to each source partition's planned end, in plan order
 */
public record Progress(long done, long total, long finishedPartitions, long partitions, Map<TopicPartition, Long> left) {

    public Progress(long done, long total, long finishedPartitions, long partitions) {
        this(done, total, finishedPartitions, partitions, Map.of());
    }

    public Progress {
        left = Collections.unmodifiableMap(new LinkedHashMap<>(left));
    }

    public double fraction() {
        return total == 0 ? 1.0 : Math.min(1.0, (double) done / total);
    }

    public static Progress of(RunPlan plan, Map<TopicPartition, Long> committed) {
        long done = 0;
        long finished = 0;
        Map<TopicPartition, Long> left = new LinkedHashMap<>();
        for (RunPlan.PartitionRange r : plan.ranges()) {
            Long c = committed.get(r.topicPartition());
            long position = c == null ? r.start() : Math.max(r.start(), Math.min(r.end(), c));
            done += position - r.start();
            left.put(r.topicPartition(), r.end() - position);
            if (position >= r.end() || !r.hasData() || c != null && c > r.lastDataOffset()) {
                finished++;
            }
        }
        return new Progress(done, plan.totalOffsets(), finished, plan.ranges().size(), left);
    }

    /** The progress of {@code plan} from the group's committed offsets, classic or streams group ({@link GroupOffsets}). */
    public static Progress read(Admin admin, String groupId, RunPlan plan) {
        return of(plan, new GroupOffsets(admin, groupId).committed());
    }
}
