package dev.reprise.runbook;

import dev.reprise.contract.Contract;
import dev.reprise.preview.PlanPreview;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** Section 10: what the run leaves behind, how to remove it, and the lessons-learned checklist. */
final class CleanupSection {
    private CleanupSection() {
    }

    static void write(Doc doc, Facts f) {
        Contract c = f.contract();
        String app = c.applicationId();
        doc.section(10, "Post-replay cleanup and lessons learned");
        doc.para("Only once the verdict is accepted (and the promotion, if any, has been running without complaint): the internal topics are "
                + "what a restarted `reprise run` needs. Check that no instance is left:");
        doc.step(null, "no instance left in the group", f.commands().cluster("status"), 0,
                "Shows `complete` (or `not running`) and `0 instance(s)`; stop any instance still listed before deleting anything.", Step.When.NOW);
        List<String> internal = PlanPreview.writtenTopics(c).stream().filter(t -> t.startsWith(app + "-")).toList();
        doc.para("The internal topics of " + Doc.code(app) + ". Reprise does not delete topics; Kafka's tool does (one topic at a time, names "
                + "written out rather than a pattern, so no other application's topics match):");
        String bootstrap = Commands.quote(f.commands().bootstrap()) + PreflightSection.kafkaConfig(f);
        StringBuilder delete = new StringBuilder();
        for (String t : internal) {
            delete.append("kafka-topics.sh --bootstrap-server ").append(bootstrap).append(" --delete --topic ").append(t).append('\n');
        }
        doc.kafkaTool(delete.toString());
        doc.para("The consumer group (a classic group; for a `group.protocol=streams` group use `kafka-streams-groups.sh` with the same "
                + "options). Its committed offsets are gone with it: a later run plans from the contract's scope.");
        doc.kafkaTool("kafka-consumer-groups.sh --bootstrap-server " + bootstrap + " --delete --group " + app);
        doc.para("The local state of every instance (RocksDB stores and the saved plan), on each machine that ran `reprise run`:");
        doc.shell("rm -rf " + Commands.quote(f.options().stateDir()));
        List<String> keep = new ArrayList<>();
        keep.add(Doc.code(c.evidence().topic()) + ": never delete; it is the proof of this run.");
        keep.add(Doc.code(c.deadLetter().topic()) + ": keep until every poison record is explained or repaired; then let retention take it.");
        keep.add(Doc.code(c.projection().topic()) + " (the shadow): " + (f.liveTopics().isEmpty()
                ? "it holds the rebuilt projection; delete it only when its readers no longer need it."
                : "keep it while a rollback by promotion may be needed (section 8); then `kafka-topics.sh --delete --topic "
                + c.projection().topic() + "`."));
        keep.add("Transactional ids prefixed by " + Doc.code(app) + " expire on their own (the brokers' `transactional.id.expiration.ms`).");
        doc.para("What stays:");
        doc.bullets(keep);
        doc.subsection("Lessons learned");
        List<String> lessons = new ArrayList<>();
        Long est = f.estimatedSeconds();
        lessons.add("The run took ... against " + (est == null ? "the plan's estimate" : "the estimate of " + TimelineSection.human(est))
                + String.format(Locale.ROOT, " at %,.0f events/s; the evidence's `events_per_second` was ...", f.options().rate()));
        lessons.add("Dead letters by reason (`dead_letter_reasons`): expected? Each explained, or an issue filed for its producer.");
        lessons.add("Duplicates skipped: as many as the history is known to hold?");
        lessons.add("Thresholds crossed, pauses and their reasons; alerts that fired, and alerts that should have.");
        if (!Gaps.of(f).isEmpty()) {
            lessons.add("The unanswered questions at the top: which can the contract now answer (a reference topic, invariants, a sequence "
                    + "field, thresholds)? Update " + Doc.code(c.name()) + "'s contract.");
        }
        lessons.add("`evidence.min_events_processed` and `min_projection_keys`: set them near this run's counts, so an empty rebuild of the "
                + "next run cannot pass.");
        lessons.add("Where this runbook and the replay parted ways: write it into the change ticket and regenerate the runbook from the contract.");
        doc.checklist(lessons);
    }
}
