package dev.reprise.run;

import dev.reprise.contract.Contract;
import dev.reprise.plan.RunPlan;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.InvalidProducerEpochException;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.function.Consumer;

/**
 * The run plans of an application, kept durably in Kafka so that a restarted instance, or another
 * instance, continues the same run: a compacted one-partition topic {@code <application.id>-reprise-runs}
 * (an internal topic of the app, covered by its prefixed ACLs) whose key {@code current} holds the
 * run in force, and {@code plan:<run id>} every plan ever made.
 *
 * <p>Only one command at a time can change the run in force ({@link #claim}): the writes go through a
 * transactional producer with one transactional id per application, so a second writer fences the
 * first, and the run in force is read again after the fence and compared with the one the caller
 * decided from (a compare-and-set). Two {@code reprise run} or {@code reprise reset} started together
 * therefore create one run; the other gets a {@link ConcurrentRunException} and changes nothing.
 */
public final class RunStore {
    private static final String CURRENT = "current";
    private static final ObjectMapper JSON = new ObjectMapper();
    private final Contract contract;
    private final Map<String, Object> clientConfig;

    public RunStore(Contract contract, Map<String, Object> clientConfig) {
        this.contract = contract;
        this.clientConfig = clientConfig;
    }

    /**
     * The run in force.
     *
     * @param offsetsSet whether the group's offsets were set to the plan's start; false when the command that made
     *                   the run stopped before it could (the next {@code reprise run} sets them)
     */
    public record Current(RunPlan plan, boolean offsetsSet) {
    }

    /** Another command created or replaced the run in force at the same moment; this one changed nothing. */
    public static final class ConcurrentRunException extends IllegalStateException {
        public ConcurrentRunException(String message) {
            super(message);
        }
    }

    public String topic() {
        return topic(contract);
    }

    public static String topic(Contract contract) {
        return contract.applicationId() + "-reprise-runs";
    }

    /** The transactional id every writer of the run store uses: one per application, so writers fence each other. */
    public static String transactionalId(Contract contract) {
        return contract.applicationId() + "-reprise-run-store";
    }

    public void ensureTopic(Admin admin) {
        createCompacted(admin, topic());
    }

