package dev.reprise.runbook;

import dev.reprise.contract.Contract;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Section 7: what to watch while the run goes, where to see it and when to act. The signals are a list of rows,
 * so a new source (a metrics endpoint, a dashboard) is one more {@link Signal}.
 */
final class MonitoringSection {
    private MonitoringSection() {
    }

    /**
     * One thing to watch.
     *
     * @param what   the signal
     * @param where  the command, field or metric that shows it
     * @param normal what it looks like when all is well
     * @param alert  when to act, and how
     */
    record Signal(String what, String where, String normal, String alert) {
    }

    static void write(Doc doc, Facts f) {
        doc.section(7, "Monitoring");
        doc.para("Reprise's own view of a run is `reprise status` (committed offsets against the plan, rate, ETA, the operator's last "
                + "command, the verdict) and the evidence topic (`reprise evidence`: PROGRESS records while it runs, then the FINAL one). "
                + "Watch the run with:");
        doc.step("watch", "follow the run until it is complete", f.commands().cluster("status", "--watch", "10"), 0,
                "Refreshes every 10 s and exits 0 once the run's final evidence is written (at once after a finished run); `1` when no run "
                        + "has been planned. Add `--json` for one JSON object per refresh, for a dashboard.", Step.When.NOW);
        doc.table(List.of("signal", "where", "normal", "alert when"), signals(f).stream()
                .map(s -> List.of(s.what(), s.where(), s.normal(), s.alert())).toList());
        if (f.options().metricsPort() != null) {
            int port = f.options().metricsPort();
            doc.para("Each `reprise run` also serves, on `--metrics-port` (default " + port + "), `/metrics` for Prometheus, `/health/live`, "
                    + "`/health/ready` (503 with the reason once the run has failed or stopped) and `/status` (the run's id, state, progress, "
                    + "rate, ETA and, at the end, the verdict, as JSON). The gauges are run-wide (every instance reports the same value: "
                    + "aggregate with `max`); the counters are each instance's own (aggregate with `sum`).");
            doc.table(List.of("metric", "normal", "alert when"), metrics(f));
            doc.para("Import `deploy/grafana/reprise-dashboard.json` into Grafana for these panels, and load "
                    + "`deploy/prometheus/reprise-alerts.yaml` into Prometheus: it alerts on the dead-letter ratio at 1 % and 50 % (the "
                    + "contract's defaults; this contract's limits are " + ReplayLoop.percent(f.contract().evidence().maxDeadLetterRatio()) + " and "
                    + ReplayLoop.percent(f.contract().evidence().untrustedDeadLetterRatio()) + ": edit the rule file to match), on progress "
                    + "stalled while running, and on degraded or untrusted evidence.");
        }
        doc.para("Kafka Streams' and the Kafka clients' own metrics are registered in JMX in every `reprise run` (e.g. "
                + "`kafka.streams:type=stream-thread-metrics` `process-rate`, `kafka.consumer:type=consumer-fetch-manager-metrics` "
                + "`records-lag-max`); to read them remotely, add the JVM's JMX options to `REPRISE_JAVA_OPTS`.");
    }

    /** The Prometheus series of a run (names as {@code ReplayMetrics} registers them) with their normal and alarming values. */
    static List<List<String>> metrics(Facts f) {
        Contract c = f.contract();
        String rate = String.format(Locale.ROOT, "%,.0f", f.options().rate());
        return List.of(
                List.of("`reprise_run_state{state}`", "`running` at 1 (`paused` while paused on purpose)", "`starting` for more than 5 minutes, or "
                        + "`paused` that nobody asked for: section 8"),
                List.of("`reprise_progress_ratio`", "rising from 0 to 1", "flat for 10 minutes while `running` (alert `RepriseProgressStalled`)"),
                List.of("`reprise_events_per_second`", "near " + rate + " while throttled to it", "below half of that for 5 minutes"),
                List.of("`reprise_eta_seconds`", "falling", "rising for 10 minutes: throttle less, or add instances"),
                List.of("`rate(reprise_dead_letters_total[5m])` ÷ `rate(reprise_events_total{outcome=\"read\"}[5m])`",
                        "at most " + ReplayLoop.percent(c.evidence().maxDeadLetterRatio()), "above it: pause, read the `reason` label (section 8)"),
                List.of("`reprise_stale_records_total`", "0 (records of an earlier run, ignored)", "rising: someone reset offsets with another tool "
                        + "mid-run; the evidence will say whether the run stays trusted"),
                List.of("`reprise_verdict{verdict}`", "`trusted` at 1 once the run ends", "`degraded` or `untrusted` at 1: sections 6 and 8"));
    }

    static List<Signal> signals(Facts f) {
        Contract c = f.contract();
        String rate = String.format(Locale.ROOT, "%,.0f", f.options().rate());
        Long est = f.estimatedSeconds();
        List<Signal> out = new ArrayList<>();
        out.add(new Signal("progress", "`reprise status`: percent, offsets/s", "rising; near " + rate + " offsets/s while throttled to it",
                "below half of that for 5 minutes while not paused: look at the instances' stderr and the broker"));
        out.add(new Signal("instances", "`reprise status`: state, instances", "`running`, as many instances as you started",
                "`not running` (no member in group " + Doc.code(c.applicationId()) + "): start `reprise run` again; it continues the run"));
        out.add(new Signal("ETA", "`reprise status`: ETA", est == null ? "within the plan's estimate (offsets ÷ rate)" : "within " + TimelineSection.human(est),
                est == null ? "above twice the estimate: throttle less, or add instances" : "above " + TimelineSection.human(2 * est)
                + ": throttle less, or add instances (up to one per apply task)"));
        out.add(new Signal("paused by a threshold", "`reprise status`: `paused`; stderr of `reprise run` names the threshold",
                "never", "at once: section 8"));
        out.add(new Signal("dead letters", "stderr of `reprise run` (`Poison record at …`), the end offsets of " + Doc.code(c.deadLetter().topic())
                + ", header `reprise.dlq.reason_code`", "few; at most " + ReplayLoop.percent(c.evidence().maxDeadLetterRatio()) + " of the records read",
                "above " + ReplayLoop.percent(c.evidence().maxDeadLetterRatio()) + ": pause and look at the reasons (section 8)"));
        out.add(new Signal("counts so far", "`reprise evidence --include-progress` (exits 1 while the run goes: progress is not a verdict)",
                "events processed rising, duplicates about as many as the history holds", "dead letters at the apply stage rising (unexpected-error: the projection threw; the run will be degraded)"));
        if (c.ordering().sequenceField() != null) {
            out.add(new Signal("ordering violations", "the final evidence: `ordering_violations`", "≤ " + c.evidence().maxOrderingViolations(),
                    "above: degraded; the projection owner decides (go/no-go 2)"));
        }
        out.add(new Signal("verdict", "`reprise evidence` exit code, `confidence_status`", "0, trusted", "3 or 4: section 6 and 8"));
        return out;
    }
}
