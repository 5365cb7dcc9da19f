package dev.reprise.runbook;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** Section 9: who does what, when, with the run's duration estimated from the plan. */
final class TimelineSection {
    private TimelineSection() {
    }

    static void write(Doc doc, Facts f) {
        doc.section(9, "Operator timeline");
        doc.table(List.of("role", "does"), List.of(
                List.of("operator", "runs every step of this runbook and watches the run (section 7)"),
                List.of("projection owner", "owns the contract; decides both go/no-go points and accepts or rejects a degraded verdict"),
                List.of("Kafka administrator", "grants the ACLs (step " + doc.ref("acls") + "), creates missing topics, cleans up (section 10)"),
                List.of("downstream owners", "the teams reading " + (f.liveTopics().isEmpty() ? Doc.code(f.contract().projection().topic())
                        : AnswersSection.codes(f.liveTopics())) + ": informed before the run, agree the time of the cut-over")));
        Long est = f.estimatedSeconds();
        String run = est == null ? "the plan's offsets ÷ " + String.format(Locale.ROOT, "%,.0f", f.options().rate())
                + " events/s (written offline: `reprise plan` prints the estimate)"
                : String.format(Locale.ROOT, "about %s (%,d offsets at %,.0f events/s; less once the throttle is lifted)", human(est),
                f.cluster().plan().totalOffsets(), f.options().rate());
        List<List<String>> rows = new ArrayList<>();
        rows.add(List.of("T−1 day", "Kafka administrator", "ACLs in place; live topic and retention checked", "step " + doc.ref("acls"), "—"));
        rows.add(List.of("T−1 h", "operator", "pre-flight", "steps " + doc.ref("offline") + " to " + doc.ref("reset-dry"),
                "minutes: the plan reads 500 records at each end of every range"));
        rows.add(List.of("T−0", "projection owner", "**go/no-go 1**", "section 2's checklist", "—"));
        rows.add(List.of("T+0", "operator", "go: record the run, throttle, start every instance", "steps " + doc.ref("go") + " to " + doc.ref("run"),
                "seconds"));
        rows.add(List.of("T+0 to the end", "operator", "watch; pause, resume, throttle as the cluster needs", "section 7, steps "
                + doc.ref("pause") + " to " + doc.ref("unthrottle"), run));
        rows.add(List.of("end of the run", "operator", "evidence gate and verification", "steps " + doc.ref("evidence") + ", " + doc.ref("verify"),
                "minutes: verify reads the shadow topic to its end"));
        if (!f.liveTopics().isEmpty()) {
            String first = f.liveTopics().get(0);
            rows.add(List.of("then", "projection owner, downstream owners", "**go/no-go 2**: the cut-over", "section 6's checklist", "—"));
            rows.add(List.of("then", "operator", "promote", "steps " + doc.ref("promote-dry:" + first) + ", " + doc.ref("promote:" + first), "minutes"));
        }
        rows.add(List.of("on failure", "operator, projection owner", "hold, abort, fix, new run", "section 8", "as long as the first run, again"));
        rows.add(List.of("after acceptance", "Kafka administrator, operator", "cleanup, lessons learned", "section 10", "—"));
        doc.table(List.of("when", "who", "what", "steps", "duration"), rows);
    }

    /** 3 h 20 min, 12 min, 45 s. */
    static String human(long seconds) {
        if (seconds < 60) {
            return seconds + " s";
        }
        long minutes = (seconds + 59) / 60;
        return minutes < 60 ? minutes + " min" : minutes / 60 + " h" + (minutes % 60 == 0 ? "" : " " + minutes % 60 + " min");
    }
}
