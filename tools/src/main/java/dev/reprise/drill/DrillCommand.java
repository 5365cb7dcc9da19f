package dev.reprise.drill;

import dev.reprise.cli.ExitCodes;
import dev.reprise.cli.Json;
import dev.reprise.ops.ClusterCheck;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.Callable;

@Command(name = "drill", mixinStandardHelpOptions = true,
        description = {"Does to a replay what production does to it, on purpose, and compares the result with a clean run of the same "
                + "input: every evidence count, the checksum and the projection topic key by key.",
                "Scenarios: crash (the app SIGKILLed at random points and restarted, its state directory lost after every second kill), "
                        + "instance-loss (one of two instances killed), broker-restart (the broker stopped cleanly and killed mid-run, "
                        + "started again on its log), poison (thousands of fuzzed records mixed in), duplicate-storm (every event "
                        + "published again 1-5 times across partitions), evidence (broken pipelines the evidence must not call trusted), "
                        + "all.",
                "Runs on a broker of its own, or with --bootstrap-server on a staging cluster: then only on topics, groups and "
                        + "application ids named reprise-drill-<random>-..., created and deleted by the drill. Exit 0 when every "
                        + "scenario held, 1 otherwise."},
        footer = {"", "Examples:", "  reprise drill crash --events 20000",
                "  reprise drill all --bootstrap-server kafka-staging:9092 --command-config staging.properties --json"})
public final class DrillCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "SCENARIO", description = "crash, instance-loss, broker-restart, poison, duplicate-storm, evidence or all.")
    String scenario;

    @Option(names = "--events", defaultValue = "20000", description = "Unique events of the drill's history (default ${DEFAULT-VALUE}).")
    long events;

    @Option(names = "--partitions", defaultValue = "4", description = "Partitions of the drill's history (default ${DEFAULT-VALUE}).")
    int partitions;

    @Option(names = "--kills", defaultValue = "3", description = "SIGKILLs of the crash drill, at least 3 (default ${DEFAULT-VALUE}).")
    int kills;

    @Option(names = "--seed", description = "Seed of the history, the fuzzed records and the kill points (default: a random one, printed).")
    Long seed;

    @Option(names = "--contract", defaultValue = "${env:REPRISE_HOME:-.}/config/inventory.yaml",
            description = "The inventory contract, for its schemas (default ${DEFAULT-VALUE}).")
    Path contract;

    @Option(names = "--bootstrap-server", description = "Drill on this cluster instead of a broker of the drill's own (not broker-restart).")
    String bootstrapServer;

    @Option(names = "--command-config", description = "Client properties for --bootstrap-server (security.protocol, sasl.*, ssl.*).")
    Path commandConfig;

    @Option(names = "--json", description = "Print the drill's account as one JSON object on stdout.")
    boolean json;

    @Override
    public Integer call() {
        List<Drill.Scenario> scenarios = Drill.Scenario.parse(scenario);
        long s = seed != null ? seed : Math.floorMod(System.nanoTime(), 1_000_000L);
        Properties user = new Properties();
        Map<String, Object> clientConfig = null;
        if (commandConfig != null && bootstrapServer == null) {
            throw new IllegalArgumentException("--command-config goes with --bootstrap-server");
        }
        if (bootstrapServer != null) {
            if (commandConfig != null) {
                try (InputStream in = Files.newInputStream(commandConfig)) {
                    user.load(in);
                } catch (IOException e) {
                    throw new IllegalArgumentException("--command-config: cannot read " + commandConfig + ": " + e.getMessage());
                }
            }
            clientConfig = new HashMap<>();
            for (String name : user.stringPropertyNames()) {
                clientConfig.put(name, user.getProperty(name));
            }
            clientConfig.put("bootstrap.servers", bootstrapServer);
            Duration timeout = ClusterCheck.DEFAULT_TIMEOUT;
            clientConfig = ClusterCheck.withConnectTimeouts(clientConfig, timeout);
            ClusterCheck.requireReachable(clientConfig, timeout);
        }
        Drill.Result result = new Drill(System.err).run(new Drill.Options(scenarios, events, partitions, s, kills, contract, clientConfig, user));
        if (json) {
            System.out.println(Json.of(result.json()));
        } else {
            System.out.print(DrillTable.render(result.json()));
        }
        return result.held() ? ExitCodes.OK : ExitCodes.FAILURE;
    }
}
