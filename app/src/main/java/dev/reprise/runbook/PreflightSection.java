package dev.reprise.runbook;

import dev.reprise.codec.HeaderNames;
import dev.reprise.contract.Contract;
import dev.reprise.cluster.Acls;
import dev.reprise.preview.PlanPreview;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** Section 2: everything checked before the go point, each with its command, and the first go/no-go. */
final class PreflightSection {
    /** State on disk per million event ids, measured (docs/capacity.md): dedup ids twice and the projection. */
    static final double STATE_MIB_PER_MILLION_EVENTS = 45;

    private PreflightSection() {
    }

    static void write(Doc doc, Facts f, List<Gaps.Gap> gaps) {
        Contract c = f.contract();
        Commands cmd = f.commands();
        doc.section(2, "Pre-flight");
        doc.subsection("Contract, schemas and upcasters");
        doc.step("offline", "check the contract, the schemas and the upcaster chains", cmd.offline("plan", "--offline"), 0,
                "`2` when a contract field is wrong (stderr names the field and the fix) or an event version has no upcaster path "
                        + "(a `GAP` line): no-go until the contract or the upcasters are fixed.", Step.When.NOW);

        doc.subsection("ACLs in place");
        List<Acls.AclEntry> acls = Acls.forContract(c, f.options().principal());
        doc.step("acls", "print the least-privilege ACLs of the app's principal", cmd.offline("acls", "--principal", f.options().principal()), 0,
                "Prints one `kafka-acls.sh` line per binding, for whoever administers the cluster (`2` for a principal that is not TYPE:NAME).",
                Step.When.NOW);
        doc.para("The bindings (" + acls.size() + "), from `dev.reprise.cluster.Acls`:");
        doc.table(List.of("resource", "name", "pattern", "operations"), aclRows(acls));
        doc.para("Whether they are in place is a question for the cluster; Reprise has no command that lists ACLs. Kafka's tool does:");
        doc.kafkaTool("kafka-acls.sh --bootstrap-server " + Commands.quote(cmd.bootstrap()) + kafkaConfig(f) + " --list --principal "
                + Commands.quote(f.options().principal()));
        if (!f.liveTopics().isEmpty()) {
            boolean one = f.liveTopics().size() == 1;
            doc.para("The live topic" + (one ? " " : "s ") + AnswersSection.codes(f.liveTopics()) + (one ? " is" : " are")
                    + " written only by `reprise promote`: grant WRITE on " + (one ? "it" : "them") + " to whoever promotes, not to the app.");
        }

        snapshot(doc, f);
        sideEffects(doc, f);
        sample(doc, f);
        goNoGo(doc, f, gaps);
    }

    private static List<List<String>> aclRows(List<Acls.AclEntry> acls) {
        Map<String, List<String>> grouped = new LinkedHashMap<>();
        for (Acls.AclEntry a : acls) {
            grouped.computeIfAbsent(a.resourceType() + "\u0000" + a.resourceName() + "\u0000" + a.patternType(), k -> new ArrayList<>()).add(a.operation());
        }
        List<List<String>> rows = new ArrayList<>();
        grouped.forEach((k, ops) -> {
            String[] parts = k.split("\u0000");
            rows.add(List.of(parts[0], Doc.code(parts[1]), parts[2].toLowerCase(Locale.ROOT), String.join(", ", ops)));
        });
        return rows;
    }

