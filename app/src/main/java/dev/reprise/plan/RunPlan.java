package dev.reprise.plan;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import org.apache.kafka.common.TopicPartition;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * The replay position as a value: a run id and, per source partition, the offsets [start, end) to
 * replay. Built once by the {@link Planner} from the contract's scope; every instance of the run uses
 * the same plan, and it travels into the evidence. The run id scopes all state of a run: a new plan is
 * a new run, never mistaken for duplicates of the last one.
 *
 * @param createdAtMillis when the plan was made (the end offsets of latest-at-start were read then)
 * @param repartitionPartitions partitions of the repartition topic (and so of the apply stage)
 */
public record RunPlan(String runId, String contractName, String contractHash, String applicationId, long createdAtMillis,
                      List<PartitionRange> ranges, int repartitionPartitions) {

    private static final ObjectMapper JSON = new ObjectMapper()
            .setPropertyNamingStrategy(com.fasterxml.jackson.databind.PropertyNamingStrategies.SNAKE_CASE)
            .enable(SerializationFeature.INDENT_OUTPUT);

    public RunPlan {
        Objects.requireNonNull(runId, "runId");
        ranges = List.copyOf(ranges);
        if (repartitionPartitions < 1) {
            throw new IllegalArgumentException("repartitionPartitions must be >= 1, got " + repartitionPartitions);
        }
    }

    /**
     * One source partition's share of the run.
     *
     * @param firstDataOffset offset of the first record a read_committed consumer delivers inside [start, end), or -1
     *                        when there is none. The run proves it read its whole range by reading exactly from this
     *                        record to {@code lastDataOffset}.
     * @param lastDataOffset offset of the last record a read_committed consumer delivers inside
     *                       [start, end), or -1 when there is none (empty range, or only transaction
     *                       markers and aborted records). Completion is detected on it, since under
     *                       read_committed the record at end-1 is often a transaction marker.
     */
    public record PartitionRange(String topic, int partition, long start, long end, long firstDataOffset, long lastDataOffset) {
        public PartitionRange {
            if (start < 0 || end < start) {
                throw new IllegalArgumentException(topic + "-" + partition + ": invalid range [" + start + ", " + end + ")");
            }
            if (lastDataOffset != -1 && (lastDataOffset < start || lastDataOffset >= end)) {
                throw new IllegalArgumentException(topic + "-" + partition + ": last data offset " + lastDataOffset + " outside [" + start + ", " + end + ")");
            }
            if ((firstDataOffset == -1) != (lastDataOffset == -1) || firstDataOffset != -1 && (firstDataOffset < start || firstDataOffset > lastDataOffset)) {
                throw new IllegalArgumentException(topic + "-" + partition + ": first data offset " + firstDataOffset
                        + " does not fit [" + start + ", " + lastDataOffset + "] (a plan written by an earlier build? plan the run again)");
            }
        }

        /** A range whose every offset from {@code start} to {@code lastDataOffset} holds a record (no transaction markers). */
        public PartitionRange(String topic, int partition, long start, long end, long lastDataOffset) {
            this(topic, partition, start, end, lastDataOffset < 0 ? -1 : start, lastDataOffset);
        }

        public TopicPartition topicPartition() {
            return new TopicPartition(topic, partition);
        }

        public String id() {
            return topic + ":" + partition;
        }

        public boolean hasData() {
            return lastDataOffset >= 0;
        }

        public long size() {
            return end - start;
        }
    }

    public Map<TopicPartition, PartitionRange> byPartition() {
        return ranges.stream().collect(Collectors.toMap(PartitionRange::topicPartition, Function.identity()));
    }

    public Optional<PartitionRange> range(String topic, int partition) {
        return ranges.stream().filter(r -> r.partition() == partition && r.topic().equals(topic)).findFirst();
    }

    public long totalOffsets() {
        return ranges.stream().mapToLong(PartitionRange::size).sum();
    }

    public Instant createdAt() {
        return Instant.ofEpochMilli(createdAtMillis);
    }

    /** 8 bytes that prefix every key of this run in the state stores, so runs never see each other's state. */
    public byte[] statePrefix() {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(runId.getBytes(StandardCharsets.UTF_8));
            return java.util.Arrays.copyOf(digest, 8);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    public String toJson() {
        try {
            return JSON.writeValueAsString(this);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static RunPlan fromJson(String json) {
        try {
            return JSON.readValue(json, RunPlan.class);
        } catch (IOException e) {
            throw new IllegalArgumentException("not a run plan: " + e.getMessage(), e);
        }
    }
}
