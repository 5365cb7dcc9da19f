package dev.reprise.evidence;

import dev.reprise.contract.Contract;
import dev.reprise.counts.Count;
import dev.reprise.counts.CountFamily;
import dev.reprise.counts.Total;
import dev.reprise.reconcile.CelChecks;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

import static dev.reprise.evidence.avro.ConfidenceStatus.degraded;
import static dev.reprise.evidence.avro.ConfidenceStatus.untrusted;

/**
 * Every rule of the verdict, in the order the evidence lists their checks and reasons. A run is {@code trusted}
 * only when every rule that applies to it held; each rule has a test that breaks it ({@code VerdictRulesTest}).
 */
public final class VerdictRules {
    private VerdictRules() {
    }

    public static final VerdictRule REPLAYED_TO_THE_END = new VerdictRule("every_partition_replayed_to_its_end", untrusted,
            "every source partition of the plan reached its planned end", "the end marker of every planned partition", f -> {
        RunTotals run = f.run();
        int planned = run.plan.ranges().size();
        long ended = run.plan.ranges().stream().filter(r -> Count.ENDED.in(run.sources.getOrDefault(r.id(), Map.of())) > 0).count();
        f.check(ended == planned, planned - ended, ended + " of " + planned + " source partitions reached their planned end");
        if (ended == planned) {
            f.fact("all " + planned + " source partitions were replayed to their planned end");
        } else {
            f.notProven("only " + ended + " of " + planned + " source partitions reached their planned end");
        }
    });

    public static final VerdictRule READ_FIRST_TO_LAST = new VerdictRule("every_partition_read_from_its_first_to_its_last_record", untrusted,
            "every partition was read from the first to the last record the plan found in its range (read_committed)",
            "ranges[].first_offset_read, last_offset_read against first_data_offset, last_data_offset", f -> {
        List<String> gaps = f.run().coverageGaps;
        f.check(gaps.isEmpty(), gaps.size(), gaps.isEmpty() ? "every source partition was read from the first to the last record of its planned range"
                : String.join("; ", gaps));
        if (gaps.isEmpty()) {
            f.held();
        } else {
            f.notProven("the run did not read its whole range: " + String.join("; ", gaps));
        }
    });

    public static final VerdictRule NO_OFFSET_SKIPPED = new VerdictRule("every_offset_read_or_proven_empty", untrusted,
            "every offset between a partition's first and last record was read by this run, or proven by a read_committed read to hold "
                    + "no record (a transaction marker, an aborted or a compacted record)",
            "ranges[].offsets_proven_empty, offsets_unproven and the unproven gaps", f -> {
        RunTotals run = f.run();
        String detail = run.offsetsProvenEmpty + " offsets skipped over were proven to hold no committed record"
                + (run.offsetsUnproven == 0 ? "" : "; " + run.offsetsUnproven + " offsets were neither read nor proven empty: "
                + String.join("; ", run.unprovenGaps));
        f.check(run.offsetsUnproven == 0, run.offsetsUnproven, detail);
        if (run.offsetsUnproven > 0) {
            f.notProven("records inside the planned range were not read: " + String.join("; ", run.unprovenGaps)
                    + " (offsets moved forward, records deleted by retention or delete-records, or read by another run's instance); "
                    + "start a new run (reprise replay, or reprise reset --execute and reprise run)");
        } else if (run.offsetsProvenEmpty > 0) {
            f.fact(detail + " (transaction markers, aborted or compacted records)");
        } else {
            f.held();
        }
    });

