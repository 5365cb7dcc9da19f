package dev.reprise.compare;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.reprise.codec.LocalIdMap;
import dev.reprise.codec.SchemaCatalog;
import dev.reprise.embedded.BrokerProcess;
import dev.reprise.embedded.Directories;
import dev.reprise.sample.inventory.InventoryGenerator;
import dev.reprise.sample.inventory.InventoryLevel;
import dev.reprise.sample.inventory.KeySpace;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.serialization.ByteArraySerializer;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The comparison: one broker, one generated history, and each rebuild run on it in turn, in an order that rotates
 * from round to round, each from a fresh consumer group, state directory and output topic. After each run its
 * output topic is read and compared key by key with the generator's ground truth; then its topics and state are
 * deleted, so every run starts on the same broker holding the same history.
 */
public final class Comparison {
    public static final String INPUT = "cmp-inventory-events";
    /** The JVM options Flink's own launcher adds on Java 17 (its config.yaml's env.java.opts.all): Flink needs them. */
    static final List<String> FLINK_JVM_OPTIONS = List.of("-XX:+IgnoreUnrecognizedVMOptions",
            "--add-exports=java.base/sun.net.util=ALL-UNNAMED", "--add-exports=java.rmi/sun.rmi.registry=ALL-UNNAMED",
            "--add-exports=java.security.jgss/sun.security.krb5=ALL-UNNAMED",
            "--add-opens=java.base/java.lang=ALL-UNNAMED", "--add-opens=java.base/java.net=ALL-UNNAMED",
            "--add-opens=java.base/java.io=ALL-UNNAMED", "--add-opens=java.base/java.nio=ALL-UNNAMED",
            "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED", "--add-opens=java.base/java.lang.reflect=ALL-UNNAMED",
            "--add-opens=java.base/java.text=ALL-UNNAMED", "--add-opens=java.base/java.time=ALL-UNNAMED",
            "--add-opens=java.base/java.util=ALL-UNNAMED", "--add-opens=java.base/java.util.concurrent=ALL-UNNAMED",
            "--add-opens=java.base/java.util.concurrent.atomic=ALL-UNNAMED", "--add-opens=java.base/java.util.concurrent.locks=ALL-UNNAMED");
    private static final String QUIET_LOGS = "-Dlog4j2.configurationFile=classpath:reprise-log4j2.xml";

    /**
     * What to compare.
     *
     * @param work            where the broker's data, the contracts, state directories and logs go (emptied first)
     * @param checkpointFlink Flink's checkpoint interval, e.g. {@code 2 s}
     */
    public record Settings(long events, KeySpace keys, double duplicates, int poison, int partitions, int rounds, List<Contender> contenders,
                           Path work, int brokerPort, String checkpointFlink, long timeoutMillis) {
    }

    /** Everything measured: the history, a JVM's start-up per round, and every run. */
    public record Outcome(Settings settings, InventoryGenerator.Generated generated, long records, List<Long> jvmStartMillis, List<Result> results) {
    }

    private final Layout layout;
    private final Settings settings;
    private final PrintStream err;
    private final SchemaCatalog catalog;
    private final LocalIdMap ids;
    /** The latest {@link #jvmStart}, the floor of the Reprise runs' breakdown in its round. */
    private long lastJvmStart;

    public Comparison(Layout layout, Settings settings, PrintStream err) {
        this.layout = layout;
        this.settings = settings;
        this.err = err;
        this.catalog = SchemaCatalog.load(layout.schemas());
        this.ids = LocalIdMap.load(layout.idMap(), catalog);
    }