    private static void snapshot(Doc doc, Facts f) {
        Contract c = f.contract();
        doc.subsection("Snapshot of the live projection");
        String reference = c.reconciliation().referenceTopic();
        if (f.liveTopics().isEmpty() && reference == null) {
            doc.para("The contract names neither a live topic nor a reference topic: there is no live projection to snapshot, and "
                    + "nothing the rebuild is compared with (see sections 1 and 6).");
            return;
        }
        if (reference != null) {
            doc.para("The run reads " + Doc.code(reference) + " while it goes and compares every rebuilt key with it: unchanged, changed, "
                    + "missing and extra keys, with up to 50 samples, are in the evidence. That comparison is the snapshot Reprise takes.");
        }
        for (String live : f.liveTopics()) {
            boolean exists = f.cluster() == null || f.cluster().existingTopics().contains(live);
            doc.para("Record where " + Doc.code(live) + " stands before anything changes: its end offsets, so every record "
                    + "`reprise promote` adds later is known to come after them. Reprise has no command that reads or copies a topic for this; "
                    + "Kafka's tool prints the offsets:");
            doc.kafkaTool("kafka-get-offsets.sh --bootstrap-server " + Commands.quote(f.commands().bootstrap()) + kafkaConfig(f) + " --topic " + live);
            if (!exists) {
                doc.loud("NO-GO", "topic " + Doc.code(live) + " does not exist on the cluster this runbook was written against: "
                        + "`reprise promote --to " + live + "` would fail. Create it (compacted, keyed like the projection) or correct "
                        + "allowed_write_topics.");
            }
        }
        if (!f.liveTopics().isEmpty()) {
            doc.para("A byte-exact copy, needed only to restore the live projection after a promotion, takes a replication tool (MirrorMaker 2) "
                    + "into a backup topic; the console consumer does not copy Avro binary values faithfully. Without one, the way back after "
                    + "a promotion is another promotion (section 8).");
        }
    }

    private static void sideEffects(Doc doc, Facts f) {
        Contract c = f.contract();
        doc.subsection("Side-effect suppression");
        doc.para("The app writes only the topics in `allowed_write_topics` and its internal topics " + Doc.code(c.applicationId() + "-*")
                + ": its producer checks every record's topic before sending, and refuses any other. What each topic receives, and what its "
                + "readers must do:");
        List<List<String>> rows = new ArrayList<>();
        rows.add(List.of(Doc.code(c.projection().topic()), "`reprise run`, "
                        + (c.processing().bounded() ? "once per key when its apply task completes" : "on every change"),
                "headers " + Doc.code(HeaderNames.REPLAY + "=true") + " and " + Doc.code(HeaderNames.RUN_ID),
                "a shadow: no production consumer reads it; a consumer that shares a topic with replays ignores records with "
                        + Doc.code(HeaderNames.REPLAY + "=true")));
        rows.add(List.of(Doc.code(c.evidence().topic()), "`reprise run`: PROGRESS every " + ReplayLoop.humanDuration(c.evidence().progressInterval())
                        + ", one FINAL", Doc.code(HeaderNames.RUN_ID) + ", " + Doc.code(HeaderNames.EVIDENCE_KIND),
                "CD gates read FINAL records only (`reprise evidence`); keep it forever (`retention.ms=-1`)"));
        rows.add(List.of(Doc.code(c.deadLetter().topic()), "`reprise run`, one per poison record", "reason, stage, source topic/partition/offset, "
                + Doc.code(HeaderNames.RUN_ID), "holds the original bytes of poison records: restrict it like the history"));
        for (String live : f.liveTopics()) {
            rows.add(List.of(Doc.code(live), "`reprise promote --execute` only, after go/no-go", Doc.code(HeaderNames.PROMOTED_FROM_RUN)
                    + (", " + Doc.code(HeaderNames.PROMOTION_OVERRIDE) + " when forced"), "its readers see the rebuilt values and tombstones for keys the rebuild no longer has"));
        }
        rows.add(List.of(Doc.code(c.applicationId() + "-*"), "`reprise run` (repartition, changelogs, run store, control)", "",
                "internal: nobody else reads or writes them"));
        doc.table(List.of("topic", "written by", "replay marks", "readers"), rows);
        if (f.cluster() != null && !f.cluster().creates().isEmpty()) {
            doc.para("Topics the run will create (they do not exist yet): " + AnswersSection.codes(f.cluster().creates()) + ".");
        }
    }

