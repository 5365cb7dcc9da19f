package dev.reprise.plan;

import dev.reprise.contract.Contract;
import dev.reprise.contract.ContractException;
import dev.reprise.contract.Position;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListOffsetsOptions;
import org.apache.kafka.clients.admin.ListOffsetsResult;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Resolves a contract's scope against a cluster into a {@link RunPlan}: per source partition the
 * offsets [start, end) and the offset of the last record inside that a read_committed consumer sees.
 */
public final class Planner {
    private static final DateTimeFormatter RUN_ID_TIME = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss").withZone(ZoneOffset.UTC);
    private final Admin admin;
    private final Map<String, Object> clientConfig;

    /**
     * @param clientConfig connection properties (bootstrap servers, security) for the consumer that
     *                     looks up the last data offset of each range
     */
    public Planner(Admin admin, Map<String, Object> clientConfig) {
        this.admin = admin;
        this.clientConfig = clientConfig;
    }

    public static String newRunId() {
        byte[] random = new byte[3];
        ThreadLocalRandom.current().nextBytes(random);
        return RUN_ID_TIME.format(Instant.now()) + "-" + HexFormat.of().formatHex(random);
    }

    public RunPlan plan(Contract contract) {
        return plan(contract, newRunId());
    }

    public RunPlan plan(Contract contract, String runId) {
        long createdAt = System.currentTimeMillis();
        Map<String, TopicDescription> topics = describe(contract.history().topics());
        List<TopicPartition> partitions = new ArrayList<>();
        int maxPartitions = 0;
        for (String topic : contract.history().topics()) {
            int n = topics.get(topic).partitions().size();
            maxPartitions = Math.max(maxPartitions, n);
            for (int p = 0; p < n; p++) {
                partitions.add(new TopicPartition(topic, p));
            }
        }
        if (contract.history().keyedByOrderingKey()) {
            for (String topic : contract.history().topics()) {
                if (topics.get(topic).partitions().size() != maxPartitions) {
                    throw new ContractException("history.keyed_by_ordering_key", "source topics keyed by the ordering key must have the same number of partitions; "
                            + topic + " has " + topics.get(topic).partitions().size() + ", another has " + maxPartitions);
                }
            }
        }
        // Both lists are asked for at once (one round trip instead of two).
        java.util.concurrent.CompletableFuture<Map<TopicPartition, Long>> latestAsync = inParallel(() -> offsets(partitions, OffsetSpec.latest()));
        Map<TopicPartition, Long> earliest = offsets(partitions, OffsetSpec.earliest());
        Map<TopicPartition, Long> latest = joined(latestAsync);
        Map<TopicPartition, Long> starts = resolve(contract.scope().from(), partitions, earliest, latest, true);
        Map<TopicPartition, Long> ends = resolve(contract.scope().to(), partitions, earliest, latest, false);
        List<RunPlan.PartitionRange> ranges = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> consumer = consumer()) {
            Map<TopicPartition, long[]> bounds = new HashMap<>();
            for (TopicPartition tp : partitions) {
                long start = Math.max(starts.get(tp), earliest.get(tp));
                long end = Math.min(ends.get(tp), latest.get(tp));
                if (end < start) {
                    end = start;
                }
                bounds.put(tp, new long[]{start, end});
            }
            // The last records are looked for over the whole range [start, end), with a consumer of their own, while this one
            // reads the first records: the last record of [first, end) is the last of [start, end), as nothing is seen before first.
            java.util.concurrent.CompletableFuture<Map<TopicPartition, Long>> lastsAsync = inParallel(() -> {
                try (KafkaConsumer<byte[], byte[]> backwards = consumer()) {
                    return lastDataOffsets(backwards, bounds);
                }
            });
            Map<TopicPartition, Long> firsts = firstDataOffsets(consumer, bounds);
            Map<TopicPartition, Long> lasts = joined(lastsAsync);
            for (TopicPartition tp : partitions) {
                long start = bounds.get(tp)[0];
                long end = bounds.get(tp)[1];
                long first = firsts.get(tp);
                long last = first < 0 ? -1 : lasts.get(tp);
                ranges.add(new RunPlan.PartitionRange(tp.topic(), tp.partition(), start, end, first, last));
            }
        }
        int repartition = contract.history().keyedByOrderingKey() ? maxPartitions
                : contract.processing().repartitionPartitions() != null ? contract.processing().repartitionPartitions() : maxPartitions;
        return new RunPlan(runId, contract.name(), contract.hash(), contract.applicationId(), createdAt, ranges, repartition);
    }

    /** Runs {@code read} on a thread of its own (a daemon: it never holds up the JVM's exit). */
    private static <T> java.util.concurrent.CompletableFuture<T> inParallel(java.util.function.Supplier<T> read) {
        return java.util.concurrent.CompletableFuture.supplyAsync(read, task -> {
            Thread t = new Thread(task, "reprise-planner");
            t.setDaemon(true);
            t.start();
        });
    }

    /** The parallel read's result, or its failure as the read threw it. */
    private static <T> T joined(java.util.concurrent.CompletableFuture<T> read) {
        try {
            return read.join();
        } catch (java.util.concurrent.CompletionException e) {
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            if (e.getCause() instanceof Error error) {
                throw error;
            }
            throw e;
        }
    }

    private Map<String, TopicDescription> describe(List<String> names) {
        Map<String, TopicDescription> out = new HashMap<>();
        for (String name : names) {
            try {
                out.put(name, admin.describeTopics(List.of(name)).allTopicNames().get().get(name));
            } catch (ExecutionException e) {
                if (e.getCause() instanceof UnknownTopicOrPartitionException) {
                    throw new ContractException("history.topics", "topic '" + name + "' does not exist on the cluster; check the name and --bootstrap-server");
                }
                throw new IllegalStateException("cannot describe topic " + name + ": " + e.getCause().getMessage(), e.getCause());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
        return out;
    }

    private Map<TopicPartition, Long> offsets(List<TopicPartition> partitions, OffsetSpec spec) {
        Map<TopicPartition, OffsetSpec> request = new HashMap<>();
        partitions.forEach(tp -> request.put(tp, spec));
        try {
            Map<TopicPartition, ListOffsetsResult.ListOffsetsResultInfo> result = admin.listOffsets(request,
                    new ListOffsetsOptions(IsolationLevel.READ_COMMITTED)).all().get();
            Map<TopicPartition, Long> out = new HashMap<>();
            result.forEach((tp, info) -> out.put(tp, info.offset()));
            return out;
        } catch (ExecutionException e) {
            throw new IllegalStateException("cannot list offsets: " + e.getCause().getMessage(), e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private Map<TopicPartition, Long> resolve(Position position, List<TopicPartition> partitions,
                                              Map<TopicPartition, Long> earliest, Map<TopicPartition, Long> latest, boolean isFrom) {
        Map<TopicPartition, Long> fallback = isFrom ? earliest : latest;
        if (position instanceof Position.Earliest) {
            return earliest;
        }
        if (position instanceof Position.LatestAtStart) {
            return latest;
        }
        if (position instanceof Position.AtTime t) {
            Map<TopicPartition, Long> byTime = offsets(partitions, OffsetSpec.forTimestamp(t.time().toEpochMilli()));
            Map<TopicPartition, Long> out = new HashMap<>();
            // -1: no record at or after that time, so the position is the end of the partition.
            byTime.forEach((tp, o) -> out.put(tp, o < 0 ? latest.get(tp) : o));
            return out;
        }
        Position.AtOffsets o = (Position.AtOffsets) position;
        Map<TopicPartition, Long> out = new HashMap<>(fallback);
        String side = isFrom ? "scope.from" : "scope.to";
        o.offsets().forEach((tp, offset) -> {
            String field = side + "." + tp.topic() + "." + tp.partition();
            if (!latest.containsKey(tp)) {
                long count = latest.keySet().stream().filter(other -> other.topic().equals(tp.topic())).count();
                throw new ContractException(field, "partition " + tp.partition() + " of " + tp.topic() + " does not exist; the topic has "
                        + count + " partition" + (count == 1 ? "" : "s") + " (0 to " + (count - 1) + "). Name one of them");
            }
            long start = earliest.get(tp);
            long end = latest.get(tp);
            if (isFrom && offset < start) {
                throw new ContractException(field, "offset " + offset + " of " + tp + " is below the log start offset "
                        + start + " (deleted by retention); replay from " + start + " or earliest");
            }
            if (offset > end) {
                throw new ContractException(field, "offset " + offset + " of " + tp + " is beyond the log end offset " + end
                        + " (read_committed): " + (isFrom ? "nothing there to replay" : "the run would stop at " + end)
                        + "; use an offset from " + start + " to " + end + (isFrom ? "" : " or latest-at-start"));
            }
            if (!isFrom && offset < start) {
                throw new ContractException(field, "offset " + offset + " of " + tp + " is below the log start offset " + start
                        + " (deleted by retention): the partition would replay nothing; use an offset from " + start + " to " + end);
            }
            out.put(tp, offset);
        });
        return out;
    }

    private KafkaConsumer<byte[], byte[]> consumer() {
        Properties props = new Properties();
        props.putAll(clientConfig);
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        props.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, "2000");
        // The planner reads up to the end of each range, where a fetch with nothing more to return waits for
        // fetch.max.wait.ms (500 ms by default) before it answers: that wait was most of a plan's time.
        props.putIfAbsent(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, "20");
        props.remove(ConsumerConfig.GROUP_ID_CONFIG);
        return new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer());
    }

    /**
     * The offset of the first record a read_committed consumer sees in each range [start, end), or -1 when
     * there is none, read forwards for all partitions at once.
     */
    static Map<TopicPartition, Long> firstDataOffsets(KafkaConsumer<byte[], byte[]> consumer, Map<TopicPartition, long[]> bounds) {
        Map<TopicPartition, Long> out = new HashMap<>();
        List<TopicPartition> pending = new ArrayList<>();
        bounds.forEach((tp, b) -> {
            if (b[0] >= b[1]) {
                out.put(tp, -1L);
            } else {
                pending.add(tp);
            }
        });
        if (pending.isEmpty()) {
            return out;
        }
        consumer.assign(pending);
        pending.forEach(tp -> consumer.seek(tp, bounds.get(tp)[0]));
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (!pending.isEmpty()) {
            ConsumerRecords<byte[], byte[]> records = consumer.poll(Duration.ofMillis(200));
            for (TopicPartition tp : List.copyOf(pending)) {
                long end = bounds.get(tp)[1];
                List<ConsumerRecord<byte[], byte[]>> got = records.records(tp);
                if (!got.isEmpty()) {
                    long first = got.get(0).offset();
                    out.put(tp, first < end ? first : -1L);
                    pending.remove(tp);
                } else if (consumer.position(tp) >= end) {
                    out.put(tp, -1L);
                    pending.remove(tp);
                }
            }
            if (!pending.isEmpty()) {
                consumer.pause(consumer.assignment().stream().filter(tp -> !pending.contains(tp)).toList());
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("could not read the first records of " + pending + " within 60 s while planning");
            }
        }
        consumer.resume(consumer.paused());
        return out;
    }

    /**
     * The offset of the last record a read_committed consumer sees in each range [start, end), found by reading
     * backwards in growing windows from the end, for all partitions at once; -1 when there is none.
     */
    static Map<TopicPartition, Long> lastDataOffsets(KafkaConsumer<byte[], byte[]> consumer, Map<TopicPartition, long[]> bounds) {
        Map<TopicPartition, Long> out = new HashMap<>();
        Map<TopicPartition, Window> pending = new HashMap<>();
        bounds.forEach((tp, b) -> {
            if (b[0] >= b[1]) {
                out.put(tp, -1L);
            } else {
                pending.put(tp, new Window(b[0], b[1]));
            }
        });
        if (pending.isEmpty()) {
            return out;
        }
        consumer.assign(pending.keySet());
        pending.forEach((tp, w) -> consumer.seek(tp, w.from()));
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (!pending.isEmpty()) {
            ConsumerRecords<byte[], byte[]> records = consumer.poll(Duration.ofMillis(100));
            for (TopicPartition tp : List.copyOf(pending.keySet())) {
                Window w = pending.get(tp);
                for (ConsumerRecord<byte[], byte[]> r : records.records(tp)) {
                    if (r.offset() >= w.from() && r.offset() < w.end) {
                        w.last = Math.max(w.last, r.offset());
                    }
                }
                if (consumer.position(tp) < w.end) {
                    continue;
                }
                if (w.last >= 0 || w.from() == w.start) {
                    out.put(tp, w.last);
                    pending.remove(tp);
                } else {
                    // Nothing a read_committed consumer sees in this window (aborted records, markers): look further back.
                    w.end = w.from();
                    w.size *= 4;
                    consumer.seek(tp, w.from());
                }
            }
            if (!pending.isEmpty()) {
                consumer.assign(pending.keySet());
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("could not read the last records of " + pending.keySet() + " within 60 s while planning");
            }
        }
        return out;
    }

    /** A window [from, end) at the end of a partition's range [start, ...), and the last record seen in it. */
    private static final class Window {
        final long start;
        long end;
        long size = 16;
        long last = -1;

        Window(long start, long end) {
            this.start = start;
            this.end = end;
        }

        long from() {
            return Math.max(start, end - size);
        }
    }
}
