package dev.reprise.evidence;

import dev.reprise.contract.Contract;
import dev.reprise.counts.Count;
import dev.reprise.counts.CountFamily;
import dev.reprise.evidence.avro.CheckResult;
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
 * <p>The verdict comes from the rules of {@link VerdictRules#ALL}: {@code trusted} only when every rule that applies
 * held, else the worst outcome of those that did not. Every fact that led to the verdict is written into
 * {@code confidence_reasons}.
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
        long conflicts = 0;
        for (Map<String, Long> c : counters) {
            processed += Count.PROCESSED.in(c);
            duplicates += Count.DUPLICATES.in(c);
            dead += Count.DEAD_LETTERED.in(c);
            conflicts += Count.ID_CONFLICTS.in(c);
        }
        List<PartitionRange> ranges = new ArrayList<>();
        for (RunPlan.PartitionRange r : plan.ranges()) {
            ranges.add(PartitionRange.newBuilder().setTopic(r.topic()).setPartition(r.partition()).setStartOffset(r.start())
                    .setEndOffset(r.end()).setEventsRead(0L).setFirstDataOffset(r.hasData() ? r.firstDataOffset() : null)
                    .setLastDataOffset(r.hasData() ? r.lastDataOffset() : null).build());
        }
        long read = processed + duplicates + conflicts + dead;
        double seconds = Math.max(0.001, (nowMillis - plan.createdAtMillis()) / 1000.0);
        return header(contract, plan, EvidenceKind.PROGRESS)
                .setRanges(ranges)
                .setEventsRead(read)
                .setEventsProcessed(processed)
                .setDuplicatesSkipped(duplicates)
                .setIdConflicts(conflicts)
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
        return build(contract, plan, summaries, List.of(), staleSummaries, endedAtMillis);
    }

    /**
     * @param idChecks the id check's summaries, one per id check task when the run has more than one apply task
     * @param staleSummaries records the evidence stage ignored: summaries of other runs, or not summaries at all
     */
    public static RecoveryEvidence build(Contract contract, RunPlan plan, Collection<TaskSummary> summaries, Collection<IdCheckSummary> idChecks,
                                         long staleSummaries, long endedAtMillis) {
        RunTotals run = new RunTotals(contract, plan, summaries, idChecks, staleSummaries);
        Findings findings = VerdictRules.judge(run);
        // Facts that no rule holds against the run: what was ignored, and why nothing of it was applied.
        if (run.stale > 0) {
            findings.facts.add(run.stale + " records of other runs on the run's internal topics were ignored (an offset reset with other tools "
                    + "rewinds them too); none was counted or applied");
        }
        if (run.redelivered > 0) {
            findings.facts.add(run.redelivered + " records delivered again after the group's offsets were moved back inside the run were skipped; "
                    + "none was applied twice");
        }
        List<CheckResult> checks = findings.checks();
        long reconciliationFailures = checks.stream().mapToLong(CheckResult::getFailures).sum();
        long read = run.read;
        boolean hasReference = run.hasReference;
        List<UpcastCount> upcastCounts = new ArrayList<>();
        run.upcasts.forEach((k, v) -> {
            CountFamily.UpcastStep step = CountFamily.UpcastStep.parse(k);
            upcastCounts.add(new UpcastCount(step.type(), step.from(), step.to(), v));
        });
        double seconds = Math.max(0.001, (endedAtMillis - run.startedAt) / 1000.0);
        return header(contract, plan, EvidenceKind.FINAL)
                .setRanges(run.ranges)
                .setEventsRead(read)
                .setEventsProcessed(run.processed)
                .setDuplicatesSkipped(run.duplicates)
                .setIdConflicts(run.idConflicts.count())
                .setIdConflictsAcrossTasks(run.idConflicts.acrossTasks())
                .setIdConflictSamples(run.idConflicts.samples())
                .setFiltered(run.filtered)
                .setOutOfRange(run.outOfRange)
                .setDeadLettered(run.dead)
                .setStaleRecords(run.stale)
                .setRedeliveredRecords(run.redelivered)
                .setMisplacedEvents(contract.history().keyedByOrderingKey() ? run.misplaced : null)
                .setMisplacedSamples(run.misplacedSamples)
                .setDeadLetterReasons(new LinkedHashMap<>(run.deadReasons))
                .setUpcasts(upcastCounts)
                .setOrderingViolations(run.violations)
                .setProjectionKeys(run.keys)
                .setProjectionsUnchanged(hasReference ? run.unchanged : null)
                .setProjectionsChanged(hasReference ? run.changed : null)
                .setProjectionsMissing(hasReference ? run.missing : null)
                .setProjectionsExtra(hasReference ? run.extra : null)
                .setDifferenceSamples(run.samples)
                .setReconciliationChecks(new ArrayList<>(checks))
                .setReconciliationFailures(reconciliationFailures)
                .setChecksNotMade(new ArrayList<>())
                .setChecksum(String.format("%016x", run.checksum))
                .setConfidenceStatus(findings.status())
                .setConfidenceReasons(findings.reasons())
                .setStartedAt(Instant.ofEpochMilli(run.startedAt))
                .setEndedAt(Instant.ofEpochMilli(endedAtMillis))
                .setEventsPerSecond(read / seconds)
                .build();
    }
}
