package dev.reprise.cli;

import dev.reprise.contract.Contract;
import dev.reprise.metrics.MetricsServer;
import dev.reprise.plan.CompiledContract;
import dev.reprise.runbook.ClusterFacts;
import dev.reprise.runbook.Commands;
import dev.reprise.runbook.Facts;
import dev.reprise.runbook.Runbook;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.admin.Admin;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.Callable;

@Command(name = "runbook", mixinStandardHelpOptions = true,
        description = {"Writes the operator runbook of this replay: the contract's answers and the replay loop, pre-flight, event "
                + "selection, deduplication, pacing, validation with every check's threshold, monitoring, abort and recovery, a timeline and "
                + "cleanup, each filled from the contract, the plan and the run's settings. Every command in it is a Reprise command with "
                + "the exit code it is expected to end with. Questions the contract leaves unanswered are said loudly, with their risk.",
                "With --bootstrap-server the plan (ranges, event versions in a sample, warnings, estimated duration) is read from the "
                        + "cluster, which is not changed; with --offline the runbook says where the plan is needed."},
        footer = {"", "Examples:", "  reprise runbook --contract config/inventory.yaml --bootstrap-server localhost:9092 -o runbook.md",
                "  reprise runbook --contract config/invoice.yaml --offline --format html -o invoice-runbook.html"})
public final class RunbookCommand implements Callable<Integer> {
    /** The output formats. */
    public enum Format { markdown, html }

    @Mixin
    ClusterOptions cluster = new ClusterOptions();


    @Option(names = "--offline", description = "Write the runbook from the contract alone; no cluster is contacted and the commands use \"$BOOTSTRAP\".")
    boolean offline;

    @Option(names = "--format", paramLabel = "markdown|html",
            description = "markdown (renders on a code host) or html (one self-contained page to print or attach); default: html when -o ends "
                    + "with .html or .htm, else markdown.")
    Format format;

    @Option(names = {"-o", "--output"}, paramLabel = "FILE", description = "Write the runbook to FILE instead of stdout.")
    Path output;

    /*
     * The default is reprise plan's. docs/capacity.md measured 173,000 to 311,000 events/s on 2 cores with
     * the broker on the same machine; a production cluster with replication, network and other tenants is slower, and a
     * replay shares it with live traffic: the runbook plans conservatively and starts the run throttled to this rate.
     */
    @Option(names = "--rate", defaultValue = "20000", paramLabel = "EVENTS_PER_SECOND",
            description = "Events per second for the duration estimate and the throttle the run starts with (default ${DEFAULT-VALUE}, "
                    + "as reprise plan; see docs/capacity.md).")
    double rate;

    @Option(names = "--sample", defaultValue = "100", description = "Records read from the start and the end of each range to find the event "
            + "versions (default ${DEFAULT-VALUE}).")
    int sample;

    @Option(names = "--principal", defaultValue = Facts.Options.DEFAULT_PRINCIPAL, description = "The app's principal for the ACLs, TYPE:NAME "
            + "(default ${DEFAULT-VALUE}).")
    String principal;

    @Option(names = "--state-dir", defaultValue = "${env:REPRISE_STATE_DIR:-reprise-data/state}",
            description = "The state directory the runbook's 'reprise run' commands use (default ${DEFAULT-VALUE}).")
    String stateDir;

    @Override
    public Integer call() throws IOException {
        if (!(rate > 0) || Double.isInfinite(rate)) {
            throw new IllegalArgumentException("--rate must be a number of events per second above 0, got " + rate);
        }
        if (offline && cluster.bootstrapServer != null) {
            throw new IllegalArgumentException("--offline and --bootstrap-server exclude each other: give one of them");
        }
        Contract contract = cluster.loadContract();
        CompiledContract codecs = CompiledContract.forContract(contract);
        ClusterFacts facts = null;
        String bootstrap = null;
        if (!offline) {
            Map<String, Object> config = cluster.clientConfig();
            bootstrap = String.valueOf(config.get(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG));
            try (Admin admin = Admin.create(config)) {
                facts = ClusterFacts.gather(contract, codecs, admin, config, rate, sample);
            }
        }
        Commands commands = new Commands(cluster.contract.toString(), bootstrap, cluster.commandConfig == null ? null : cluster.commandConfig.toString());
        Facts.Options options = new Facts.Options(rate, principal, stateDir, metricsPort());
        Runbook runbook = Runbook.write(new Facts(contract, codecs, commands, facts, options, Instant.now()));
        Format chosen = format != null ? format : output != null && output.getFileName().toString().matches("(?i).*\\.html?$") ? Format.html : Format.markdown;
        String text = chosen == Format.html ? runbook.html() : runbook.markdown();
        if (output == null) {
            System.out.print(text);
            System.out.flush();
        } else {
            Files.writeString(output, text, StandardCharsets.UTF_8);
            System.err.println("reprise runbook: wrote " + runbook.steps().size() + " steps for contract " + contract.name() + " to " + output
                    + " (" + chosen + ")");
        }
        for (String gap : runbook.unanswered()) {
            System.err.println("reprise runbook: warning: unanswered " + gap);
        }
        return ExitCodes.OK;
    }

    /** The port {@code reprise run} serves metrics on by default. */
    private static Integer metricsPort() {
        return MetricsServer.DEFAULT_PORT;
    }
}
