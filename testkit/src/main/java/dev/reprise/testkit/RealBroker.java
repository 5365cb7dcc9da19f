package dev.reprise.testkit;

import dev.reprise.embedded.Directories;
import dev.reprise.embedded.EmbeddedKafka;
import dev.reprise.evidence.avro.RecoveryEvidence;
import dev.reprise.runner.ReplayRunner;
import dev.reprise.pipeline.support.DeadLetters;
import dev.reprise.codec.HeaderNames;
import dev.reprise.projection.StateCodec;
import org.apache.avro.specific.SpecificRecord;
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
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;

/**
 * A real one-node KRaft broker (Apache Kafka's own server, in this JVM) for a team's tests, and the replay
 * {@code reprise replay} runs against it: plan the contract's scope from the broker's offsets, make it the run in force,
 * set the group's offsets, run Kafka Streams with Reprise's settings until the final evidence, under exactly-once. Slower
 * than {@link ReplayKit#replayInMemory} (seconds), and closer to production: several partitions, a real repartition, real
 * transactions and commits.
 *
 * <p>One broker can serve several replays: a contract replayed again is a new run (as {@code reprise replay} does), and its
 * projection is read back as this run wrote it. Tests that need a history of their own use contracts with topics and an
 * application id of their own, or a broker of their own.
 */
public final class RealBroker implements AutoCloseable {
    private static RealBroker shared;

    private final EmbeddedKafka kafka;
    private final Path stateDir;
    private final int partitions;

    private RealBroker(EmbeddedKafka kafka, int partitions) {
        this.kafka = kafka;
        this.partitions = partitions;
        this.stateDir = ReplayKit.tempDirectory();
    }

    /** Starts a broker on a free port of localhost, its data in a temporary directory; history topics get 3 partitions. */
    public static RealBroker start() {
        return start(3);
    }

    /** @param historyPartitions the partitions of a history topic the kit creates (an existing topic is left as it is) */
    public static RealBroker start(int historyPartitions) {
        if (historyPartitions < 1) {
            throw new IllegalArgumentException("historyPartitions must be at least 1, got " + historyPartitions);
        }
        return new RealBroker(EmbeddedKafka.start(), historyPartitions);
    }

    /** One broker for every test of the JVM that asks for it, started on first use and stopped when the JVM exits. */
    public static synchronized RealBroker shared() {
        if (shared == null) {
            RealBroker broker = start();
            Runtime.getRuntime().addShutdownHook(new Thread(broker::closeForGood, "reprise-testkit-broker-stop"));
            shared = broker;
        }
        return shared;
    }

    public String bootstrapServers() {
        return kafka.bootstrapServers();
    }

    /** Settings for a client of this broker (its address). */
    public Map<String, Object> clientConfig() {
        return kafka.clientConfig();
    }

    /**
     * Writes the history to the broker as producers did: each record to its topic (created with this broker's partitions
     * when missing), to the partition Kafka's default partitioner picks for its key unless the history named one; the
     * reference records to the contract's reference topic (compacted). Idempotent producer, acks=all.
     */
    public RealBroker write(ReplayKit kit, History history) {
        writeTo(kafka.clientConfig(), kit, history, partitions);
        return this;
    }

