package dev.reprise.evidence;

import dev.reprise.evidence.avro.ConfidenceStatus;

import java.util.function.Consumer;

/**
 * One rule of the verdict: a claim that a {@code trusted} run must have proven, what of the run it reads, and the
 * verdict the run gets when the claim is not proven. The rules are listed once, in {@link VerdictRules#ALL}; the
 * evidence builder applies them in that order, {@code reprise reference verdict} prints them, and the README's
 * verdict table is that print. A rule that cannot establish its claim must say so ({@link Findings#notProven}):
 * "nothing wrong was seen" is never "held".
 *
 * @param name       the rule's name: the name of the check it writes into {@code reconciliation_checks}
 * @param whenBroken the verdict when the claim is not proven: {@code untrusted} or {@code degraded}
 * @param claim      what the rule proves when it holds, in a sentence
 * @param reads      the totals and fields of the run it reads
 * @param judge      writes the rule's check and reasons for one run
 */
public record VerdictRule(String name, ConfidenceStatus whenBroken, String claim, String reads, Judge judge) {
    public VerdictRule {
        if (whenBroken == ConfidenceStatus.trusted) {
            throw new IllegalArgumentException("rule " + name + ": a broken rule cannot leave a run trusted");
        }
    }

    /** Judges one run: reads the totals, writes checks and reasons into the findings. */
    @FunctionalInterface
    public interface Judge extends Consumer<Findings.OfRule> {
    }
}