    public Outcome run() {
        try {
            Directories.deleteTree(settings.work());
            Files.createDirectories(settings.work());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        err.println("▶ Starting the broker (reprise broker, a process of its own)…");
        try (BrokerProcess broker = BrokerProcess.start("comparison", settings.work().resolve("broker"), settings.brokerPort(),
                layout.repriseClassPath(), "1g", false)) {
            err.println("  at " + broker.bootstrapServers());
            InventoryGenerator.Generated generated = generate(broker);
            long records = generated.events() + generated.duplicates() + generated.poison();
            List<Long> jvm = new ArrayList<>();
            List<Result> results = new ArrayList<>();
            for (int round = 1; round <= settings.rounds(); round++) {
                jvm.add(jvmStart(round));
                List<Contender> order = rotated(settings.contenders(), round - 1);
                for (Contender c : order) {
                    err.printf("▶ Round %d/%d: %s…%n", round, settings.rounds(), c.label());
                    Result r = run(c, round, broker, generated.truth());
                    err.printf("  %s in %.1f s, peak RSS %d MiB, CPU %.1f s (the broker's %.1f s); %s%n", r.ok() ? "ok" : "NOT OK (" + r.failure() + ")",
                            r.wallMillis() / 1000.0, r.peakRssBytes() >> 20, r.cpuSeconds(), r.brokerCpuSeconds(),
                            r.check() == null ? "output not read" : r.check().describe());
                    results.add(r);
                }
            }
            return new Outcome(settings, generated, records, jvm, results);
        }
    }

    static <T> List<T> rotated(List<T> list, int by) {
        List<T> out = new ArrayList<>();
        for (int i = 0; i < list.size(); i++) {
            out.add(list.get((i + by) % list.size()));
        }
        return out;
    }

    private InventoryGenerator.Generated generate(BrokerProcess broker) {
        broker.createTopic(INPUT, settings.partitions(), Map.of());
        InventoryGenerator.Options options = InventoryGenerator.Options.of(settings.events(), settings.duplicates(), settings.poison(), settings.partitions())
                .keys(settings.keys());
        err.printf("▶ Writing %,d unique events over %s, %,d duplicate copies and %,d poison records to %s (%d partitions)…%n",
                options.events(), settings.keys().describe(), options.duplicates(), options.poison(), INPUT, settings.partitions());
        Map<String, Object> config = new HashMap<>(broker.clientConfig());
        config.put(ProducerConfig.LINGER_MS_CONFIG, 10);
        config.put(ProducerConfig.BATCH_SIZE_CONFIG, 256 * 1024);
        config.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4");
        long t = System.nanoTime();
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(config, new ByteArraySerializer(), new ByteArraySerializer())) {
            InventoryGenerator.Generated g = new InventoryGenerator(catalog, ids).write(producer, INPUT, options);
            err.printf("  written in %.1f s; ground truth for %,d SKUs%n", (System.nanoTime() - t) / 1e9, g.truth().size());
            return g;
        }
    }

    /** A JVM that starts Reprise's CLI and exits: {@code --version}, the floor under every command. */
    private long jvmStart(int round) {
        Measured m = Measured.run("jvm", withMain(Layout.jvm(layout.repriseClassPath(), List.of(), "dev.reprise.Main"), "--version"),
                env(), settings.work().resolve("logs/r" + round + "-jvm-start.log"), 60_000);
        lastJvmStart = m.wallMillis();
        return m.wallMillis();
    }

