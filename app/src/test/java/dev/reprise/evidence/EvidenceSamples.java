package dev.reprise.evidence;

import dev.reprise.contract.Contract;
import dev.reprise.evidence.avro.ConfidenceStatus;
import dev.reprise.evidence.avro.EvidenceKind;
import dev.reprise.evidence.avro.PartitionRange;
import dev.reprise.evidence.avro.RecoveryEvidence;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/** Evidence records written by hand, as a test (or a forger) would: every required field set, counts from {@code processed}. */
public final class EvidenceSamples {
    private EvidenceSamples() {
    }

    /**
     * @param status null for a PROGRESS record
     */
    public static RecoveryEvidence of(Contract contract, String runId, EvidenceKind kind, ConfidenceStatus status, long processed, String source) {
        return RecoveryEvidence.newBuilder()
                .setRunId(runId)
                .setKind(kind)
                .setContractName(contract.name())
                .setContractHash(contract.hash())
                .setApplicationId(contract.applicationId())
                .setProjection(contract.projection().name())
                .setProjectionTopic(contract.projection().topic())
                .setRanges(List.of(PartitionRange.newBuilder().setTopic(source).setPartition(0).setStartOffset(0L).setEndOffset(processed)
                        .setEventsRead(processed).build()))
                .setEventsRead(processed)
                .setEventsProcessed(processed)
                .setDuplicatesSkipped(0)
                .setFiltered(0)
                .setOutOfRange(0)
                .setDeadLettered(0)
                .setDeadLetterReasons(Map.of())
                .setUpcasts(List.of())
                .setProjectionKeys(processed / 10)
                .setReconciliationChecks(List.of())
                .setReconciliationFailures(status == ConfidenceStatus.untrusted ? 1 : 0)
                .setChecksum(kind == EvidenceKind.FINAL ? "00000000000000ff" : "")
                .setConfidenceStatus(status)
                .setConfidenceReasons(List.of(status == null ? "in progress" : "written by a test"))
                .setStartedAt(Instant.parse("2025-01-01T10:00:00Z"))
                .setEndedAt(kind == EvidenceKind.FINAL ? Instant.parse("2025-01-01T10:05:00Z") : null)
                .setEventsPerSecond(100.0)
                .build();
    }
}
