package dev.reprise.evidence;

import dev.reprise.contract.Contract;
import dev.reprise.counts.Count;
import dev.reprise.counts.CountFamily;
import dev.reprise.evidence.avro.CheckResult;
import dev.reprise.evidence.avro.IdConflictSample;
import dev.reprise.plan.RunPlan;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/**
 * The two verdict rules about event ids, from the apply tasks' summaries:
 * <ol>
 *   <li>{@value #NAME_ONE_EVENT}: no event id was applied for one event and then met with another (other content or
 *       another ordering key) in the same apply task. Reads the tasks' {@code id_conflicts} counters and samples and
 *       {@code idempotency.on_conflict}. Fails with the number of conflicts; the verdict is untrusted, degraded or
 *       unchanged (first_wins) as the contract says.</li>
 *   <li>{@value #NAME_ACROSS_TASKS}: whether that could be checked for every pair of events. Events are spread over
 *       apply tasks by ordering key and each task has its own dedup set, so an id reused under two keys of different
 *       tasks is met by neither. With one apply task the check is made (and a reuse is counted by the first rule);
 *       with more it is NOT made: passed false, 0 failures, listed in {@code checks_not_made}, and said in the reasons.
 *       It does not change the verdict.</li>
 * </ol>
 */
final class IdConflicts {
    static final String NAME_ONE_EVENT = "event_ids_name_one_event";
    static final String NAME_ACROSS_TASKS = "event_ids_checked_across_apply_tasks";
    /** Samples in the evidence, over all tasks. */
    static final int MAX_SAMPLES = 50;

    private final Contract.OnConflict policy;
    private final long conflicts;
    private final List<IdConflictSample> samples;
    private final int applyTasks;

    private IdConflicts(Contract.OnConflict policy, long conflicts, List<IdConflictSample> samples, int applyTasks) {
        this.policy = policy;
        this.conflicts = conflicts;
        this.samples = samples;
        this.applyTasks = applyTasks;
    }

    static IdConflicts of(Contract contract, RunPlan plan, Collection<TaskSummary> summaries) {
        long conflicts = 0;
        List<IdConflictSample> samples = new ArrayList<>();
        for (TaskSummary s : summaries) {
            conflicts += Count.ID_CONFLICTS.in(s.counters());
            for (String name : s.counters().keySet()) {
                CountFamily.ID_CONFLICT_SAMPLE.valueIn(name).flatMap(CountFamily.Conflict::parse).filter(c -> samples.size() < MAX_SAMPLES)
                        .ifPresent(c -> samples.add(new IdConflictSample(c.eventId(), c.key(), c.firstRead(), c.secondRead())));
            }
        }
        // Without a repartition an apply task serves each source partition number; behind one, each repartition partition.
        int tasks = contract.history().keyedByOrderingKey()
                ? (int) plan.ranges().stream().mapToInt(RunPlan.PartitionRange::partition).distinct().count()
                : plan.repartitionPartitions();
        return new IdConflicts(contract.idempotency().onConflict(), conflicts, samples, tasks);
    }

    /** Events not applied because their id had been applied for another event. */
    long count() {
        return conflicts;
    }

    List<IdConflictSample> samples() {
        return samples;
    }

    /** The names of this rule's checks that the run could not make. */
    List<String> notMade() {
        return applyTasks > 1 ? List.of(NAME_ACROSS_TASKS) : List.of();
    }

    /** The rule {@value #NAME_ONE_EVENT}: its check, and its reason with the outcome the contract's policy gives. */
    void judge(Findings.OfRule f) {
        if (conflicts == 0) {
            f.check(true, 0, "no event id met within an apply task named two different events");
            f.held();
            return;
        }
        String policyText = "idempotency.on_conflict: " + policy.configName();
        String detail = conflicts + " events reused the id of an event applied before, with other content or another ordering key; "
                + "they were not applied, e.g. " + (samples.isEmpty() ? "(no sample)" : describe(samples.get(0)));
        f.check(false, conflicts, detail);
        switch (policy) {
            case UNTRUSTED -> f.notProven(detail + " (" + policyText + "): which event of each pair belongs in the projection is "
                    + "unknown; see id_conflict_samples, fix the producer, or set idempotency.on_conflict: first_wins if the events "
                    + "applied first are the right ones", dev.reprise.evidence.avro.ConfidenceStatus.untrusted);
            case DEGRADED -> f.notProven(detail + " (" + policyText + ")", dev.reprise.evidence.avro.ConfidenceStatus.degraded);
            case FIRST_WINS -> f.fact(detail + " (" + policyText + ": the events applied first stand; in a repartitioned run "
                    + "'first' is the order of arrival at the apply task)");
        }
    }

    /**
     * The check {@value #NAME_ACROSS_TASKS}: made with one apply task; with more, said not made (passed false, 0 failures,
     * listed in checks_not_made) without changing the verdict.
     */
    void acrossTasks(List<CheckResult> checks, List<String> facts) {
        if (applyTasks <= 1) {
            checks.add(new CheckResult(NAME_ACROSS_TASKS, true, 0L, "every event met the one apply task's dedup set, so an event id reused "
                    + "under another ordering key is counted by " + NAME_ONE_EVENT));
        } else {
            String detail = "not checked: the events were spread over " + applyTasks + " apply tasks by ordering key, each with its own dedup "
                    + "set; an event id reused under two ordering keys of different tasks is applied twice and not seen (a reuse within "
                    + "one task is counted by " + NAME_ONE_EVENT + ")";
            checks.add(new CheckResult(NAME_ACROSS_TASKS, false, 0L, detail));
            facts.add(detail);
        }
    }

    private static String describe(IdConflictSample s) {
        return "event id " + s.getEventId() + " applied from " + s.getAppliedFrom() + " and met again from " + s.getConflictingFrom()
                + " (key " + s.getOrderingKey() + ")";
    }
}