    private Result run(Contender c, int round, BrokerProcess broker, Map<String, InventoryLevel> truth) {
        String name = "cmp-r" + round + "-" + c.id();
        Path state = settings.work().resolve("state").resolve(name);
        Path logs = settings.work().resolve("logs");
        String output = name + "-out";
        try {
            Files.createDirectories(state);
            double brokerCpuBefore = broker.cpuSeconds();
            Result result = switch (c) {
                case REPRISE_REPLAY -> replay(c, round, name, state, logs, broker);
                case REPRISE_STEPS -> steps(c, round, name, state, logs, broker);
                case FLINK -> {
                    broker.createTopic(output, settings.partitions(), Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT));
                    List<String> jvm = new ArrayList<>(FLINK_JVM_OPTIONS);
                    jvm.add(QUIET_LOGS);
                    Measured m = Measured.run(name, withMain(Layout.jvm(layout.flinkClassPath(), jvm, "dev.reprise.compare.flink.FlinkRebuild"),
                            "--bootstrap-server", broker.bootstrapServers(), "--input", INPUT, "--output", output, "--name", name,
                            "--schemas", layout.schemas().toString(), "--id-map", layout.idMap().toString(), "--state-dir", state.toString(),
                            "--parallelism", Integer.toString(Runtime.getRuntime().availableProcessors()),
                            "--checkpoint-interval", settings.checkpointFlink()), env(), logs.resolve(name + ".log"), settings.timeoutMillis());
                    yield single(c, round, m, Contender.phaseBreakdown(m, List.of("jvm-start", "main", "job-submitted", "job-finished")));
                }
                case KAFKA_STREAMS -> {
                    broker.createTopic(output, settings.partitions(), Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT));
                    Measured m = Measured.run(name, withMain(Layout.jvm(layout.streamsClassPath(), List.of(QUIET_LOGS), "dev.reprise.compare.streams.StreamsRebuild"),
                            "--bootstrap-server", broker.bootstrapServers(), "--input", INPUT, "--output", output, "--name", name,
                            "--schemas", layout.schemas().toString(), "--id-map", layout.idMap().toString(), "--state-dir", state.toString(),
                            "--threads", Integer.toString(Runtime.getRuntime().availableProcessors()),
                            "--timeout-ms", Long.toString(settings.timeoutMillis())), env(), logs.resolve(name + ".log"), settings.timeoutMillis());
                    yield single(c, round, m, Contender.phaseBreakdown(m, List.of("jvm-start", "main", "running", "input-committed", "caught-up", "closed")));
                }
            };
            double brokerCpu = broker.cpuSeconds() - brokerCpuBefore;
            OutputCheck check = OutputCheck.compare(truth, OutputCheck.read(broker.clientConfig(), output, catalog, ids));
            String failure = result.failure() != null ? result.failure() : check.correct() ? null : "output differs from the ground truth: " + check.describe();
            return new Result(c, round, result.wallMillis(), result.peakRssBytes(), result.cpuSeconds(), check, result.processes(), result.breakdown(), failure, brokerCpu);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            broker.deleteTopics(name);
            try {
                Directories.deleteTree(state);
            } catch (IOException e) {
                err.println("  could not delete " + state + ": " + e.getMessage());
            }
        }
    }

    private Result single(Contender c, int round, Measured m, Map<String, Long> breakdown) {
        String failure = m.exitCode() == 0 ? null : "exit code " + m.exitCode() + ", see " + m.log();
        return new Result(c, round, m.wallMillis(), m.peakRssBytes(), m.cpuSeconds(), null, List.of(m), breakdown, failure, 0);
    }

    private Result replay(Contender c, int round, String name, Path state, Path logs, BrokerProcess broker) throws IOException {
        Path contract = contract(name, broker);
        Measured m = Measured.run(name, reprise("replay", contract, broker, "--state-dir", state.toString(), "--json"), env(),
                logs.resolve(name + ".log"), settings.timeoutMillis());
        Result r = single(c, round, m, Contender.repriseBreakdown(m, lastJvmStart));
        return verdictChecked(r, m);
    }

    private Result steps(Contender c, int round, String name, Path state, Path logs, BrokerProcess broker) throws IOException {
        Path contract = contract(name, broker);
        Measured plan = Measured.run(name + "-plan", reprise("plan", contract, broker), env(), logs.resolve(name + "-plan.log"), settings.timeoutMillis());
        Measured reset = Measured.run(name + "-reset", reprise("reset", contract, broker, "--execute"), env(), logs.resolve(name + "-reset.log"),
                settings.timeoutMillis());
        Measured run = Measured.run(name + "-run", reprise("run", contract, broker, "--state-dir", state.toString(), "--json"), env(),
                logs.resolve(name + "-run.log"), settings.timeoutMillis());
        Map<String, Long> breakdown = new LinkedHashMap<>();
        breakdown.put("plan", plan.wallMillis());
        breakdown.put("reset_execute", reset.wallMillis());
        breakdown.put("run", run.wallMillis());
        Long[] evidence = Contender.evidenceTimes(run);
        if (evidence != null) {
            breakdown.put("run_start_to_first_record", evidence[0]);
            breakdown.put("run_replay_first_record_to_final_evidence", evidence[1] - evidence[0]);
            breakdown.put("run_close_and_exit", run.wallMillis() - evidence[1]);
        }
        String failure = plan.exitCode() != 0 ? "plan exit code " + plan.exitCode() + ", see " + plan.log()
                : reset.exitCode() != 0 ? "reset exit code " + reset.exitCode() + ", see " + reset.log()
                : run.exitCode() != 0 ? "run exit code " + run.exitCode() + ", see " + run.log() : null;
        Result r = new Result(c, round, plan.wallMillis() + reset.wallMillis() + run.wallMillis(),
                Math.max(plan.peakRssBytes(), Math.max(reset.peakRssBytes(), run.peakRssBytes())),
                plan.cpuSeconds() + reset.cpuSeconds() + run.cpuSeconds(), null, List.of(plan, reset, run), breakdown, failure, 0);
        return verdictChecked(r, run);
    }

    /** A Reprise run must also end trusted: its own verdict is part of its result. */
    private Result verdictChecked(Result r, Measured run) {
        String verdict = Contender.verdict(run);
        if (r.ok() && !"trusted".equals(verdict)) {
            return new Result(r.contender(), r.round(), r.wallMillis(), r.peakRssBytes(), r.cpuSeconds(), r.check(), r.processes(), r.breakdown(),
                    "verdict " + verdict + ", see " + run.log(), 0);
        }
        return r;
    }

    private List<String> reprise(String command, Path contract, BrokerProcess broker, String... more) {
        List<String> c = Layout.jvm(layout.repriseClassPath(), List.of(), "dev.reprise.Main");
        c.add(command);
        c.add("--contract");
        c.add(contract.toString());
        c.add("--bootstrap-server");
        c.add(broker.bootstrapServers());
        c.addAll(List.of(more));
        return c;
    }

    private static List<String> withMain(List<String> jvm, String... args) {
        List<String> c = new ArrayList<>(jvm);
        c.addAll(List.of(args));
        return c;
    }

    private static Map<String, String> env() {
        return Map.of("MALLOC_ARENA_MAX", Layout.MALLOC_ARENA_MAX);
    }

    /**
     * The sample contract ({@code config/inventory.yaml}) with this run's names: the input topic, its own application id,
     * projection, evidence and dead-letter topics, and the schema paths made absolute. Nothing else changes.
     */
    Path contract(String name, BrokerProcess broker) throws IOException {
        ObjectMapper yaml = new ObjectMapper(new YAMLFactory());
        ObjectNode root = (ObjectNode) yaml.readTree(layout.contract().toFile());
        root.put("application_id", name);
        ObjectNode history = (ObjectNode) root.get("history");
        history.putArray("topics").add(INPUT);
        ObjectNode schemas = (ObjectNode) history.get("schemas");
        schemas.put("directory", layout.schemas().toString());
        schemas.put("id_map", layout.idMap().toString());
        ((ObjectNode) root.get("projection")).put("topic", name + "-out");
        ((ObjectNode) root.get("evidence")).put("topic", name + "-evidence");
        ((ObjectNode) root.get("dead_letter")).put("topic", name + "-dlq");
        ArrayNode allowed = root.putArray("allowed_write_topics");
        allowed.add(name + "-out").add(name + "-evidence").add(name + "-dlq");
        Path file = settings.work().resolve("contracts").resolve(name + ".yaml");
        Files.createDirectories(file.getParent());
        yaml.writeValue(file.toFile(), root);
        return file;
    }
}
