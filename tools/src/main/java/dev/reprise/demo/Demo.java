package dev.reprise.demo;

import dev.reprise.embedded.Directories;
import dev.reprise.cli.RunWatch;
import dev.reprise.codec.LocalIdMap;
import dev.reprise.contract.Contract;
import dev.reprise.embedded.EmbeddedKafka;
import dev.reprise.evidence.avro.RecoveryEvidence;
import dev.reprise.runner.ReplayRunner;
import dev.reprise.plan.CompiledContract;
import dev.reprise.plan.Planner;
import dev.reprise.plan.RunPlan;
import dev.reprise.projection.Projection;
import dev.reprise.projection.StateCodec;
import dev.reprise.sample.inventory.InventoryGenerator;
import dev.reprise.sample.inventory.InventoryLevel;
import dev.reprise.sample.inventory.KeySpace;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.serialization.ByteArraySerializer;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The embedded demo: a real KRaft broker in this JVM, a generated inventory history with three schema
 * versions, duplicates and poison records, and a replay of the inventory contract whose evidence is
 * checked against the generator's own ground truth (written to a reference topic the run compares with).
 */
public final class Demo {
    public static final String EXPECTED_TOPIC = "inventory-levels-expected";
    public static final String LIVE_TOPIC = "inventory-levels";

    /**
     * Demo settings; {@code contract} is the inventory contract file.
     *
     * @param injectBug   run a projection that silently ignores about one event in 997
     * @param tamperLive  write a "live" projection with this many wrong keys and compare the rebuild with it
     * @param keyed       write the history keyed by SKU with the default partitioner and replay it as keyed by the
     *                    ordering key (history.keyed_by_ordering_key: true, no repartition)
     * @param scatterKeys with {@code keyed}: write this many events outside their SKU's partition, breaking that promise
     */
    public record Options(long events, double duplicates, int poison, int partitions, Path contract, boolean injectBug, int tamperLive,
                          boolean keyed, int scatterKeys, KeySpace keys) {
        public Options(long events, double duplicates, int poison, int partitions, Path contract) {
            this(events, duplicates, poison, partitions, contract, false, 0);
        }

        public Options(long events, double duplicates, int poison, int partitions, Path contract, boolean injectBug, int tamperLive) {
            this(events, duplicates, poison, partitions, contract, injectBug, tamperLive, false, 0, KeySpace.forEvents(events));
        }
    }

    /** The evidence and the generator's own account, with the differences between them (empty when they agree). */
    public record Result(RecoveryEvidence evidence, InventoryGenerator.Generated generated, RunPlan plan, List<String> mismatches) {
    }

    private final PrintStream err;
    private final int metricsPort;

    public Demo(PrintStream err) {
        this(err, 0);
    }

    /** @param metricsPort where to serve the run's metrics, health and status while it runs; 0: nowhere */
    public Demo(PrintStream err, int metricsPort) {
        this.err = err;
        this.metricsPort = metricsPort;
    }

    public Result run(Options options) {
        Contract fileContract = dev.reprise.contract.ContractLoader.load(options.contract());
        // With a tampered live projection the run compares with it, as in production; otherwise with the
        // generator's ground truth, which must match exactly.
        boolean live = options.tamperLive() > 0 && !options.injectBug();
        Contract contract = fileContract.withReconciliation(live ? fileContract.reconciliation().withReference(LIVE_TOPIC, false)
                : fileContract.reconciliation().withReference(EXPECTED_TOPIC, true));
        CompiledContract codecs = CompiledContract.forContract(contract);
        if (options.injectBug()) {
            // The wrong projection is the demo's own and not registered: no contract can name it, by mistake or not.
            Projection<?> wrong = new InventoryProjectionWithInjectedBug();
            contract = contract.withProjectionName(wrong.name());
            codecs = codecs.withProjection(wrong, codecs.contractInvariants());
            err.println("▶ --inject-bug: the projection silently ignores about one event in 997; the evidence should catch it");
        }
        if (options.keyed()) {
            contract = contract.withKeyedHistory(true);
            err.println("▶ --keyed: the history is written keyed by SKU with the default partitioner and replayed without a repartition"
                    + " (history.keyed_by_ordering_key: true)");
            if (options.scatterKeys() > 0) {
                err.printf("▶ --scatter-keys: %,d events go to another partition than their SKU's, so the history is not keyed as promised;"
                        + " the evidence should catch it%n", options.scatterKeys());
            }
        }
        Path stateDir = tempDir();
        long t0 = System.nanoTime();
        // The metrics port is taken first: a port in use fails the demo before it starts a broker and writes a history.
        try (RunWatch watch = RunWatch.start(contract.applicationId(), metricsPort, metricsPort > 0, err);
             EmbeddedKafka kafka = startBroker()) {
            err.printf("  broker ready at %s in %.1f s%n", kafka.bootstrapServers(), (System.nanoTime() - t0) / 1e9);
            String source = contract.history().topics().get(0);
            kafka.createTopic(source, options.partitions(), Map.of());
            kafka.createTopic(EXPECTED_TOPIC, options.partitions(), Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT));
            kafka.createTopic(LIVE_TOPIC, options.partitions(), Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT));