    static void createCompacted(Admin admin, String topic) {
        try {
            admin.createTopics(List.of(new NewTopic(topic, Optional.of(1), Optional.empty())
                    .configs(Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT)))).all().get();
        } catch (ExecutionException e) {
            if (!(e.getCause() instanceof TopicExistsException)) {
                throw new IllegalStateException("cannot create topic " + topic + ": " + e.getCause().getMessage(), e.getCause());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /**
     * Makes {@code next} the run in force, if the run in force is still {@code expectedRunId} (empty: no run yet),
     * then sets the group's offsets with {@code setOffsets} and records that they are set. Nothing is written when
     * another command changed the run in force since the caller read it, or changes it while this one writes.
     *
     * @throws ConcurrentRunException when another command won
     */
    public void claim(Admin admin, Optional<String> expectedRunId, RunPlan next, Consumer<RunPlan> setOffsets) {
        ensureTopic(admin);
        KafkaProducer<byte[], byte[]> producer = writer();
        try {
            // Fences any other writer of this application's run store and ends its open transaction, so what is read
            // next is what the run in force really is.
            producer.initTransactions();
            Optional<String> now = inForce(admin).map(c -> c.plan().runId());
            if (!now.equals(expectedRunId)) {
                throw lost(now.orElse("(none)"), expectedRunId);
            }
            write(producer, next, false, true);
        } catch (KafkaException e) {
            producer.close(Duration.ZERO);
            if (isFenced(e)) {
                throw new ConcurrentRunException("another command wrote the run in force of " + contract.applicationId()
                        + " at the same moment (this one was fenced); nothing was changed by this command. Run it again to see the run in force");
            }
            throw e;
        } catch (RuntimeException e) {
            producer.close(Duration.ZERO);
            throw e;
        }
        // The plan is the run in force now; whoever fences this writer from here on finds it and does not replace it.
        try {
            setOffsets.accept(next);
            for (int attempt = 1; ; attempt++) {
                try {
                    write(producer, next, true, false);
                    return;
                } catch (KafkaException e) {
                    if (!isFenced(e) || attempt == 3) {
                        throw e;
                    }
                    // Another command fenced this writer after the plan was committed: it saw this run in force and gave up,
                    // unless it replaced it. Take the writer back and finish only if the run in force is still this one.
                    producer.close(Duration.ZERO);
                    producer = writer();
                    producer.initTransactions();
                    Optional<String> now = inForce(admin).map(c -> c.plan().runId());
                    if (!now.equals(Optional.of(next.runId()))) {
                        throw lost(now.orElse("(none)"), Optional.of(next.runId()));
                    }
                }
            }
        } finally {
            producer.close();
        }
    }

    private KafkaProducer<byte[], byte[]> writer() {
        Map<String, Object> config = new HashMap<>(clientConfig);
        config.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, transactionalId(contract));
        config.put(ProducerConfig.ACKS_CONFIG, "all");
        return new KafkaProducer<>(config, new ByteArraySerializer(), new ByteArraySerializer());
    }

    private ConcurrentRunException lost(String now, Optional<String> expected) {
        return new ConcurrentRunException("another command made run " + now + " the run in force while this one was planning from "
                + expected.orElse("no run") + "; nothing was changed by this command. Run it again to see the run in force");
    }

    /** A transactional writer fenced by a newer one with the same transactional id, however the client reports it. */
    private static boolean isFenced(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof ProducerFencedException || t instanceof InvalidProducerEpochException) {
                return true;
            }
        }
        return false;
    }

    private void write(KafkaProducer<byte[], byte[]> producer, RunPlan plan, boolean offsetsSet, boolean withPlan) {
        producer.beginTransaction();
        if (withPlan) {
            producer.send(new ProducerRecord<>(topic(), ("plan:" + plan.runId()).getBytes(StandardCharsets.UTF_8),
                    plan.toJson().getBytes(StandardCharsets.UTF_8)));
        }
        producer.send(new ProducerRecord<>(topic(), CURRENT.getBytes(StandardCharsets.UTF_8), encode(plan, offsetsSet)));
        producer.commitTransaction();
    }

    private static byte[] encode(RunPlan plan, boolean offsetsSet) {
        try {
            ObjectNode node = JSON.createObjectNode();
            node.set("plan", JSON.readTree(plan.toJson()));
            node.put("offsets_set", offsetsSet);
            return JSON.writeValueAsBytes(node);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    static Current decode(byte[] value) {
        try {
            JsonNode node = JSON.readTree(value);
            if (node.has("plan")) {
                return new Current(RunPlan.fromJson(JSON.writeValueAsString(node.get("plan"))), node.path("offsets_set").asBoolean(false));
            }
            // Written by an earlier build: the plan alone, saved after the offsets were set.
            return new Current(RunPlan.fromJson(new String(value, StandardCharsets.UTF_8)), true);
        } catch (IOException e) {
            throw new IllegalStateException("the run in force on the run store is unreadable: " + e.getMessage(), e);
        }
    }

    /** The run in force and whether its offsets were set, or empty when no run was ever planned for this application id. */
    public Optional<Current> inForce(Admin admin) {
        ensureTopic(admin);
        Map<String, Object> config = new HashMap<>(clientConfig);
        config.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        config.remove(ConsumerConfig.GROUP_ID_CONFIG);
        // Read to the end, where a fetch with nothing more to return (the last offsets are transaction markers) would wait
        // fetch.max.wait.ms, 500 ms by default, before it answers: read on every start of run, replay and reset.
        config.putIfAbsent(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, 20);
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(config, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            TopicPartition tp = new TopicPartition(topic(), 0);
            consumer.assign(List.of(tp));
            consumer.seekToBeginning(List.of(tp));
            long end = consumer.endOffsets(List.of(tp)).get(tp);
            byte[] latest = null;
            long deadline = System.currentTimeMillis() + 30_000;
            while (consumer.position(tp) < end) {
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    if (r.key() != null && CURRENT.equals(new String(r.key(), StandardCharsets.UTF_8)) && r.value() != null) {
                        latest = r.value();
                    }
                }
                if (System.currentTimeMillis() > deadline) {
                    throw new IllegalStateException("could not read " + topic() + " to its end within 30 s");
                }
            }
            return Optional.ofNullable(latest).map(RunStore::decode);
        }
    }

    /** What the run store holds, read without creating it: the run in force and every plan ever made. */
    public record Recorded(Optional<RunPlan> inForce, Map<String, RunPlan> plans) {
    }

    /**
     * Reads the run store without creating it or needing a consumer group (for readers such as a CD gate's
     * {@code reprise evidence}): empty when the topic does not exist.
     */
    public Recorded read() {
        Map<String, Object> config = new HashMap<>(clientConfig);
        config.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        config.put(ConsumerConfig.ALLOW_AUTO_CREATE_TOPICS_CONFIG, "false");
        config.remove(ConsumerConfig.GROUP_ID_CONFIG);
        byte[] current = null;
        Map<String, RunPlan> plans = new HashMap<>();
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(config, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            List<org.apache.kafka.common.PartitionInfo> info = consumer.partitionsFor(topic(), Duration.ofSeconds(30));
            if (info == null || info.isEmpty()) {
                return new Recorded(Optional.empty(), Map.of());
            }
            List<TopicPartition> partitions = info.stream().map(p -> new TopicPartition(p.topic(), p.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> ends = consumer.endOffsets(partitions);
            long deadline = System.currentTimeMillis() + 30_000;
            while (partitions.stream().anyMatch(tp -> consumer.position(tp) < ends.get(tp))) {
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    if (r.key() == null || r.value() == null) {
                        continue;
                    }
                    String key = new String(r.key(), StandardCharsets.UTF_8);
                    if (CURRENT.equals(key)) {
                        current = r.value();
                    } else if (key.startsWith("plan:")) {
                        try {
                            plans.put(key.substring("plan:".length()), RunPlan.fromJson(new String(r.value(), StandardCharsets.UTF_8)));
                        } catch (RuntimeException unreadable) {
                            // A plan this build cannot read names no run it could select.
                        }
                    }
                }
                if (System.currentTimeMillis() > deadline) {
                    throw new IllegalStateException("could not read " + topic() + " to its end within 30 s");
                }
            }
        }
        return new Recorded(Optional.ofNullable(current).map(v -> decode(v).plan()), plans);
    }

    /** The plan of the run in force, or empty when no run was ever planned for this application id. */
    public Optional<RunPlan> current(Admin admin) {
        return inForce(admin).map(Current::plan);
    }
}
