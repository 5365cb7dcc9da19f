package dev.reprise.cli;

import dev.reprise.contract.Contract;
import dev.reprise.evidence.EvidenceReport;
import dev.reprise.evidence.avro.RecoveryEvidence;
import dev.reprise.metrics.MetricsServer;
import dev.reprise.run.Control;
import dev.reprise.runner.ReplayRunner;
import dev.reprise.plan.CompiledContract;
import dev.reprise.plan.RunPlan;
import org.apache.kafka.clients.admin.Admin;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.time.Duration;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;

@Command(name = "run", mixinStandardHelpOptions = true,
        description = {"Runs a replay against a cluster and prints its recovery evidence.",
                "Runs the run in force (recorded in Kafka by 'reprise reset --execute'); without one, plans a new run and sets the "
                        + "app's committed offsets to its start. A restarted or additional instance continues the same run. When the group's "
                        + "offsets were moved with Kafka's own tools, a new run starts from where they are. Bounded runs exit when the final "
                        + "evidence is written: 0 trusted, 3 degraded, 4 untrusted.",
                "While it runs: a progress line on stderr (percent, rate, ETA), and Prometheus metrics, health and status on "
                        + "--metrics-port."},
        footer = {"", "Example:", "  reprise run --contract config/inventory.yaml --bootstrap-server localhost:9092 --state-dir /var/lib/reprise"})
public class RunCommand implements Callable<Integer> {
    @Mixin
    ClusterOptions cluster = new ClusterOptions();

    @Option(names = "--plan", description = "Continue the run in this plan file (saved as run-plan.json by an earlier run). Refused (exit 2) unless it is the run in force; goes through the same checks as a run without it.")
    Path planFile;

    @Option(names = "--state-dir", defaultValue = "${env:REPRISE_STATE_DIR:-reprise-data/state}",
            description = "Kafka Streams state directory (default ${DEFAULT-VALUE}). The run's plan is saved beside it as run-plan.json.")
    Path stateDir;

    @Option(names = "--json", description = "Print the final evidence record as one JSON object on stdout.")
    boolean json;

    @Option(names = "--instance-id", paramLabel = "ID", defaultValue = "${env:REPRISE_INSTANCE_ID}",
            description = "A stable name for this instance (static group membership, group.instance.id): restarted with the same name, "
                    + "it takes its tasks back without a rebalance. One per instance, e.g. the pod's name in a StatefulSet "
                    + "(default: $REPRISE_INSTANCE_ID, else none).")
    String instanceId;

    @Option(names = "--timings", description = "At the end, print on stderr when each phase ended, in ms since the process started: "
            + "JVM and command line, contract and schemas, cluster check, plan, offsets, Kafka Streams' start, first record, final "
            + "evidence, close; and the fixed part (command to first record, final evidence to exit) beside the replay itself.")
    boolean timings;

    /** When each phase of this command ended ({@code --timings}). */
    private final dev.reprise.runner.PhaseClock clock = dev.reprise.runner.PhaseClock.sinceProcessStart();

    /** Which run this command runs ({@link ReplayRunner#prepare}); {@code replay} decides otherwise. */
    ReplayRunner.Prepared prepare(ReplayRunner runner, Admin admin) {
        return runner.prepare(admin);
    }

    String name() {
        return "run";
    }

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    Double startThrottle;