            InventoryGenerator.Options gen = InventoryGenerator.Options.of(options.events(), options.duplicates(), options.poison(), options.partitions())
                    .keys(options.keys());
            if (options.keyed()) {
                gen = gen.keyed(options.scatterKeys());
            }
            err.printf("▶ Writing %,d unique inventory events (v1/v2/v3) over %,d SKUs, %,d duplicate copies and %,d poison records to %s (%d partitions)…%n",
                    gen.events(), gen.skus(), gen.duplicates(), gen.poison(), source, options.partitions());
            long t1 = System.nanoTime();
            InventoryGenerator.Generated generated;
            try (KafkaProducer<byte[], byte[]> producer = producer(kafka)) {
                LocalIdMap ids = (LocalIdMap) codecs.resolver();
                generated = new InventoryGenerator(codecs.catalog(), ids).write(producer, source, gen);
                StateCodec<InventoryLevel> codec = new StateCodec<>(InventoryLevel.class);
                generated.truth().forEach((sku, level) -> producer.send(new ProducerRecord<>(EXPECTED_TOPIC,
                        sku.getBytes(StandardCharsets.UTF_8), codec.toSingleObject(codec.encode(level)))));
                int tampered = 0;
                for (Map.Entry<String, InventoryLevel> e : generated.truth().entrySet()) {
                    InventoryLevel level = InventoryLevel.newBuilder(e.getValue()).build();
                    if (tampered < options.tamperLive()) {
                        // As after the bug that made the replay necessary: 8 units shipped twice.
                        level.setShipped(level.getShipped() + 8);
                        level.setStockOnHand(level.getStockOnHand() - 8);
                        level.setSellable(level.getSellable() - 8);
                        tampered++;
                    }
                    producer.send(new ProducerRecord<>(LIVE_TOPIC, e.getKey().getBytes(StandardCharsets.UTF_8), codec.toSingleObject(codec.encode(level))));
                }
                producer.flush();
            }
            err.printf("  written in %.1f s; ground truth for %,d SKUs in %s; live projection in %s%s%n", (System.nanoTime() - t1) / 1e9,
                    generated.truth().size(), EXPECTED_TOPIC, LIVE_TOPIC, options.tamperLive() > 0 ? " with " + options.tamperLive() + " wrong keys" : "");

