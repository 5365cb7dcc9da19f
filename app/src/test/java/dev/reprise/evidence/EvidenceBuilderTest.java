package dev.reprise.evidence;

import dev.reprise.contract.Contract;
import dev.reprise.contract.ContractLoader;
import dev.reprise.evidence.avro.ConfidenceStatus;
import dev.reprise.evidence.avro.RecoveryEvidence;
import dev.reprise.plan.RunPlan;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class EvidenceBuilderTest {
    static final Contract INVENTORY = ContractLoader.load(Path.of("..", "config", "inventory.yaml"));
    static final Contract INVOICE = ContractLoader.load(Path.of("..", "config", "invoice.yaml"));
    static final RunPlan PLAN = new RunPlan("run-1", "inventory", "h", "app", 1_000, List.of(
            new RunPlan.PartitionRange("inventory-events", 0, 0, 60, 59),
            new RunPlan.PartitionRange("inventory-events", 1, 0, 50, 49)), 2);

    static Map<String, Long> source(long read, long filtered, long dead) {
        Map<String, Long> m = new HashMap<>(Map.of("events_read", read, "filtered", filtered, "dead_lettered", dead, "ended", 1L,
                "started_at", 1_000L, "upcast:StockMovement:1:2", 4L));
        if (dead > 0) {
            m.put("dlq:corrupt-avro", dead);
        }
        return m;
    }

    static TaskSummary task(int partition, long processed, long duplicates, long checksum, Map<String, Long> invariantFailures) {
        return new TaskSummary(partition,
                Map.of("inventory-events:0", source(60, 2, 1), "inventory-events:1", source(50, 0, 0)),
                Map.of("processed", processed, "duplicates", duplicates), 10, checksum, invariantFailures, Map.of("sellable_not_negative", "SKU-1: {...}"), null);
    }

    static RecoveryEvidence build(Contract c, List<TaskSummary> tasks) {
        return EvidenceBuilder.build(c, PLAN, tasks, 11_000);
    }

    @Test
    void aCleanRunIsTrustedAndSaysWhy() {
        RecoveryEvidence e = build(INVENTORY, List.of(task(0, 50, 2, 7, Map.of("sellable_not_negative", 0L)),
                task(1, 52, 3, 9, Map.of("sellable_not_negative", 0L))));

        assertThat(e.getConfidenceStatus()).isEqualTo(ConfidenceStatus.trusted);
        assertThat(e.getEventsRead()).isEqualTo(110);
        assertThat(e.getEventsProcessed()).isEqualTo(102);
        assertThat(e.getDuplicatesSkipped()).isEqualTo(5);
        assertThat(e.getUpcasts().get(0).getCount()).as("upcasts summed over source partitions").isEqualTo(8);
        assertThat(e.getDeadLetterReasons()).containsEntry("corrupt-avro", 1L);
        assertThat(e.getConfidenceReasons()).anyMatch(r -> r.startsWith("accounting: 110 read = 102 processed"));
        assertThat(e.getChecksum()).isEqualTo(String.format("%016x", 16));
        assertThat(e.getEventsPerSecond()).isEqualTo(11.0);
    }

    @Test
    void recordsNotAccountedForMakeTheRunUntrusted() {
        RecoveryEvidence e = build(INVENTORY, List.of(task(0, 50, 2, 7, Map.of()), task(1, 51, 3, 9, Map.of())));

        assertThat(e.getConfidenceStatus()).isEqualTo(ConfidenceStatus.untrusted);
        assertThat(e.getReconciliationChecks()).anyMatch(c -> c.getName().equals("every_record_accounted_for") && !c.getPassed());
    }

    @Test
    void aBrokenInvariantMakesTheRunUntrustedAndNamesAKey() {
        RecoveryEvidence e = build(INVENTORY, List.of(task(0, 50, 2, 7, Map.of("sellable_not_negative", 1L)),
                task(1, 52, 3, 9, Map.of("sellable_not_negative", 0L))));

        assertThat(e.getConfidenceStatus()).isEqualTo(ConfidenceStatus.untrusted);
        assertThat(e.getConfidenceReasons().get(0)).contains("sellable_not_negative").contains("SKU-1");
        assertThat(e.getReconciliationFailures()).isEqualTo(1);
    }

    @Test
    void aPartitionThatNeverEndedMakesTheRunUntrusted() {
        TaskSummary t = task(0, 50, 2, 7, Map.of());
        Map<String, Map<String, Long>> sources = new HashMap<>(t.sources());
        Map<String, Long> unfinished = new HashMap<>(sources.get("inventory-events:1"));
        unfinished.remove("ended");
        sources.put("inventory-events:1", unfinished);
        TaskSummary broken = new TaskSummary(0, sources, t.counters(), 10, 7, Map.of(), Map.of(), null);

        RecoveryEvidence e = build(INVENTORY, List.of(broken, new TaskSummary(1, sources, Map.of("processed", 52L, "duplicates", 3L), 10, 9, Map.of(), Map.of(), null)));

        assertThat(e.getConfidenceStatus()).isEqualTo(ConfidenceStatus.untrusted);
        assertThat(e.getConfidenceReasons().get(0)).contains("only 1 of 2 source partitions");
    }

    @Test
    void aReferenceThatMustMatchAndDiffersMakesTheRunUntrusted() {
        Contract mustMatch = INVENTORY.withReconciliation(new Contract.Reconciliation("expected", true));
        TaskSummary.ReferenceComparison diff = new TaskSummary.ReferenceComparison(9, 1, 0, 0,
                List.of(new TaskSummary.Sample("SKU-3", "changed", "{stock 388}", "{stock 380}")));
        TaskSummary a = new TaskSummary(0, task(0, 0, 0, 0, Map.of()).sources(), Map.of("processed", 50L, "duplicates", 2L), 10, 7, Map.of(), Map.of(), diff);
        TaskSummary b = new TaskSummary(1, a.sources(), Map.of("processed", 52L, "duplicates", 3L), 10, 9, Map.of(), Map.of(),
                new TaskSummary.ReferenceComparison(10, 0, 0, 0, List.of()));

        RecoveryEvidence e = build(mustMatch, List.of(a, b));

        assertThat(e.getConfidenceStatus()).isEqualTo(ConfidenceStatus.untrusted);
        assertThat(e.getProjectionsChanged()).isEqualTo(1);
        assertThat(e.getProjectionsUnchanged()).isEqualTo(19);
        assertThat(e.getDifferenceSamples()).singleElement().satisfies(s -> assertThat(s.getKey()).isEqualTo("SKU-3"));
        assertThat(build(INVENTORY.withReconciliation(new Contract.Reconciliation("live", false)), List.of(a, b)).getConfidenceStatus())
                .as("differences from a live projection are reported, not held against the rebuild").isEqualTo(ConfidenceStatus.trusted);
    }

    @Test
    void tooManyDifferencesFromTheLiveProjectionDegradeTheRunWhenTheContractSaysSo() {
        Contract strict = ContractLoader.parse(readContract("inventory.yaml").replace("max_live_diff_ratio: 1.0", "max_live_diff_ratio: 0.02")
                .getBytes(java.nio.charset.StandardCharsets.UTF_8), Path.of("..", "config").toAbsolutePath(), null)
                .withReconciliation(new Contract.Reconciliation("live", false));
        TaskSummary.ReferenceComparison diff = new TaskSummary.ReferenceComparison(9, 1, 0, 0, List.of());
        TaskSummary a = new TaskSummary(0, task(0, 0, 0, 0, Map.of()).sources(), Map.of("processed", 50L, "duplicates", 2L), 10, 7, Map.of(), Map.of(), diff);
        TaskSummary b = new TaskSummary(1, a.sources(), Map.of("processed", 52L, "duplicates", 3L), 10, 9, Map.of(), Map.of(),
                new TaskSummary.ReferenceComparison(10, 0, 0, 0, List.of()));

        RecoveryEvidence e = build(strict, List.of(a, b));

        assertThat(e.getConfidenceStatus()).as("1 of 20 keys differ: 5% > 2%").isEqualTo(ConfidenceStatus.degraded);
        assertThat(e.getConfidenceReasons().get(0)).contains("5.000% of the rebuilt keys differ");
    }

    @Test
    void tooManyDeadLettersOrOrderingViolationsDegradeTheRun() {
        Contract strict = ContractLoader.parse(readContract("inventory.yaml").replace("max_dead_letter_ratio: 0.01", "max_dead_letter_ratio: 0.001").getBytes(java.nio.charset.StandardCharsets.UTF_8),
                Path.of("..", "config").toAbsolutePath(), null);
        assertThat(build(strict, List.of(task(0, 50, 2, 7, Map.of()), task(1, 52, 3, 9, Map.of()))).getConfidenceStatus())
                .isEqualTo(ConfidenceStatus.degraded);

        TaskSummary a = new TaskSummary(0, task(0, 0, 0, 0, Map.of()).sources(), Map.of("processed", 50L, "duplicates", 2L, "ordering_violations", 1L),
                10, 7, Map.of(), Map.of(), null);
        TaskSummary b = new TaskSummary(1, a.sources(), Map.of("processed", 52L, "duplicates", 3L), 10, 9, Map.of(), Map.of(), null);
        RecoveryEvidence e = build(INVOICE, List.of(a, b));
        assertThat(e.getOrderingViolations()).isEqualTo(1);
        assertThat(e.getConfidenceStatus()).isEqualTo(ConfidenceStatus.degraded);
    }

    @Test
    void theEvidenceDoesNotDependOnTheOrderOfTaskSummaries() {
        List<TaskSummary> tasks = new ArrayList<>(List.of(task(0, 50, 2, 7, Map.of()), task(1, 52, 3, -9, Map.of())));
        RecoveryEvidence forward = build(INVENTORY, tasks);
        java.util.Collections.reverse(tasks);
        RecoveryEvidence backward = build(INVENTORY, tasks);

        assertThat(backward).isEqualTo(forward);
        assertThat(EvidenceCodec.decode(EvidenceCodec.encode(forward))).isEqualTo(forward);
        assertThat(EvidenceCodec.toMap(forward)).containsEntry("confidence_status", "trusted").containsKey("events_processed");
    }

    static String readContract(String name) {
        try {
            return java.nio.file.Files.readString(Path.of("..", "config", name));
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
