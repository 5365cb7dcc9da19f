package dev.reprise.evidence;

import dev.reprise.contract.Contract;
import dev.reprise.counts.Count;
import dev.reprise.counts.CountFamily;
import dev.reprise.evidence.avro.ConfidenceStatus;
import dev.reprise.evidence.avro.IdConflictSample;
import dev.reprise.plan.RunPlan;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/**
 * The two verdict rules about event ids, from the apply tasks' and the id check's summaries:
 * <ol>
 *   <li>{@value #NAME_ONE_EVENT}: no event id names two events. Within an apply task, the dedup set meets an id again:
 *       an event with the id of an applied one and other content or another ordering key is a conflict, not applied
 *       ({@code id_conflicts}). Across apply tasks (an id reused under ordering keys of different tasks, each with its
 *       own dedup set) the id check meets it: both events were applied ({@code id_conflicts_across_tasks}). The verdict is
 *       untrusted, degraded or (within a task, first_wins) unchanged, as {@code idempotency.on_conflict} says; across
 *       tasks first_wins cannot hold (both events were applied), so it is untrusted unless the contract says degraded.</li>
 *   <li>{@value #NAME_ACROSS_TASKS}: with more than one apply task, the id check received every applied id: each id
 *       check task got exactly the claims each apply task says it sent it. Otherwise ids went unchecked: untrusted.</li>
 * </ol>
 */
final class IdConflicts {
    static final String NAME_ONE_EVENT = "event_ids_name_one_event";
    static final String NAME_ACROSS_TASKS = "event_ids_checked_across_apply_tasks";
    /** Samples in the evidence, over all tasks. */
    static final int MAX_SAMPLES = 50;

    private final Contract.OnConflict policy;
    private final long conflicts;
    private final long acrossTasks;
    private final List<IdConflictSample> samples;
    private final List<IdConflictSample> acrossSamples;
    private final int applyTasks;
    /** What the id check did not receive as the apply tasks said, in words; empty when every claim arrived. */
    private final List<String> unchecked;
    private final long claims;

    private IdConflicts(Contract.OnConflict policy, long conflicts, long acrossTasks, List<IdConflictSample> samples,
                        List<IdConflictSample> acrossSamples, int applyTasks, List<String> unchecked, long claims) {
        this.policy = policy;
        this.conflicts = conflicts;
        this.acrossTasks = acrossTasks;
        this.samples = samples;
        this.acrossSamples = acrossSamples;
        this.applyTasks = applyTasks;
        this.unchecked = unchecked;
        this.claims = claims;
    }

    static IdConflicts of(Contract contract, RunPlan plan, Collection<TaskSummary> summaries, Collection<IdCheckSummary> idChecks) {
        long conflicts = 0;
        List<IdConflictSample> samples = new ArrayList<>();
        for (TaskSummary s : summaries) {
            conflicts += Count.ID_CONFLICTS.in(s.counters());
            for (String name : s.counters().keySet()) {
                CountFamily.ID_CONFLICT_SAMPLE.valueIn(name).flatMap(CountFamily.Conflict::parse).filter(c -> samples.size() < MAX_SAMPLES)
                        .ifPresent(c -> samples.add(new IdConflictSample(c.eventId(), c.key(), c.firstRead(), c.secondRead())));
            }
        }
        // One apply task per repartition partition, or without a repartition, per source partition number.
        int tasks = plan.repartitionPartitions();
        long across = 0;
        long claims = 0;
        List<IdConflictSample> acrossSamples = new ArrayList<>();
        List<String> unchecked = new ArrayList<>();
        if (tasks > 1) {
            boolean[] reported = new boolean[tasks];
            for (IdCheckSummary c : idChecks) {
                if (c.partition() >= 0 && c.partition() < tasks) {
                    reported[c.partition()] = true;
                }
                across += c.conflicts();
                for (IdCheckSummary.Sample s : c.samples()) {
                    if (acrossSamples.size() < MAX_SAMPLES) {
                        acrossSamples.add(new IdConflictSample(s.eventId(), s.orderingKey(), s.firstRead(), s.secondRead()));
                    }
                }
                for (int t = 0; t < tasks; t++) {
                    String task = Integer.toString(t);
                    long expected = c.expected().getOrDefault(task, 0L);
                    long received = c.received().getOrDefault(task, 0L);
                    claims += received;
                    if (expected != received) {
                        unchecked.add("id check task " + c.partition() + " received " + received + " event ids from apply task " + t
                                + ", which says it sent " + expected);
                    }
                }
            }
            for (int p = 0; p < tasks; p++) {
                if (!reported[p]) {
                    unchecked.add("id check task " + p + " sent no summary");
                }
            }
        }
        return new IdConflicts(contract.idempotency().onConflict(), conflicts, across, samples, acrossSamples, tasks, unchecked, claims);
    }

