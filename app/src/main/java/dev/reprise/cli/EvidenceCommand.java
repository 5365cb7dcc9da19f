package dev.reprise.cli;

import dev.reprise.contract.Contract;
import dev.reprise.evidence.EvidenceReport;
import dev.reprise.evidence.avro.RecoveryEvidence;
import dev.reprise.ops.EvidenceReader;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.util.concurrent.Callable;

@Command(name = "evidence", mixinStandardHelpOptions = true,
        description = {"Prints the final recovery evidence of a run (default: the latest) from the contract's evidence topic and exits "
                + "with its verdict, so a CD pipeline can gate a cut-over on it: 0 trusted, 3 degraded, 4 untrusted, 1 when there is none.",
                "Reads every partition from the beginning to its end (read_committed, no consumer group); records that are not "
                        + "evidence are skipped."},
        footer = {"", "Examples:", "  reprise evidence --contract config/inventory.yaml --bootstrap-server localhost:9092 --json && promote-the-rebuild",
                "  reprise evidence --contract config/inventory.yaml --bootstrap-server kafka:9092 --run-id 20250101T120000-ab12c3 \\",
                "      --include-progress"})
public final class EvidenceCommand implements Callable<Integer> {
    @Mixin
    ClusterOptions cluster = new ClusterOptions();

    @Option(names = "--run-id", description = "The run (default: the latest run with final evidence).")
    String runId;

    @Option(names = "--json", description = "Print the evidence record as one JSON object on stdout.")
    boolean json;

    @Option(names = "--include-progress", description = "When the run has no final evidence yet, print its last progress record "
            + "on stdout (the exit code stays 1: progress is not a verdict).")
    boolean includeProgress;

    @Override
    public Integer call() {
        Contract contract = cluster.loadContract();
        String topic = contract.evidence().topic();
        EvidenceReader.Latest latest = new EvidenceReader(contract, cluster.clientConfig()).read(runId);
        RecoveryEvidence found = latest.finalEvidence();
        if (found == null) {
            RecoveryEvidence progress = latest.progress();
            String run = runId == null ? "any run" : "run " + runId;
            if (progress == null) {
                System.err.println("reprise evidence: no final evidence for " + run + " on topic " + topic
                        + "; check the run id and the contract's evidence.topic");
                return ExitCodes.FAILURE;
            }
            System.err.println("reprise evidence: no final evidence for " + run + " on topic " + topic + "; run " + progress.getRunId()
                    + " is still going (" + progress.getEventsRead() + " events read at its last progress record)."
                    + (includeProgress ? " Its last progress record follows." : " Add --include-progress to see its last progress record."));
            if (includeProgress) {
                print(progress);
            }
            return ExitCodes.FAILURE;
        }
        print(found);
        return ExitCodes.forVerdict(found.getConfidenceStatus());
    }

    private void print(RecoveryEvidence evidence) {
        System.out.print(json ? Json.of(evidence) + "\n" : EvidenceReport.render(evidence));
    }
}
