package dev.reprise.drill;

import dev.reprise.embedded.Directories;
import dev.reprise.codec.LocalIdMap;
import dev.reprise.contract.Contract;
import dev.reprise.contract.ContractLoader;
import dev.reprise.evidence.avro.RecoveryEvidence;
import dev.reprise.ops.EvidenceReader;
import dev.reprise.ops.ReplayRunner;
import dev.reprise.plan.Codecs;
import dev.reprise.plan.Planner;
import dev.reprise.plan.RunPlan;
import dev.reprise.sample.inventory.InventoryGenerator;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ConsumerGroupListing;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * What every drill works with: a cluster, names of its own (every topic and application id starts with
 * {@link #prefix}, {@code reprise-drill-<random>-}, so a drill on a staging cluster never touches a topic or group
 * of the user's), contracts for those names derived from the inventory sample, and the reads and writes a drill
 * makes to compare runs. {@link #close()} deletes every topic and consumer group with the prefix, and the
 * working directory.
 */
final class Workbench implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Workbench.class);
    static final String PREFIX = "reprise-drill-";

    final String prefix;
    final Path dir;
    final Contract sample;
    final Codecs codecs;
    final int partitions;
    private final Map<String, Object> clientConfig;
    private final Properties userProperties;

    /**
     * @param sample         the inventory contract; only its schemas are used
     * @param clientConfig   connection settings for every client (bootstrap.servers, security)
     * @param userProperties the --command-config properties, handed to the app processes the drill starts
     */
    Workbench(Contract sample, Map<String, Object> clientConfig, Properties userProperties, int partitions) {
        if (!"inventory-levels".equals(sample.projection().name()) || sample.history().encoding() != Contract.Encoding.CONFLUENT
                || sample.history().schemas().kind() != Contract.SchemaSource.Kind.LOCAL) {
            throw new IllegalArgumentException("--contract: the drills replay the inventory sample; name config/inventory.yaml "
                    + "(projection inventory-levels, confluent encoding, local schemas), got " + sample.source());
        }
        this.prefix = PREFIX + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt()).substring(0, 6) + "-";
        this.sample = sample;
        this.codecs = Codecs.forContract(sample);
        this.clientConfig = Map.copyOf(clientConfig);
        this.userProperties = userProperties;
        this.partitions = partitions;
        try {
            this.dir = Files.createTempDirectory(prefix);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    Map<String, Object> clientConfig() {
        return new HashMap<>(clientConfig);
    }

    Admin admin() {
        return Admin.create(clientConfig());
    }

    /** A run's names: its application id and output topics, all under the drill's prefix. */
    record Names(String label, String applicationId, String projection, String evidence, String deadLetters) {
    }

    Names names(String label) {
        String base = prefix + label;
        return new Names(label, base, base + "-projection", base + "-evidence", base + "-dlq");
    }

    /** The source topic of this drill's base history. */
    String history() {
        return prefix + "history";
    }

    /** The generator's ground truth, compared key by key by every run ({@code reference_must_match: true}). */
    String truth() {
        return prefix + "truth";
    }

    /**
     * A contract for {@code names} reading {@code source}, compared with the ground truth.
     *
     * @param extraYaml YAML appended at the top level, or ""
     */
    String yaml(Names names, String source, boolean keyed, String evidenceYaml, String extraYaml) {
        Contract.SchemaSource schemas = sample.history().schemas();
        return """
                name: drill-%s
                application_id: %s
                history:
                  topics: [%s]
                  encoding: confluent
                  schemas:
                    source: local
                    directory: '%s'
                    id_map: '%s'
                  keyed_by_ordering_key: %s
                ordering:
                  key_field: sku
                idempotency:
                  event_id_field: event_id
                projection:
                  name: inventory-levels
                  topic: %s
                reconciliation:
                  reference_topic: %s
                  reference_must_match: true
                evidence:
                  topic: %s
                %s
                dead_letter:
                  topic: %s
                processing:
                  mode: bounded
                  guarantee: exactly_once_v2
                allowed_write_topics: [%s, %s, %s]
                """.formatted(names.label(), names.applicationId(), source, schemas.directory().toAbsolutePath(),
                schemas.idMap().toAbsolutePath(), keyed, names.projection(), truth(), names.evidence(), evidenceYaml.indent(2).stripTrailing(),
                names.deadLetters(), names.projection(), names.evidence(), names.deadLetters()) + extraYaml;
    }

    Contract contract(String yaml) {
        return ContractLoader.parse(yaml.getBytes(StandardCharsets.UTF_8), dir, null);
    }

    /** The contract as a file, for an app process. */
    Path contractFile(String yaml) {
        try {
            Path file = Files.createTempFile(dir, "contract-", ".yaml");
            Files.writeString(file, yaml);
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * The client properties of an app process: the user's --command-config (readable by this user only, deleted
     * with the working directory) and a short session timeout, so that a killed instance's partitions move on
     * within seconds.
     */
    Path appProperties(Map<String, String> extra) {
        Properties p = new Properties();
        p.putAll(userProperties);
        p.putAll(extra);
        p.putIfAbsent("session.timeout.ms", "6000");
        p.putIfAbsent("heartbeat.interval.ms", "1000");
        try {
            Path file = dir.resolve("app-" + System.nanoTime() + ".properties");
            Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            try (var out = Files.newOutputStream(file)) {
                p.store(out, null);
            }
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (UnsupportedOperationException e) {
            throw new IllegalStateException("this file system cannot make a file readable by its owner only", e);
        }
    }

    InventoryGenerator generator() {
        return new InventoryGenerator(codecs.catalog(), (LocalIdMap) codecs.resolver());
    }

    void createTopic(String name, int partitionCount, boolean compacted) {
        NewTopic topic = new NewTopic(name, Optional.of(partitionCount), Optional.empty());
        if (compacted) {
            topic.configs(Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT));
        }
        try (Admin admin = admin()) {
            admin.createTopics(List.of(topic)).all().get(60, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            throw new IllegalStateException("cannot create topic " + name + ": " + e.getCause().getMessage(), e.getCause());
        } catch (Exception e) {
            throw new IllegalStateException("cannot create topic " + name + ": " + e.getMessage(), e);
        }
    }

    KafkaProducer<byte[], byte[]> producer() {
        Map<String, Object> config = clientConfig();
        config.put(ProducerConfig.LINGER_MS_CONFIG, 10);
        config.put(ProducerConfig.BATCH_SIZE_CONFIG, 256 * 1024);
        // Records keep their order in each partition even when a send is retried.
        config.put(ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, 1);
        config.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 300_000);
        return new KafkaProducer<>(config, new ByteArraySerializer(), new ByteArraySerializer());
    }

    /** Every committed record of a topic, partition by partition in offset order. */
    List<ConsumerRecord<byte[], byte[]>> readAll(String topic) {
        Map<String, Object> config = clientConfig();
        config.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(config, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> parts = consumer.partitionsFor(topic, Duration.ofSeconds(60)).stream()
                    .map(p -> new TopicPartition(topic, p.partition())).sorted(java.util.Comparator.comparingInt(TopicPartition::partition)).toList();
            consumer.assign(parts);
            consumer.seekToBeginning(parts);
            Map<TopicPartition, Long> ends = consumer.endOffsets(parts);
            Map<Integer, List<ConsumerRecord<byte[], byte[]>>> byPartition = new TreeMap<>();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
            while (parts.stream().anyMatch(tp -> consumer.position(tp) < ends.get(tp))) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("could not read " + topic + " to its end within 120 s");
                }
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    byPartition.computeIfAbsent(r.partition(), p -> new ArrayList<>()).add(r);
                }
            }
            List<ConsumerRecord<byte[], byte[]>> out = new ArrayList<>();
            byPartition.values().forEach(out::addAll);
            return out;
        }
    }

    /** The latest value of every key, as a reader of a compacted topic sees it: the projection a run left. */
    Map<String, byte[]> readProjection(String topic) {
        Map<String, byte[]> out = new TreeMap<>();
        for (ConsumerRecord<byte[], byte[]> r : readAll(topic)) {
            String key = new String(r.key(), StandardCharsets.UTF_8);
            if (r.value() == null) {
                out.remove(key);
            } else {
                out.put(key, r.value());
            }
        }
        return out;
    }

    ReplayRunner runner(Contract contract, Codecs runCodecs, String stateLabel, Map<String, Object> overrides) {
        Map<String, Object> streams = new HashMap<>(overrides);
        streams.putIfAbsent("commit.interval.ms", 100);
        return new ReplayRunner(contract, runCodecs, clientConfig(), dir.resolve("state-" + stateLabel), streams);
    }

    /** Plans a new run of the contract and sets its group's offsets to the plan's start, as 'reprise reset --execute' does. */
    RunPlan begin(ReplayRunner runner, Contract contract) {
        return begin(runner, contract, Optional.empty());
    }

    /** As {@link #begin(ReplayRunner, Contract)}, replacing the run in force {@code previousRunId}. */
    RunPlan begin(ReplayRunner runner, Contract contract, Optional<String> previousRunId) {
        try (Admin admin = admin()) {
            RunPlan plan = new Planner(admin, clientConfig()).plan(contract);
            runner.begin(admin, previousRunId, plan);
            return plan;
        }
    }

    Optional<RecoveryEvidence> finalEvidence(Contract contract, String runId) {
        return new EvidenceReader(contract, clientConfig()).finalOf(runId);
    }

    /** Deletes every topic and consumer group of this drill (names with its prefix), and its working directory. */
    @Override
    public void close() {
        try (Admin admin = admin()) {
            List<String> topics = admin.listTopics().names().get(60, TimeUnit.SECONDS).stream().filter(t -> t.startsWith(prefix)).toList();
            if (!topics.isEmpty()) {
                admin.deleteTopics(topics).all().get(60, TimeUnit.SECONDS);
            }
            List<String> groups = admin.listConsumerGroups().all().get(60, TimeUnit.SECONDS).stream()
                    .map(ConsumerGroupListing::groupId).filter(g -> g.startsWith(prefix)).toList();
            // A killed instance stays a member until its session times out (6 s): try again for a while.
            for (int attempt = 1; !groups.isEmpty(); attempt++) {
                try {
                    admin.deleteConsumerGroups(groups).all().get(60, TimeUnit.SECONDS);
                    break;
                } catch (ExecutionException e) {
                    if (!(e.getCause() instanceof org.apache.kafka.common.errors.GroupNotEmptyException) || attempt == 10) {
                        throw e;
                    }
                    Thread.sleep(2_000);
                    groups = admin.listConsumerGroups().all().get(60, TimeUnit.SECONDS).stream()
                            .map(ConsumerGroupListing::groupId).filter(g -> g.startsWith(prefix)).toList();
                }
            }
            LOG.info("deleted the drill's {} topics and {} consumer groups (prefix {})", topics.size(), groups.size(), prefix);
        } catch (Exception e) {
            LOG.warn("could not delete every topic and group of prefix {}: {}; delete them by hand", prefix, e.getMessage());
        }
        Directories.deleteQuietly(dir, "the drill's directory");
    }
}
