package dev.reprise.counts;

import java.util.Arrays;
import java.util.List;

/**
 * The run's totals as the contract's CEL checks ({@code reconciliation.totals}) name them: the evidence fields of
 * the same names.
 */
public enum Total {
    EVENTS_READ("events_read"),
    EVENTS_PROCESSED("events_processed"),
    DUPLICATES_SKIPPED("duplicates_skipped"),
    FILTERED("filtered"),
    DEAD_LETTERED("dead_lettered"),
    PROJECTION_KEYS("projection_keys"),
    OUT_OF_RANGE("out_of_range");

    private final String variable;

    Total(String variable) {
        this.variable = variable;
    }

    /** The name a CEL check uses. */
    public String variable() {
        return variable;
    }

    public static List<String> variables() {
        return Arrays.stream(values()).map(Total::variable).toList();
    }
}
