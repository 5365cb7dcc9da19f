package dev.reprise.drill;

import com.fasterxml.jackson.databind.JsonNode;
import dev.reprise.cli.Json;

/** The drill's account as text for a terminal: one block per scenario, what was compared and what differed. */
final class DrillTable {
    private DrillTable() {
    }

    static String render(Drill.Result result) {
        StringBuilder out = new StringBuilder();
        String what = result.sample() != null
                ? String.format("a sample of %s (%,d records of %,d keys)", result.contract(), result.sample().recordsCopied(),
                result.sample().keysSampled())
                : String.format("%,d events", result.events());
        out.append(String.format("Drill of %s over %s partitions (seed %s) on %s: %s in %s s%n", what, result.partitions(), result.seed(),
                result.cluster(), result.held() ? "every scenario held" : "NOT every scenario held", result.seconds()));
        for (ScenarioReport.Result s : result.scenarios()) {
            out.append(String.format("%n%-16s %s%n", s.scenario(), s.skipped() != null ? "skipped" : s.held() ? "held" : "DID NOT HOLD"));
            row(out, "skipped", s.skipped());
            row(out, "identical", s.identical());
            if (s.facts() != null) {
                // The facts by the names --json gives them; each mutant's outcome on a line of its own below.
                Json.tree(s.facts()).fields().forEachRemaining(f -> {
                    if (!f.getKey().equals("outcomes")) {
                        row(out, f.getKey(), text(f.getValue()));
                    }
                });
            }
            row(out, "seconds", s.seconds());
            if (s.compared() != null) {
                out.append(String.format("  %-28s %-28s %-28s %s%n", "compared", "expected", "drilled run", ""));
                s.compared().forEach((field, c) -> out.append(String.format("  %-28s %-28s %-28s %s%n", field, abbreviate(c.expected()),
                        abbreviate(c.actual()), c.identical() ? "identical" : "DIFFERENT")));
            }
            if (s.facts() instanceof Facts.Evidence evidence) {
                for (EvidenceDrill.Mutant m : evidence.outcomes()) {
                    out.append(String.format("  %-32s %-11s %s %s%n", m.mutant(), m.caught() ? "caught" : "NOT CAUGHT",
                            m.result().confidenceStatus(), m.result().failedChecks()));
                }
            }
            for (String d : s.differences()) {
                out.append("  ! ").append(d).append('\n');
            }
            for (String n : s.notes()) {
                out.append("  note: ").append(n).append('\n');
            }
        }
        return out.toString();
    }

    private static void row(StringBuilder out, String name, Object value) {
        if (value != null) {
            out.append(String.format("  %-28s %s%n", name, value));
        }
    }

    /** A fact's value: text as it is, numbers and flags as written, lists and objects as their JSON. */
    private static String text(JsonNode value) {
        return value.isTextual() ? value.asText() : value.toString();
    }

    private static String abbreviate(Object value) {
        String s = String.valueOf(value);
        return s.length() <= 28 ? s : s.substring(0, 25) + "...";
    }
}