    private static void sample(Doc doc, Facts f) {
        Commands cmd = f.commands();
        doc.subsection("Dry run on a sample");
        doc.para("`reprise plan` is the dry run: it resolves the scope into offset ranges, reads a sample from the start and the end of every "
                + "range and decodes, upcasts and filters it as the run will, and lists what the run writes and creates. Reprise has no mode "
                + "that folds a sample into the projection without a run; the run itself writes only the shadow topic, so nothing live "
                + "changes before the promotion.");
        doc.step("plan", "plan the run and check a sample of the history", cmd.cluster("plan", "--sample", "500", "--rate", rate(f)), 0,
                "Exits 0 with or without warnings: read the `WARNING` lines. `2` for an invalid contract, `1` when the cluster cannot be reached.",
                Step.When.NOW);
        if (f.cluster() != null) {
            List<PlanPreview.Warning> warnings = f.cluster().warnings();
            if (warnings.isEmpty() && f.cluster().sampleGaps().isEmpty()) {
                doc.para("When this runbook was written the plan had no warnings, and every event version in the sample had an upcaster path.");
            }
            for (PlanPreview.Warning w : warnings) {
                doc.loud("PLAN WARNING (" + w.code() + ")", w.message());
            }
        }
        doc.step("reset-dry", "see which offsets the go step will set", cmd.cluster("reset"), 0,
                "A dry run: prints the current and the new committed offset of every partition and the group's active members; changes nothing.",
                Step.When.NOW);
    }

    private static void goNoGo(Doc doc, Facts f, List<Gaps.Gap> gaps) {
        Contract c = f.contract();
        doc.subsection("Go/no-go 1: start the replay");
        List<String> checks = new ArrayList<>();
        checks.add("Step " + doc.ref("offline") + " exited 0 with no `GAP` line.");
        checks.add("Step " + doc.ref("plan") + " printed no `WARNING` line, or each one is explained in the change ticket.");
        checks.add("The ACLs of step " + doc.ref("acls") + " are in place for " + Doc.code(f.options().principal()) + ".");
        if (!f.liveTopics().isEmpty()) {
            checks.add("The end offsets of " + AnswersSection.codes(f.liveTopics()) + " are recorded in the change ticket.");
        }
        checks.add("The owners of the consumers of " + AnswersSection.codes(new ArrayList<>(c.outputTopics())) + " know a replay writes them.");
        if (!gaps.isEmpty()) {
            checks.add("The projection owner accepted the " + gaps.size() + " unanswered question" + (gaps.size() == 1 ? "" : "s")
                    + " listed at the top, with their risks.");
        }
        if (f.cluster() != null) {
            double mib = f.cluster().plan().totalOffsets() / 1e6 * STATE_MIB_PER_MILLION_EVENTS;
            checks.add(String.format(Locale.ROOT, "The state directory %s has room for about %,.0f MiB of RocksDB state (%,d offsets at %.0f MiB per "
                    + "million events, shared by the instances), plus room to grow.", Doc.code(f.options().stateDir()), Math.max(1, mib),
                    f.cluster().plan().totalOffsets(), STATE_MIB_PER_MILLION_EVENTS));
        } else {
            checks.add("The state directory " + Doc.code(f.options().stateDir()) + " has room for about " + (long) STATE_MIB_PER_MILLION_EVENTS
                    + " MiB of RocksDB state per million events of the plan.");
        }
        checks.add("Step " + doc.ref("reset-dry") + " shows no active members in group " + Doc.code(c.applicationId()) + ".");
        doc.checklist(checks);
        doc.para("**Go** when every box is ticked; the go step is " + "section 5's first step. **No-go** otherwise: fix, and start this section again.");
    }

    static String rate(Facts f) {
        double r = f.options().rate();
        return r == Math.rint(r) ? Long.toString((long) r) : Double.toString(r);
    }

    /** {@code --command-config FILE} for Kafka's tools, when the runbook's commands carry one. */
    static String kafkaConfig(Facts f) {
        return f.commands().commandConfig() == null ? "" : " --command-config " + Commands.quote(f.commands().commandConfig());
    }
}
