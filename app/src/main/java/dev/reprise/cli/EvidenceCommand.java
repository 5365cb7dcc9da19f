package dev.reprise.cli;

import dev.reprise.contract.Contract;
import dev.reprise.evidence.EvidenceReport;
import dev.reprise.evidence.avro.EvidenceKind;
import dev.reprise.evidence.avro.RecoveryEvidence;
import dev.reprise.ops.EvidenceReader;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.util.Optional;
import java.util.concurrent.Callable;

@Command(name = "evidence", mixinStandardHelpOptions = true,
        description = {"Prints the final recovery evidence of a run (default: the latest) from the contract's evidence topic and exits "
                + "with its verdict, so a CD pipeline can gate a cut-over on it: 0 trusted, 3 degraded, 4 untrusted, 1 when there is none."},
        footer = {"", "Example:", "  reprise evidence --contract config/inventory.yaml --bootstrap-server localhost:9092 --json && promote-the-rebuild"})
final class EvidenceCommand implements Callable<Integer> {
    @Mixin
    ClusterOptions cluster = new ClusterOptions();

    @Option(names = "--run-id", description = "The run (default: the latest run with final evidence).")
    String runId;

    @Option(names = "--json", description = "Print the evidence record as one JSON object on stdout.")
    boolean json;

    @Override
    public Integer call() {
        Contract contract = cluster.loadContract();
        EvidenceReader reader = new EvidenceReader(contract, cluster.clientConfig());
        Optional<RecoveryEvidence> found = reader.latest(runId, EvidenceKind.FINAL);
        if (found.isEmpty()) {
            Optional<RecoveryEvidence> progress = reader.latest(runId, EvidenceKind.PROGRESS);
            System.err.println("reprise evidence: no final evidence " + (runId == null ? "" : "for run " + runId + " ") + "on "
                    + contract.evidence().topic() + (progress.isPresent() ? "; run " + progress.get().getRunId() + " is still going ("
                    + progress.get().getEventsRead() + " events so far)" : ""));
            return ExitCodes.FAILURE;
        }
        System.out.print(json ? Json.of(found.get()) + "\n" : EvidenceReport.render(found.get()));
        return ExitCodes.forVerdict(found.get().getConfidenceStatus());
    }
}
