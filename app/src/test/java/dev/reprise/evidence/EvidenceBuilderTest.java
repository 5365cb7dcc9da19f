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
                "started_at", 1_000L, "upcast:StockMovement:1:2", 4L, "first_offset", 0L, "last_offset", read - 1));
        if (dead > 0) {
            m.put("dlq:corrupt-avro", dead);
        }
        return m;
    }

    static TaskSummary task(int partition, long processed, long duplicates, long checksum, Map<String, Long> invariantFailures) {
        return new TaskSummary("run-1", partition,
                Map.of("inventory-events:0", source(60, 2, 1), "inventory-events:1", source(50, 0, 0)),
                Map.of("processed", processed, "duplicates", duplicates), 10, checksum, invariantFailures, Map.of("sellable_not_negative", "SKU-1: {...}"), null);
    }

    static RecoveryEvidence build(Contract c, List<TaskSummary> tasks) {
        return EvidenceBuilder.build(c, PLAN, tasks, VerdictRulesTest.idChecks(tasks), 0, 11_000);
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
        TaskSummary broken = new TaskSummary("run-1", 0, sources, t.counters(), 10, 7, Map.of(), Map.of(), null);

        RecoveryEvidence e = build(INVENTORY, List.of(broken, new TaskSummary("run-1", 1, sources, Map.of("processed", 52L, "duplicates", 3L), 10, 9, Map.of(), Map.of(), null)));

        assertThat(e.getConfidenceStatus()).isEqualTo(ConfidenceStatus.untrusted);
        assertThat(e.getConfidenceReasons().get(0)).contains("only 1 of 2 source partitions");
    }

    @Test
    void aReferenceThatMustMatchAndDiffersMakesTheRunUntrusted() {
        Contract mustMatch = INVENTORY.withReconciliation(new Contract.Reconciliation("expected", true));
        TaskSummary.ReferenceComparison diff = new TaskSummary.ReferenceComparison(9, 1, 0, 0,
                List.of(new TaskSummary.Sample("SKU-3", "changed", "{stock 388}", "{stock 380}")));
        TaskSummary a = new TaskSummary("run-1", 0, task(0, 0, 0, 0, Map.of()).sources(), Map.of("processed", 50L, "duplicates", 2L), 10, 7, Map.of(), Map.of(), diff);
        TaskSummary b = new TaskSummary("run-1", 1, a.sources(), Map.of("processed", 52L, "duplicates", 3L), 10, 9, Map.of(), Map.of(),
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
        TaskSummary a = new TaskSummary("run-1", 0, task(0, 0, 0, 0, Map.of()).sources(), Map.of("processed", 50L, "duplicates", 2L), 10, 7, Map.of(), Map.of(), diff);
        TaskSummary b = new TaskSummary("run-1", 1, a.sources(), Map.of("processed", 52L, "duplicates", 3L), 10, 9, Map.of(), Map.of(),
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

        TaskSummary a = new TaskSummary("run-1", 0, task(0, 0, 0, 0, Map.of()).sources(), Map.of("processed", 50L, "duplicates", 2L, "ordering_violations", 1L),
                10, 7, Map.of(), Map.of(), null);
        TaskSummary b = new TaskSummary("run-1", 1, a.sources(), Map.of("processed", 52L, "duplicates", 3L), 10, 9, Map.of(), Map.of(), null);
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

    /** Each rule that keeps a wrong or partial rebuild from being trusted, with a run that breaks it. */
    @org.junit.jupiter.api.Nested
    class DeliberatelyBrokenRunsAreCaught {
        TaskSummary withSource(TaskSummary t, String id, Map<String, Long> changes) {
            Map<String, Map<String, Long>> sources = new HashMap<>(t.sources());
            Map<String, Long> stats = new HashMap<>(sources.get(id));
            stats.putAll(changes);
            sources.put(id, stats);
            return new TaskSummary(t.runId(), t.partition(), sources, t.counters(), t.projectionKeys(), t.checksum(), t.invariantFailures(),
                    t.invariantSamples(), t.reference(), t.expectedFromSources(), t.receivedFromSources());
        }

        @Test
        void aPartitionReadFromTheMiddleOfItsRangeIsUntrusted() {
            // Regression: a run whose offsets were moved forward inside its range read 60 records fewer and was trusted.
            TaskSummary a = withSource(task(0, 50, 2, 7, Map.of()), "inventory-events:0", Map.of("first_offset", 10L));
            TaskSummary b = withSource(task(1, 52, 3, 9, Map.of()), "inventory-events:0", Map.of("first_offset", 10L));
            RecoveryEvidence e = build(INVENTORY, List.of(a, b));

            assertThat(e.getConfidenceStatus()).isEqualTo(ConfidenceStatus.untrusted);
            assertThat(e.getConfidenceReasons().get(0)).contains("did not read its whole range")
                    .contains("inventory-events:0 was read from offset 10 to 59, but its records in the plan are at offsets 0 to 59");
            assertThat(e.getRanges().get(0).getFirstOffsetRead()).isEqualTo(10L);
            assertThat(e.getRanges().get(0).getFirstDataOffset()).isEqualTo(0L);
        }

        @Test
        void aPartitionThatStoppedBeforeItsLastRecordIsUntrusted() {
            TaskSummary a = withSource(task(0, 50, 2, 7, Map.of()), "inventory-events:1", Map.of("last_offset", 40L));
            TaskSummary b = withSource(task(1, 52, 3, 9, Map.of()), "inventory-events:1", Map.of("last_offset", 40L));

            assertThat(build(INVENTORY, List.of(a, b)).getReconciliationChecks())
                    .anyMatch(c -> c.getName().equals("every_partition_read_from_its_first_to_its_last_record") && !c.getPassed());
        }

        @Test
        void eventsLostBetweenTheStagesMakeTheRunUntrusted() {
            TaskSummary t = task(0, 50, 2, 7, Map.of());
            TaskSummary a = new TaskSummary("run-1", 0, t.sources(), t.counters(), 10, 7, Map.of(), Map.of(), null,
                    Map.of("inventory-events:0", 30L, "inventory-events:1", 22L), Map.of("inventory-events:0", 30L, "inventory-events:1", 21L));
            RecoveryEvidence e = build(INVENTORY, List.of(a, task(1, 52, 3, 9, Map.of())));

            assertThat(e.getConfidenceStatus()).isEqualTo(ConfidenceStatus.untrusted);
            assertThat(e.getConfidenceReasons()).anyMatch(r -> r.contains("apply task 0 received 21 of the 22 events source partition inventory-events:1 sent it"));
        }

        @Test
        void anEmptyRebuildIsUntrustedUnlessTheContractAllowsIt() {
            // Regression: a typo in scope.event_types filtered every record; the run was trusted and promote tombstoned all live keys.
            Map<String, Map<String, Long>> sources = Map.of("inventory-events:0", source(60, 59, 1), "inventory-events:1", source(50, 50, 0));
            List<TaskSummary> empty = List.of(new TaskSummary("run-1", 0, sources, Map.of(), 0, 0, Map.of(), Map.of(), null),
                    new TaskSummary("run-1", 1, sources, Map.of(), 0, 0, Map.of(), Map.of(), null));
            RecoveryEvidence e = build(INVENTORY, empty);

            assertThat(e.getConfidenceStatus()).isEqualTo(ConfidenceStatus.untrusted);
            assertThat(e.getConfidenceReasons().get(0)).contains("the rebuild is empty").contains("scope");
            Contract allowsEmpty = ContractLoader.parse(readContract("inventory.yaml").replace("  max_live_diff_ratio: 1.0",
                            "  max_live_diff_ratio: 1.0\n  min_events_processed: 0\n  min_projection_keys: 0").getBytes(java.nio.charset.StandardCharsets.UTF_8),
                    Path.of("..", "config").toAbsolutePath(), null);
            assertThat(build(allowsEmpty, empty).getConfidenceStatus()).isEqualTo(ConfidenceStatus.trusted);
        }

        @Test
        void aRunThatDeadLettersMostOfItsRecordsIsUntrustedNotDegraded() {
            // Regression: a key_field typo dead-lettered 20,410 of 20,410 records and the run was only degraded.
            Map<String, Map<String, Long>> sources = Map.of("inventory-events:0", source(60, 0, 40), "inventory-events:1", source(50, 0, 30));
            List<TaskSummary> tasks = List.of(new TaskSummary("run-1", 0, sources, Map.of("processed", 20L), 10, 7, Map.of(), Map.of(), null),
                    new TaskSummary("run-1", 1, sources, Map.of("processed", 20L), 10, 9, Map.of(), Map.of(), null));
            RecoveryEvidence e = build(INVENTORY, tasks);

            assertThat(e.getConfidenceStatus()).isEqualTo(ConfidenceStatus.untrusted);
            assertThat(e.getConfidenceReasons()).anyMatch(r -> r.startsWith("70 records dead-lettered (63.636% of 110 read") && r.contains("dead_letter_reasons"));
        }

        @Test
        void misplacedEventsInAKeyedHistoryMakeTheRunUntrusted() {
            Map<String, Long> misplaced = Map.of("misplaced", 3L, "misplaced_sample|T-7|invoice-events-0@12|1", 1L);
            TaskSummary a = withSource(task(0, 50, 2, 7, Map.of()), "inventory-events:0", misplaced);
            TaskSummary b = withSource(task(1, 52, 3, 9, Map.of()), "inventory-events:0", misplaced);
            RecoveryEvidence e = build(INVOICE, List.of(a, b));

            assertThat(e.getConfidenceStatus()).isEqualTo(ConfidenceStatus.untrusted);
            assertThat(e.getMisplacedEvents()).isEqualTo(3L);
            assertThat(e.getMisplacedSamples()).containsExactly("key T-7 read from invoice-events-0@12, belongs to partition 1");
            assertThat(e.getConfidenceReasons().get(0)).contains("3 misplaced events: read from another partition").contains("keyed_by_ordering_key");
            assertThat(build(INVENTORY, List.of(task(0, 50, 2, 7, Map.of()), task(1, 52, 3, 9, Map.of()))).getMisplacedEvents())
                    .as("not reported for a repartitioned history").isNull();
        }

        @Test
        void staleAndRedeliveredRecordsAreReportedAndDoNotCount() {
            TaskSummary t = task(0, 50, 2, 7, Map.of());
            TaskSummary a = new TaskSummary("run-1", 0, t.sources(), Map.of("processed", 50L, "duplicates", 2L, "stale_records", 40L, "redelivered", 2L),
                    10, 7, Map.of(), Map.of(), null);
            List<TaskSummary> tasks = List.of(a, task(1, 52, 3, 9, Map.of()));
            RecoveryEvidence e = EvidenceBuilder.build(INVENTORY, PLAN, tasks, VerdictRulesTest.idChecks(tasks), 3, 11_000);

            assertThat(e.getConfidenceStatus()).isEqualTo(ConfidenceStatus.trusted);
            assertThat(e.getStaleRecords()).isEqualTo(43);
            assertThat(e.getRedeliveredRecords()).isEqualTo(2);
            assertThat(e.getEventsProcessed()).isEqualTo(102);
            assertThat(e.getConfidenceReasons()).anyMatch(r -> r.startsWith("43 records of other runs"));
        }

        @Test
        void anAbortThresholdCrossedMakesTheRunUntrustedEvenWhenItFinishedFirst() {
            // Regression: a run crossed its abort threshold but wrote its final evidence before the abort reached it: degraded, exit 3.
            Map<String, Long> crossed = Map.of("threshold|abort|threshold poison-flood: dead-letter ratio 6.000% over the last 200 records", 1L);
            RecoveryEvidence aborted = build(INVENTORY, List.of(withSource(task(0, 50, 2, 7, Map.of()), "inventory-events:1", crossed),
                    withSource(task(1, 52, 3, 9, Map.of()), "inventory-events:1", crossed)));
            assertThat(aborted.getConfidenceStatus()).isEqualTo(ConfidenceStatus.untrusted);
            assertThat(aborted.getConfidenceReasons().get(0)).startsWith("threshold poison-flood: dead-letter ratio 6.000%");

            Map<String, Long> paused = Map.of("threshold|pause|threshold poison-flood: dead-letter ratio 6.000% over the last 200 records", 1L);
            RecoveryEvidence resumed = build(INVENTORY, List.of(withSource(task(0, 50, 2, 7, Map.of()), "inventory-events:1", paused),
                    withSource(task(1, 52, 3, 9, Map.of()), "inventory-events:1", paused)));
            assertThat(resumed.getConfidenceStatus()).isEqualTo(ConfidenceStatus.trusted);
            assertThat(resumed.getConfidenceReasons()).anyMatch(r -> r.contains("the run was paused and resumed"));
        }

        @Test
        void anEventTypeWithAColonInItsNameKeepsItsUpcastCount() {
            // Regression: the upcast counter "upcast:type:from:to" was split on ':' and a type named "billing:Invoice" crashed the evidence task.
            Map<String, Long> odd = Map.of("upcast:billing:Invoice:1:2", 5L);
            RecoveryEvidence e = build(INVENTORY, List.of(withSource(task(0, 50, 2, 7, Map.of()), "inventory-events:0", odd),
                    withSource(task(1, 52, 3, 9, Map.of()), "inventory-events:0", odd)));

            assertThat(e.getUpcasts()).anyMatch(u -> u.getEventType().equals("billing:Invoice") && u.getFromVersion() == 1 && u.getCount() == 5);
        }
    }

    @org.junit.jupiter.api.Nested
    class PluginErrorsAndTheGuarantee {
        /** Task 1's apply stage dead-lettered {@code unexpected} events on which the projection threw (processed lowered to match). */
        List<TaskSummary> withUnexpectedErrors(long unexpected) {
            TaskSummary ok = task(0, 50, 2, 7, Map.of());
            TaskSummary failing = new TaskSummary("run-1", 1, ok.sources(), Map.of("processed", 52L - unexpected, "duplicates", 3L,
                    "dead_lettered", unexpected, "dlq:" + dev.reprise.codec.PoisonRecordException.UNEXPECTED_ERROR, unexpected), 10, 9, Map.of(), Map.of(), null);
            return List.of(ok, failing);
        }

        @Test
        void oneEventOnWhichAPluginThrewDegradesARunThatWouldOtherwiseBeTrusted() {
            // Regression (defect A, "trusted means proven"): a projection that threw on valid events lost them silently, because
            // dead letters below max_dead_letter_ratio were only a fact and the run stayed trusted.
            RecoveryEvidence e = build(INVENTORY, withUnexpectedErrors(1));

            assertThat(e.getDeadLetterReasons()).containsEntry("unexpected-error", 1L).containsEntry("corrupt-avro", 1L);
            assertThat(e.getReconciliationChecks()).anyMatch(c -> c.getName().equals("no_unexpected_errors") && !c.getPassed() && c.getFailures() == 1);
            assertThat(e.getConfidenceStatus()).as("0.9% dead letters is within the contract's 1%%, but one was a plugin's error").isEqualTo(ConfidenceStatus.degraded);
            assertThat(e.getConfidenceReasons()).anyMatch(r -> r.startsWith("1 events dead-lettered because a projection, upcaster or invariant threw"));
            assertThat(build(INVENTORY, withUnexpectedErrors(0)).getConfidenceStatus()).as("the same run without it").isEqualTo(ConfidenceStatus.trusted);
            assertThat(build(INVENTORY, withUnexpectedErrors(0)).getReconciliationChecks())
                    .anyMatch(c -> c.getName().equals("no_unexpected_errors") && c.getPassed());
        }

        @Test
        void unexpectedErrorsAboveTheHardLimitMakeTheRunUntrusted() {
            Contract lenient = ContractLoader.parse(readContract("inventory.yaml").replace("max_dead_letter_ratio: 0.01", "max_dead_letter_ratio: 0.2\n  untrusted_dead_letter_ratio: 0.2")
                    .getBytes(java.nio.charset.StandardCharsets.UTF_8), Path.of("..", "config").toAbsolutePath(), null);
            assertThat(build(lenient, withUnexpectedErrors(10)).getConfidenceStatus()).as("11 dead letters of 110 are within the contract's 20%%, "
                    + "10 of them a plugin's errors").isEqualTo(ConfidenceStatus.degraded);
            RecoveryEvidence e = build(lenient, withUnexpectedErrors(30));
            assertThat(e.getConfidenceStatus()).as("30 of 110: above the 20%% hard limit").isEqualTo(ConfidenceStatus.untrusted);
            assertThat(e.getConfidenceReasons().subList(0, 2)).as("both hard limits, before any degradation")
                    .anyMatch(r -> r.startsWith("30 events dead-lettered because a projection, upcaster or invariant threw"));
        }

        @Test
        void aRunUnderAtLeastOnceIsDegradedAndSaysWhy() {
            // Regression (defect B, "trusted means proven"): an at_least_once run cannot prove each event was applied once.
            Contract atLeastOnce = ContractLoader.parse(readContract("inventory.yaml").replace("guarantee: exactly_once_v2", "guarantee: at_least_once")
                    .getBytes(java.nio.charset.StandardCharsets.UTF_8), Path.of("..", "config").toAbsolutePath(), null);
            List<TaskSummary> clean = List.of(task(0, 50, 2, 7, Map.of()), task(1, 52, 3, 9, Map.of()));

            RecoveryEvidence e = build(atLeastOnce, clean);

            assertThat(e.getConfidenceStatus()).isEqualTo(ConfidenceStatus.degraded);
            assertThat(e.getConfidenceReasons()).anyMatch(r -> r.startsWith("processing.guarantee is at_least_once") && r.contains("exactly once"));
            assertThat(build(INVENTORY, clean).getConfidenceStatus()).as("the same run under exactly_once_v2").isEqualTo(ConfidenceStatus.trusted);
        }
    }

    static String readContract(String name) {
        try {
            return java.nio.file.Files.readString(Path.of("..", "config", name));
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
    /**
     * The id conflict rules (IdConflicts). Guard the defect found on a real broker: the same event id with quantity 50
     * and then 5,000 on one SKU was counted a duplicate and the run was trusted; the same id on two SKUs was applied twice.
     */
    @org.junit.jupiter.api.Nested
    class IdConflictRules {
        Contract withPolicy(String onConflict) throws java.io.IOException {
            Path file = Path.of("..", "config", "inventory.yaml").toAbsolutePath().normalize();
            String yaml = java.nio.file.Files.readString(file).replace("  event_id_field: event_id\n",
                    "  event_id_field: event_id\n  on_conflict: " + onConflict + "\n");
            return ContractLoader.parse(yaml.getBytes(java.nio.charset.StandardCharsets.UTF_8), file.getParent(), file);
        }

        /** Task 0 met e-7 again from partition 1 with another quantity: 1 conflict, counted beside 50 processed and 1 duplicate. */
        List<TaskSummary> oneConflict() {
            dev.reprise.counts.CountFamily.Conflict sample = new dev.reprise.counts.CountFamily.Conflict("e-7", "SKU-1",
                    "inventory-events-0@12", "inventory-events-1@40");
            TaskSummary conflicted = new TaskSummary("run-1", 0,
                    Map.of("inventory-events:0", source(60, 2, 1), "inventory-events:1", source(50, 0, 0)),
                    Map.of("processed", 50L, "duplicates", 1L, "id_conflicts", 1L, sample.counter(), 1L), 10, 7,
                    Map.of("sellable_not_negative", 0L), Map.of(), null);
            return List.of(conflicted, task(1, 52, 3, 9, Map.of("sellable_not_negative", 0L)));
        }

        @Test
        void anIdMetAgainWithOtherContentIsAConflictNotADuplicateAndTheRunIsUntrustedByDefault() throws Exception {
            RecoveryEvidence e = build(withPolicy("untrusted"), oneConflict());

            assertThat(e.getConfidenceStatus()).isEqualTo(ConfidenceStatus.untrusted);
            assertThat(e.getIdConflicts()).isEqualTo(1);
            assertThat(e.getDuplicatesSkipped()).as("the conflict is not a duplicate").isEqualTo(4);
            assertThat(e.getIdConflictSamples()).singleElement().satisfies(c -> {
                assertThat(c.getEventId()).isEqualTo("e-7");
                assertThat(c.getOrderingKey()).isEqualTo("SKU-1");
                assertThat(c.getAppliedFrom()).isEqualTo("inventory-events-0@12");
                assertThat(c.getConflictingFrom()).isEqualTo("inventory-events-1@40");
            });
            assertThat(e.getReconciliationChecks()).anyMatch(c -> c.getName().equals("event_ids_name_one_event") && !c.getPassed()
                    && c.getFailures() == 1);
            assertThat(e.getReconciliationChecks()).as("the conflict is accounted for").anyMatch(c -> c.getName().equals("every_record_accounted_for")
                    && c.getPassed());
            assertThat(e.getConfidenceReasons().get(0)).contains("e-7", "inventory-events-0@12", "inventory-events-1@40", "on_conflict: untrusted");
        }

        @Test
        void theContractsPolicyDecidesTheVerdict() throws Exception {
            assertThat(build(withPolicy("degraded"), oneConflict()).getConfidenceStatus()).isEqualTo(ConfidenceStatus.degraded);
            RecoveryEvidence firstWins = build(withPolicy("first_wins"), oneConflict());
            assertThat(firstWins.getConfidenceStatus()).isEqualTo(ConfidenceStatus.trusted);
            assertThat(firstWins.getConfidenceReasons()).anyMatch(r -> r.contains("on_conflict: first_wins") && r.contains("e-7"));
            assertThat(firstWins.getReconciliationChecks()).as("the check still tells the truth")
                    .anyMatch(c -> c.getName().equals("event_ids_name_one_event") && !c.getPassed());
        }

        /** Event id e-9 applied under SKU-1 (task 0) and SKU-2 (task 1): each task's dedup set met it once. */
        static List<IdCheckSummary> reusedAcrossTasks(List<TaskSummary> tasks) {
            List<IdCheckSummary> clean = VerdictRulesTest.idChecks(tasks);
            IdCheckSummary first = clean.get(0);
            return List.of(new IdCheckSummary("run-1", 0, first.expected(), first.received(), 1,
                    List.of(new IdCheckSummary.Sample("e-9", "SKU-2", "inventory-events-0@3", "inventory-events-1@17"))), clean.get(1));
        }

        @Test
        void withSeveralApplyTasksAnIdAppliedUnderKeysOfTwoTasksIsCaughtAndTheContractsPolicyDecides() throws Exception {
            List<TaskSummary> tasks = List.of(task(0, 50, 2, 7, Map.of("sellable_not_negative", 0L)), task(1, 52, 3, 9, Map.of("sellable_not_negative", 0L)));
            RecoveryEvidence e = EvidenceBuilder.build(INVENTORY, PLAN, tasks, reusedAcrossTasks(tasks), 0, 11_000);

            assertThat(e.getConfidenceStatus()).isEqualTo(ConfidenceStatus.untrusted);
            assertThat(e.getIdConflictsAcrossTasks()).isEqualTo(1);
            assertThat(e.getIdConflicts()).as("within a task: none").isZero();
            assertThat(e.getIdConflictSamples()).anyMatch(s -> s.getEventId().equals("e-9") && s.getAppliedFrom().equals("inventory-events-0@3"));
            assertThat(e.getConfidenceReasons().get(0)).contains("e-9", "different apply tasks", "both were applied");
            assertThat(e.getChecksNotMade()).as("nothing left unchecked").isEmpty();
            assertThat(e.getReconciliationChecks()).anyMatch(c -> c.getName().equals("event_ids_checked_across_apply_tasks") && c.getPassed());
            assertThat(e.getReconciliationChecks()).as("both events were applied: the accounting holds")
                    .anyMatch(c -> c.getName().equals("every_record_accounted_for") && c.getPassed());

            assertThat(EvidenceBuilder.build(withPolicy("degraded"), PLAN, tasks, reusedAcrossTasks(tasks), 0, 11_000).getConfidenceStatus())
                    .isEqualTo(ConfidenceStatus.degraded);
            RecoveryEvidence firstWins = EvidenceBuilder.build(withPolicy("first_wins"), PLAN, tasks, reusedAcrossTasks(tasks), 0, 11_000);
            assertThat(firstWins.getConfidenceStatus()).as("first_wins cannot hold when both events were applied").isEqualTo(ConfidenceStatus.untrusted);
            assertThat(firstWins.getConfidenceReasons().get(0)).contains("cannot hold across apply tasks");
        }

        @Test
        void withSeveralApplyTasksIdsTheIdCheckDidNotReceiveMakeTheRunUntrusted() {
            List<TaskSummary> tasks = List.of(task(0, 50, 2, 7, Map.of("sellable_not_negative", 0L)), task(1, 52, 3, 9, Map.of("sellable_not_negative", 0L)));
            RecoveryEvidence none = EvidenceBuilder.build(INVENTORY, PLAN, tasks, List.of(), 0, 11_000);
            assertThat(none.getConfidenceStatus()).isEqualTo(ConfidenceStatus.untrusted);
            assertThat(none.getReconciliationChecks()).anyMatch(c -> c.getName().equals("event_ids_checked_across_apply_tasks") && !c.getPassed()
                    && c.getDetail().contains("id check task 0 sent no summary"));
        }

        @Test
        void withOneApplyTaskEveryIdMeetsOneDedupSetAndTheCheckIsMade() {
            RunPlan onePartition = new RunPlan("run-1", "inventory", "h", "app", 1_000, List.of(
                    new RunPlan.PartitionRange("inventory-events", 0, 0, 60, 59),
                    new RunPlan.PartitionRange("inventory-events", 1, 0, 50, 49)), 1);
            RecoveryEvidence e = EvidenceBuilder.build(INVENTORY, onePartition, List.of(task(0, 102, 5, 7, Map.of("sellable_not_negative", 0L))), 11_000);

            assertThat(e.getChecksNotMade()).isEmpty();
            assertThat(e.getReconciliationChecks()).anyMatch(c -> c.getName().equals("event_ids_checked_across_apply_tasks") && c.getPassed());
            assertThat(e.getConfidenceStatus()).isEqualTo(ConfidenceStatus.trusted);
        }
    }
}