    /** Checked while the command line is read, so a wrong limit is refused before anything connects. */
    @Option(names = "--max-events-per-second", paramLabel = "N",
            description = "Start the run throttled: once the run is chosen, send the same command as 'reprise throttle' (run-wide, shared by "
                    + "all its instances; 'reprise throttle' changes it later, 0 removes it). Default: as the run's last throttle, none for a new run.")
    void setStartThrottle(double value) {
        if (!(value >= 0) || Double.isInfinite(value)) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--max-events-per-second must be a number >= 0 "
                    + "(0 removes the limit), got " + value);
        }
        startThrottle = value;
    }

    @Option(names = "--metrics-port", paramLabel = "PORT",
            description = "Serve Prometheus metrics (/metrics), health (/health/live, /health/ready) and the run's status (/status) on this "
                    + "port (default " + MetricsServer.DEFAULT_PORT + "; if that port is taken, the run goes on without them). 0: none.")
    Integer metricsPort;

    /** When --metrics-port is given (as the deploy files do): longer than two scrapes at the common 30 s interval. */
    static final Duration DEFAULT_LINGER = Duration.ofSeconds(75);

    @Option(names = "--metrics-linger", paramLabel = "DURATION", defaultValue = "${env:REPRISE_METRICS_LINGER}", converter = LingerConverter.class,
            description = "After a bounded run's verdict, keep serving /metrics this long before exiting, so that Prometheus scrapes the "
                    + "verdict of a Job that ends (e.g. 75s, 2m; 0: exit at once). Default: $REPRISE_METRICS_LINGER, else 75s when "
                    + "--metrics-port is given and 0 otherwise. The exit code stays the verdict; Ctrl-C ends the wait.")
    Duration metricsLinger;

    @Override
    public Integer call() throws IOException {
        clock.mark("JVM started, command line read");
        // The cluster check waits on the network while the contract, its schemas and checks load (CPU): both at once. Its
        // answer is taken after them, so an invalid contract is still reported first, whatever the cluster does.
        java.util.concurrent.CompletableFuture<Map<String, Object>> reachable = java.util.concurrent.CompletableFuture.supplyAsync(
                cluster::clientConfig, task -> {
                    Thread t = new Thread(task, "reprise-cluster-check");
                    t.setDaemon(true);
                    t.start();
                });
        Contract contract = cluster.loadContract();
        clock.mark("contract loaded");
        CompiledContract codecs = CompiledContract.forContract(contract);
        clock.mark("schemas, upcasters and projection loaded");
        RunPlan planned = planFile == null ? null : PlanFile.read(planFile);
        try (RunWatch watch = RunWatch.start(contract.applicationId(), metricsPort == null ? MetricsServer.DEFAULT_PORT : metricsPort,
                metricsPort != null, System.err)) {
            clock.mark("metrics endpoint up");
            int code = run(contract, codecs, planned, watch, answer(reachable));
            printTimings();
            lingerForTheScrape(watch, code);
            return code;
        }
    }

    /** The phases under --timings, and the fixed part of the command beside the replay itself. */
    private void printTimings() {
        if (!timings) {
            return;
        }
        clock.mark("verdict printed");
        java.util.Map<String, Long> at = new java.util.HashMap<>();
        clock.marks().forEach(m -> at.put(m.phase(), m.atMillis()));
        StringBuilder out = new StringBuilder(clock.render());
        Long first = at.get(FIRST_RECORD);
        Long written = at.get(FINAL_EVIDENCE);
        Long printed = at.get("verdict printed");
        if (first != null && written != null && first >= 0) {
            out.append(String.format(java.util.Locale.ROOT, "  fixed: command to first record %d ms + final evidence to verdict printed %d ms = %d ms; "
                    + "first record to final evidence %d ms; the JVM's exit follows%n", first, printed - written, first + printed - written, written - first));
        } else if (first == null) {
            out.append("  this command replayed nothing (the run was already complete): no fixed part to show\n");
        } else {
            out.append("  the run's first record was read before this process started (a continued run): no fixed part to show\n");
        }
        System.err.print(out);
    }

    static final String FIRST_RECORD = "first record read (evidence started_at)";
    static final String FINAL_EVIDENCE = "final evidence written (evidence ended_at)";

    /**
     * Keeps the metrics endpoint up for {@code --metrics-linger} after the verdict: a bounded run's process exits on its verdict,
     * and a scrape every 15 to 30 s could miss it. A signal during the wait ends the process with the verdict's exit code.
     */
    private void lingerForTheScrape(RunWatch watch, int code) {
        Duration linger = metricsLinger != null ? metricsLinger : metricsPort != null ? DEFAULT_LINGER : Duration.ZERO;
        if (linger.isZero() || watch.metricsPort().isEmpty() || code == ExitCodes.FAILURE || code == ExitCodes.INVALID_INPUT) {
            return;
        }
        System.err.printf("The verdict stays on http://localhost:%d/metrics for %d s, so that a scrape sees it (--metrics-linger; "
                + "Ctrl-C ends the wait; the exit code is the verdict's, %d)%n", watch.metricsPort().getAsInt(), linger.toSeconds(), code);
        Thread keepCode = new Thread(() -> Runtime.getRuntime().halt(code), "reprise-linger-exit");
        Runtime.getRuntime().addShutdownHook(keepCode);
        try {
            Thread.sleep(linger.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            try {
                Runtime.getRuntime().removeShutdownHook(keepCode);
            } catch (IllegalStateException shuttingDown) {
                // the hook is running: it ends the process with the verdict's code
            }
        }
    }

    /** A duration as --timeout takes it, or 0 for none. */
    static final class LingerConverter implements picocli.CommandLine.ITypeConverter<Duration> {
        @Override
        public Duration convert(String value) {
            return value.trim().equals("0") ? Duration.ZERO : new ClusterOptions.TimeoutConverter().convert(value);
        }
    }

    /** The cluster check's result, or its failure as the check itself throws it (unreachable, a malformed setting). */
    private static Map<String, Object> answer(java.util.concurrent.CompletableFuture<Map<String, Object>> reachable) {
        try {
            return reachable.join();
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

    private int run(Contract contract, CompiledContract codecs, RunPlan planned, RunWatch watch, Map<String, Object> clientConfig) throws IOException {
        clock.mark("cluster reached (cluster check, beside the contract's loading)");
        Files.createDirectories(stateDir);
        Map<String, Object> overrides = instanceId == null || instanceId.isBlank() ? Map.of()
                : Map.of(org.apache.kafka.streams.StreamsConfig.consumerPrefix(org.apache.kafka.clients.consumer.ConsumerConfig.GROUP_INSTANCE_ID_CONFIG),
                        instanceId.trim());
        ReplayRunner runner = new ReplayRunner(contract, codecs, clientConfig, stateDir, overrides).timedBy(clock);
        clock.mark("runner ready (settings, signing key)");
        RunPlan plan;
        try (Admin admin = runner.admin()) {
            if (planFile != null) {
                // A plan file names the run to continue; it is run only when it is the run in force, and through the same
                // checks as a run without one (offsets moved forward past unread records are put back): a stale plan file
                // or a group moved with other tools must never skip part of a range.
                java.util.Optional<dev.reprise.run.RunStore.Current> inForce = new dev.reprise.run.RunStore(contract, clientConfig).inForce(admin);
                String refusal = inForce.isEmpty()
                        ? "no run is in force for application id " + contract.applicationId() + ", so the plan file's run " + planned.runId()
                        + " cannot be continued; 'reprise reset --execute' plans a run and sets the group's offsets, 'reprise run' without --plan does both"
                        : !inForce.get().plan().runId().equals(planned.runId())
                        ? "the plan file's run " + planned.runId() + " is not the run in force (" + inForce.get().plan().runId()
                        + "); 'reprise run' without --plan continues the run in force, 'reprise reset --execute' plans a new one"
                        : null;
                if (refusal != null) {
                    System.err.println("reprise " + name() + ": " + refusal);
                    return ExitCodes.INVALID_INPUT;
                }
                if (!planned.contractHash().equals(contract.hash())) {
                    System.err.println("warning: the plan was made with another version of the contract (" + planned.contractHash().substring(0, 12)
                            + "…), this one is " + contract.hash().substring(0, 12) + "…");
                }
            }
            {
                ReplayRunner.Prepared prepared;
                try {
                    prepared = prepare(runner, admin);
                } catch (dev.reprise.run.RunStore.ConcurrentRunException e) {
                    System.err.println("reprise " + name() + ": " + e.getMessage());
                    return ExitCodes.FAILURE;
                }
                plan = prepared.plan();
                prepared.repaired().forEach(line -> System.err.println("warning: the group's offsets were moved forward with other tools; "
                        + line + " (a run in force reads its whole range; to replay less, change the scope and 'reprise reset')"));
                switch (prepared.how()) {
                    case "new" -> System.err.println("New run " + plan.runId() + ": " + plan.totalOffsets() + " offsets; offsets of group "
                            + contract.applicationId() + " set to the plan's start");
                    case "continue" -> System.err.println("Continuing run " + plan.runId() + " from its committed offsets");
                    case "external-reset" -> System.err.println("The offsets of group " + contract.applicationId()
                            + " were moved with other tools: new run " + plan.runId() + " from where they are (" + plan.totalOffsets() + " offsets)");
                    default -> {
                        System.err.println("Run " + plan.runId() + " is already complete; 'reprise reset' plans a new one");
                        System.out.print(json ? Json.of(prepared.finalEvidence()) + "\n" : EvidenceReport.render(prepared.finalEvidence()));
                        return ExitCodes.forVerdict(prepared.finalEvidence().getConfidenceStatus());
                    }
                }
            }
            if (startThrottle != null) {
                new Control(contract, clientConfig).send(admin, new Control.Command(plan.runId(), Control.Action.THROTTLE, startThrottle,
                        "set at start by reprise " + name(), System.getProperty("user.name"), System.currentTimeMillis()));
                System.err.println(startThrottle == 0 ? "Throttle of run " + plan.runId() + " removed"
                        : String.format(java.util.Locale.ROOT, "Run %s throttled to %,.0f events/s ('reprise throttle' changes it)", plan.runId(), startThrottle));
            }
            dev.reprise.evidence.io.EvidenceTopic.retentionWarning(admin, contract.evidence().topic())
                    .ifPresent(w -> System.err.println("warning: " + w));
            Files.writeString(stateDir.resolve("run-plan.json"), plan.toJson());
            clock.mark("plan saved, evidence topic checked");
        }
        // Continuous mode: Ctrl-C or SIGTERM stops following new events; the evidence of the catch-up is printed.
        RecoveryEvidence evidence;
        try (StopOnSignal onSignal = new StopOnSignal(runner::stop)) {
            try {
                evidence = runner.runObserved(plan, watch.observer());
            } finally {
                watch.endLine();
            }
            if (evidence.getStartedAt() != null && evidence.getEndedAt() != null) {
                clock.markAt(FIRST_RECORD, evidence.getStartedAt().toEpochMilli());
                clock.markAt(FINAL_EVIDENCE, evidence.getEndedAt().toEpochMilli());
            }
            System.out.print(json ? Json.of(evidence) + "\n" : EvidenceReport.render(evidence));
            System.out.flush();
        }
        return ExitCodes.forVerdict(evidence.getConfidenceStatus());
    }
}