    /**
     * Writes the history to any cluster as {@link #write} does: to put a test's history on a cluster for a
     * {@code reprise replay} by hand (the history topics are created with {@code historyPartitions} when missing).
     *
     * @param clientConfig the cluster's client settings, at least {@code bootstrap.servers}
     */
    public static void writeTo(Map<String, Object> clientConfig, ReplayKit kit, History history, int historyPartitions) {
        try (Admin admin = Admin.create(clientConfig)) {
            Set<String> existing = admin.listTopics().names().get();
            List<NewTopic> missing = new ArrayList<>();
            for (String topic : kit.contract().history().topics()) {
                if (!existing.contains(topic)) {
                    missing.add(new NewTopic(topic, historyPartitions, (short) 1));
                }
            }
            String reference = kit.contract().reconciliation().referenceTopic();
            if (reference != null && !existing.contains(reference)) {
                missing.add(new NewTopic(reference, 1, (short) 1).configs(Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT)));
            }
            if (!missing.isEmpty()) {
                admin.createTopics(missing).all().get();
            }
        } catch (ExecutionException e) {
            throw new IllegalStateException("cannot create the history topics on " + clientConfig.get("bootstrap.servers") + ": "
                    + e.getCause().getMessage(), e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
        Map<String, Object> config = new HashMap<>(clientConfig);
        config.put(ProducerConfig.ACKS_CONFIG, "all");
        config.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(config, new ByteArraySerializer(), new ByteArraySerializer())) {
            List<History.Input> all = new ArrayList<>(history.referenceRecords());
            all.addAll(history.records());
            List<java.util.concurrent.Future<?>> sent = new ArrayList<>();
            for (History.Input r : all) {
                sent.add(producer.send(new ProducerRecord<>(r.topic(), r.partition(), r.timestamp(), r.key(), r.value(), r.headers())));
            }
            for (java.util.concurrent.Future<?> f : sent) {
                f.get();
            }
        } catch (ExecutionException e) {
            throw new IllegalStateException("cannot write the history: " + e.getCause().getMessage(), e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Writes the history ({@link #write}) and replays the contract's scope ({@link #replay(ReplayKit)}). */
    public <S extends SpecificRecord> ReplayResult<S> replay(ReplayKit kit, History history) {
        write(kit, history);
        return replay(kit);
    }

    /**
     * Replays the contract's scope as {@code reprise replay} does and returns its final evidence, the projection this run
     * wrote (latest value per key of the records carrying this run's id) and this run's dead letters.
     */
    public <S extends SpecificRecord> ReplayResult<S> replay(ReplayKit kit) {
        Path runState = stateDir.resolve(kit.contract().applicationId() + "-" + System.nanoTime());
        ReplayRunner runner = new ReplayRunner(kit.contract(), kit.codecs(), kafka.clientConfig(), runState, Map.of());
        RecoveryEvidence evidence;
        String runId;
        try (Admin admin = runner.admin()) {
            ReplayRunner.Prepared prepared = runner.prepareReplay(admin);
            runId = prepared.plan().runId();
            evidence = prepared.finalEvidence() != null ? prepared.finalEvidence() : runner.run(prepared.plan(), null);
        } finally {
            Directories.deleteQuietly(runState, "the replay's state directory");
        }
        StateCodec<S> states = kit.stateCodec();
        Map<String, S> projection = new TreeMap<>();
        for (ConsumerRecord<byte[], byte[]> r : readAll(kit.contract().projection().topic())) {
            if (runId.equals(ReplayKit.text(r.headers(), HeaderNames.RUN_ID))) {
                ReplayKit.putState(projection, states, r.key(), r.value());
            }
        }
        List<ReplayResult.DeadLetter> dead = new ArrayList<>();
        for (ConsumerRecord<byte[], byte[]> r : readAll(kit.contract().deadLetter().topic())) {
            if (runId.equals(ReplayKit.text(r.headers(), DeadLetters.RUN_ID))) {
                dead.add(ReplayKit.deadLetter(r.headers(), r.value()));
            }
        }
        return new ReplayResult<>(evidence, projection, dead, Optional.empty());
    }

    /** Every committed record of a topic, from its start to the end it had when asked. */
    public List<ConsumerRecord<byte[], byte[]>> readAll(String topic) {
        Map<String, Object> config = new HashMap<>(kafka.clientConfig());
        config.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(config, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> tps = consumer.partitionsFor(topic).stream().map(p -> new TopicPartition(topic, p.partition())).toList();
            consumer.assign(tps);
            consumer.seekToBeginning(tps);
            Map<TopicPartition, Long> ends = consumer.endOffsets(tps);
            List<ConsumerRecord<byte[], byte[]>> out = new ArrayList<>();
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (tps.stream().anyMatch(tp -> consumer.position(tp) < ends.get(tp))) {
                consumer.poll(Duration.ofMillis(200)).forEach(out::add);
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("could not read " + topic + " to its end " + ends + " within 60 s");
                }
            }
            return out;
        }
    }

    /** Stops the broker and deletes its data; the {@linkplain #shared() shared} broker stays up until the JVM exits. */
    @Override
    public void close() {
        if (this != shared) {
            closeForGood();
        }
    }

    private void closeForGood() {
        try {
            kafka.close();
        } finally {
            Directories.deleteQuietly(stateDir, "the kit's state directory");
        }
    }
}
