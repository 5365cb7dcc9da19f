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


    @picocli.CommandLine.Mixin
    HistoryOptions history = new HistoryOptions(100_000, 6);

    @picocli.CommandLine.Mixin
    HistoryShape shape = new HistoryShape();

    @picocli.CommandLine.Mixin
    KeyOptions keyOptions = new KeyOptions();


    @Option(names = "--metrics-port", defaultValue = "0", paramLabel = "PORT",
            description = "Serve the replay's Prometheus metrics (/metrics), health (/health/live, /health/ready) and status (/status) on this "
                    + "port while it runs (default 0: not served).")
    int metricsPort;

    @Override
    public Integer call() {
        long events = history.events;
        int partitions = history.partitions;
        if (events < 1 || shape.duplicates < 0 || shape.duplicates > 10 || shape.poison < 0 || partitions < 1 || partitions > 64 || tamperLive < 0) {
            throw new IllegalArgumentException("expected --events >= 1, 0 <= --duplicates <= 10, --poison >= 0, 1 <= --partitions <= 64 and --tamper-live >= 0");
        }
        shape.check(events, partitions);
        Demo.Result result = new Demo(System.err, metricsPort).run(new Demo.Options(events, shape.duplicates, shape.poison, partitions, contract, injectBug,
                tamperLive, shape.keyed, shape.scatterKeys, keyOptions.keySpace(events)));
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
