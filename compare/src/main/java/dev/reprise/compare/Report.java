package dev.reprise.compare;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.ToDoubleFunction;

/** The comparison's table: medians over the rounds with the range, and where each rebuild's time went. */
public final class Report {
    private Report() {
    }

    public static String table(Comparison.Outcome o) {
        StringBuilder s = new StringBuilder();
        Comparison.Settings set = o.settings();
        s.append(String.format(Locale.ROOT, "%,d records (%,d unique events over %s, %,d duplicate copies, %,d poison), %d partitions, "
                        + "%d round(s), %d processors; medians over the correct runs, [min–max]; "
                        + "× Reprise replay: its time over that of reprise replay (2.00: twice as long)%n%n",
                o.records(), o.generated().events(), set.keys().describe(), o.generated().duplicates(), o.generated().poison(), set.partitions(),
                set.rounds(), Runtime.getRuntime().availableProcessors()));
        s.append("| rebuild | command → verdict (s) | records/s | × Reprise replay | peak RSS (MiB) | CPU (s) | broker CPU (s) | output identical to the truth |\n");
        s.append("|---|---|---|---|---|---|---|---|\n");
        double reprise = medianWall(o, Contender.REPRISE_REPLAY);
        for (Contender c : set.contenders()) {
            List<Result> all = o.results().stream().filter(r -> r.contender() == c).toList();
            List<Result> ok = all.stream().filter(Result::ok).toList();
            String correct = ok.size() == all.size() ? "yes (" + all.size() + "/" + all.size() + ")"
                    : "NO: " + (all.size() - ok.size()) + " of " + all.size() + " wrong or failed";
            if (ok.isEmpty()) {
                s.append(String.format("| %s | — | — | — | — | — | — | %s |%n", c.label(), correct));
                continue;
            }
            s.append(String.format(Locale.ROOT, "| %s | %s | %s | %s | %s | %s | %s | %s |%n", c.label(),
                    stat(ok, r -> r.wallMillis() / 1000.0, "%.1f"),
                    stat(ok, r -> r.eventsPerSecond(o.records()), "%,.0f"),
                    Double.isNaN(reprise) ? "—" : String.format(Locale.ROOT, "%.2f", medianWall(o, c) / reprise),
                    stat(ok, r -> r.peakRssBytes() / 1048576.0, "%.0f"),
                    stat(ok, Result::cpuSeconds, "%.1f"), stat(ok, Result::brokerCpuSeconds, "%.1f"), correct));
        }
        s.append(String.format(Locale.ROOT, "%nJVM start and exit (reprise --version): %s ms%n", statLongs(o.jvmStartMillis())));
        for (Contender c : set.contenders()) {
            List<Result> ok = o.results().stream().filter(r -> r.contender() == c && r.ok()).toList();
            if (ok.isEmpty()) {
                continue;
            }
            s.append(String.format("%nWhere the time of '%s' went (ms, medians [min–max]):%n", c.label()));
            for (String part : ok.get(0).breakdown().keySet()) {
                List<Result> with = ok.stream().filter(r -> r.breakdown().containsKey(part)).toList();
                s.append(String.format(Locale.ROOT, "  %-45s %s%n", part, stat(with, r -> r.breakdown().get(part), "%,.0f")));
            }
        }
        List<Result> failed = o.results().stream().filter(r -> !r.ok()).toList();
        if (!failed.isEmpty()) {
            s.append("\nNot counted:\n");
            failed.forEach(r -> s.append(String.format("  round %d, %s: %s%n", r.round(), r.contender().label(), r.failure())));
        }
        return s.toString();
    }

    /** The median time of a rebuild's correct runs in milliseconds, NaN when it has none. */
    static double medianWall(Comparison.Outcome o, Contender c) {
        double[] v = o.results().stream().filter(r -> r.contender() == c && r.ok()).mapToDouble(Result::wallMillis).sorted().toArray();
        return v.length == 0 ? Double.NaN : median(v);
    }

    /** Every run as plain values, for JSON. */
    public static Map<String, Object> json(Comparison.Outcome o) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("records", o.records());
        out.put("truth_keys", o.generated().truth().size());
        out.put("events", o.generated().events());
        out.put("duplicates", o.generated().duplicates());
        out.put("poison", o.generated().poison());
        out.put("keys", o.settings().keys().describe());
        out.put("partitions", o.settings().partitions());
        out.put("processors", Runtime.getRuntime().availableProcessors());
        out.put("jvm_start_ms", o.jvmStartMillis());
        List<Map<String, Object>> runs = new ArrayList<>();
        for (Result r : o.results()) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("rebuild", r.contender().id());
            m.put("round", r.round());
            m.put("ok", r.ok());
            m.put("failure", r.failure());
            m.put("wall_ms", r.wallMillis());
            m.put("records_per_second", Math.round(r.eventsPerSecond(o.records())));
            double reprise = medianWall(o, Contender.REPRISE_REPLAY);
            m.put("ratio_to_reprise_replay", Double.isNaN(reprise) ? null : Math.round(r.wallMillis() / reprise * 100) / 100.0);
            m.put("peak_rss_bytes", r.peakRssBytes());
            m.put("cpu_seconds", Math.round(r.cpuSeconds() * 100) / 100.0);
            m.put("broker_cpu_seconds", Math.round(r.brokerCpuSeconds() * 100) / 100.0);
            m.put("correct", r.check() != null && r.check().correct());
            m.put("output_keys", r.check() == null ? null : r.check().keys());
            m.put("breakdown_ms", r.breakdown());
            runs.add(m);
        }
        out.put("runs", runs);
        return out;
    }

    static String stat(List<Result> results, ToDoubleFunction<Result> f, String format) {
        double[] v = results.stream().mapToDouble(f).sorted().toArray();
        String median = String.format(Locale.ROOT, format, median(v));
        return v.length == 1 ? median : median + String.format(Locale.ROOT, " [" + format + "–" + format + "]", v[0], v[v.length - 1]);
    }

    private static String statLongs(List<Long> values) {
        double[] v = values.stream().mapToDouble(Long::doubleValue).sorted().toArray();
        return String.format(Locale.ROOT, "%,.0f", median(v)) + (v.length == 1 ? "" : String.format(Locale.ROOT, " [%,.0f–%,.0f]", v[0], v[v.length - 1]));
    }

    static double median(double[] sorted) {
        int n = sorted.length;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }
}
