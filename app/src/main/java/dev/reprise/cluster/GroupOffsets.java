package dev.reprise.cluster;

import dev.reprise.plan.RunPlan;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.GroupListing;
import org.apache.kafka.clients.admin.ListStreamsGroupOffsetsSpec;
import org.apache.kafka.clients.admin.StreamsGroupDescription;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.GroupType;
import org.apache.kafka.common.TopicPartition;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;

/**
 * The committed offsets of the application's group, for classic consumer groups and for
 * {@code group.protocol=streams} groups (KIP-1071), which Kafka keeps and resets through different
 * admin calls.
 */
public final class GroupOffsets {
    private final Admin admin;
    private final String groupId;

    public GroupOffsets(Admin admin, String groupId) {
        this.admin = admin;
        this.groupId = groupId;
    }

    /** The group's type, or empty when the group does not exist yet. */
    public Optional<GroupType> type() {
        return get(admin.listGroups().all()).stream().filter(g -> g.groupId().equals(groupId)).findFirst()
                .flatMap(GroupListing::type);
    }

    /** Client ids of the group's active members; a reset is refused while there are any. */
    public List<String> activeMembers() {
        Optional<GroupType> type = type();
        List<String> out = new ArrayList<>();
        if (type.isEmpty()) {
            return out;
        }
        if (type.get() == GroupType.STREAMS) {
            StreamsGroupDescription d = get(admin.describeStreamsGroups(List.of(groupId)).all()).get(groupId);
            d.members().forEach(m -> out.add(m.clientId() + " on " + m.clientHost()));
        } else {
            ConsumerGroupDescription d = get(admin.describeConsumerGroups(List.of(groupId)).all()).get(groupId);
            d.members().forEach(m -> out.add(m.clientId() + " on " + m.host()));
        }
        return out;
    }

    public Map<TopicPartition, Long> committed() {
        Map<TopicPartition, OffsetAndMetadata> raw;
        if (type().orElse(GroupType.CLASSIC) == GroupType.STREAMS) {
            raw = get(admin.listStreamsGroupOffsets(Map.of(groupId, new ListStreamsGroupOffsetsSpec())).partitionsToOffsetAndMetadata(groupId));
        } else {
            raw = get(admin.listConsumerGroupOffsets(groupId).partitionsToOffsetAndMetadata());
        }
        Map<TopicPartition, Long> out = new HashMap<>();
        raw.forEach((tp, o) -> {
            if (o != null) {
                out.put(tp, o.offset());
            }
        });
        return out;
    }

    /** Sets the committed offsets of some partitions; the group must have no active members. */
    public void alter(Map<TopicPartition, Long> offsets) {
        Map<TopicPartition, OffsetAndMetadata> request = new HashMap<>();
        offsets.forEach((tp, o) -> request.put(tp, new OffsetAndMetadata(o)));
        if (type().orElse(GroupType.CLASSIC) == GroupType.STREAMS) {
            get(admin.alterStreamsGroupOffsets(groupId, request).all());
        } else {
            get(admin.alterConsumerGroupOffsets(groupId, request).all());
        }
    }

    /** Sets the committed offset of every source partition to the plan's start. */
    public void resetTo(RunPlan plan) {
        List<String> members = activeMembers();
        if (!members.isEmpty()) {
            throw new IllegalStateException("group " + groupId + " has " + members.size() + " active member(s): " + members
                    + "; stop every instance of the app, then reset again");
        }
        Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
        plan.ranges().forEach(r -> offsets.put(r.topicPartition(), new OffsetAndMetadata(r.start())));
        if (type().orElse(GroupType.CLASSIC) == GroupType.STREAMS) {
            get(admin.alterStreamsGroupOffsets(groupId, offsets).all());
        } else {
            get(admin.alterConsumerGroupOffsets(groupId, offsets).all());
        }
    }

    private static <T> T get(org.apache.kafka.common.KafkaFuture<T> future) {
        try {
            return future.get();
        } catch (ExecutionException e) {
            throw new IllegalStateException(e.getCause().getMessage(), e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
