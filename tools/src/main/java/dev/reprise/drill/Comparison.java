package dev.reprise.drill;

import dev.reprise.evidence.EvidenceCodec;
import dev.reprise.evidence.avro.RecoveryEvidence;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * A drilled run against the clean run of the same input: every count of the evidence, the dead letters by
 * reason, the checksum, the verdict, and the projection topic key by key. Where the drill changed the input on
 * purpose (copies, poison records), the expected value is the clean run's plus what the drill added.
 */
final class Comparison {
    /** The evidence fields compared, as named in schemas/recovery-evidence.avsc. */
    static final List<String> FIELDS = List.of("events_read", "events_processed", "duplicates_skipped", "filtered", "out_of_range",
            "dead_lettered", "dead_letter_reasons", "upcasts", "ordering_violations", "projection_keys", "projections_unchanged",
            "projections_changed", "projections_missing", "projections_extra", "checksum", "confidence_status");

    /** What a run left: its final evidence and its projection topic (latest value of every key). */
    record Outcome(RecoveryEvidence evidence, Map<String, byte[]> projection) {
        Map<String, Object> fields() {
            return EvidenceCodec.toMap(evidence);
        }
    }

    /** One compared value. */
    record Compared(Object expected, Object actual, boolean identical) {
    }

    private final Map<String, Compared> compared = new LinkedHashMap<>();
    private final List<String> differences = new ArrayList<>();

    /**
     * @param expectedChanges fields whose expected value is not the clean run's, with the value expected
     */
    static Comparison of(Outcome clean, Outcome drilled, Map<String, Object> expectedChanges) {
        return of(clean, drilled, expectedChanges, java.util.Set.of());
    }

    /** @param notCompared fields left out, where the drill changed the input in a way that has no simple expected value */
    static Comparison of(Outcome clean, Outcome drilled, Map<String, Object> expectedChanges, java.util.Set<String> notCompared) {
        Comparison c = new Comparison();
        Map<String, Object> a = clean.fields();
        Map<String, Object> b = drilled.fields();
        for (String field : FIELDS) {
            if (notCompared.contains(field)) {
                continue;
            }
            Object expected = expectedChanges.containsKey(field) ? expectedChanges.get(field) : a.get(field);
            c.add(field, normalise(expected), normalise(b.get(field)));
        }
        TreeSet<String> keys = new TreeSet<>(clean.projection().keySet());
        keys.addAll(drilled.projection().keySet());
        List<String> differing = keys.stream().filter(k -> !Arrays.equals(clean.projection().get(k), drilled.projection().get(k))).toList();
        c.compared.put("projection_topic", new Compared(clean.projection().size() + " keys", drilled.projection().size() + " keys, "
                + differing.size() + " differing", differing.isEmpty()));
        if (!differing.isEmpty()) {
            c.differences.add("projection topic: " + differing.size() + " of " + keys.size() + " keys differ from the clean run's, e.g. "
                    + differing.subList(0, Math.min(5, differing.size())));
        }
        return c;
    }

    void add(String field, Object expected, Object actual) {
        boolean same = Objects.equals(expected, actual);
        compared.put(field, new Compared(expected, actual, same));
        if (!same) {
            differences.add(field + ": expected " + expected + ", got " + actual);
        }
    }

    boolean identical() {
        return differences.isEmpty();
    }

    Map<String, Compared> compared() {
        return compared;
    }

    List<String> differences() {
        return differences;
    }

    /** Numbers as longs and maps sorted, so that values from different sources compare equal when they are. */
    private static Object normalise(Object value) {
        if (value instanceof Number n && !(value instanceof Double) && !(value instanceof Float)) {
            return n.longValue();
        }
        if (value instanceof Map<?, ?> m) {
            Map<String, Object> sorted = new TreeMap<>();
            m.forEach((k, v) -> sorted.put(String.valueOf(k), normalise(v)));
            return sorted;
        }
        if (value instanceof List<?> l) {
            return l.stream().map(Comparison::normalise).toList();
        }
        if (value instanceof CharSequence s) {
            return s.toString();
        }
        return value;
    }
}
