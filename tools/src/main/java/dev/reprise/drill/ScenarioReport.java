package dev.reprise.drill;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What one scenario did and found: its facts ({@code kills}, {@code caught} of {@code mutants}, ...), what was
 * compared with the clean run and whether it was identical, the failures that make it not hold, and notes.
 */
final class ScenarioReport {
    private final String scenario;
    private final long start = System.nanoTime();
    private final Map<String, Object> facts = new LinkedHashMap<>();
    private final List<String> failures = new ArrayList<>();
    private final List<String> notes = new ArrayList<>();
    private Comparison comparison;
    private String skipped;

    ScenarioReport(String scenario) {
        this.scenario = scenario;
    }

    void fact(String name, Object value) {
        facts.put(name, value);
    }

    /** The comparison with the clean run; the scenario holds only if it is identical. */
    void compared(Comparison c) {
        this.comparison = c;
    }

    /** Something that makes the scenario not hold. */
    void fail(String why) {
        failures.add(why);
    }

    /** The scenario cannot run on this history: nothing was drilled, and the report says why. */
    void skip(String why) {
        this.skipped = why;
    }

    String skipped() {
        return skipped;
    }

    void note(String note) {
        notes.add(note);
    }

    boolean held() {
        return failures.isEmpty() && (comparison == null || comparison.identical());
    }

    List<String> differences() {
        List<String> out = new ArrayList<>(failures);
        if (comparison != null) {
            out.addAll(comparison.differences());
        }
        return out;
    }

    String summary() {
        StringBuilder s = new StringBuilder();
        facts.forEach((k, v) -> {
            if (v instanceof Number || v instanceof Boolean) {
                s.append(k).append('=').append(v).append(' ');
            }
        });
        if (comparison != null) {
            s.append(comparison.identical() ? "identical to the clean run" : "DIFFERENT from the clean run");
        }
        return s.toString().trim();
    }

    Map<String, Object> toJson() {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("scenario", scenario);
        out.put("held", held());
        if (skipped != null) {
            out.put("skipped", skipped);
        }
        if (comparison != null) {
            out.put("identical", comparison.identical());
        }
        out.putAll(facts);
        if (comparison != null) {
            Map<String, Object> compared = new LinkedHashMap<>();
            comparison.compared().forEach((field, c) -> {
                Map<String, Object> one = new LinkedHashMap<>();
                one.put("expected", c.expected());
                one.put("actual", c.actual());
                one.put("identical", c.identical());
                compared.put(field, one);
            });
            out.put("compared", compared);
        }
        out.put("differences", differences());
        out.put("notes", notes);
        out.put("seconds", Math.round((System.nanoTime() - start) / 1e8) / 10.0);
        return out;
    }
}
