package dev.reprise.drill;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonUnwrapped;
import dev.reprise.cli.Json;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * What one scenario did and found: its facts ({@code kills}, {@code caught} of {@code mutants}, ...), what was
 * compared with the clean run and whether it was identical, the failures that make it not hold, and notes.
 */
final class ScenarioReport {
    /**
     * One scenario in the drill's account, as {@code reprise drill --json} prints it: its facts inline after
     * {@code identical}, as they were when the account was a map.
     *
     * @param skipped   why the scenario could not run on this history; absent when it ran
     * @param identical whether the drilled run was identical to the clean run; absent when nothing was compared
     * @param facts     what the scenario did; absent when it stopped before it knew
     * @param compared  field → expected, actual and whether identical; absent when nothing was compared
     * @param differences the failures and the differences from the clean run: the scenario held when there are none
     */
    record Result(String scenario, boolean held, @JsonInclude(JsonInclude.Include.NON_NULL) String skipped,
                  @JsonInclude(JsonInclude.Include.NON_NULL) Boolean identical,
                  @JsonUnwrapped @JsonInclude(JsonInclude.Include.NON_NULL) Facts facts,
                  @JsonInclude(JsonInclude.Include.NON_NULL) Map<String, Comparison.Compared> compared,
                  List<String> differences, List<String> notes, double seconds) {
    }

    private final String scenario;
    private final long start = System.nanoTime();
    private Facts facts;
    private final List<String> failures = new ArrayList<>();
    private final List<String> notes = new ArrayList<>();
    private Comparison comparison;
    private String skipped;

    ScenarioReport(String scenario) {
        this.scenario = scenario;
    }

    /** What the scenario did; a later call replaces an earlier one, so a scenario can say what it knows before it goes on. */
    void facts(Facts facts) {
        this.facts = facts;
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

    /** The facts' numbers and flags, {@code name=value}, and whether the run was identical: one line for the terminal. */
    String summary() {
        StringBuilder s = new StringBuilder();
        if (facts != null) {
            Json.tree(facts).fields().forEachRemaining(f -> {
                if (f.getValue().isNumber() || f.getValue().isBoolean()) {
                    s.append(f.getKey()).append('=').append(f.getValue()).append(' ');
                }
            });
        }
        if (comparison != null) {
            s.append(comparison.identical() ? "identical to the clean run" : "DIFFERENT from the clean run");
        }
        return s.toString().trim();
    }

    Result result() {
        return new Result(scenario, held(), skipped, comparison == null ? null : comparison.identical(), facts,
                comparison == null ? null : comparison.compared(), differences(), List.copyOf(notes),
                Math.round((System.nanoTime() - start) / 1e8) / 10.0);
    }
}