    public static final VerdictRule REACHED_APPLY = new VerdictRule("every_event_reached_its_apply_task", untrusted,
            "behind a repartition, every apply task received exactly the events each source partition says it sent it",
            "each task summary's expected and received counts per source partition", f -> {
        List<String> transit = new ArrayList<>();
        boolean repartitioned = false;
        for (TaskSummary s : f.run().summaries) {
            for (Map.Entry<String, Long> e : s.expectedFromSources().entrySet()) {
                repartitioned = true;
                long got = s.receivedFromSources().getOrDefault(e.getKey(), 0L);
                if (got != e.getValue()) {
                    transit.add("apply task " + s.partition() + " received " + got + " of the " + e.getValue() + " events source partition "
                            + e.getKey() + " sent it");
                }
            }
        }
        if (!repartitioned) {
            return;
        }
        f.check(transit.isEmpty(), transit.size(), transit.isEmpty() ? "every apply task received exactly the events each source partition sent it"
                : String.join("; ", transit));
        if (transit.isEmpty()) {
            f.fact("every event sent through the repartition topic reached its apply task");
        } else {
            f.notProven("events were lost or added between the stages: " + String.join("; ", transit));
        }
    });

    public static final VerdictRule ONE_EVENT_PER_ID = new VerdictRule(IdConflicts.NAME_ONE_EVENT, untrusted,
            "no event id named two events (other content or another ordering key), within an apply task or across apply tasks; "
                    + "idempotency.on_conflict may make a conflict degraded, or (within a task) accept the first event",
            "id_conflicts, id_conflicts_across_tasks, id_conflict_samples, idempotency.on_conflict", f -> f.run().idConflicts.judge(f));

    public static final VerdictRule IDS_CHECKED_ACROSS_TASKS = new VerdictRule(IdConflicts.NAME_ACROSS_TASKS, untrusted,
            "with more than one apply task, every applied event id reached the id check of its id, which received exactly the ids "
                    + "each apply task says it sent it (so an id reused under ordering keys of different apply tasks is seen)",
            "each id check summary's expected and received ids per apply task", f -> f.run().idConflicts.judgeChecked(f));

    public static final VerdictRule ACCOUNTED = new VerdictRule("every_record_accounted_for", untrusted,
            "every record read is processed, a duplicate, an id conflict, filtered or dead-lettered, exactly once",
            "events_read, events_processed, duplicates_skipped, id_conflicts, filtered, dead_lettered", f -> {
        RunTotals run = f.run();
        long conflicts = run.idConflicts.count();
        long accounted = run.processed + run.duplicates + conflicts + run.filtered + run.dead;
        boolean balanced = accounted == run.read;
        String accounting = run.read + " read = " + run.processed + " processed + " + run.duplicates + " duplicates skipped + "
                + conflicts + " id conflicts + " + run.filtered + " filtered + " + run.dead + " dead-lettered";
        String detail = balanced ? accounting : accounting.replace(" = ", " != ") + " (= " + accounted + ")";
        f.check(balanced, Math.abs(run.read - accounted), detail);
        if (balanced) {
            f.fact("accounting: " + detail);
        } else {
            f.notProven("records lost or counted twice: " + detail);
        }
    });

    public static final VerdictRule INVARIANTS = new VerdictRule("invariants", untrusted,
            "every invariant of the projection (reconciliation.invariants) holds on every rebuilt key",
            "the failures and a failing key of each invariant, from every apply task", f -> {
        RunTotals run = f.run();
        long total = 0;
        for (Map.Entry<String, Long> e : run.invariantFailures.entrySet()) {
            boolean ok = e.getValue() == 0;
            total += e.getValue();
            String detail = ok ? "held on all " + run.keys + " keys"
                    : "failed on " + e.getValue() + " of " + run.keys + " keys, e.g. " + run.invariantSamples.get(e.getKey());
            f.check(e.getKey(), ok, e.getValue(), detail);
            if (!ok) {
                f.notProven("invariant " + e.getKey() + " " + detail);
            }
        }
        if (total == 0 && !run.invariantFailures.isEmpty()) {
            f.fact(run.invariantFailures.size() + " invariants held on all " + run.keys + " keys");
        }
    });

