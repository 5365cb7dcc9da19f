package dev.reprise.drill;

import java.util.List;
import java.util.Map;

/** The drill's account as text for a terminal: one block per scenario, what was compared and what differed. */
final class DrillTable {
    private DrillTable() {
    }

    @SuppressWarnings("unchecked")
    static String render(Map<String, Object> json) {
        StringBuilder out = new StringBuilder();
        String what = json.get("sample") instanceof Map<?, ?> sample
                ? String.format("a sample of %s (%,d records of %,d keys)", json.get("contract"), ((Number) sample.get("records_copied")).longValue(),
                ((Number) sample.get("keys_sampled")).longValue())
                : String.format("%,d events", ((Number) json.get("events")).longValue());
        out.append(String.format("Drill of %s over %s partitions (seed %s) on %s: %s in %s s%n", what,
                json.get("partitions"), json.get("seed"), json.get("cluster"), Boolean.TRUE.equals(json.get("held")) ? "every scenario held"
                        : "NOT every scenario held", json.get("seconds")));
        for (Map<String, Object> s : (List<Map<String, Object>>) json.get("scenarios")) {
            out.append(String.format("%n%-16s %s%n", s.get("scenario"), s.get("skipped") != null ? "skipped"
                    : Boolean.TRUE.equals(s.get("held")) ? "held" : "DID NOT HOLD"));
            s.forEach((k, v) -> {
                if (!List.of("scenario", "held", "compared", "differences", "notes", "outcomes").contains(k)) {
                    out.append(String.format("  %-28s %s%n", k, v));
                }
            });
            if (s.get("compared") instanceof Map<?, ?> compared) {
                out.append(String.format("  %-28s %-28s %-28s %s%n", "compared", "expected", "drilled run", ""));
                compared.forEach((field, c) -> {
                    Map<String, Object> one = (Map<String, Object>) c;
                    out.append(String.format("  %-28s %-28s %-28s %s%n", field, abbreviate(one.get("expected")), abbreviate(one.get("actual")),
                            Boolean.TRUE.equals(one.get("identical")) ? "identical" : "DIFFERENT"));
                });
            }
            if (s.get("outcomes") instanceof List<?> outcomes) {
                for (Object o : outcomes) {
                    Map<String, Object> m = (Map<String, Object>) o;
                    out.append(String.format("  %-32s %-11s %s %s%n", m.get("mutant"), Boolean.TRUE.equals(m.get("caught")) ? "caught" : "NOT CAUGHT",
                            m.get("confidence_status"), m.get("failed_checks")));
                }
            }
            for (Object d : (List<Object>) s.get("differences")) {
                out.append("  ! ").append(d).append('\n');
            }
            for (Object n : (List<Object>) s.get("notes")) {
                out.append("  note: ").append(n).append('\n');
            }
        }
        return out.toString();
    }

    private static String abbreviate(Object value) {
        String s = String.valueOf(value);
        return s.length() <= 28 ? s : s.substring(0, 25) + "...";
    }
}
