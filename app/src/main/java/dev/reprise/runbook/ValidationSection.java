package dev.reprise.runbook;

import dev.reprise.contract.Contract;
import dev.reprise.projection.Invariant;
import dev.reprise.verify.Verifier;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Section 6: every check of the run and of {@code reprise verify} with its expected value and when it stops the
 * replay, then the evidence gate, the verification and the cut-over.
 */
final class ValidationSection {
    private ValidationSection() {
    }

    static void write(Doc doc, Facts f, List<Gaps.Gap> gaps) {
        Contract c = f.contract();
        doc.section(6, "Validation");
        doc.para("Every check below is made by the run and written into its evidence (`reconciliation_checks`, `confidence_reasons`); "
                + "`reprise verify` makes the ones marked *verify* again on the shadow topic. \"Abort if\" says what stops the replay or the "
                + "cut-over: an abort threshold stops the run while it goes; an untrusted verdict is a no-go for the promotion (section 8).");
        Gaps.write(doc, gaps, 6);
        doc.table(List.of("check", "expected", "abort if"), rows(f, doc.has("resume") ? doc.ref("resume") : "5"));
        doc.subsection("The evidence gate");
        doc.step("evidence", "read the run's final evidence: the gate", f.commands().cluster("evidence"), 0,
                "`0` trusted; `3` degraded: the projection owner decides at go/no-go 2; `4` untrusted: no-go, section 8; `1` no final evidence "
                        + "yet (the run is still going: stderr says so).", Step.When.AFTER_RUN);
        doc.step("verify", "check the shadow topic again, without replaying", f.commands().cluster("verify"), 0,
                "`0` every check holds and the evidence is trusted; `3` degraded evidence; `4` a check fails on the topic now (another run or "
                        + "writer changed it since the evidence) or the evidence is untrusted.", Step.When.NOW);
        cutOver(doc, f);
    }