    public static final VerdictRule TOTALS = new VerdictRule("totals", untrusted,
            "every check over the run's totals (reconciliation.totals) holds", "the totals of reprise reference contract's reconciliation.totals", f -> {
        RunTotals run = f.run();
        Contract contract = run.contract;
        Map<String, Object> totals = new HashMap<>();
        totals.put(Total.EVENTS_READ.variable(), run.read);
        totals.put(Total.EVENTS_PROCESSED.variable(), run.processed);
        totals.put(Total.DUPLICATES_SKIPPED.variable(), run.duplicates);
        totals.put(Total.FILTERED.variable(), run.filtered);
        totals.put(Total.DEAD_LETTERED.variable(), run.dead);
        totals.put(Total.PROJECTION_KEYS.variable(), run.keys);
        totals.put(Total.OUT_OF_RANGE.variable(), run.outOfRange);
        for (Map.Entry<String, Predicate<Map<String, Object>>> check : CelChecks.totals(contract).entrySet()) {
            boolean ok = check.getValue().test(totals);
            String expression = contract.reconciliation().totals().stream().filter(c -> c.name().equals(check.getKey()))
                    .findFirst().map(Contract.Check::expression).orElse("");
            f.check(check.getKey(), ok, ok ? 0L : 1L, (ok ? "holds: " : "does not hold: ") + expression);
            if (!ok) {
                f.notProven("total check " + check.getKey() + " does not hold: " + expression);
            }
        }
    });

    public static final VerdictRule MATCHES_REFERENCE = new VerdictRule("matches_reference_projection", untrusted,
            "with a reference that must match (reconciliation.reference_must_match), the rebuild equals it key by key",
            "projections_unchanged, changed, missing, extra", f -> {
        RunTotals run = f.run();
        if (!run.hasReference || !run.contract.reconciliation().referenceMustMatch()) {
            return;
        }
        long differences = run.changed + run.missing + run.extra;
        String detail = referenceDetail(run);
        f.check(differences == 0, differences, detail);
        if (differences == 0) {
            f.fact("the rebuild matches the reference projection: " + detail);
        } else {
            f.notProven("the rebuild differs from the reference projection: " + detail);
        }
    });

    public static final VerdictRule LIVE_DIFFERENCES = new VerdictRule("live_differences_within_contract", degraded,
            "compared with the live projection, at most evidence.max_live_diff_ratio of the rebuilt keys differ",
            "projections_changed, missing, extra, projection_keys", f -> {
        RunTotals run = f.run();
        if (!run.hasReference || run.contract.reconciliation().referenceMustMatch()) {
            return;
        }
        long differences = run.changed + run.missing + run.extra;
        double ratio = run.keys == 0 ? 0 : (double) differences / run.keys;
        String reason = "compared with the live projection: " + referenceDetail(run) + String.format(
                " (%.3f%% of the rebuilt keys differ; the contract allows %.3f%%)", ratio * 100, run.contract.evidence().maxLiveDiffRatio() * 100);
        if (ratio > run.contract.evidence().maxLiveDiffRatio()) {
            f.notProven(reason);
        } else {
            f.fact(reason);
        }
    });

    public static final VerdictRule NOT_EMPTY = new VerdictRule("rebuild_is_not_empty", untrusted,
            "the rebuild holds at least evidence.min_events_processed events and min_projection_keys keys", "events_processed, projection_keys", f -> {
        RunTotals run = f.run();
        Contract.EvidenceSpec limits = run.contract.evidence();
        boolean enough = run.processed >= limits.minEventsProcessed() && run.keys >= limits.minProjectionKeys();
        String size = run.processed + " events processed into " + run.keys + " projection keys (the contract requires at least "
                + limits.minEventsProcessed() + " and " + limits.minProjectionKeys() + ")";
        f.check(enough, enough ? 0 : 1, size);
        if (enough) {
            f.held();
        } else {
            f.notProven("the rebuild is empty or too small to prove anything: " + size
                    + "; check scope.from, scope.to and the scope's filters, or lower evidence.min_events_processed / min_projection_keys");
        }
    });

