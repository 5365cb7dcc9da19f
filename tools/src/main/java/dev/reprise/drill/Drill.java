package dev.reprise.drill;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonValue;
import dev.reprise.embedded.BrokerProcess;
import dev.reprise.contract.Contract;
import dev.reprise.contract.ContractLoader;
import dev.reprise.evidence.avro.RecoveryEvidence;
import dev.reprise.run.Control;
import dev.reprise.runner.ReplayRunner;
import dev.reprise.plan.CompiledContract;
import dev.reprise.plan.RunPlan;
import dev.reprise.projection.StateCodec;
import dev.reprise.sample.inventory.InventoryGenerator;
import dev.reprise.sample.inventory.InventoryLevel;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;

import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Random;

/**
 * The drills: what production does to a replay (kills, lost state, a lost instance, a stopped broker, poison,
 * duplicates, a broken pipeline), done on purpose to a run on the drill's own topics, each compared with a clean
 * run of the same input. One base history is generated and replayed cleanly once; every scenario then disturbs a
 * run of it (or of a copy with records added) and compares.
 */
public final class Drill {
    /** The scenarios, by the name {@code reprise drill} takes. */
    public enum Scenario {
        CRASH, INSTANCE_LOSS, BROKER_RESTART, POISON, DUPLICATE_STORM, EVIDENCE;

        public String label() {
            return name().toLowerCase(Locale.ROOT).replace('_', '-');
        }

        /** The scenario of a name; {@code all} is every one. */
        public static List<Scenario> parse(String name) {
            if ("all".equals(name)) {
                return List.of(values());
            }
            for (Scenario s : values()) {
                if (s.label().equals(name)) {
                    return List.of(s);
                }
            }
            List<String> names = new ArrayList<>();
            for (Scenario s : values()) {
                names.add(s.label());
            }
            throw new IllegalArgumentException("SCENARIO: expected one of " + String.join(", ", names) + " or all, got '" + name + "'");
        }
    }

    /**
     * @param clientConfig the cluster to drill on (bootstrap.servers and security); {@code null} for the drill's own broker
     * @param userProperties the --command-config properties handed to the app processes (empty for none)
     * @param kills          SIGKILLs of the crash drill (at least 3)
     */
    public record Options(List<Scenario> scenarios, long events, int partitions, long seed, int kills, Path contract,
                          Map<String, Object> clientConfig, Properties userProperties, Sampling sampling) {
        public Options(List<Scenario> scenarios, long events, int partitions, long seed, int kills, Path contract,
                       Map<String, Object> clientConfig, Properties userProperties) {
            this(scenarios, events, partitions, seed, kills, contract, clientConfig, userProperties, null);
        }

        public Options {
            if (events < 100) {
                throw new IllegalArgumentException("--events: at least 100, got " + events);
            }
            if (partitions < 2) {
                throw new IllegalArgumentException("--partitions: at least 2 (the drills move partitions between instances), got " + partitions);
            }
            if (kills < 3) {
                throw new IllegalArgumentException("--kills: at least 3, got " + kills);
            }
            if (clientConfig != null && scenarios.contains(Scenario.BROKER_RESTART)) {
                throw new IllegalArgumentException("broker-restart stops and starts the broker: it runs on the drill's own broker only, "
                        + "not with --bootstrap-server");
            }
        }
    }

    /**
     * A sample of a team's own history to drill on instead of the generated inventory history ({@code --sample-keys}).
     *
     * @param keys         ordering keys sampled
     * @param sourceConfig the team cluster's client settings, to read the history from
     */
    public record Sampling(int keys, Map<String, Object> sourceConfig) {
        public Sampling {
            if (keys < 1) {
                throw new IllegalArgumentException("--sample-keys: at least 1, got " + keys);
            }
        }
    }

    /**
     * The drill's account, as {@code reprise drill --json} prints it (snake_case field names, as when it was a map): where it
     * ran, what it drilled, the clean run, one entry per scenario, and whether every one held.
     *
     * @param cluster    the drill's own broker, or the bootstrap servers of the cluster it ran on
     * @param events     unique events of the generated history; absent on a sample
     * @param partitions the history's partitions: a number for the generated history, topic → partitions for a sample
     * @param contract   the team's contract a sample was drilled with; absent for the generated history
     * @param prefix     the prefix of every topic, group and application id the drill used
     * @param sample     what was copied of the team's history; absent for the generated history
     * @param cleanRun   the run every scenario is compared with
     * @param seconds    how long the drill took
     */
    public record Result(String startedAt, String cluster, Machine machine, @JsonInclude(JsonInclude.Include.NON_NULL) Long events,
                         Partitions partitions, @JsonInclude(JsonInclude.Include.NON_NULL) String contract, long seed, String prefix,
                         @JsonInclude(JsonInclude.Include.NON_NULL) Sample.Copied sample, CleanRun cleanRun,
                         List<ScenarioReport.Result> scenarios, boolean held, double seconds) {
    }

