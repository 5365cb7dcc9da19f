package dev.reprise.metrics;

import dev.reprise.contract.Contract;
import dev.reprise.contract.ContractLoader;
import dev.reprise.evidence.EvidenceBuilder;
import dev.reprise.evidence.avro.ConfidenceStatus;
import dev.reprise.evidence.avro.EvidenceKind;
import dev.reprise.evidence.avro.RecoveryEvidence;
import dev.reprise.plan.RunPlan;

import java.nio.file.Path;
import java.time.Instant;
import java.util.List;

/** A run plan and final evidence to feed a {@link RunStatus} with, as the runner would. */
final class MetricsTestSupport {
    static final Contract CONTRACT = ContractLoader.load(Path.of("..", "config", "inventory.yaml").toAbsolutePath().normalize());

    private MetricsTestSupport() {
    }

    /** Two partitions of 600 and 400 offsets. */
    static RunPlan plan() {
        return new RunPlan("run-42", CONTRACT.name(), CONTRACT.hash(), CONTRACT.applicationId(), 0,
                List.of(new RunPlan.PartitionRange("inventory-events", 0, 0, 600, 599),
                        new RunPlan.PartitionRange("inventory-events", 1, 0, 400, 399)), 2);
    }

    /** Final evidence of {@code plan}: 1,000 records read from 12:00:00 to 12:00:04, the verdict and failures given. */
    static RecoveryEvidence finalEvidence(RunPlan plan, ConfidenceStatus verdict, long reconciliationFailures, boolean aborted) {
        return RecoveryEvidence.newBuilder(EvidenceBuilder.progress(CONTRACT, plan, List.of(), 0))
                .setKind(EvidenceKind.FINAL)
                .setEventsRead(1_000)
                .setConfidenceStatus(verdict)
                .setReconciliationFailures(reconciliationFailures)
                .setAborted(aborted)
                .setStartedAt(Instant.parse("2026-01-01T12:00:00Z"))
                .setEndedAt(Instant.parse("2026-01-01T12:00:04Z"))
                .setEventsPerSecond(250.0)
                .build();
    }
}