    public static final VerdictRule DEAD_LETTERS_HARD = new VerdictRule("dead_letters_below_hard_limit", untrusted,
            "at most evidence.untrusted_dead_letter_ratio of the records read were dead-lettered", "dead_lettered, events_read", f -> {
        RunTotals run = f.run();
        if (deadRatio(run) > run.contract.evidence().untrustedDeadLetterRatio()) {
            f.check(false, run.dead, deadFact(run));
            f.notProven(deadFact(run) + "; a rebuild made of a fraction of its history proves nothing: look at dead_letter_reasons "
                    + "(a key_field or event_id_field the events do not carry?)");
        } else {
            f.held();
        }
    });

    public static final VerdictRule DEAD_LETTERS = new VerdictRule("dead_letters_within_contract", degraded,
            "at most evidence.max_dead_letter_ratio of the records read were dead-lettered", "dead_lettered, events_read", f -> {
        RunTotals run = f.run();
        double ratio = deadRatio(run);
        if (ratio > run.contract.evidence().untrustedDeadLetterRatio()) {
            return;
        }
        if (ratio > run.contract.evidence().maxDeadLetterRatio()) {
            f.notProven(deadFact(run));
        } else {
            f.fact(deadFact(run));
        }
    });

    public static final VerdictRule NO_UNEXPECTED_ERRORS = new VerdictRule("no_unexpected_errors", degraded,
            "no projection, upcaster or invariant threw on an event (unexpected-error): such an event may have been valid and be "
                    + "missing from the projection; above evidence.untrusted_dead_letter_ratio the run is untrusted",
            "dead_letter_reasons[unexpected-error], events_read", f -> {
        RunTotals run = f.run();
        long unexpected = run.deadReasons.getOrDefault(dev.reprise.codec.PoisonRecordException.UNEXPECTED_ERROR, 0L);
        double ratio = run.read == 0 ? 0 : (double) unexpected / run.read;
        String detail = unexpected == 0 ? "no projection, upcaster or invariant threw on an event" : String.format(
                "%d events dead-lettered because a projection, upcaster or invariant threw on them (unexpected-error, %.3f%% of %d read; "
                        + "above %.3f%% the run is untrusted): they may be valid events missing from the projection; each dead letter carries "
                        + "the event's topic, partition, offset and the exception: fix the code and run again",
                unexpected, ratio * 100, run.read, run.contract.evidence().untrustedDeadLetterRatio() * 100);
        f.check(unexpected == 0, unexpected, detail);
        if (unexpected == 0) {
            f.held();
        } else {
            f.notProven(detail, ratio > run.contract.evidence().untrustedDeadLetterRatio() ? untrusted : degraded);
        }
    });

    /*
     * Under at_least_once a crash or a lost task replays the records since the last commit, and the writes of one commit to
     * the projection, dedup and counter stores' changelogs and to the repartition topic are not atomic: the dedup set may lack
     * an event id whose state change survived, so a replayed event can be applied twice (or counted twice), undetected.
     */
    public static final VerdictRule GUARANTEE = new VerdictRule("guarantee_proves_each_event_applied_once", degraded,
            "the run's processing guarantee (exactly_once_v2) commits every state change with the offsets, so each event was applied once",
            "processing.guarantee", f -> {
        String guarantee = f.run().contract.processing().guarantee();
        if ("exactly_once_v2".equals(guarantee)) {
            f.held();
        } else {
            f.notProven("processing.guarantee is " + guarantee + ": after a crash or a rebalance the records "
                    + "since the last commit are processed again, and the projection, dedup set and counters are not committed with the "
                    + "offsets, so this run cannot prove that each event was applied exactly once; use processing.guarantee: "
                    + "exactly_once_v2 for a run that can be trusted");
        }
    });

    public static final VerdictRule KEYED_HISTORY = new VerdictRule("history_keyed_by_ordering_key", untrusted,
            "for a history declared keyed by the ordering key (no repartition), every event was read from its key's partition",
            "misplaced_events, misplaced_samples", f -> {
        RunTotals run = f.run();
        if (!run.contract.history().keyedByOrderingKey()) {
            return;
        }
        f.check(run.misplaced == 0, run.misplaced, run.misplaced == 0 ? "every event was read from the partition of its ordering key"
                : run.misplaced + " events were read from another partition than their ordering key's, e.g. " + run.misplacedSamples);
        if (run.misplaced == 0) {
            f.held();
        } else {
            f.notProven(run.misplaced + " misplaced events: read from another partition than the one the default partitioner gives their "
                    + "ordering key, although the contract says history.keyed_by_ordering_key: true; a key's events may have been split "
                    + "over tasks and applied out of order or twice; e.g. " + run.misplacedSamples
                    + ". Set keyed_by_ordering_key: false to repartition by the ordering key");
        }
    });