    /** The machine the drill ran on. */
    public record Machine(int cores, String os, String java) {
        static Machine current() {
            return new Machine(Runtime.getRuntime().availableProcessors(), System.getProperty("os.name") + " " + System.getProperty("os.arch"),
                    System.getProperty("java.version"));
        }
    }

    /**
     * The partitions of the history drilled: their number for the generated history, topic → number for a sample of a team's
     * history (which may read several topics). Written as the number or the object alone.
     */
    public record Partitions(Integer count, Map<String, Integer> byTopic) {
        public Partitions {
            if ((count == null) == (byTopic == null)) {
                throw new IllegalArgumentException("partitions: a count or partitions by topic, not " + (count == null ? "neither" : "both"));
            }
        }

        @JsonValue
        Object value() {
            return count != null ? count : byTopic;
        }

        @Override
        public String toString() {
            return String.valueOf(value());
        }
    }

    /** The clean run every scenario is compared with. */
    public record CleanRun(String runId, String confidenceStatus, long eventsRead, String checksum) {
        static CleanRun of(RecoveryEvidence e) {
            return new CleanRun(e.getRunId().toString(), e.getConfidenceStatus().toString(), e.getEventsRead(), e.getChecksum().toString());
        }
    }

    /** What every scenario shares: the cluster, the base history and its clean run. */
    record Base(Workbench wb, String bootstrap, BrokerProcess broker, long records, Comparison.Outcome clean,
                RecoveryEvidence cleanEvidence, Random random, Options options, PrintStream err, Sample.Copied sample) {

        /** Sets a run's throttle (0 removes it) through the control topic, as 'reprise throttle' does. */
        void throttle(Contract contract, String runId, double eventsPerSecond) {
            Control control = new Control(contract, wb.clientConfig());
            try (Admin admin = wb.admin()) {
                control.ensureTopic(admin);
                control.send(admin, new Control.Command(runId, Control.Action.THROTTLE, eventsPerSecond, "reprise drill",
                        "reprise drill", System.currentTimeMillis()));
            }
        }

        /** Whether the drill runs on a sample of a team's history rather than the generated inventory history. */
        boolean sampled() {
            return wb.team != null;
        }

        /** The final evidence and projection topic of a finished run. */
        Comparison.Outcome outcome(Contract contract, String runId) {
            RecoveryEvidence e = wb.finalEvidence(contract, runId)
                    .orElseThrow(() -> new IllegalStateException("run " + runId + " wrote no final evidence to " + contract.evidence().topic()));
            return new Comparison.Outcome(e, wb.readProjection(contract.projection().topic()));
        }
    }

    private final PrintStream err;

    public Drill(PrintStream err) {
        this.err = err;
    }

