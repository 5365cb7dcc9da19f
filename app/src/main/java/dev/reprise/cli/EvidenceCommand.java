package dev.reprise.cli;

import dev.reprise.contract.Contract;
import dev.reprise.evidence.EvidenceReport;
import dev.reprise.evidence.avro.RecoveryEvidence;
import dev.reprise.evidence.io.EvidenceReader;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;

@Command(name = "evidence", mixinStandardHelpOptions = true,
        description = {"Prints the final recovery evidence of a run of this contract (default: the contract's run in force, as its run store "
                + "<application_id>-reprise-runs records it) and exits with its verdict, so a CD pipeline can gate a cut-over on it: 0 trusted, "
                + "3 degraded, 4 untrusted, 1 when there is none.",
                "Only records naming the run, the contract's application id and projection count: other contracts may share the topic. "
                        + "With a public key (--evidence-public-key), records whose Ed25519 signature does not verify are ignored and counted; "
                        + "without one, the evidence is reported unsigned or unverified (docs/evidence-signature.md). When a run has several "
                        + "final records, the least trusted one is its verdict. Reads read_committed, without a consumer group."},
        footer = {"", "Examples:", "  reprise evidence --contract config/inventory.yaml --bootstrap-server localhost:9092 \\",
                "      --evidence-public-key keys/evidence-signing.pub --json && promote-the-rebuild",
                "  reprise evidence --contract config/inventory.yaml --bootstrap-server kafka:9092 --run-id 20250101T120000-ab12c3 \\",
                "      --include-progress"})
public final class EvidenceCommand implements Callable<Integer> {
    @Mixin
    ClusterOptions cluster = new ClusterOptions();

    @Mixin
    EvidenceKeyOption key = new EvidenceKeyOption();

    @Option(names = "--run-id", description = "The run (default: the contract's run in force). It must be a run of this contract's application.")
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
        EvidenceReader.Selection latest;
        try {
            latest = key.reader(contract, cluster.clientConfig()).select(runId);
        } catch (EvidenceReader.UnknownRunException e) {
            System.err.println("reprise evidence: " + e.getMessage());
            return ExitCodes.FAILURE;
        }
        report(latest, "reprise evidence");
        RecoveryEvidence found = latest.finalEvidence();
        if (found == null) {
            RecoveryEvidence progress = latest.progress();
            String run = "run " + latest.runId();
            if (progress == null) {
                System.err.println("reprise evidence: no final evidence for " + run + " on topic " + topic
                        + (latest.ignored().isEmpty() ? "" : " that passed verification") + "; check the run id and the contract's evidence.topic");
                return ExitCodes.FAILURE;
            }
            System.err.println("reprise evidence: no final evidence for " + run + " on topic " + topic + "; run " + progress.getRunId()
                    + " is still going (" + progress.getEventsRead() + " events read at its last progress record)."
                    + (includeProgress ? " Its last progress record follows." : " Add --include-progress to see its last progress record."));
            if (includeProgress) {
                print(progress, latest);
            }
            return ExitCodes.FAILURE;
        }
        print(found, latest);
        return ExitCodes.forVerdict(found.getConfidenceStatus());
    }

    /** Says on stderr what was ignored, whether the evidence is signed, and conflicting final records. */
    static void report(EvidenceReader.Selection s, String command) {
        if (s.ignoredNote() != null) {
            System.err.println(command + ": " + s.ignoredNote());
        }
        if (s.conflictNote() != null) {
            System.err.println(command + ": " + s.conflictNote());
        }
        if (s.authenticity() != null && !s.verified()) {
            System.err.println(command + ": evidence of run " + s.runId() + " is " + s.authenticityNote());
        }
    }

    private void print(RecoveryEvidence evidence, EvidenceReader.Selection s) {
        if (json) {
            Map<String, Object> out = new LinkedHashMap<>(dev.reprise.evidence.EvidenceCodec.toMap(evidence));
            out.put("authenticity", Authenticity.of(s));
            System.out.print(Json.of(out) + "\n");
        } else {
            System.out.print(EvidenceReport.render(evidence));
            System.out.printf("  %-21s%s%n", "authenticity", s.authenticityNote());
            if (!s.ignored().isEmpty()) {
                System.out.printf("  %-21s%d record(s) of this run that failed verification (listed on stderr)%n", "ignored", s.ignored().size());
            }
        }
    }

}
