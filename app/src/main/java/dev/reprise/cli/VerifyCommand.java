package dev.reprise.cli;

import dev.reprise.contract.Contract;
import dev.reprise.evidence.avro.RecoveryEvidence;
import dev.reprise.evidence.io.EvidenceReader;
import dev.reprise.plan.CompiledContract;
import dev.reprise.verify.TopicSnapshot;
import dev.reprise.verify.Verifier;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;

@Command(name = "verify", mixinStandardHelpOptions = true,
        description = "Re-runs a finished run's checks on its projection topic without replaying: the run's keys and checksum against "
                + "its evidence, every invariant, the comparison with the reference projection, and that no other run wrote the topic "
                + "since this one started (keys left by earlier runs are reported, not failed). Exits 0 when all hold and the "
                + "evidence is trusted, 3 when it is degraded, 4 otherwise. 'reprise promote' runs the same checks before it writes. The run is "
                + "the contract's run in force unless --run-id says otherwise; its evidence is chosen as 'reprise evidence' chooses it, "
                + "and reported signed and verified, unsigned, or not verified.",
        footer = {"", "Example:", "  reprise verify --contract config/inventory.yaml --bootstrap-server localhost:9092"})
public final class VerifyCommand implements Callable<Integer> {
    @Mixin
    ClusterOptions cluster = new ClusterOptions();

    @Mixin
    EvidenceKeyOption key = new EvidenceKeyOption();

    @Option(names = "--run-id", description = "The run (default: the contract's run in force). It must be a run of this contract's application.")
    String runId;

    @Option(names = "--json", description = "Print the checks as one JSON object on stdout.")
    boolean json;

    @Override
    public Integer call() {
        Contract contract = cluster.loadContract();
        CompiledContract codecs = CompiledContract.forContract(contract);
        Map<String, Object> config = cluster.clientConfig();
        EvidenceReader.Selection selected;
        try {
            selected = key.reader(contract, config).select(runId);
        } catch (EvidenceReader.UnknownRunException e) {
            System.err.println("reprise verify: " + e.getMessage());
            return ExitCodes.FAILURE;
        }
        EvidenceCommand.report(selected, "reprise verify");
        Optional<RecoveryEvidence> evidence = Optional.ofNullable(selected.finalEvidence());
        if (evidence.isEmpty()) {
            System.err.println("reprise verify: no final evidence for run " + selected.runId() + " on " + contract.evidence().topic()
                    + (selected.ignored().isEmpty() ? "" : " that passed verification"));
            return ExitCodes.FAILURE;
        }
        RecoveryEvidence e = evidence.get();
        Map<String, TopicSnapshot.Entry> shadow = TopicSnapshot.read(config, contract.projection().topic());
        Map<String, TopicSnapshot.Entry> reference = contract.reconciliation().referenceTopic() == null ? null
                : TopicSnapshot.read(config, contract.reconciliation().referenceTopic());
        List<Verifier.Result> results = Verifier.verify(contract, codecs, e, shadow, reference);
        boolean allPassed = results.stream().allMatch(Verifier.Result::passed);
        int code = !allPassed ? ExitCodes.UNTRUSTED : ExitCodes.forVerdict(e.getConfidenceStatus());
        if (json) {
            Result out = new Result(e.getRunId().toString(), String.valueOf(e.getConfidenceStatus()), Authenticity.of(selected), allPassed, results);
            System.out.println(Json.of(out));
        } else {
            System.out.println("Verification of run " + e.getRunId() + " (evidence " + e.getConfidenceStatus() + ", " + selected.authenticityNote()
                    + ") on " + contract.projection().topic());
            results.forEach(r -> System.out.println("  " + (r.passed() ? "pass " : "FAIL ") + r.name() + ": " + r.detail()));
        }
        return code;
    }

    /**
     * {@code reprise verify --json}: the checks of the rebuilt topics against the run's evidence.
     *
     * @param evidenceStatus the evidence's verdict
     * @param allPassed      whether every check passed (otherwise the exit code is 3)
     */
    public record Result(String runId, String evidenceStatus, Authenticity authenticity, boolean allPassed, List<Verifier.Result> checks) {
    }
}