            ReplayRunner runner = new ReplayRunner(contract, codecs, kafka.clientConfig(), stateDir, Map.of());
            RunPlan plan;
            try (Admin admin = kafka.admin()) {
                plan = new Planner(admin, kafka.clientConfig()).plan(contract);
                runner.prepareTopics(admin, plan);
                runner.resetOffsets(admin, plan);
            }
            err.printf("▶ Replaying run %s: %,d offsets in %d partitions, %s, %s%n", plan.runId(), plan.totalOffsets(), plan.ranges().size(),
                    contract.history().keyedByOrderingKey() ? "without repartition" : "repartitioned into " + plan.repartitionPartitions(),
                    contract.processing().guarantee());
            RecoveryEvidence evidence;
            long replayStart = System.nanoTime();
            try {
                evidence = runner.runObserved(plan, watch.observer());
            } finally {
                watch.endLine();
            }
            // One run, one duration and one rate: the evidence's. The wall-clock time around it is said as what it is.
            Duration measured = Duration.between(evidence.getStartedAt(), evidence.getEndedAt());
            err.printf("  replay finished: %,d records read in %.1f s (%,.0f events/s), from the first record read to the final evidence"
                            + " (the evidence's started_at and ended_at); %.1f s in all with Kafka Streams' start-up and shutdown%n",
                    evidence.getEventsRead(), measured.toMillis() / 1000.0, evidence.getEventsPerSecond(), (System.nanoTime() - replayStart) / 1e9);
            List<String> mismatches = compare(evidence, generated);
            mismatches.addAll(compareProjection(kafka, contract, generated));
            return new Result(evidence, generated, plan, mismatches);
        } finally {
            Directories.deleteQuietly(stateDir, "the demo's state directory");
        }
    }

    private EmbeddedKafka startBroker() {
        err.println("▶ Starting a one-node KRaft Kafka broker in this JVM…");
        return EmbeddedKafka.start();
    }

    /** The generator's account against the evidence: the demo's numbers must be exact. */
    static List<String> compare(RecoveryEvidence e, InventoryGenerator.Generated g) {
        List<String> out = new ArrayList<>();
        check(out, "events_processed", g.events(), e.getEventsProcessed());
        check(out, "duplicates_skipped", g.duplicates(), e.getDuplicatesSkipped());
        check(out, "dead_lettered", g.poison(), e.getDeadLettered());
        check(out, "events_read", g.events() + g.duplicates() + g.poison(), e.getEventsRead());
        check(out, "projection_keys", g.truth().size(), e.getProjectionKeys());
        return out;
    }

    /** The demo's own check, outside the app: the rebuilt projection topic against the ground truth. */
    static List<String> compareProjection(EmbeddedKafka kafka, Contract contract, InventoryGenerator.Generated generated) {
        Map<String, Object> config = new HashMap<>(kafka.clientConfig());
        config.put(org.apache.kafka.clients.consumer.ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        Map<String, InventoryLevel> rebuilt = new java.util.TreeMap<>();
        StateCodec<InventoryLevel> codec = new StateCodec<>(InventoryLevel.class, CompiledContract.schemaSources(contract).resolver());
        try (org.apache.kafka.clients.consumer.KafkaConsumer<byte[], byte[]> consumer = new org.apache.kafka.clients.consumer.KafkaConsumer<>(
                config, new org.apache.kafka.common.serialization.ByteArrayDeserializer(), new org.apache.kafka.common.serialization.ByteArrayDeserializer())) {
            List<org.apache.kafka.common.TopicPartition> parts = consumer.partitionsFor(contract.projection().topic()).stream()
                    .map(p -> new org.apache.kafka.common.TopicPartition(p.topic(), p.partition())).toList();
            consumer.assign(parts);
            consumer.seekToBeginning(parts);
            Map<org.apache.kafka.common.TopicPartition, Long> ends = consumer.endOffsets(parts);
            long deadline = System.currentTimeMillis() + 60_000;
            while (parts.stream().anyMatch(tp -> consumer.position(tp) < ends.get(tp)) && System.currentTimeMillis() < deadline) {
                consumer.poll(java.time.Duration.ofMillis(200)).forEach(r -> rebuilt.put(new String(r.key(), StandardCharsets.UTF_8), codec.fromTopic(r.value())));
            }
        }
        long wrong = generated.truth().entrySet().stream().filter(e -> !e.getValue().equals(rebuilt.get(e.getKey()))).count();
        List<String> out = new ArrayList<>();
        if (wrong > 0 || rebuilt.size() != generated.truth().size()) {
            out.add("projection topic: " + wrong + " of " + generated.truth().size() + " SKUs differ from the ground truth");
        }
        return out;
    }

    private static void check(List<String> out, String field, long expected, long actual) {
        if (expected != actual) {
            out.add(field + ": the generator wrote " + expected + ", the evidence says " + actual);
        }
    }

    private static KafkaProducer<byte[], byte[]> producer(EmbeddedKafka kafka) {
        Map<String, Object> config = new HashMap<>(kafka.clientConfig());
        config.put(ProducerConfig.LINGER_MS_CONFIG, 10);
        config.put(ProducerConfig.BATCH_SIZE_CONFIG, 256 * 1024);
        config.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4");
        return new KafkaProducer<>(config, new ByteArraySerializer(), new ByteArraySerializer());
    }

    private static Path tempDir() {
        try {
            return Files.createTempDirectory("reprise-demo-state");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

}
