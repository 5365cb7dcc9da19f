package dev.reprise.runbook;

import dev.reprise.contract.Contract;

import java.util.ArrayList;
import java.util.List;

/**
 * The questions a contract leaves unanswered, each with the risk it leaves open. The runbook says so loudly in the
 * section the question belongs to, and lists them all at the top, instead of inventing an answer.
 */
final class Gaps {
    private Gaps() {
    }

    /**
     * @param letter  the question of DESIGN.md's table (H, O, I, F, S, Q, E)
     * @param section the runbook section that shows it
     * @param title   what is missing, naming the contract field
     * @param risk    what can go wrong unnoticed because of it
     */
    record Gap(String letter, int section, String title, String risk) {
    }

    static List<Gap> of(Facts f) {
        Contract c = f.contract();
        List<Gap> out = new ArrayList<>();
        if (f.liveTopics().isEmpty()) {
            out.add(new Gap("F", 1, "no live projection topic: allowed_write_topics names nothing besides the run's own outputs",
                    "this runbook has no cut-over: the rebuilt projection stays in " + c.projection().topic() + " and how it reaches "
                            + "its readers is not answered; nothing can be promoted, so nothing can be rolled back either"));
        }
        if (c.ordering().sequenceField() == null) {
            out.add(new Gap("O", 3, "no ordering.sequence_field",
                    "the events of one " + c.ordering().keyField() + " are applied in the order they reach their apply task and nothing "
                            + "checks that order: an event out of order is neither detected nor counted. That is safe only if "
                            + "projection " + c.projection().name() + " gives the same state whatever the order of a key's events"));
        }
        if (c.scope().tenantField() == null) {
            out.add(new Gap("S", 3, "no scope.tenant_field",
                    "tenant boundaries are unknown to Reprise: the scope cannot be limited to tenants and an invariant threshold cannot "
                            + "be limited to a tenant's keys; a replay for one tenant rebuilds every tenant"));
        }
        if (c.reconciliation().thresholds().isEmpty()) {
            out.add(new Gap("Q", 5, "no reconciliation.thresholds",
                    "the run never pauses or aborts by itself: a flood of poison records or an invariant failing on a key is seen "
                            + "only by an operator watching (section 7) or in the final verdict, after the whole range was replayed"));
        }
        if (f.codecs().projection().invariants().isEmpty() && c.reconciliation().invariants().isEmpty()) {
            out.add(new Gap("Q", 6, "no invariants: projection " + c.projection().name() + " declares none and reconciliation.invariants is empty",
                    "a projection that folds events wrongly passes every check that looks at a key's state; only the accounting, "
                            + "the totals" + (c.reconciliation().referenceTopic() == null ? "" : " and the reference comparison") + " remain"));
        }
        if (c.reconciliation().referenceTopic() == null) {
            out.add(new Gap("Q", 6, "no reconciliation.reference_topic",
                    "the rebuild is compared with no other projection: a projection that is wrong the same way on every key, or a scope "
                            + "that left history out, can still be trusted; the difference from the projection in service is "
                            + (f.liveTopics().isEmpty() ? "never measured" : "first seen in the promote dry run, after the run")));
        }
        return out;
    }

    static List<Gap> in(List<Gap> gaps, int section) {
        return gaps.stream().filter(g -> g.section() == section).toList();
    }

    /** Writes the section's gaps as loud notices. */
    static void write(Doc doc, List<Gap> gaps, int section) {
        for (Gap g : in(gaps, section)) {
            doc.loud("UNANSWERED (" + g.letter() + ")", g.title() + ". Risk: " + g.risk() + ".");
        }
    }
}
