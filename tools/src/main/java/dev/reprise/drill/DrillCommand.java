package dev.reprise.drill;

import dev.reprise.cli.ExitCodes;
import dev.reprise.cli.Json;
import dev.reprise.cluster.ClusterCheck;
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
                "Drills the generated inventory history, or with --sample-keys a sample of your own: every record of N random "
                        + "ordering keys of your contract's history, copied from your cluster (--source-bootstrap-server) and replayed "
                        + "with your contract and projection (--plugin-path); the sample's first clean run is every run's reference.",
                "Runs on a broker of its own, or with --bootstrap-server on a staging cluster: then only on topics, groups and "
                        + "application ids named reprise-drill-<random>-..., created and deleted by the drill. Exit 0 when every "
                        + "scenario held, 1 otherwise."},
        footer = {"", "Examples:", "  reprise drill crash --events 20000",
                "  reprise drill all --contract config/orders.yaml --plugin-path plugins --sample-keys 200 "
                        + "--source-bootstrap-server kafka-prod:9092 --source-command-config prod-readonly.properties",
                "  reprise drill all --bootstrap-server kafka-staging:9092 --command-config staging.properties --json"})
public final class DrillCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "SCENARIO", description = "crash, instance-loss, broker-restart, poison, duplicate-storm, evidence or all.")
    String scenario;



    @picocli.CommandLine.Mixin
    dev.reprise.demo.HistoryOptions history = new dev.reprise.demo.HistoryOptions(20_000, 4);

    @Option(names = "--kills", defaultValue = "3", description = "SIGKILLs of the crash drill, at least 3 (default ${DEFAULT-VALUE}).")
    int kills;

    @Option(names = "--seed", description = "Seed of the history, the fuzzed records and the kill points (default: a random one, printed).")
    Long seed;

    @Option(names = "--contract", defaultValue = "${env:REPRISE_HOME:-.}/config/inventory.yaml",
            description = "The inventory contract, for its schemas (default ${DEFAULT-VALUE}); with --sample-keys, your own contract.")
    Path contract;

    @Option(names = "--bootstrap-server", description = "Drill on this cluster instead of a broker of the drill's own (not broker-restart).")
    String bootstrapServer;

    @Option(names = "--command-config", description = "Client properties for --bootstrap-server (security.protocol, sasl.*, ssl.*).")
    Path commandConfig;

    @Option(names = "--json", description = "Print the drill's account as one JSON object on stdout.")
    boolean json;

    // ---- Rehearsing on a team's own history: --sample-keys and the cluster the sample is read from ----

    @Option(names = "--sample-keys", paramLabel = "N", description = "Drill on a sample of your own history instead of the generated "
            + "inventory one: every record of N random ordering keys of --contract's history topics, copied from "
            + "--source-bootstrap-server (--events and --partitions do not apply).")
    Integer sampleKeys;

    @Option(names = "--source-bootstrap-server", description = "The cluster that holds your history, read (read_committed, up to its "
            + "end offsets at the start) for --sample-keys; never written.")
    String sourceBootstrapServer;

    @Option(names = "--source-command-config", description = "Client properties for --source-bootstrap-server (security.protocol, "
            + "sasl.*, ssl.*).")
    Path sourceCommandConfig;

    /** The sample to drill on, or {@code null} without --sample-keys. */
    private Drill.Sampling sampling() {
        if (sampleKeys == null) {
            if (sourceBootstrapServer != null || sourceCommandConfig != null) {
                throw new IllegalArgumentException("--source-bootstrap-server and --source-command-config go with --sample-keys");
            }
            return null;
        }
        if (sourceBootstrapServer == null) {
            throw new IllegalArgumentException("--sample-keys: name the cluster that holds your history with --source-bootstrap-server "
                    + "(and its client properties with --source-command-config)");
        }
        Map<String, Object> source = new HashMap<>();
        if (sourceCommandConfig != null) {
            Properties p = new Properties();
            try (InputStream in = Files.newInputStream(sourceCommandConfig)) {
                p.load(in);
            } catch (IOException e) {
                throw new IllegalArgumentException("--source-command-config: cannot read " + sourceCommandConfig + ": " + e.getMessage());
            }
            p.stringPropertyNames().forEach(name -> source.put(name, p.getProperty(name)));
        }
        source.put("bootstrap.servers", sourceBootstrapServer);
        Duration timeout = ClusterCheck.DEFAULT_TIMEOUT;
        Map<String, Object> checked = ClusterCheck.withConnectTimeouts(source, timeout);
        ClusterCheck.requireReachable(checked, timeout);
        return new Drill.Sampling(sampleKeys, checked);
    }

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
        Drill.Sampling sampling = sampling();
        Drill.Result result = new Drill(System.err).run(new Drill.Options(scenarios, history.events(), history.partitions(), s, kills, contract, clientConfig, user,
                sampling));
        if (json) {
            System.out.println(Json.of(result));
        } else {
            System.out.print(DrillTable.render(result));
        }
        return result.held() ? ExitCodes.OK : ExitCodes.FAILURE;
    }
}
