package dev.reprise.ops;

import dev.reprise.contract.Contract;
import dev.reprise.plan.RunPlan;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;

/**
 * The run plans of an application, kept durably in Kafka so that a restarted instance, or another
 * instance, continues the same run: a compacted one-partition topic {@code <application.id>-reprise-runs}
 * (an internal topic of the app, covered by its prefixed ACLs) whose key {@code current} holds the
 * plan in force, and {@code plan:<run id>} every plan ever made.
 */
public final class RunStore {
    private static final String CURRENT = "current";
    private final Contract contract;
    private final Map<String, Object> clientConfig;

    public RunStore(Contract contract, Map<String, Object> clientConfig) {
        this.contract = contract;
        this.clientConfig = clientConfig;
    }

    public String topic() {
        return topic(contract);
    }

    public static String topic(Contract contract) {
        return contract.applicationId() + "-reprise-runs";
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

    /** Makes {@code plan} the run in force. */
    public void save(Admin admin, RunPlan plan) {
        ensureTopic(admin);
        Map<String, Object> config = new HashMap<>(clientConfig);
        config.put(ProducerConfig.ACKS_CONFIG, "all");
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(config, new ByteArraySerializer(), new ByteArraySerializer())) {
            byte[] json = plan.toJson().getBytes(StandardCharsets.UTF_8);
            producer.send(new ProducerRecord<>(topic(), ("plan:" + plan.runId()).getBytes(StandardCharsets.UTF_8), json));
            producer.send(new ProducerRecord<>(topic(), CURRENT.getBytes(StandardCharsets.UTF_8), json));
            producer.flush();
        }
    }

    /** The run in force, or empty when no run was ever planned for this application id. */
    public Optional<RunPlan> current(Admin admin) {
        ensureTopic(admin);
        Map<String, Object> config = new HashMap<>(clientConfig);
        config.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        config.remove(ConsumerConfig.GROUP_ID_CONFIG);
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(config, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            TopicPartition tp = new TopicPartition(topic(), 0);
            consumer.assign(List.of(tp));
            consumer.seekToBeginning(List.of(tp));
            long end = consumer.endOffsets(List.of(tp)).get(tp);
            String latest = null;
            long deadline = System.currentTimeMillis() + 30_000;
            while (consumer.position(tp) < end) {
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    if (r.key() != null && CURRENT.equals(new String(r.key(), StandardCharsets.UTF_8)) && r.value() != null) {
                        latest = new String(r.value(), StandardCharsets.UTF_8);
                    }
                }
                if (System.currentTimeMillis() > deadline) {
                    throw new IllegalStateException("could not read " + topic() + " to its end within 30 s");
                }
            }
            return Optional.ofNullable(latest).map(RunPlan::fromJson);
        }
    }
}
