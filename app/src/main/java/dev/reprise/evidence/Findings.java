package dev.reprise.evidence;

import dev.reprise.evidence.avro.CheckResult;
import dev.reprise.evidence.avro.ConfidenceStatus;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What the verdict's rules found about one run: the checks they wrote, the reasons that make it untrusted or
 * degraded, the facts that hold, and each rule's own outcome (for tests and the report).
 */
public final class Findings {
    final List<CheckResult> checks = new ArrayList<>();
    final List<String> untrusted = new ArrayList<>();
    final List<String> degraded = new ArrayList<>();
    final List<String> facts = new ArrayList<>();
    private final Map<String, ConfidenceStatus> outcomes = new LinkedHashMap<>();

    /** The findings of one rule: reasons it gives count against the run with the rule's own outcome. */
    public final class OfRule {
        final VerdictRule rule;
        final RunTotals run;

        OfRule(VerdictRule rule, RunTotals run) {
            this.rule = rule;
            this.run = run;
        }

        public RunTotals run() {
            return run;
        }

        /** A check in {@code reconciliation_checks} under the rule's name. */
        public void check(boolean passed, long failures, String detail) {
            check(rule.name(), passed, failures, detail);
        }

        /** A check of the rule under a name of its own (an invariant's, a total check's). */
        public void check(String name, boolean passed, long failures, String detail) {
            checks.add(new CheckResult(name, passed, failures, detail));
        }

        /** The rule's claim is not proven: the run gets the rule's outcome, for this reason. */
        public void notProven(String reason) {
            (rule.whenBroken() == ConfidenceStatus.untrusted ? untrusted : degraded).add(reason);
            outcomes.merge(rule.name(), rule.whenBroken(), (a, b) -> worse(a, b));
        }

        /**
         * The claim is not proven, and the contract chose the outcome ({@code idempotency.on_conflict}): never better than
         * degraded, since an unproven claim never leaves a run trusted.
         */
        public void notProven(String reason, ConfidenceStatus as) {
            ConfidenceStatus outcome = as == ConfidenceStatus.untrusted ? ConfidenceStatus.untrusted : ConfidenceStatus.degraded;
            (outcome == ConfidenceStatus.untrusted ? untrusted : degraded).add(reason);
            outcomes.merge(rule.name(), outcome, (a, b) -> worse(a, b));
        }

        /** A fact that holds, said among the reasons. */
        public void fact(String reason) {
            facts.add(reason);
            outcomes.putIfAbsent(rule.name(), ConfidenceStatus.trusted);
        }

        /** The rule held, with nothing to say. */
        public void held() {
            outcomes.putIfAbsent(rule.name(), ConfidenceStatus.trusted);
        }
    }

    void apply(VerdictRule rule, RunTotals run) {
        rule.judge().accept(new OfRule(rule, run));
    }

    public ConfidenceStatus status() {
        return !untrusted.isEmpty() ? ConfidenceStatus.untrusted : !degraded.isEmpty() ? ConfidenceStatus.degraded : ConfidenceStatus.trusted;
    }

    /** Untrusted reasons first, then degraded, then facts. */
    public List<String> reasons() {
        List<String> reasons = new ArrayList<>(untrusted);
        reasons.addAll(degraded);
        reasons.addAll(facts);
        return reasons;
    }

    public List<CheckResult> checks() {
        return Collections.unmodifiableList(checks);
    }

    /** Each rule's outcome: absent when the rule does not apply to the run (a sequence rule without a sequence field). */
    public Map<String, ConfidenceStatus> outcomes() {
        return Collections.unmodifiableMap(outcomes);
    }

    private static ConfidenceStatus worse(ConfidenceStatus a, ConfidenceStatus b) {
        return a == ConfidenceStatus.untrusted || b == ConfidenceStatus.untrusted ? ConfidenceStatus.untrusted
                : a == ConfidenceStatus.degraded || b == ConfidenceStatus.degraded ? ConfidenceStatus.degraded : ConfidenceStatus.trusted;
    }
}
