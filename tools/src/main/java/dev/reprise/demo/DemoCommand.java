package dev.reprise.demo;

import dev.reprise.cli.ExitCodes;
import dev.reprise.cli.Json;
import dev.reprise.evidence.EvidenceReport;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.concurrent.Callable;

@Command(name = "demo", mixinStandardHelpOptions = true,
        description = {"Starts a real Kafka broker in this JVM, writes a generated inventory history (three schema versions, "
                + "duplicates, poison records) and replays it with the inventory contract. The evidence is compared with the "
                + "generator's own ground truth.",
                "A tool of the inventory sample; to rehearse on your own history: reprise drill SCENARIO --contract YOURS.yaml --sample-keys N."},
        footer = {"", "Example:", "  reprise demo --events 200000 --duplicates 0.05 --json"})
public final class DemoCommand implements Callable<Integer> {
    @Option(names = "--events", defaultValue = "100000", description = "Unique events to generate (default ${DEFAULT-VALUE}).")
    long events;

    @Option(names = "--duplicates", defaultValue = "0.02", description = "Extra copies per unique event, some in other partitions (default ${DEFAULT-VALUE}).")
    double duplicates;

    @Option(names = "--poison", defaultValue = "10", description = "Poison records to mix in (default ${DEFAULT-VALUE}).")
    int poison;

    @Option(names = "--partitions", defaultValue = "6", description = "Partitions of the source topic (default ${DEFAULT-VALUE}).")
    int partitions;

    @Option(names = "--contract", defaultValue = "${env:REPRISE_HOME:-.}/config/inventory.yaml",
            description = "The inventory contract (default ${DEFAULT-VALUE}). Every key: reprise reference contract.")
    Path contract;

    @Option(names = "--json", description = "Print the final evidence record as one JSON object on stdout.")
    boolean json;

    @Option(names = "--inject-bug", description = "Run a deliberately wrong projection (ignores about one event in 997): the evidence must be untrusted.")
    boolean injectBug;

    @Option(names = "--tamper-live", defaultValue = "0", paramLabel = "N",
            description = "Write a live projection with N wrong keys and compare the rebuild with it: trusted, N projections changed.")
    int tamperLive;

    @Option(names = "--keyed", description = "Write the history keyed by SKU with the default partitioner and replay it without a "
            + "repartition (history.keyed_by_ordering_key: true).")
    boolean keyed;

    @picocli.CommandLine.Mixin
    KeyOptions keyOptions = new KeyOptions();

    @Option(names = "--scatter-keys", defaultValue = "0", paramLabel = "N",
            description = "With --keyed: write N events to another partition than their SKU's, so the history is not keyed as promised: "
                    + "the evidence must not be trusted.")
    int scatterKeys;

    @Option(names = "--metrics-port", defaultValue = "0", paramLabel = "PORT",
            description = "Serve the replay's Prometheus metrics (/metrics), health (/health/live, /health/ready) and status (/status) on this "
                    + "port while it runs (default 0: not served).")
    int metricsPort;

    @Override
    public Integer call() {
        if (events < 1 || duplicates < 0 || duplicates > 10 || poison < 0 || partitions < 1 || partitions > 64 || tamperLive < 0) {
            throw new IllegalArgumentException("expected --events >= 1, 0 <= --duplicates <= 10, --poison >= 0, 1 <= --partitions <= 64 and --tamper-live >= 0");
        }
        GenerateCommand.checkScatter(keyed, scatterKeys, events, partitions);
        Demo.Result result = new Demo(System.err, metricsPort).run(new Demo.Options(events, duplicates, poison, partitions, contract, injectBug, tamperLive,
                keyed, scatterKeys, keyOptions.keySpace(events)));
        if (json) {
            System.out.println(Json.of(result.evidence()));
        } else {
            System.out.print(EvidenceReport.render(result.evidence()));
            System.out.println(result.mismatches().isEmpty()
                    ? "Demo check: the evidence matches the generator exactly (" + result.generated().events() + " events, "
                    + result.generated().duplicates() + " duplicates, " + result.generated().poison() + " poison records)."
                    : "Demo check FAILED: " + String.join("; ", result.mismatches()));
        }
        int verdict = ExitCodes.forVerdict(result.evidence().getConfidenceStatus());
        if (verdict != ExitCodes.OK) {
            return verdict;
        }
        if (!result.mismatches().isEmpty()) {
            // The evidence said trusted and the demo's own check disagrees: that is a defect of Reprise.
            System.err.println("reprise demo: the evidence does not match the generator: " + String.join("; ", result.mismatches()));
            return ExitCodes.FAILURE;
        }
        return ExitCodes.OK;
    }
}