    private static List<List<String>> rows(Facts f, String resumeStep) {
        Contract c = f.contract();
        Contract.EvidenceSpec e = c.evidence();
        int partitions = f.cluster() == null ? -1 : f.cluster().plan().ranges().size();
        String untrusted = "untrusted: no promotion";
        List<List<String>> rows = new ArrayList<>();
        for (Contract.Threshold t : c.reconciliation().thresholds()) {
            String when = t.metric().equals("dead_letter_ratio")
                    ? "dead letters among the last " + String.format(Locale.ROOT, "%,d", t.window()) + " records an instance read ≤ " + ReplayLoop.percent(t.above())
                    : "no invariant fails on a key" + (t.tenants().isEmpty() ? "" : " of " + ReplayLoop.sorted(t.tenants())) + " after an event";
            rows.add(List.of("threshold " + Doc.code(t.name()) + " (while running)", when, t.action().equals("abort")
                    ? "crossed: the run aborts by itself and is untrusted" : "crossed: the run pauses by itself; resume (step " + resumeStep + ") or abort (section 8)"));
        }
        rows.add(List.of("`every_partition_replayed_to_its_end`", (partitions < 0 ? "every" : "all " + partitions) + " source partitions reached their planned end",
                "fewer: " + untrusted));
        rows.add(List.of("`every_partition_read_from_its_first_to_its_last_record`", "first and last offsets read = the plan's first and last records "
                + "of each range (section 3)", "a gap: " + untrusted));
        if (f.viaRepartition()) {
            rows.add(List.of("`every_event_reached_its_apply_task`", "each apply task received exactly the events each source partition sent it",
                    "a difference: " + untrusted));
        }
        rows.add(List.of("`every_record_accounted_for`", "events_read = events_processed + duplicates_skipped + filtered + dead_lettered"
                        + (f.cluster() == null ? "" : String.format(Locale.ROOT, "; events_read ≤ %,d (the plan's offsets)", f.cluster().plan().totalOffsets())),
                "unequal: " + untrusted));
        for (Invariant<?> i : f.codecs().projection().invariants()) {
            rows.add(List.of(Doc.code(i.name()) + " (projection, *verify*)", Doc.code(i.expression()) + " on every key", "fails on a key: " + untrusted));
        }
        for (Contract.Check i : c.reconciliation().invariants()) {
            rows.add(List.of(Doc.code(i.name()) + " (contract, *verify*)", Doc.code(i.expression()) + " on every key", "fails on a key: " + untrusted));
        }
        for (Contract.Check t : c.reconciliation().totals()) {
            rows.add(List.of(Doc.code(t.name()) + " (contract total)", Doc.code(t.expression()), "false: " + untrusted));
        }
        String reference = c.reconciliation().referenceTopic();
        if (reference != null && c.reconciliation().referenceMustMatch()) {
            rows.add(List.of("`matches_reference_projection` (*verify*)", "0 keys changed, missing or extra against " + Doc.code(reference),
                    "any difference: " + untrusted));
        } else if (reference != null) {
            rows.add(List.of("comparison with the live projection " + Doc.code(reference), "at most " + ReplayLoop.percent(e.maxLiveDiffRatio())
                    + " of the rebuilt keys differ", "more: degraded"));
        } else {
            rows.add(List.of("comparison with a reference", "**UNANSWERED**: no reference topic", "never: nothing is compared"));
        }
        rows.add(List.of("`rebuild_is_not_empty`", "events_processed ≥ " + e.minEventsProcessed() + " and projection_keys ≥ " + e.minProjectionKeys()
                + (e.minEventsProcessed() <= 1 && e.minProjectionKeys() <= 1 ? " (the contract keeps the defaults: a tiny rebuild passes)" : ""),
                "below: " + untrusted));
        rows.add(List.of("dead letters", "dead_lettered ≤ " + ReplayLoop.percent(e.maxDeadLetterRatio()) + " of events_read",
                "above: degraded; above " + ReplayLoop.percent(e.untrustedDeadLetterRatio()) + " (`dead_letters_below_hard_limit`): " + untrusted));
        if (c.ordering().sequenceField() != null) {
            rows.add(List.of("ordering violations on " + Doc.code(c.ordering().sequenceField()), "≤ " + e.maxOrderingViolations(), "more: degraded"));
        }
        if (c.history().keyedByOrderingKey()) {
            rows.add(List.of("`history_keyed_by_ordering_key`", "0 events outside their key's partition", "any: " + untrusted));
        }
        rows.add(List.of("`keys_match_evidence`, `checksum_matches_evidence` (*verify*)", "the shadow topic holds the run's keys and checksum",
                "a difference: verify exits 4, no promotion"));
        rows.add(List.of(Doc.code(Verifier.CONCURRENT_WRITERS) + " (*verify*)", "no other run or writer wrote the shadow topic since the run started",
                "another did: verify exits 4, no promotion"));
        if (!f.liveTopics().isEmpty()) {
            rows.add(List.of("promotion's changed share", "at most " + ReplayLoop.percent(c.promote().maxChangedRatio()) + " of the live keys changed "
                    + "or tombstoned (`promote.max_changed_ratio`)", "more: promote refuses (exit 1) without `--force --reason`"));
        }
        return rows;
    }

    private static void cutOver(Doc doc, Facts f) {
        doc.subsection("Go/no-go 2: the cut-over");
        if (f.liveTopics().isEmpty()) {
            doc.para("No live topic: there is nothing to promote (section 1). The replay ends with the evidence of step " + doc.ref("evidence")
                    + " and the shadow topic " + Doc.code(f.contract().projection().topic()) + ".");
            return;
        }
        doc.checklist(List.of(
                "Step " + doc.ref("evidence") + " exited 0 (or 3, and the projection owner accepts each degraded reason in writing).",
                "Step " + doc.ref("verify") + " exited 0.",
                "The dry run below shows the keys that will change and is not refused.",
                "The owners of the live topic's consumers agree to the time of the promotion."));
        for (String live : f.liveTopics()) {
            doc.step("promote-dry:" + live, "see what promoting into " + live + " would change", f.commands().cluster("promote", "--to", live), 0,
                    "A dry run: keys to write, unchanged and tombstoned, the share of live keys changed against the limit, the verification and "
                            + "whether `--execute` would be refused. Exits as `--execute` would: `3`/`4` for evidence that is not trusted, `1` "
                            + "refused (verification failed, too many live keys changed, or the evidence's signature is not verified: the run needs "
                            + Doc.code("reprise.evidence.signing.key.file") + " and the readers its public key, docs/evidence-signature.md).", Step.When.NOW);
            doc.step("promote:" + live, "promote into " + live, f.commands().cluster("promote", "--to", live, "--execute"), 0,
                    "Writes the run's keys and tombstones in one transaction, each record with " + Doc.code("reprise.promoted_from_run")
                            + "; exits like the dry run and writes nothing when refused.", Step.When.NOW);
        }
    }
}
