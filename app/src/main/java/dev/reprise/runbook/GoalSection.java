package dev.reprise.runbook;

import dev.reprise.contract.Contract;
import dev.reprise.plan.RunPlan;

import java.util.ArrayList;
import java.util.List;

/** Section 1: what this replay is for, what it covers, what it takes for granted and what it does not do. */
final class GoalSection {
    private GoalSection() {
    }

    static void write(Doc doc, Facts f, List<Gaps.Gap> gaps) {
        Contract c = f.contract();
        doc.section(1, "Goal, scope, assumptions and non-goals");
        String live = f.liveTopics().isEmpty() ? "" : ", then, once the evidence is trusted and the owners agree, promote it into the live topic "
                + AnswersSection.codes(f.liveTopics());
        doc.para("**Goal.** Rebuild projection " + Doc.code(c.projection().name()) + " from " + AnswersSection.codes(c.history().topics())
                + " into the shadow topic " + Doc.code(c.projection().topic()) + " and prove it with a recovery-evidence record on "
                + Doc.code(c.evidence().topic()) + live + ".");
        Gaps.write(doc, gaps, 1);
        if (!c.processing().bounded()) {
            doc.loud("CONTINUOUS MODE", "processing.mode is continuous: the run replays its range and then keeps following new events; "
                    + "`reprise run` does not exit by itself and writes its evidence when it is stopped (SIGTERM or Ctrl-C). The steps this "
                    + "runbook runs after `reprise run` apply once it has been stopped.");
        }
        doc.para("**Scope.** " + scope(f));
        List<String> assumptions = new ArrayList<>(List.of(
                "The history topics are authoritative and complete for the scope: nothing in range has been deleted by retention or "
                        + "compaction before it is read (`reprise run` stops, naming them, when records of its range are deleted before it read them).",
                "Every event that changes a " + Doc.code(c.ordering().keyField()) + " carries it, and all events of one key belong to one "
                        + "projection key: the ordering key is the correctness boundary (section 3).",
                "Copies of an event carry the same " + Doc.code(c.idempotency().eventIdField()) + ", and different events never share one (section 4).",
                "Projection " + Doc.code(c.projection().name()) + " and the registered upcasters are deterministic and free of side effects: "
                        + "the same events give the same state on any instance, in any run.",
                "Producers may go on writing to the history during the replay; what they write after the plan's end offsets is not part "
                        + "of this run (scope.to " + AnswersSection.position(c.scope().to()) + ")."));
        if (c.history().keyedByOrderingKey()) {
            assumptions.add("The history is keyed by " + Doc.code(c.ordering().keyField()) + " with Kafka's default partitioner "
                    + "(history.keyed_by_ordering_key: true): the run checks every event's partition and is untrusted if one is elsewhere.");
        }
        doc.para("**Assumptions.**");
        doc.bullets(assumptions);
        List<String> nonGoals = new ArrayList<>(List.of(
                "Changing the history: the history topics are never written, not even by `reprise promote`.",
                "Writing the live projection during the run: the run writes only the shadow topic, the evidence and the dead letters"
                        + (f.liveTopics().isEmpty() ? "." : "; only `reprise promote --execute` writes " + AnswersSection.codes(f.liveTopics()) + ", after go/no-go."),
                "Calling other systems: the projection folds events into state; no e-mail, payment or API call is repeated by a replay.",
                "Repairing poison records: they are dead-lettered to " + Doc.code(c.deadLetter().topic()) + " with their reason and "
                        + "coordinates, and repaired (if at all) outside this runbook.",
                "Replaying events outside the scope, or events written after the plan was made."));
        if (c.processing().bounded()) {
            nonGoals.add("Following new events after the range: the run is bounded (processing.mode: bounded) and exits with its verdict.");
        }
        doc.para("**Non-goals.**");
        doc.bullets(nonGoals);
    }

    private static String scope(Facts f) {
        Contract.Scope s = f.contract().scope();
        StringBuilder out = new StringBuilder("From " + AnswersSection.position(s.from()) + " to " + AnswersSection.position(s.to()) + " of "
                + AnswersSection.codes(f.contract().history().topics()) + ".");
        if (f.cluster() != null) {
            RunPlan plan = f.cluster().plan();
            long withData = plan.ranges().stream().filter(RunPlan.PartitionRange::hasData).count();
            out.append(String.format(java.util.Locale.ROOT, " The plan made when this runbook was written selects %,d offsets in %d partitions "
                    + "(%d with records); `reprise reset --execute` plans again at the go point, so the ranges grow by what is written until then.",
                    plan.totalOffsets(), plan.ranges().size(), withData));
        } else {
            out.append(" Written offline: the ranges are resolved when `reprise plan` and `reprise reset --execute` run against the cluster.");
        }
        if (s.hasFilters()) {
            out.append(" Filters: ");
            List<String> filters = new ArrayList<>();
            if (!s.eventTypes().isEmpty()) {
                filters.add("event types " + ReplayLoop.sorted(s.eventTypes()));
            }
            if (!s.tenants().isEmpty()) {
                filters.add("tenants " + ReplayLoop.sorted(s.tenants()));
            }
            if (!s.keys().isEmpty()) {
                filters.add(s.keys().size() + " keys");
            }
            out.append(String.join(", ", filters)).append("; events outside them are read and counted as `filtered`, never applied.");
        } else {
            out.append(" No filters: every event in range is applied.");
        }
        return out.toString();
    }
}