    /** Events not applied because their id had been applied for another event in the same apply task. */
    long count() {
        return conflicts;
    }

    /** Event ids applied for two events of different apply tasks. */
    long acrossTasks() {
        return acrossTasks;
    }

    List<IdConflictSample> samples() {
        List<IdConflictSample> all = new ArrayList<>(samples);
        acrossSamples.stream().limit(Math.max(0, MAX_SAMPLES - all.size())).forEach(all::add);
        return all;
    }

    /** The rule {@value #NAME_ONE_EVENT}: its check, and its reason with the outcome the contract's policy gives. */
    void judge(Findings.OfRule f) {
        if (conflicts == 0 && acrossTasks == 0) {
            f.check(true, 0, "no event id named two different events" + (applyTasks > 1 ? ", within an apply task or across the " + applyTasks : ""));
            f.held();
            return;
        }
        String policyText = "idempotency.on_conflict: " + policy.configName();
        List<String> details = new ArrayList<>();
        if (conflicts > 0) {
            details.add(conflicts + " events reused the id of an event applied before in their apply task, with other content or another "
                    + "ordering key; they were not applied, e.g. " + (samples.isEmpty() ? "(no sample)" : describe(samples.get(0))));
        }
        if (acrossTasks > 0) {
            details.add(acrossTasks + " event ids were applied for two events under ordering keys of different apply tasks; both were "
                    + "applied, e.g. " + (acrossSamples.isEmpty() ? "(no sample)" : describe(acrossSamples.get(0))));
        }
        String detail = String.join("; ", details);
        f.check(false, conflicts + acrossTasks, detail);
        if (policy == Contract.OnConflict.DEGRADED) {
            f.notProven(detail + " (" + policyText + ")", ConfidenceStatus.degraded);
        } else if (policy == Contract.OnConflict.FIRST_WINS && acrossTasks == 0) {
            f.fact(detail + " (" + policyText + ": the events applied first stand; in a repartitioned run "
                    + "'first' is the order of arrival at the apply task)");
        } else if (policy == Contract.OnConflict.FIRST_WINS) {
            f.notProven(detail + " (" + policyText + " cannot hold across apply tasks: both events of each id were applied; fix the "
                    + "producer, or set idempotency.on_conflict: degraded to accept it)", ConfidenceStatus.untrusted);
        } else {
            f.notProven(detail + " (" + policyText + "): which event of each pair belongs in the projection is "
                    + "unknown; see id_conflict_samples, fix the producer, or set idempotency.on_conflict: first_wins if the events "
                    + "applied first are the right ones", ConfidenceStatus.untrusted);
        }
    }

    /** The rule {@value #NAME_ACROSS_TASKS}: with more than one apply task, every applied id reached the id check. */
    void judgeChecked(Findings.OfRule f) {
        if (applyTasks <= 1) {
            f.check(true, 0, "one apply task met every event, so an event id reused under another ordering key is counted by "
                    + NAME_ONE_EVENT);
            f.held();
            return;
        }
        if (unchecked.isEmpty()) {
            f.check(true, 0, "the id check of the " + applyTasks + " apply tasks received every one of the " + claims + " event ids they applied");
            f.fact("every applied event id was compared across the " + applyTasks + " apply tasks (" + claims + " ids)");
            return;
        }
        String detail = String.join("; ", unchecked);
        f.check(false, unchecked.size(), detail);
        f.notProven("event ids went unchecked across apply tasks, so an id reused under two ordering keys may have been applied "
                + "twice unseen: " + detail);
    }

    private static String describe(IdConflictSample s) {
        return "event id " + s.getEventId() + " applied from " + s.getAppliedFrom() + " and met again from " + s.getConflictingFrom()
                + " (key " + s.getOrderingKey() + ")";
    }
}
