package dev.reprise.evidence;

import dev.reprise.contract.Contract;
import dev.reprise.counts.Count;
import dev.reprise.counts.CountFamily;
import dev.reprise.counts.Total;
import dev.reprise.evidence.avro.CheckResult;
import dev.reprise.evidence.avro.ConfidenceStatus;
import dev.reprise.evidence.avro.DifferenceSample;
import dev.reprise.evidence.avro.EvidenceKind;
import dev.reprise.evidence.avro.PartitionRange;
import dev.reprise.evidence.avro.RecoveryEvidence;
import dev.reprise.evidence.avro.UpcastCount;
import dev.reprise.plan.RunPlan;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Merges the summaries of all apply tasks into the run's {@link RecoveryEvidence} and decides the
 * verdict. Pure: the same summaries always give the same evidence, apart from the end time.
 *
 * <p>The verdict: {@code untrusted} when a check that proves the rebuild fails (accounting,
 * invariants, a ground-truth reference) or dead letters exceed {@code evidence.untrusted_dead_letter_ratio};
 * {@code degraded} when the rebuild is sound but not proven complete and exact: dead letters above
 * {@code evidence.max_dead_letter_ratio}, any {@code unexpected-error} (a projection, upcaster or invariant threw on
 * an event, which may have been valid), ordering violations or live differences above the contract's limits, a run
 * under {@code processing.guarantee: at_least_once}; {@code trusted} otherwise. Poison records (the record's own
 * fault: framing, unknown schema id, bytes, missing fields, an event the projection rejects) up to
 * {@code max_dead_letter_ratio} are a fact, not a degradation: the contract accepts them and every run of the same
 * history dead-letters the same ones. Every fact that led to the verdict is written into {@code confidence_reasons}.
 */
public final class EvidenceBuilder {
    private EvidenceBuilder() {
    }

    /**
     * A PROGRESS record from the apply tasks' running counters: what has reached the apply stage so
     * far. Source-side counts (filtered, dead-lettered before the repartition) arrive with the final
     * record only, so {@code events_read} here counts the events the apply stage has seen.
     */
    public static RecoveryEvidence progress(Contract contract, RunPlan plan, Collection<Map<String, Long>> counters, long nowMillis) {
        long processed = 0;
        long duplicates = 0;
        long dead = 0;
        for (Map<String, Long> c : counters) {
            processed += Count.PROCESSED.in(c);
            duplicates += Count.DUPLICATES.in(c);
            dead += Count.DEAD_LETTERED.in(c);
        }
        List<PartitionRange> ranges = new ArrayList<>();
        for (RunPlan.PartitionRange r : plan.ranges()) {
            ranges.add(PartitionRange.newBuilder().setTopic(r.topic()).setPartition(r.partition()).setStartOffset(r.start())
                    .setEndOffset(r.end()).setEventsRead(0L).setFirstDataOffset(r.hasData() ? r.firstDataOffset() : null)
                    .setLastDataOffset(r.hasData() ? r.lastDataOffset() : null).build());
        }
        long read = processed + duplicates + dead;
        double seconds = Math.max(0.001, (nowMillis - plan.createdAtMillis()) / 1000.0);
        return header(contract, plan, EvidenceKind.PROGRESS)
                .setRanges(ranges)
                .setEventsRead(read)
                .setEventsProcessed(processed)
                .setDuplicatesSkipped(duplicates)
                .setFiltered(0)
                .setOutOfRange(0)
                .setDeadLettered(dead)
                .setDeadLetterReasons(Map.of())
                .setUpcasts(List.of())
                .setProjectionKeys(0)
                .setReconciliationChecks(List.of())
                .setReconciliationFailures(0)
                .setChecksum("")
                .setConfidenceStatus(null)
                .setConfidenceReasons(List.of("in progress: " + read + " events have reached the apply stage"))
                .setStartedAt(plan.createdAt())
                .setEndedAt(null)
                .setEventsPerSecond(read / seconds)
                .build();
    }

