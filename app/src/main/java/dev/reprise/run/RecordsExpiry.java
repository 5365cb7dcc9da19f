package dev.reprise.run;

import dev.reprise.cluster.GroupOffsets;
import dev.reprise.contract.Contract;
import dev.reprise.plan.RunPlan;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListOffsetsResult;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ExecutionException;

/**
 * Records of the plan's ranges deleted (retention, delete-records) before the replay read them: such a run could
 * never be complete, and would otherwise wait forever for them.
 */
public final class RecordsExpiry {
    private static final Logger LOG = LoggerFactory.getLogger(RecordsExpiry.class);

    private RecordsExpiry() {
    }

    /** @throws IllegalStateException naming the lost records and what to do, when the log start passed an unread record */
    public static void check(Admin admin, Contract contract, RunPlan plan) {
        Map<TopicPartition, OffsetSpec> request = new HashMap<>();
        plan.ranges().stream().filter(RunPlan.PartitionRange::hasData).forEach(r -> request.put(r.topicPartition(), OffsetSpec.earliest()));
        if (request.isEmpty()) {
            return;
        }
        Map<TopicPartition, ListOffsetsResult.ListOffsetsResultInfo> earliest;
        Map<TopicPartition, Long> committed;
        try {
            earliest = admin.listOffsets(request).all().get();
            committed = new GroupOffsets(admin, contract.applicationId()).committed();
        } catch (ExecutionException | RuntimeException e) {
            LOG.debug("cannot check log start offsets now: {}", e.getMessage());
            return;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
        for (RunPlan.PartitionRange r : plan.ranges()) {
            ListOffsetsResult.ListOffsetsResultInfo start = earliest.get(r.topicPartition());
            long position = committed.getOrDefault(r.topicPartition(), r.start());
            if (start != null && position <= r.lastDataOffset() && start.offset() > position) {
                throw new IllegalStateException("records " + position + " to " + (start.offset() - 1) + " of " + r.id()
                        + " were deleted (retention or delete-records) before the replay read them; this run cannot be complete."
                        + " Plan a new run, and raise the topic's retention.ms for the length of a replay");
            }
        }
    }
}