    public Result run(Options options) {
        long t0 = System.nanoTime();
        Contract sample = ContractLoader.load(options.contract());
        // A team's contract: its projection and upcasters from the plugin path, found (or refused) before anything starts.
        CompiledContract teamCodecs = options.sampling() == null ? null : CompiledContract.forContract(sample);
        String startedAt = Instant.now().toString();
        String cluster = options.clientConfig() == null ? "the drill's own broker (reprise broker, a process of its own)"
                : String.valueOf(options.clientConfig().get("bootstrap.servers"));
        List<ScenarioReport.Result> scenarios = new ArrayList<>();
        boolean held = true;
        String prefix;
        Base base;
        BrokerProcess broker = null;
        try {
            Map<String, Object> clientConfig = options.clientConfig();
            if (clientConfig == null) {
                err.println("▶ Starting the drill's broker (reprise broker in a process of its own)…");
                broker = BrokerProcess.startTemporary("drill", "768m");
                clientConfig = broker.clientConfig();
            }
            try (Workbench wb = options.sampling() == null ? new Workbench(sample, clientConfig, options.userProperties(), options.partitions())
                    : Workbench.forTeam(sample, teamCodecs, clientConfig, options.userProperties())) {
                prefix = wb.prefix;
                String bootstrap = String.valueOf(clientConfig.get("bootstrap.servers"));
                base = options.sampling() == null ? setUp(wb, bootstrap, broker, options) : setUpSample(wb, bootstrap, broker, options);
                for (Scenario s : options.scenarios()) {
                    ScenarioReport report = new ScenarioReport(s.label());
                    err.println("▶ Drill " + s.label() + "…");
                    try {
                        switch (s) {
                            case CRASH -> ProcessDrills.crash(base, report);
                            case INSTANCE_LOSS -> ProcessDrills.instanceLoss(base, report);
                            case BROKER_RESTART -> ProcessDrills.brokerRestart(base, report);
                            case POISON -> InputDrills.poison(base, report);
                            case DUPLICATE_STORM -> InputDrills.duplicateStorm(base, report);
                            case EVIDENCE -> EvidenceDrill.run(base, report);
                        }
                    } catch (RuntimeException e) {
                        report.fail("the drill stopped: " + e.getMessage());
                    }
                    if (broker != null && !broker.isAlive()) {
                        report.fail("the drill's broker stopped by itself; the end of its log:" + broker.logTail());
                    }
                    err.println("  " + s.label() + ": " + (report.skipped() != null ? "skipped: " + report.skipped()
                            : (report.held() ? "held" : "DID NOT HOLD") + " " + report.summary()));
                    report.differences().forEach(d -> err.println("    " + d));
                    held &= report.held();
                    scenarios.add(report.result());
                }
            }
        } finally {
            if (broker != null) {
                broker.close();
            }
        }
        Sample.Copied copied = base.sample();
        return new Result(startedAt, cluster, Machine.current(), copied == null ? options.events() : null,
                copied == null ? new Partitions(options.partitions(), null) : new Partitions(null, copied.partitions()),
                copied == null ? null : String.valueOf(sample.source()), options.seed(), prefix, copied, CleanRun.of(base.cleanEvidence()),
                List.copyOf(scenarios), held, Math.round((System.nanoTime() - t0) / 1e8) / 10.0);
    }

    /** Writes the base history and its ground truth, and replays it cleanly once: the run every scenario is compared with. */
    /** The base history's generator options: the same options and seed write the same events and ground truth. */
    static InventoryGenerator.Options history(Options options) {
        int skus = (int) Math.max(10, Math.min(2_000, options.events() / 20));
        return new InventoryGenerator.Options(options.events(), 0.02, (int) Math.max(5, options.events() / 2_000), options.partitions(), skus,
                options.seed());
    }

    private Base setUp(Workbench wb, String bootstrap, BrokerProcess broker, Options options) {
        wb.createTopic(wb.history(), options.partitions(), false);
        wb.createTopic(wb.truth(), options.partitions(), true);
        InventoryGenerator.Options gen = history(options);
        int skus = gen.skus();
        err.printf("▶ Writing %,d unique inventory events over %,d SKUs, %,d copies and %,d poison records to %s, and their ground truth to %s…%n",
                gen.events(), skus, gen.duplicates(), gen.poison(), wb.history(), wb.truth());
        InventoryGenerator.Generated generated;
        try (KafkaProducer<byte[], byte[]> producer = wb.producer()) {
            generated = wb.generator().write(producer, wb.history(), gen);
            StateCodec<InventoryLevel> codec = new StateCodec<>(InventoryLevel.class);
            generated.truth().forEach((sku, level) -> producer.send(new ProducerRecord<>(wb.truth(), sku.getBytes(StandardCharsets.UTF_8),
                    codec.toSingleObject(codec.encode(level)))));
            producer.flush();
        }
        Workbench.Names names = wb.names("clean");
        Contract contract = wb.contract(wb.yaml(names, wb.history(), null, "", ""));
        err.println("▶ The clean run, every scenario's reference…");
        ReplayRunner runner = wb.runner(contract, wb.codecs, "clean", Map.of());
        RunPlan plan = wb.begin(runner, contract);
        runner.run(plan, null);
        Base base = new Base(wb, bootstrap, broker, generated.events() + generated.duplicates() + generated.poison(), null, null,
                new Random(options.seed()), options, err, null);
        Comparison.Outcome clean = base.outcome(contract, plan.runId());
        List<String> wrong = new ArrayList<>();
        RecoveryEvidence e = clean.evidence();
        if (e.getEventsProcessed() != generated.events() || e.getDuplicatesSkipped() != generated.duplicates()
                || e.getDeadLettered() != generated.poison() || e.getProjectionKeys() != generated.truth().size()
                || !"trusted".equals(e.getConfidenceStatus().toString())) {
            wrong.add("the clean run does not match the generator's account: " + e.getEventsProcessed() + " processed (" + generated.events()
                    + " written), " + e.getDuplicatesSkipped() + " duplicates (" + generated.duplicates() + "), " + e.getDeadLettered()
                    + " dead letters (" + generated.poison() + "), " + e.getProjectionKeys() + " keys (" + generated.truth().size() + "), "
                    + e.getConfidenceStatus() + " " + e.getConfidenceReasons());
        }
        if (!wrong.isEmpty()) {
            throw new IllegalStateException(String.join("; ", wrong) + ": nothing to compare the drills with");
        }
        err.printf("  clean run %s: %,d events processed, %,d duplicates, %,d dead letters, %,d keys, checksum %s, %s%n", plan.runId(),
                e.getEventsProcessed(), e.getDuplicatesSkipped(), e.getDeadLettered(), e.getProjectionKeys(), e.getChecksum(), e.getConfidenceStatus());
        return new Base(wb, bootstrap, broker, base.records(), clean, e, base.random(), options, err, null);
    }

