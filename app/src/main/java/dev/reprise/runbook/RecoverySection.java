package dev.reprise.runbook;

import dev.reprise.contract.Contract;

import java.util.ArrayList;
import java.util.List;

/** Section 8: what to do when a check fails midway, a run must stop, an instance dies, or a promotion must be undone. */
final class RecoverySection {
    private RecoverySection() {
    }

    static void write(Doc doc, Facts f) {
        Contract c = f.contract();
        Commands cmd = f.commands();
        doc.section(8, "Rollback, abort and recovery");
        doc.para("**Starting point:** the run of step " + doc.ref("run") + " is going and something is wrong: a threshold paused it, dead "
                + "letters climb, a progress record shows what should not be, or the scope turns out wrong. Until a promotion nothing live has "
                + "changed: the history is never written and the shadow topic is not read by production. Rehearse this section on a test "
                + "cluster before the replay: steps " + doc.ref("go") + " to " + doc.ref("run") + ", then the steps below.");
        doc.step("hold", "hold the run while you look", cmd.cluster("pause", "--reason", "a check failed; investigating"), 0,
                "Every instance stops processing; nothing is lost. (A run paused by a threshold is paused already.)", Step.When.DURING_RUN);
        doc.step(null, "see where it stands", cmd.cluster("status"), 0, "The state is `paused`; percent, offsets and the last command.",
                Step.When.DURING_RUN);
        doc.para("If the cause is gone (a broker back, a peak over), resume with step " + doc.ref("resume") + ". Otherwise stop the run:");
        doc.step("abort", "abort the run", cmd.cluster("abort", "--reason", "validation failed midway"), 4,
                "Exits `4` once the run's final evidence is written: untrusted, with `aborted: <reason>` first among its reasons, so no gate "
                        + "can promote it. `1` when no instance wrote it within 60 s (no instance running): the abort stays recorded and "
                        + "applies when one starts.", Step.When.ENDS_RUN);
        doc.para("Then fix the cause: the contract (scope, filters, fields), an upcaster, or the projection (a new build). The aborted run's "
                + "shadow records stay on " + Doc.code(c.projection().topic()) + " until the next run overwrites its keys; `reprise verify` "
                + "names keys left by earlier runs. Start over with a new run:");
        doc.step(null, "plan again with the fix", cmd.cluster("plan", "--sample", "500", "--rate", PreflightSection.rate(f)), 0,
                "As step " + doc.ref("plan") + ": read the `WARNING` lines.", Step.When.NOW);
        doc.step("rego", "record a new run (a new dedup scope, an empty projection)", cmd.cluster("reset", "--execute"), 0,
                "The aborted run's records on the internal topics are stale to the new run, ignored and counted. `1` while an instance of "
                        + "the aborted run is still in the group: wait for it to exit.", Step.When.NOW);
        doc.step("rerun", "run the new run", cmd.cluster("run", "--state-dir", f.options().stateDir()), 0,
                "As step " + doc.ref("run") + ".", Step.When.BACKGROUND);
        doc.step(null, "gate the new run", cmd.cluster("evidence"), 0, "As step " + doc.ref("evidence") + "; then section 6 again.",
                Step.When.AFTER_RUN);
        doc.subsection("Other failures");
        List<String> other = new ArrayList<>(List.of(
                "**An instance crashed or was restarted:** start `reprise run` again with the command of step " + doc.ref("run") + ". It continues "
                        + "the run in force from its last commit; "
                        + (c.processing().guarantee().equals("exactly_once_v2") ? "the evidence equals that of an uninterrupted run."
                        : "under at_least_once the counts may include records processed twice."),
                "**The cluster was unreachable:** `reprise run` exits 1; start it again once the cluster answers (step " + doc.ref("watch") + " shows it).",
                "**Records of the range were deleted by retention before the run read them:** the run stops and names them; it can never be "
                        + "complete. Raise the topic's `retention.ms` for the length of a replay and start over with a new run (above)."));
        if (f.liveTopics().isEmpty()) {
            other.add("**Rollback:** nothing to roll back: no live topic is written (section 1).");
        } else {
            for (String live : f.liveTopics()) {
                other.add("**After a promotion into " + Doc.code(live) + "** there is no un-promote. The way back is another promotion: "
                        + "`--run-id` with `reprise promote --to " + live + " --execute` promotes an earlier trusted run, which works only while the "
                        + "shadow topic still holds that run's keys (verify refuses otherwise), or a restore from the copy taken before the "
                        + "promotion (section 2). Records written by a promotion carry `reprise.promoted_from_run`.");
            }
        }
        doc.bullets(other);
    }
}
