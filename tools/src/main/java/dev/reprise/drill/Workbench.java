package dev.reprise.drill;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.reprise.embedded.Directories;
import dev.reprise.codec.LocalIdMap;
import dev.reprise.contract.Contract;
import dev.reprise.contract.ContractLoader;
import dev.reprise.evidence.avro.RecoveryEvidence;
import dev.reprise.evidence.io.EvidenceReader;
import dev.reprise.runner.ReplayRunner;
import dev.reprise.plan.CompiledContract;
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

    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    final String prefix;
    final Path dir;
    final Contract sample;
    /** The team's contract (--sample-keys), or {@code null} for the inventory sample. */
    final Contract team;
    private final ObjectNode teamYaml;
    final CompiledContract codecs;
    /** Partitions of the (first) history topic. */
    int partitions;
    /** The history topics of the drill, in the order of the contract's. */
    private List<String> histories;
    /** The reference every run is compared with ({@code reference_must_match: true}); {@code null} before there is one. */
    private String truth;
    private final Map<String, Object> clientConfig;
    private final Properties userProperties;

    /**
     * @param sample         the inventory contract; only its schemas are used
     * @param clientConfig   connection settings for every client (bootstrap.servers, security)
     * @param userProperties the --command-config properties, handed to the app processes the drill starts
     */
    Workbench(Contract sample, Map<String, Object> clientConfig, Properties userProperties, int partitions) {
        this(sample, null, CompiledContract.forContract(sample), clientConfig, userProperties, partitions);
        if (!"inventory-levels".equals(sample.projection().name()) || sample.history().encoding() != Contract.Encoding.CONFLUENT
                || sample.history().schemas().kind() != Contract.SchemaSource.Kind.LOCAL) {
            throw new IllegalArgumentException("--contract: the drills replay the inventory sample; name config/inventory.yaml "
                    + "(projection inventory-levels, confluent encoding, local schemas), got " + sample.source()
                    + "; to drill your own contract, copy a sample of your history with --sample-keys");
        }
        this.truth = prefix + "truth";
    }

    /**
     * A workbench for a team's contract: its history topics are copied from the team's cluster ({@link Sample}), and
     * every run is compared with the first clean run of the copy.
     *
     * @param codecs the team contract's codecs (its projection and upcasters from the plugin path)
     */
    static Workbench forTeam(Contract team, CompiledContract codecs, Map<String, Object> clientConfig, Properties userProperties) {
        return new Workbench(team, team, codecs, clientConfig, userProperties, 0);
    }

    private Workbench(Contract sample, Contract team, CompiledContract codecs, Map<String, Object> clientConfig, Properties userProperties, int partitions) {
        this.prefix = PREFIX + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt()).substring(0, 6) + "-";
        this.sample = sample;
        this.team = team;
        this.codecs = codecs;
        this.clientConfig = Map.copyOf(clientConfig);
        this.userProperties = userProperties;
        this.partitions = partitions;
        this.histories = List.of(prefix + "history");
        if (team != null) {
            try {
                this.teamYaml = (ObjectNode) YAML.readTree(team.source().toFile());
            } catch (IOException e) {
                throw new IllegalArgumentException("--contract: cannot read " + team.source() + ": " + e.getMessage());
            }
            List<String> names = new ArrayList<>();
            for (int i = 0; i < team.history().topics().size(); i++) {
                names.add(team.history().topics().size() == 1 ? prefix + "history" : prefix + "history-" + (i + 1));
            }
            this.histories = List.copyOf(names);
        } else {
            this.teamYaml = null;
        }
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

    /** The source topics of this drill's base history, separated by ", " (one for the inventory sample). */
    String history() {
        return String.join(", ", histories);
    }

    /** The history topics one by one, in the order of the team contract's {@code history.topics}. */
    List<String> histories() {
        return histories;
    }

    /**
     * The reference every run is compared with key by key ({@code reference_must_match: true}): the generator's ground
     * truth, or for a team's sample the projection of its first clean run; {@code null} before that run.
     */
    String truth() {
        return truth;
    }

    /** Makes {@code topic} the reference of every later run. */
    void useReference(String topic) {
        this.truth = topic;
    }

    /**
     * A contract for {@code names} reading {@code source} (topics separated by ", "), compared with the reference
     * ({@link #truth()}, {@code reference_must_match: true}) once there is one. Without a team's contract it is the
     * inventory sample's; with one ({@code --sample-keys}) it is the team's own contract with the drill's names: its
     * topics, application id and write topics replaced, its scope read from the sample's first record to its last, its
     * minimum sizes (made for the whole history) left at their defaults, its paths made absolute, and every other
     * setting (encoding, schemas, identities, sequence, projection, checks, guarantee) as the team wrote it.
     *
     * @param keyed        {@code history.keyed_by_ordering_key}; {@code null}: the team's own (inventory: false)
     * @param evidenceYaml YAML merged into the {@code evidence} section, or ""
     * @param extraYaml    YAML merged at the top level, or ""
     */
    String yaml(Names names, String source, Boolean keyed, String evidenceYaml, String extraYaml) {
        ObjectNode tree = team == null ? inventoryTree(names, source, keyed) : teamTree(names, source, keyed);
        ObjectNode reconciliation = tree.withObject("/reconciliation");
        if (truth != null) {
            reconciliation.put("reference_topic", truth);
            reconciliation.put("reference_must_match", true);
        } else {
            reconciliation.remove("reference_topic");
            reconciliation.put("reference_must_match", false);
        }
        if (!evidenceYaml.isBlank()) {
            merge(tree.withObject("/evidence"), readYaml(evidenceYaml));
        }
        if (!extraYaml.isBlank()) {
            merge(tree, readYaml(extraYaml));
        }
        try {
            return YAML.writeValueAsString(tree);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private ObjectNode inventoryTree(Names names, String source, Boolean keyed) {
        Contract.SchemaSource schemas = sample.history().schemas();
        return readYaml("""
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
                evidence:
                  topic: %s
                dead_letter:
                  topic: %s
                processing:
                  mode: bounded
                  guarantee: exactly_once_v2
                allowed_write_topics: [%s, %s, %s]
                """.formatted(names.label(), names.applicationId(), source, schemas.directory().toAbsolutePath(),
                schemas.idMap().toAbsolutePath(), keyed != null && keyed, names.projection(), names.evidence(),
                names.deadLetters(), names.projection(), names.evidence(), names.deadLetters()));
    }

    private ObjectNode teamTree(Names names, String source, Boolean keyed) {
        ObjectNode tree = teamYaml.deepCopy();
        tree.put("name", "drill-" + names.label());
        tree.put("application_id", names.applicationId());
        ObjectNode history = tree.withObject("/history");
        ArrayNode topics = history.putArray("topics");
        for (String t : source.split(", ")) {
            topics.add(t);
        }
        if (keyed != null) {
            history.put("keyed_by_ordering_key", keyed);
        }
        // Paths as the team's contract resolved them: the drill's contract files live in the drill's directory.
        Contract.SchemaSource schemas = team.history().schemas();
        ObjectNode s = history.withObject("/schemas");
        if (schemas.directory() != null) {
            s.put("directory", schemas.directory().toAbsolutePath().toString());
        }
        if (schemas.idMap() != null) {
            s.put("id_map", schemas.idMap().toAbsolutePath().toString());
        }
        if (schemas.clientProperties() != null) {
            s.put("client_properties", schemas.clientProperties().toAbsolutePath().toString());
        }
        if (s.get("events") instanceof ArrayNode events) {
            for (int i = 0; i < events.size() && i < schemas.events().size(); i++) {
                Path file = schemas.events().get(i).schemaFile();
                if (file != null && events.get(i) instanceof ObjectNode e) {
                    e.put("schema_file", file.toAbsolutePath().toString());
                }
            }
        }
        tree.withObject("/projection").put("topic", names.projection());
        ObjectNode evidence = tree.withObject("/evidence");
        evidence.put("topic", names.evidence());
        evidence.remove(List.of("min_events_processed", "min_projection_keys"));
        tree.withObject("/dead_letter").put("topic", names.deadLetters());
        if (tree.get("scope") instanceof ObjectNode scope) {
            scope.put("from", "earliest");
            scope.put("to", "latest-at-start");
        }
        tree.withObject("/processing").put("mode", "bounded");
        ArrayNode allowed = tree.putArray("allowed_write_topics");
        allowed.add(names.projection()).add(names.evidence()).add(names.deadLetters());
        return tree;
    }

    private static ObjectNode readYaml(String yaml) {
        try {
            return (ObjectNode) YAML.readTree(yaml);
        } catch (IOException | ClassCastException e) {
            throw new IllegalStateException("the drill's contract is not a YAML mapping: " + e.getMessage(), e);
        }
    }

    /** Merges {@code extra} into {@code target}: mappings key by key, anything else replaced. */
    private static void merge(ObjectNode target, ObjectNode extra) {
        extra.fields().forEachRemaining(f -> {
            if (f.getValue() instanceof ObjectNode value && target.get(f.getKey()) instanceof ObjectNode existing) {
                merge(existing, value);
            } else {
                target.set(f.getKey(), f.getValue());
            }
        });
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

    ReplayRunner runner(Contract contract, CompiledContract runCodecs, String stateLabel, Map<String, Object> overrides) {
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