    public static final VerdictRule NO_ABORT_THRESHOLD = new VerdictRule("no_abort_threshold_crossed", untrusted,
            "no abort threshold of reconciliation.thresholds was crossed while the run went", "the thresholds each stage recorded", f -> {
        for (CountFamily.Crossed c : f.run().crossed) {
            if (c.aborts()) {
                f.notProven(c.reason() + " (an abort threshold: the run is not trusted even if it finished before the abort took effect)");
            } else {
                f.fact(c.reason() + " (a pause threshold: the run was paused and resumed)");
            }
        }
        f.held();
    });

    public static final VerdictRule ORDERING = new VerdictRule("ordering_violations_within_contract", degraded,
            "with a sequence field, at most evidence.max_ordering_violations events came with a sequence not above their key's last",
            "ordering_violations", f -> {
        RunTotals run = f.run();
        if (run.violations == null) {
            return;
        }
        String v = run.violations + " ordering violations on " + run.contract.ordering().sequenceField() + " (the contract allows "
                + run.contract.evidence().maxOrderingViolations() + ")";
        if (run.violations > run.contract.evidence().maxOrderingViolations()) {
            f.notProven(v);
        } else {
            f.fact(v);
        }
    });

    /** Every rule, in order. */
    public static final List<VerdictRule> ALL = List.of(REPLAYED_TO_THE_END, READ_FIRST_TO_LAST, NO_OFFSET_SKIPPED, REACHED_APPLY, ONE_EVENT_PER_ID, IDS_CHECKED_ACROSS_TASKS, ACCOUNTED,
            INVARIANTS, TOTALS, MATCHES_REFERENCE, LIVE_DIFFERENCES, NOT_EMPTY, DEAD_LETTERS_HARD, DEAD_LETTERS, NO_UNEXPECTED_ERRORS, GUARANTEE, KEYED_HISTORY,
            NO_ABORT_THRESHOLD, ORDERING);

    /** Applies every rule to a run. */
    public static Findings judge(RunTotals run) {
        Findings findings = new Findings();
        for (VerdictRule rule : ALL) {
            findings.apply(rule, run);
        }
        return findings;
    }

    /** The rules as a Markdown table, as {@code reprise reference verdict} prints it and the README holds it. */
    public static String markdownTable() {
        StringBuilder out = new StringBuilder("| rule (check name) | when not proven | what a trusted run has proven | reads |\n|---|---|---|---|\n");
        for (VerdictRule r : ALL) {
            out.append("| `").append(r.name()).append("` | ").append(r.whenBroken()).append(" | ").append(r.claim().replace("|", "\\|"))
                    .append(" | ").append(r.reads().replace("|", "\\|")).append(" |\n");
        }
        return out.toString();
    }

    private static String referenceDetail(RunTotals run) {
        return run.unchanged + " unchanged, " + run.changed + " changed, " + run.missing + " missing, " + run.extra + " extra compared with "
                + run.contract.reconciliation().referenceTopic();
    }

    private static double deadRatio(RunTotals run) {
        return run.read == 0 ? 0 : (double) run.dead / run.read;
    }

    private static String deadFact(RunTotals run) {
        Contract.EvidenceSpec limits = run.contract.evidence();
        return String.format("%d records dead-lettered (%.3f%% of %d read; the contract allows %.3f%%, and above %.3f%% the run is untrusted)",
                run.dead, deadRatio(run) * 100, run.read, limits.maxDeadLetterRatio() * 100, limits.untrustedDeadLetterRatio() * 100);
    }
}
