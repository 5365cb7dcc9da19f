package dev.reprise.compare;

import dev.reprise.cli.Json;
import dev.reprise.demo.KeyOptions;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

@Command(name = "compare", mixinStandardHelpOptions = true,
        description = {"The same inventory rebuild three ways, on one broker and one generated history: 'reprise replay' (and the same "
                + "as 'plan', 'reset --execute', 'run'), an Apache Flink 2.2 job in a local MiniCluster, and a hand-written Kafka Streams "
                + "DSL app, each a process of its own, timed from the command to its verdict or end. Each output topic is compared key "
                + "by key with the generator's ground truth; a run whose output differs is reported as wrong, never as a time. "
                + "Rounds alternate the order; the table gives medians and ranges."},
        footer = {"", "Example:", "  compare/compare --events 2000000 --rounds 3"})
public final class CompareCommand implements Callable<Integer> {
    @Option(names = "--events", paramLabel = "N", defaultValue = "2000000", description = "Unique events (default ${DEFAULT-VALUE}).")
    long events;

    @Mixin
    KeyOptions keys = new KeyOptions();

    @Option(names = "--duplicates", paramLabel = "RATIO", defaultValue = "0.02", description = "Extra copies per unique event (default ${DEFAULT-VALUE}).")
    double duplicates;

    @Option(names = "--poison", paramLabel = "N", defaultValue = "10", description = "Poison records (default ${DEFAULT-VALUE}).")
    int poison;

    @Option(names = "--partitions", paramLabel = "N", defaultValue = "6", description = "Partitions of the history (default ${DEFAULT-VALUE}).")
    int partitions;

    @Option(names = "--rounds", paramLabel = "N", defaultValue = "3", description = "Rounds; the order of the rebuilds rotates (default ${DEFAULT-VALUE}).")
    int rounds;

    @Option(names = "--only", split = ",", paramLabel = "replay,steps,flink,streams",
            description = "Which rebuilds, in this order (default: all four).")
    List<String> only = new ArrayList<>(List.of("replay", "steps", "flink", "streams"));

    @Option(names = "--work-dir", paramLabel = "DIR", defaultValue = "${java.io.tmpdir}/reprise-compare",
            description = "Broker data, contracts, state and logs; emptied first (default ${DEFAULT-VALUE}).")
    Path work;

    @Option(names = "--broker-port", paramLabel = "PORT", defaultValue = "0", description = "The broker's port on localhost (default: a free one).")
    int brokerPort;

    @Option(names = "--flink-checkpoint-interval", paramLabel = "DURATION", defaultValue = "2 s", description = "Flink's checkpoint interval (default ${DEFAULT-VALUE}).")
    String flinkCheckpointInterval;

    @Option(names = "--timeout-minutes", paramLabel = "N", defaultValue = "30", description = "Longest a run may take before it is killed (default ${DEFAULT-VALUE}).")
    long timeoutMinutes;

    @Option(names = "--json", paramLabel = "FILE", description = "Also write every run's figures to FILE as JSON.")
    Path json;

    @Spec
    CommandSpec spec;

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    /** The command line with its failures said in one line: invalid options exit 2, a missing build or a broker that did not start 1. */
    public static CommandLine commandLine() {
        return new CommandLine(new CompareCommand())
                .setParameterExceptionHandler((e, args) -> {
                    e.getCommandLine().getErr().println("compare: " + e.getMessage() + "; see compare --help");
                    return 2;
                })
                .setExecutionExceptionHandler((e, cl, parsed) -> {
                    cl.getErr().println("compare: " + e.getMessage());
                    return 1;
                });
    }

    @Override
    public Integer call() throws Exception {
        if (events < 1 || rounds < 1 || partitions < 1) {
            throw new CommandLine.ParameterException(new CommandLine(this), "expected --events, --rounds and --partitions of at least 1");
        }
        List<Contender> contenders;
        try {
            contenders = only.stream().map(Contender::byId).toList();
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
        }
        Comparison.Settings settings = new Comparison.Settings(events, keys.keySpace(events), duplicates, poison, partitions, rounds, contenders,
                work.toAbsolutePath(), brokerPort, flinkCheckpointInterval, timeoutMinutes * 60_000);
        Comparison.Outcome outcome = new Comparison(Layout.find(), settings, System.err).run();
        spec.commandLine().getOut().print(Report.table(outcome));
        spec.commandLine().getOut().flush();
        if (json != null) {
            Files.writeString(json, Json.of(Report.json(outcome)));
        }
        return outcome.results().stream().allMatch(Result::ok) ? 0 : 1;
    }
}
