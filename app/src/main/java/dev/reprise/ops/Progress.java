package dev.reprise.ops;

import dev.reprise.plan.RunPlan;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Progress of a run seen from outside the app: the committed offsets of its consumer group against
 * the plan's ranges. It counts offsets, not events (transaction markers take offsets too), so it is a
 * gauge for people; the evidence has the exact counts.
 *
 * @param done offsets consumed and committed inside the ranges
 * @param total offsets inside the ranges
 */
public record Progress(long done, long total, long finishedPartitions, long partitions) {

    public double fraction() {
        return total == 0 ? 1.0 : Math.min(1.0, (double) done / total);
    }

    public static Progress of(RunPlan plan, Map<TopicPartition, OffsetAndMetadata> committed) {
        long done = 0;
        long finished = 0;
        for (RunPlan.PartitionRange r : plan.ranges()) {
            OffsetAndMetadata c = committed.get(r.topicPartition());
            long position = c == null ? r.start() : Math.max(r.start(), Math.min(r.end(), c.offset()));
            done += position - r.start();
            if (position >= r.end() || !r.hasData() || c != null && c.offset() > r.lastDataOffset()) {
                finished++;
            }
        }
        return new Progress(done, plan.totalOffsets(), finished, plan.ranges().size());
    }

    public static Progress read(Admin admin, String groupId, RunPlan plan, Duration timeout) {
        try {
            Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(groupId)
                    .partitionsToOffsetAndMetadata().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            return of(plan, committed);
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("cannot read the committed offsets of group " + groupId + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