    /**
     * Copies a sample of the team's history and replays it cleanly twice: the first run's projection becomes the reference
     * every later run must match key by key (as the generator's ground truth does for the inventory sample), and the
     * second, compared with it, is the clean run every scenario is compared with. Both must be trusted: a drill that
     * compared faulty runs with an untrusted one would prove nothing.
     */
    private Base setUpSample(Workbench wb, String bootstrap, BrokerProcess broker, Options options) {
        Sample.Copied copied = new Sample(wb.team, new SourceOracle(wb.team, wb.codecs), options.sampling().sourceConfig(), err)
                .copy(wb, options.sampling().keys(), options.seed());
        err.printf("  %,d records of %,d keys copied (of %,d records and %,d keys), %,d of them without a readable ordering key%n",
                copied.recordsCopied(), copied.keysSampled(), copied.recordsRead(), copied.keys(), copied.keylessCopied());
        err.println("  the sample's contract: " + wb.team.source() + " with the drill's topics and application ids; scope read from the "
                + "sample's first record to its last; evidence.min_events_processed and min_projection_keys at their defaults");
        Workbench.Names referenceNames = wb.names("reference");
        Contract referenceContract = wb.contract(wb.yaml(referenceNames, wb.history(), null, "", ""));
        err.println("▶ The reference run of the sample: its projection is what every later run must rebuild…");
        ReplayRunner referenceRunner = wb.runner(referenceContract, wb.codecs, "reference", Map.of());
        RunPlan referencePlan = wb.begin(referenceRunner, referenceContract);
        RecoveryEvidence reference = referenceRunner.run(referencePlan, null);
        if (!"trusted".equals(reference.getConfidenceStatus().toString())) {
            throw new IllegalStateException("the first run of the sample is " + reference.getConfidenceStatus() + ": "
                    + reference.getConfidenceReasons() + ". The drills compare faulty runs with a trusted clean run: sample other keys "
                    + "(--seed) or more of them (--sample-keys), or fix what the reasons name in the contract");
        }
        wb.useReference(referenceNames.projection());
        Workbench.Names names = wb.names("clean");
        Contract contract = wb.contract(wb.yaml(names, wb.history(), null, "", ""));
        err.println("▶ The clean run, every scenario's reference…");
        ReplayRunner runner = wb.runner(contract, wb.codecs, "clean", Map.of());
        RunPlan plan = wb.begin(runner, contract);
        runner.run(plan, null);
        Base base = new Base(wb, bootstrap, broker, copied.recordsCopied(), null, null, new Random(options.seed()), options, err, copied);
        Comparison.Outcome clean = base.outcome(contract, plan.runId());
        RecoveryEvidence e = clean.evidence();
        if (e.getEventsRead() != copied.recordsCopied() || !"trusted".equals(e.getConfidenceStatus().toString())
                || !e.getChecksum().toString().equals(reference.getChecksum().toString())) {
            throw new IllegalStateException("the clean run does not match the sample: " + e.getEventsRead() + " records read ("
                    + copied.recordsCopied() + " copied), checksum " + e.getChecksum() + " (the reference run's " + reference.getChecksum()
                    + "), " + e.getConfidenceStatus() + " " + e.getConfidenceReasons() + ": nothing to compare the drills with");
        }
        err.printf("  clean run %s: %,d events processed, %,d duplicates, %,d dead letters, %,d keys, checksum %s, %s%n", plan.runId(),
                e.getEventsProcessed(), e.getDuplicatesSkipped(), e.getDeadLettered(), e.getProjectionKeys(), e.getChecksum(), e.getConfidenceStatus());
        return new Base(wb, bootstrap, broker, copied.recordsCopied(), clean, e, base.random(), options, err, copied);
    }
}
