package dev.reprise.it;

import dev.reprise.codec.LocalIdMap;
import dev.reprise.contract.Contract;
import dev.reprise.contract.ContractLoader;
import dev.reprise.embedded.EmbeddedKafka;
import dev.reprise.evidence.avro.RecoveryEvidence;
import dev.reprise.config.RepriseConfig;
import dev.reprise.evidence.EvidenceKeys;
import dev.reprise.runner.ReplayRunner;
import dev.reprise.run.RunStore;
import dev.reprise.plan.CompiledContract;
import dev.reprise.plan.Planner;
import dev.reprise.plan.RunPlan;
import dev.reprise.projection.StateCodec;
import dev.reprise.sample.inventory.InventoryGenerator;
import dev.reprise.sample.inventory.InventoryLevel;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;

/**
 * One isolated replay setup on the shared broker: its own source, output and internal topics (all
 * names carry a unique suffix) and its own contract, derived from config/inventory.yaml.
 */
final class ReplayFixture {
    private static final AtomicInteger COUNTER = new AtomicInteger();
    final EmbeddedKafka kafka = SharedKafka.get();
    final String suffix = "t" + COUNTER.incrementAndGet() + "-" + System.nanoTime() % 100000;
    final String source = "inventory-events-" + suffix;
    final String projection = "inventory-levels-" + suffix;
    final String evidence = "evidence-" + suffix;
    final String dlq = "dlq-" + suffix;
    final String live = "live-" + suffix;
    final Contract contract;
    final CompiledContract codecs;
    final Path stateDir;
    final String yaml;

    /**
     * @param extraYaml YAML lines appended to the contract (e.g. a scope section), or ""
     */
    ReplayFixture(int partitions, String extraYaml) {
        this(partitions, extraYaml, false);
    }

    /**
     * @param extraYaml YAML lines appended to the contract; {@code ${source}} stands for the source topic's name
     * @param keyed whether the contract declares the history keyed by the ordering key (no repartition)
     */
    ReplayFixture(int partitions, String extraYaml, boolean keyed) {
        String yaml = ContractYaml.inventory("inventory-it", "reprise-it-" + suffix).topics(source, projection, evidence, dlq).keyed(keyed)
                .alsoWrites(live).extra(extraYaml.replace("${source}", source)).yaml();
        // Schema paths made absolute here, not only in contractFile(): the run and the command line then use one contract
        // with one hash, as an operator's run and promote do (promote reads the run's scope only from the contract it used).
        String schemas = Path.of("..", "schemas").toAbsolutePath().normalize().toString();
        this.yaml = yaml.replace("../schemas/registry-ids.yaml", schemas + "/registry-ids.yaml").replace("../schemas", schemas);
        this.contract = ContractLoader.parse(this.yaml.getBytes(StandardCharsets.UTF_8), Path.of("..", "config").toAbsolutePath(), null);
        this.codecs = CompiledContract.forContract(contract);
        kafka.createTopic(source, partitions, Map.of());
        try {
            this.stateDir = Files.createTempDirectory("reprise-it-state");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The contract as a file, for the command line; schema paths made absolute. */
    Path contractFile() {
        try {
            Path file = Files.createTempFile(stateDir, "contract-", ".yaml");
            Files.writeString(file, yaml);
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    InventoryGenerator generator() {
        return new InventoryGenerator(codecs.catalog(), (LocalIdMap) codecs.resolver());
    }

    KafkaProducer<byte[], byte[]> producer(Map<String, Object> extra) {
        return new KafkaProducer<>(TestProducers.config(kafka, extra), new ByteArraySerializer(), new ByteArraySerializer());
    }

    InventoryGenerator.Generated generate(InventoryGenerator.Options options) {
        try (KafkaProducer<byte[], byte[]> producer = producer(Map.of())) {
            return generator().write(producer, source, options);
        }
    }

    /** The runner of this fixture's runs: it signs their evidence with {@link #keys()}. */
    ReplayRunner runner() {
        return new ReplayRunner(contract, codecs, kafka.clientConfig(), stateDir, Map.of("commit.interval.ms", 100,
                RepriseConfig.EVIDENCE_SIGNING_KEY_FILE, keys().resolve(EvidenceKeys.PRIVATE_KEY_FILE).toString(),
                RepriseConfig.EVIDENCE_PUBLIC_KEY_FILE, publicKey().toString()));
    }

    /** This fixture's evidence key pair (made on first use), as 'reprise keys generate' writes it. */
    Path keys() {
        Path dir = stateDir.resolve("keys");
        if (!Files.exists(dir.resolve(EvidenceKeys.PUBLIC_KEY_FILE))) {
            try {
                EvidenceKeys.writeNew(dir);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return dir;
    }

    /** The public key the evidence of {@link #runner()}'s runs verifies with, for --evidence-public-key. */
    Path publicKey() {
        return keys().resolve(EvidenceKeys.PUBLIC_KEY_FILE);
    }

    /**
     * Plans a new run, makes it the run in force (as 'reprise run' does: in the run store, the group's offsets at its start)
     * and runs it to its final evidence.
     */
    Run newRun() {
        ReplayRunner runner = runner();
        RunPlan plan;
        try (Admin admin = kafka.admin()) {
            plan = new Planner(admin, kafka.clientConfig()).plan(contract);
            Optional<String> inForce = new RunStore(contract, kafka.clientConfig()).current(admin).map(RunPlan::runId);
            runner.begin(admin, inForce, plan);
        }
        return new Run(plan, runner.run(plan, null));
    }

    record Run(RunPlan plan, RecoveryEvidence evidence) {
    }

    /** The latest value of every key on the projection topic, as a compacted topic's reader sees it. */
    Map<String, InventoryLevel> readProjection() {
        return readLatest(projection).entrySet().stream().collect(Collectors.toMap(Map.Entry::getKey,
                e -> new StateCodec<>(InventoryLevel.class, codecs.resolver()).fromTopic(e.getValue()), (a, b) -> b, TreeMap::new));
    }

    List<ConsumerRecord<byte[], byte[]>> readAll(String topic) {
        Map<String, Object> config = new HashMap<>(kafka.clientConfig());
        config.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(config, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> partitions = consumer.partitionsFor(topic).stream()
                    .map(p -> new TopicPartition(topic, p.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> ends = consumer.endOffsets(partitions);
            List<ConsumerRecord<byte[], byte[]>> out = new java.util.ArrayList<>();
            long deadline = System.currentTimeMillis() + 30_000;
            while (partitions.stream().anyMatch(tp -> consumer.position(tp) < ends.get(tp))) {
                consumer.poll(Duration.ofMillis(200)).forEach(out::add);
                if (System.currentTimeMillis() > deadline) {
                    throw new AssertionError("could not read " + topic + " to its end within 30 s");
                }
            }
            return out;
        }
    }

    Map<String, byte[]> readLatest(String topic) {
        Map<String, byte[]> out = new TreeMap<>();
        for (ConsumerRecord<byte[], byte[]> r : readAll(topic)) {
            if (r.value() == null) {
                out.remove(new String(r.key(), StandardCharsets.UTF_8));
            } else {
                out.put(new String(r.key(), StandardCharsets.UTF_8), r.value());
            }
        }
        return out;
    }
}
