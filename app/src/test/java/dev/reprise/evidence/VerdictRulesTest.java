package dev.reprise.evidence;

import dev.reprise.contract.Contract;
import dev.reprise.contract.ContractLoader;
import dev.reprise.evidence.avro.ConfidenceStatus;
import dev.reprise.evidence.avro.RecoveryEvidence;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static dev.reprise.evidence.EvidenceBuilderTest.INVENTORY;
import static dev.reprise.evidence.EvidenceBuilderTest.INVOICE;
import static dev.reprise.evidence.EvidenceBuilderTest.PLAN;
import static dev.reprise.evidence.EvidenceBuilderTest.readContract;
import static dev.reprise.evidence.EvidenceBuilderTest.source;
import static dev.reprise.evidence.EvidenceBuilderTest.task;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Every rule of {@link VerdictRules#ALL}, broken one at a time: a run that breaks only that rule gets the rule's
 * outcome, names the rule's check or reason, and a clean run holds every rule. A rule added without a broken run
 * here fails {@link #everyRuleHasARunThatBreaksIt}.
 */
class VerdictRulesTest {
    /** A run that breaks the rule it is listed under. */
    record Broken(Contract contract, List<TaskSummary> summaries, List<IdCheckSummary> idChecks) {
        Broken(Contract contract, List<TaskSummary> summaries) {
            this(contract, summaries, VerdictRulesTest.idChecks(summaries));
        }
    }

    /** The id check of a run whose applied ids all arrived, none claimed twice: what each apply task applied, at id check task 0. */
    static List<IdCheckSummary> idChecks(List<TaskSummary> summaries) {
        Map<String, Long> applied = new java.util.TreeMap<>();
        Map<String, Long> none = new java.util.TreeMap<>();
        for (TaskSummary t : summaries) {
            applied.put(Integer.toString(t.partition()), t.counters().getOrDefault("processed", 0L));
            none.put(Integer.toString(t.partition()), 0L);
        }
        return List.of(new IdCheckSummary("run-1", 0, applied, applied, 0, List.of()), new IdCheckSummary("run-1", 1, none, none, 0, List.of()));
    }

    static List<TaskSummary> clean() {
        return List.of(task(0, 50, 2, 7, Map.of("stock_covers_reservations", 0L)), task(1, 52, 3, 9, Map.of("stock_covers_reservations", 0L)));
    }

    static TaskSummary withSource(TaskSummary t, String id, Map<String, Long> changes) {
        Map<String, Map<String, Long>> sources = new HashMap<>(t.sources());
        Map<String, Long> stats = new HashMap<>(sources.get(id));
        stats.putAll(changes);
        sources.put(id, stats);
        return new TaskSummary(t.runId(), t.partition(), sources, t.counters(), t.projectionKeys(), t.checksum(), t.invariantFailures(),
                t.invariantSamples(), t.reference(), t.expectedFromSources(), t.receivedFromSources());
    }

    static List<TaskSummary> withSource(String id, Map<String, Long> changes) {
        return clean().stream().map(t -> withSource(t, id, changes)).toList();
    }

    static Contract inventory(String from, String to) {
        String yaml = readContract("inventory.yaml");
        assertThat(yaml).as("the sample contract holds " + from).contains(from);
        return ContractLoader.parse(yaml.replace(from, to).getBytes(StandardCharsets.UTF_8), Path.of("..", "config").toAbsolutePath(), null);
    }

    static final Map<String, Broken> BROKEN = new LinkedHashMap<>();
    static final String GUARANTEE_LINE = readContract("inventory.yaml").lines().filter(l -> l.contains("guarantee:")).findFirst()
            .orElseThrow(() -> new AssertionError("config/inventory.yaml names its processing guarantee"));

    static {
        Map<String, Long> notEnded = new HashMap<>(source(50, 0, 0));
        notEnded.remove("ended");
        BROKEN.put("every_partition_replayed_to_its_end", new Broken(INVENTORY, clean().stream().map(t -> {
            Map<String, Map<String, Long>> sources = new HashMap<>(t.sources());
            sources.put("inventory-events:1", notEnded);
            return new TaskSummary(t.runId(), t.partition(), sources, t.counters(), t.projectionKeys(), t.checksum(), t.invariantFailures(),
                    t.invariantSamples(), null);
        }).toList()));
        BROKEN.put("every_partition_read_from_its_first_to_its_last_record", new Broken(INVENTORY,
                withSource("inventory-events:0", Map.of("first_offset", 10L))));
        // Regression: a run killed at offset 186, its group offset moved to the partition's last record, then 'run --plan':
        // first and last record read as planned, 187 of 1,002 records read, trusted.
        BROKEN.put("every_offset_read_or_proven_empty", new Broken(INVENTORY, withSource("inventory-events:0",
                Map.of("offsets_unproven", 814L, "gap|187|1000|holds a record at offset 187 that the run did not read", 1L))));
        TaskSummary t = task(0, 50, 2, 7, Map.of());
        BROKEN.put("every_event_reached_its_apply_task", new Broken(INVENTORY, List.of(new TaskSummary("run-1", 0, t.sources(), t.counters(),
                10, 7, Map.of(), Map.of(), null, Map.of("inventory-events:1", 22L), Map.of("inventory-events:1", 21L)), task(1, 52, 3, 9, Map.of()))));
        // Regression: the same event id with quantity 50 and then 5,000 was counted a duplicate, the winner by arrival order: trusted.
        BROKEN.put("event_ids_name_one_event", new Broken(INVENTORY, List.of(task(0, 50, 2, 7, Map.of()), new TaskSummary("run-1", 1,
                task(1, 0, 0, 0, Map.of()).sources(), Map.of("processed", 51L, "duplicates", 3L, "id_conflicts", 1L,
                "id_conflict|inventory-events-1@3|inventory-events-0@9|5|ev-42|SKU-7", 1L), 10, 9, Map.of(), Map.of(), null))));
        // Regression: an id applied under two keys of different apply tasks met neither task's dedup set, and nothing else: trusted.
        BROKEN.put("event_ids_checked_across_apply_tasks", new Broken(INVENTORY, clean(), List.of(
                new IdCheckSummary("run-1", 0, Map.of("0", 50L, "1", 52L), Map.of("0", 50L, "1", 51L), 0, List.of()),
                new IdCheckSummary("run-1", 1, Map.of("0", 0L, "1", 0L), Map.of("0", 0L, "1", 0L), 0, List.of()))));
        BROKEN.put("every_record_accounted_for", new Broken(INVENTORY, List.of(task(0, 50, 2, 7, Map.of()), task(1, 51, 3, 9, Map.of()))));
        BROKEN.put("invariants", new Broken(INVENTORY, List.of(task(0, 50, 2, 7, Map.of("stock_covers_reservations", 1L)),
                task(1, 52, 3, 9, Map.of("stock_covers_reservations", 0L)))));
        BROKEN.put("totals", new Broken(inventory("projection_keys <= events_processed", "projection_keys > events_processed"), clean()));
        TaskSummary.ReferenceComparison diff = new TaskSummary.ReferenceComparison(9, 1, 0, 0, List.of());
        List<TaskSummary> differing = List.of(
                new TaskSummary("run-1", 0, t.sources(), Map.of("processed", 50L, "duplicates", 2L), 10, 7, Map.of(), Map.of(), diff),
                new TaskSummary("run-1", 1, t.sources(), Map.of("processed", 52L, "duplicates", 3L), 10, 9, Map.of(), Map.of(),
                        new TaskSummary.ReferenceComparison(10, 0, 0, 0, List.of())));
        BROKEN.put("matches_reference_projection", new Broken(INVENTORY.withReconciliation(new Contract.Reconciliation("expected", true)), differing));
        BROKEN.put("live_differences_within_contract", new Broken(inventory("max_live_diff_ratio: 1.0", "max_live_diff_ratio: 0.02")
                .withReconciliation(new Contract.Reconciliation("live", false)), differing));
        Map<String, Map<String, Long>> filteredAway = Map.of("inventory-events:0", source(60, 59, 1), "inventory-events:1", source(50, 50, 0));
        BROKEN.put("rebuild_is_not_empty", new Broken(INVENTORY, List.of(new TaskSummary("run-1", 0, filteredAway, Map.of(), 0, 0, Map.of(), Map.of(), null),
                new TaskSummary("run-1", 1, filteredAway, Map.of(), 0, 0, Map.of(), Map.of(), null))));
        Map<String, Map<String, Long>> mostlyDead = Map.of("inventory-events:0", source(60, 0, 40), "inventory-events:1", source(50, 0, 30));
        BROKEN.put("dead_letters_below_hard_limit", new Broken(INVENTORY, List.of(
                new TaskSummary("run-1", 0, mostlyDead, Map.of("processed", 20L), 10, 7, Map.of(), Map.of(), null),
                new TaskSummary("run-1", 1, mostlyDead, Map.of("processed", 20L), 10, 9, Map.of(), Map.of(), null))));
        BROKEN.put("dead_letters_within_contract", new Broken(inventory("max_dead_letter_ratio: 0.01", "max_dead_letter_ratio: 0.001"), clean()));
        // The invoice contract allows fewer dead letters than the clean run has: its runs have none.
        Map<String, Map<String, Long>> noDead = Map.of("inventory-events:0", source(60, 2, 0), "inventory-events:1", source(50, 0, 0));
        Map<String, Map<String, Long>> misplaced = new HashMap<>(noDead);
        Map<String, Long> withMisplaced = new HashMap<>(noDead.get("inventory-events:0"));
        withMisplaced.putAll(Map.of("misplaced", 3L, "misplaced_sample|T-7|invoice-events-0@12|1", 1L));
        misplaced.put("inventory-events:0", withMisplaced);
        // Regression: a projection that threw on valid events lost up to 1% of them silently (dead letters under the ratio were a fact).
        BROKEN.put("no_unexpected_errors", new Broken(INVENTORY, withSource("inventory-events:0", Map.of("dlq:unexpected-error", 1L))));
        // Regression: at_least_once applied the events of an aborted transaction, and could apply one twice after a crash: trusted.
        BROKEN.put("guarantee_proves_each_event_applied_once", new Broken(inventory(GUARANTEE_LINE, GUARANTEE_LINE.replace("exactly_once_v2",
                "at_least_once")), clean()));
        BROKEN.put("history_keyed_by_ordering_key", new Broken(INVOICE, List.of(
                new TaskSummary("run-1", 0, misplaced, Map.of("processed", 50L, "duplicates", 2L), 10, 7, Map.of(), Map.of(), null),
                new TaskSummary("run-1", 1, misplaced, Map.of("processed", 53L, "duplicates", 3L), 10, 9, Map.of(), Map.of(), null))));
        BROKEN.put("no_abort_threshold_crossed", new Broken(INVENTORY, withSource("inventory-events:1",
                Map.of("threshold|abort|threshold poison-flood: dead-letter ratio 6.000% over the last 200 records", 1L))));
        BROKEN.put("ordering_violations_within_contract", new Broken(INVOICE, List.of(
                new TaskSummary("run-1", 0, noDead, Map.of("processed", 50L, "duplicates", 2L, "ordering_violations", 1L), 10, 7, Map.of(), Map.of(), null),
                new TaskSummary("run-1", 1, noDead, Map.of("processed", 53L, "duplicates", 3L), 10, 9, Map.of(), Map.of(), null))));
    }

    static Stream<VerdictRule> rules() {
        return VerdictRules.ALL.stream();
    }

    @Test
    void everyRuleHasARunThatBreaksIt() {
        assertThat(BROKEN.keySet()).as("a broken run for every rule, and only for rules that exist")
                .containsExactlyElementsOf(VerdictRules.ALL.stream().map(VerdictRule::name).toList());
    }

    @Test
    void aCleanRunHoldsEveryRuleThatAppliesAndIsTrusted() {
        Findings f = VerdictRules.judge(new RunTotals(INVENTORY, PLAN, clean(), idChecks(clean()), 0));
        assertThat(f.status()).as(f.reasons().toString()).isEqualTo(ConfidenceStatus.trusted);
        assertThat(f.outcomes().values()).as("no rule broken by a clean run: " + f.outcomes()).containsOnly(ConfidenceStatus.trusted);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("rules")
    void aRunThatBreaksOnlyThisRuleGetsItsOutcome(VerdictRule rule) {
        Broken broken = BROKEN.get(rule.name());
        Findings f = VerdictRules.judge(new RunTotals(broken.contract(), PLAN, broken.summaries(), broken.idChecks(), 0));

        assertThat(f.outcomes()).as("the rule's own outcome for a run that breaks it").containsEntry(rule.name(), rule.whenBroken());
        Map<String, ConfidenceStatus> others = new HashMap<>(f.outcomes());
        others.remove(rule.name());
        assertThat(others.values()).as("the run breaks no other rule (" + f.reasons() + ")").containsOnly(ConfidenceStatus.trusted);
        assertThat(f.status()).isEqualTo(rule.whenBroken());
        RecoveryEvidence e = EvidenceBuilder.build(broken.contract(), PLAN, broken.summaries(), broken.idChecks(), 0, 11_000);
        assertThat(e.getConfidenceStatus()).as("the evidence's verdict").isEqualTo(rule.whenBroken());
        assertThat(e.getConfidenceReasons()).as("a reason for the verdict comes first").isNotEmpty();
    }

    @Test
    void theContractMayMakeAnIdConflictDegradedButNeverTrusted() {
        Broken broken = BROKEN.get("event_ids_name_one_event");
        Contract degradedOnConflict = ContractLoader.parse((readContract("inventory.yaml") + "\n").replace("idempotency:\n",
                "idempotency:\n  on_conflict: degraded\n").getBytes(StandardCharsets.UTF_8), Path.of("..", "config").toAbsolutePath(), null);
        Findings f = VerdictRules.judge(new RunTotals(degradedOnConflict, PLAN, broken.summaries(), broken.idChecks(), 0));

        assertThat(f.outcomes()).containsEntry("event_ids_name_one_event", ConfidenceStatus.degraded);
        assertThat(f.reasons().get(0)).contains("event id ev-42 applied from inventory-events-1@3 and met again from inventory-events-0@9 (key SKU-7)");
    }

    @Test
    void anUnprovenGapNamesThePartitionAndTheOffsets() {
        Broken broken = BROKEN.get("every_offset_read_or_proven_empty");
        RecoveryEvidence e = EvidenceBuilder.build(broken.contract(), PLAN, broken.summaries(), broken.idChecks(), 0, 11_000);

        assertThat(e.getConfidenceReasons().get(0)).contains("inventory-events:0 offsets 187 to 1000 holds a record at offset 187 that the run did not read");
        assertThat(e.getRanges().get(0).getOffsetsUnproven()).isEqualTo(814L);
    }

    @Test
    void offsetsProvenEmptyAreAFactAndKeepTheRunTrusted() {
        List<TaskSummary> provenEmpty = withSource("inventory-events:1", Map.of("offsets_proven_empty", 4L));
        RecoveryEvidence e = EvidenceBuilder.build(INVENTORY, PLAN, provenEmpty, idChecks(provenEmpty), 0, 11_000);

        assertThat(e.getConfidenceStatus()).isEqualTo(ConfidenceStatus.trusted);
        assertThat(e.getRanges().get(1).getOffsetsProvenEmpty()).isEqualTo(4L);
        assertThat(e.getConfidenceReasons()).anyMatch(r -> r.startsWith("4 offsets skipped over were proven to hold no committed record"));
    }
}