    /** What every evidence record of a run says about the run itself. */
    private static RecoveryEvidence.Builder header(Contract contract, RunPlan plan, EvidenceKind kind) {
        return RecoveryEvidence.newBuilder()
                .setRunId(plan.runId())
                .setKind(kind)
                .setContractName(contract.name())
                .setContractHash(contract.hash())
                .setApplicationId(contract.applicationId())
                .setProjection(contract.projection().name())
                .setProjectionTopic(contract.projection().topic());
    }

    public static RecoveryEvidence build(Contract contract, RunPlan plan, Collection<TaskSummary> summaries, long endedAtMillis) {
        return build(contract, plan, summaries, 0, endedAtMillis);
    }

    /**
     * @param staleSummaries records the evidence stage ignored: summaries of other runs, or not summaries at all
     */
    public static RecoveryEvidence build(Contract contract, RunPlan plan, Collection<TaskSummary> summaries, long staleSummaries,
                                         long endedAtMillis) {
        RunTotals run = new RunTotals(contract, plan, summaries, staleSummaries);
        Map<String, Map<String, Long>> sources = run.sources;
        Map<String, Long> invariantFailures = run.invariantFailures;
        Map<String, String> invariantSamples = run.invariantSamples;
        long keys = run.keys;
        long checksum = run.checksum;
        boolean hasReference = run.hasReference;
        long unchanged = run.unchanged;
        long changed = run.changed;
        long missing = run.missing;
        long extra = run.extra;
        List<DifferenceSample> samples = run.samples;
        long read = run.read;
        long filtered = run.filtered;
        long outOfRange = run.outOfRange;
        long startedAt = run.startedAt;
        Map<String, Long> deadReasons = run.deadReasons;
        Map<String, Long> upcasts = run.upcasts;
        List<PartitionRange> ranges = run.ranges;
        long redelivered = run.redelivered;
        long misplaced = run.misplaced;
        List<String> misplacedSamples = run.misplacedSamples;
        List<String> coverageGaps = run.coverageGaps;
        long stale = run.stale;
        java.util.Set<CountFamily.Crossed> crossed = run.crossed;
        long processed = run.processed;
        long duplicates = run.duplicates;
        long dead = run.dead;
        Long violations = run.violations;

        List<CheckResult> checks = new ArrayList<>();
        List<String> untrusted = new ArrayList<>();
        List<String> degraded = new ArrayList<>();
        List<String> facts = new ArrayList<>();

        long endedPartitions = plan.ranges().stream().filter(r -> Count.ENDED.in(sources.getOrDefault(r.id(), Map.of())) > 0).count();
        boolean complete = endedPartitions == plan.ranges().size();
        checks.add(new CheckResult("every_partition_replayed_to_its_end", complete, plan.ranges().size() - endedPartitions,
                endedPartitions + " of " + plan.ranges().size() + " source partitions reached their planned end"));
        if (!complete) {
            untrusted.add("only " + endedPartitions + " of " + plan.ranges().size() + " source partitions reached their planned end");
        } else {
            facts.add("all " + plan.ranges().size() + " source partitions were replayed to their planned end");
        }

        checks.add(new CheckResult("every_partition_read_from_its_first_to_its_last_record", coverageGaps.isEmpty(), (long) coverageGaps.size(),
                coverageGaps.isEmpty() ? "every source partition was read from the first to the last record of its planned range"
                        : String.join("; ", coverageGaps)));
        if (!coverageGaps.isEmpty()) {
            untrusted.add("the run did not read its whole range: " + String.join("; ", coverageGaps));
        }

        List<String> transit = new ArrayList<>();
        boolean repartitioned = false;
        for (TaskSummary s : summaries) {
            for (Map.Entry<String, Long> e : s.expectedFromSources().entrySet()) {
                repartitioned = true;
                long got = s.receivedFromSources().getOrDefault(e.getKey(), 0L);
                if (got != e.getValue()) {
                    transit.add("apply task " + s.partition() + " received " + got + " of the " + e.getValue() + " events source partition "
                            + e.getKey() + " sent it");
                }
            }
        }
        if (repartitioned) {
            checks.add(new CheckResult("every_event_reached_its_apply_task", transit.isEmpty(), (long) transit.size(),
                    transit.isEmpty() ? "every apply task received exactly the events each source partition sent it" : String.join("; ", transit)));
            (transit.isEmpty() ? facts : untrusted).add(transit.isEmpty()
                    ? "every event sent through the repartition topic reached its apply task"
                    : "events were lost or added between the stages: " + String.join("; ", transit));
        }

        long accounted = processed + duplicates + filtered + dead;
        boolean balanced = accounted == read;
        String accounting = read + " read = " + processed + " processed + " + duplicates + " duplicates skipped + "
                + filtered + " filtered + " + dead + " dead-lettered";
        checks.add(new CheckResult("every_record_accounted_for", balanced, Math.abs(read - accounted),
                balanced ? accounting : accounting.replace(" = ", " != ") + " (= " + accounted + ")"));
        (balanced ? facts : untrusted).add((balanced ? "accounting: " : "records lost or counted twice: ") + checks.get(checks.size() - 1).getDetail());

        long invariantTotal = 0;
        for (Map.Entry<String, Long> e : invariantFailures.entrySet()) {
            boolean ok = e.getValue() == 0;
            invariantTotal += e.getValue();
            String detail = ok ? "held on all " + keys + " keys"
                    : "failed on " + e.getValue() + " of " + keys + " keys, e.g. " + invariantSamples.get(e.getKey());
            checks.add(new CheckResult(e.getKey(), ok, e.getValue(), detail));
            if (!ok) {
                untrusted.add("invariant " + e.getKey() + " " + detail);
            }
        }
        if (invariantTotal == 0 && !invariantFailures.isEmpty()) {
            facts.add(invariantFailures.size() + " invariants held on all " + keys + " keys");
        }

        Map<String, Object> totals = new java.util.HashMap<>();
        totals.put(Total.EVENTS_READ.variable(), read);
        totals.put(Total.EVENTS_PROCESSED.variable(), processed);
        totals.put(Total.DUPLICATES_SKIPPED.variable(), duplicates);
        totals.put(Total.FILTERED.variable(), filtered);
        totals.put(Total.DEAD_LETTERED.variable(), dead);
        totals.put(Total.PROJECTION_KEYS.variable(), keys);
        totals.put(Total.OUT_OF_RANGE.variable(), outOfRange);
        for (Map.Entry<String, java.util.function.Predicate<Map<String, Object>>> check : dev.reprise.reconcile.CelChecks.totals(contract).entrySet()) {
            boolean ok = check.getValue().test(totals);
            String expression = contract.reconciliation().totals().stream().filter(c -> c.name().equals(check.getKey()))
                    .findFirst().map(Contract.Check::expression).orElse("");
            checks.add(new CheckResult(check.getKey(), ok, ok ? 0L : 1L, (ok ? "holds: " : "does not hold: ") + expression));
            if (!ok) {
                untrusted.add("total check " + check.getKey() + " does not hold: " + expression);
            }
        }

        if (hasReference) {
            long differences = changed + missing + extra;
            String detail = unchanged + " unchanged, " + changed + " changed, " + missing + " missing, " + extra + " extra compared with "
                    + contract.reconciliation().referenceTopic();
            if (contract.reconciliation().referenceMustMatch()) {
                checks.add(new CheckResult("matches_reference_projection", differences == 0, differences, detail));
                (differences == 0 ? facts : untrusted).add((differences == 0 ? "the rebuild matches the reference projection: " : "the rebuild differs from the reference projection: ") + detail);
            } else {
                double diffRatio = keys == 0 ? 0 : (double) differences / keys;
                boolean tooMany = diffRatio > contract.evidence().maxLiveDiffRatio();
                (tooMany ? degraded : facts).add("compared with the live projection: " + detail
                        + String.format(" (%.3f%% of the rebuilt keys differ; the contract allows %.3f%%)", diffRatio * 100,
                        contract.evidence().maxLiveDiffRatio() * 100));
            }
        }

        Contract.EvidenceSpec limits = contract.evidence();
        boolean enough = processed >= limits.minEventsProcessed() && keys >= limits.minProjectionKeys();
        String size = processed + " events processed into " + keys + " projection keys (the contract requires at least "
                + limits.minEventsProcessed() + " and " + limits.minProjectionKeys() + ")";
        checks.add(new CheckResult("rebuild_is_not_empty", enough, (long) (enough ? 0 : 1), size));
        if (!enough) {
            untrusted.add("the rebuild is empty or too small to prove anything: " + size
                    + "; check scope.from, scope.to and the scope's filters, or lower evidence.min_events_processed / min_projection_keys");
        }

        double deadRatio = read == 0 ? 0 : (double) dead / read;
        String deadFact = String.format("%d records dead-lettered (%.3f%% of %d read; the contract allows %.3f%%, and above %.3f%% the run is untrusted)",
                dead, deadRatio * 100, read, limits.maxDeadLetterRatio() * 100, limits.untrustedDeadLetterRatio() * 100);
        if (deadRatio > limits.untrustedDeadLetterRatio()) {
            checks.add(new CheckResult("dead_letters_below_hard_limit", false, dead, deadFact));
            untrusted.add(deadFact + "; a rebuild made of a fraction of its history proves nothing: look at dead_letter_reasons "
                    + "(a key_field or event_id_field the events do not carry?)");
        } else {
            (deadRatio > limits.maxDeadLetterRatio() ? degraded : facts).add(deadFact);
        }

        // Rule "no_unexpected_errors": reads dead_letter_reasons["unexpected-error"] (events on which a projection, upcaster or
        // invariant threw) and the records read. Passes with none; any makes the run degraded (such an event may have been
        // valid: the projection may lack it), above evidence.untrusted_dead_letter_ratio untrusted. They also count in the
        // dead-letter ratio above, which covers every dead letter.
        long unexpected = deadReasons.getOrDefault(dev.reprise.codec.PoisonRecordException.UNEXPECTED_ERROR, 0L);
        double unexpectedRatio = read == 0 ? 0 : (double) unexpected / read;
        String unexpectedDetail = unexpected == 0 ? "no projection, upcaster or invariant threw on an event" : String.format(
                "%d events dead-lettered because a projection, upcaster or invariant threw on them (unexpected-error, %.3f%% of %d read; "
                        + "above %.3f%% the run is untrusted): they may be valid events missing from the projection; each dead letter carries "
                        + "the event's topic, partition, offset and the exception: fix the code and run again",
                unexpected, unexpectedRatio * 100, read, limits.untrustedDeadLetterRatio() * 100);
        checks.add(new CheckResult("no_unexpected_errors", unexpected == 0, unexpected, unexpectedDetail));
        if (unexpected > 0) {
            (unexpectedRatio > limits.untrustedDeadLetterRatio() ? untrusted : degraded).add(unexpectedDetail);
        }

        // Rule "guarantee_proves_each_event_applied_once": reads processing.guarantee. Degraded unless exactly_once_v2. Under
        // at_least_once a crash or a lost task replays the records since the last commit, and the writes of one commit to the
        // projection, dedup and counter stores' changelogs and to the repartition topic are not atomic: the dedup set may lack
        // an event id whose state change survived, so a replayed event can be applied twice (or counted twice), undetected.
        if (!"exactly_once_v2".equals(contract.processing().guarantee())) {
            degraded.add("processing.guarantee is " + contract.processing().guarantee() + ": after a crash or a rebalance the records "
                    + "since the last commit are processed again, and the projection, dedup set and counters are not committed with the "
                    + "offsets, so this run cannot prove that each event was applied exactly once; use processing.guarantee: "
                    + "exactly_once_v2 for a run that can be trusted");
        }

        if (contract.history().keyedByOrderingKey()) {
            checks.add(new CheckResult("history_keyed_by_ordering_key", misplaced == 0, misplaced, misplaced == 0
                    ? "every event was read from the partition of its ordering key"
                    : misplaced + " events were read from another partition than their ordering key's, e.g. " + misplacedSamples));
            if (misplaced > 0) {
                untrusted.add(misplaced + " misplaced events: read from another partition than the one the default partitioner gives their "
                        + "ordering key, although the contract says history.keyed_by_ordering_key: true; a key's events may have been split "
                        + "over tasks and applied out of order or twice; e.g. " + misplacedSamples
                        + ". Set keyed_by_ordering_key: false to repartition by the ordering key");
            }
        }
        for (CountFamily.Crossed c : crossed) {
            if (c.aborts()) {
                untrusted.add(c.reason() + " (an abort threshold: the run is not trusted even if it finished before the abort took effect)");
            } else {
                facts.add(c.reason() + " (a pause threshold: the run was paused and resumed)");
            }
        }
        if (stale > 0) {
            facts.add(stale + " records of other runs on the run's internal topics were ignored (an offset reset with other tools "
                    + "rewinds them too); none was counted or applied");
        }
        if (redelivered > 0) {
            facts.add(redelivered + " records delivered again after the group's offsets were moved back inside the run were skipped; "
                    + "none was applied twice");
        }
        if (violations != null) {
            String v = violations + " ordering violations on " + contract.ordering().sequenceField() + " (the contract allows "
                    + contract.evidence().maxOrderingViolations() + ")";
            (violations > contract.evidence().maxOrderingViolations() ? degraded : facts).add(v);
        }

        long reconciliationFailures = checks.stream().mapToLong(CheckResult::getFailures).sum();
        ConfidenceStatus status = !untrusted.isEmpty() ? ConfidenceStatus.untrusted
                : !degraded.isEmpty() ? ConfidenceStatus.degraded : ConfidenceStatus.trusted;
        List<String> reasons = new ArrayList<>(untrusted);
        reasons.addAll(degraded);
        reasons.addAll(facts);

        List<UpcastCount> upcastCounts = new ArrayList<>();
        upcasts.forEach((k, v) -> {
            CountFamily.UpcastStep step = CountFamily.UpcastStep.parse(k);
            upcastCounts.add(new UpcastCount(step.type(), step.from(), step.to(), v));
        });
        double seconds = Math.max(0.001, (endedAtMillis - startedAt) / 1000.0);
        return header(contract, plan, EvidenceKind.FINAL)
                .setRanges(ranges)
                .setEventsRead(read)
                .setEventsProcessed(processed)
                .setDuplicatesSkipped(duplicates)
                .setFiltered(filtered)
                .setOutOfRange(outOfRange)
                .setDeadLettered(dead)
                .setStaleRecords(stale)
                .setRedeliveredRecords(redelivered)
                .setMisplacedEvents(contract.history().keyedByOrderingKey() ? misplaced : null)
                .setMisplacedSamples(misplacedSamples)
                .setDeadLetterReasons(new LinkedHashMap<>(deadReasons))
                .setUpcasts(upcastCounts)
                .setOrderingViolations(violations)
                .setProjectionKeys(keys)
                .setProjectionsUnchanged(hasReference ? unchanged : null)
                .setProjectionsChanged(hasReference ? changed : null)
                .setProjectionsMissing(hasReference ? missing : null)
                .setProjectionsExtra(hasReference ? extra : null)
                .setDifferenceSamples(samples)
                .setReconciliationChecks(checks)
                .setReconciliationFailures(reconciliationFailures)
                .setChecksum(String.format("%016x", checksum))
                .setConfidenceStatus(status)
                .setConfidenceReasons(reasons)
                .setStartedAt(Instant.ofEpochMilli(startedAt))
                .setEndedAt(Instant.ofEpochMilli(endedAtMillis))
                .setEventsPerSecond(read / seconds)
                .build();
    }
}
