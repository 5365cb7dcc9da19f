package dev.reprise.verify;

import dev.reprise.evidence.avro.ConfidenceStatus;
import dev.reprise.evidence.avro.RecoveryEvidence;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * What {@code reprise promote} would do to a live projection topic, and whether it may: the run's keys
 * to write, the live keys it would change or tombstone, the share of live keys that is, the result of
 * re-verifying the shadow topic against the evidence, and every reason to refuse. Computed from
 * snapshots, without writing; the command writes only when {@link #refusals()} is empty or forced.
 *
 * @param upserts       the run's keys whose live value is missing or different, with the value to write
 * @param keysInRun     keys of the shadow topic last written by the run
 * @param added         upserts of keys the live topic does not have
 * @param liveKeys      keys of the live topic now
 * @param liveChanged   live keys whose value would change (upserts minus added)
 * @param tombstones    live keys the run does not have: they would be deleted
 * @param changedRatio  (liveChanged + tombstones) / liveKeys; 0 when the live topic has no keys
 * @param verification  the checks of {@code reprise verify} on the shadow topic now
 * @param refusals      why --execute is refused without --force --reason; empty when it is not
 */
public record Promotion(String runId, ConfidenceStatus status, Map<String, byte[]> upserts, long keysInRun, long added, long liveKeys,
                        long liveChanged, List<String> tombstones, double changedRatio, double maxChangedRatio,
                        List<Verifier.Result> verification, List<Refusal> refusals) {

    /** Why a promotion is refused; {@code kind} decides the exit code. */
    public record Refusal(Kind kind, String message) {
    }

    public enum Kind {
        /** The evidence is not trusted: exit 3 or 4, as its verdict. */
        VERDICT,
        /** The shadow topic no longer holds what the evidence describes. */
        VERIFICATION,
        /** More live keys would change than promote.max_changed_ratio allows. */
        CHANGED_RATIO
    }

    private static final int SAMPLES = 5;

    public Promotion {
        upserts = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(upserts));
        tombstones = List.copyOf(tombstones);
        verification = List.copyOf(verification);
        refusals = List.copyOf(refusals);
    }

    /**
     * @param shadow          the shadow (projection) topic now
     * @param live            the live topic now
     * @param verification    {@link Verifier#verify} on {@code shadow}
     * @param maxChangedRatio the contract's promote.max_changed_ratio
     */
    public static Promotion plan(RecoveryEvidence evidence, Map<String, TopicSnapshot.Entry> shadow, Map<String, TopicSnapshot.Entry> live,
                                 List<Verifier.Result> verification, double maxChangedRatio) {
        return plan(evidence, shadow, live, verification, maxChangedRatio, value -> value);
    }

    /**
     * @param content a value's content for the comparison, e.g. the state's Avro binary, so that a live value and a
     *                shadow value that hold the same state in two encodings ({@code projection.encoding}) are
     *                unchanged (and not rewritten); {@code null} when the value is unreadable, then its bytes count
     */
    public static Promotion plan(RecoveryEvidence evidence, Map<String, TopicSnapshot.Entry> shadow, Map<String, TopicSnapshot.Entry> live,
                                 List<Verifier.Result> verification, double maxChangedRatio, Function<byte[], byte[]> content) {
        String runId = evidence.getRunId();
        Map<String, byte[]> upserts = new LinkedHashMap<>();
        long keysInRun = 0;
        long added = 0;
        List<String> changedSamples = new ArrayList<>();
        for (Map.Entry<String, TopicSnapshot.Entry> e : shadow.entrySet()) {
            if (!runId.equals(e.getValue().runId())) {
                continue;
            }
            keysInRun++;
            TopicSnapshot.Entry now = live.get(e.getKey());
            if (now == null) {
                added++;
                upserts.put(e.getKey(), e.getValue().value());
            } else if (!sameContent(now.value(), e.getValue().value(), content)) {
                upserts.put(e.getKey(), e.getValue().value());
                if (changedSamples.size() < SAMPLES) {
                    changedSamples.add(e.getKey());
                }
            }
        }
        List<String> tombstones = live.keySet().stream().filter(k -> shadow.get(k) == null || !runId.equals(shadow.get(k).runId())).toList();
        long liveChanged = upserts.size() - added;
        double ratio = live.isEmpty() ? 0 : (liveChanged + tombstones.size()) / (double) live.size();

        List<Refusal> refusals = new ArrayList<>();
        if (evidence.getConfidenceStatus() != ConfidenceStatus.trusted) {
            refusals.add(new Refusal(Kind.VERDICT, "run " + runId + " is " + evidence.getConfidenceStatus() + ", not trusted: "
                    + evidence.getConfidenceReasons()));
        }
        List<String> failed = verification.stream().filter(r -> !r.passed()).map(r -> r.name() + " (" + r.detail() + ")").toList();
        if (!failed.isEmpty()) {
            refusals.add(new Refusal(Kind.VERIFICATION, "the shadow topic no longer matches the evidence of run " + runId + ": "
                    + String.join("; ", failed)));
        }
        if (!live.isEmpty() && ratio > maxChangedRatio) {
            List<String> examples = new ArrayList<>();
            if (!tombstones.isEmpty()) {
                examples.add("tombstoned " + tombstones.stream().limit(SAMPLES).toList());
            }
            if (!changedSamples.isEmpty()) {
                examples.add("changed " + changedSamples);
            }
            refusals.add(new Refusal(Kind.CHANGED_RATIO, String.format("it would tombstone %,d and change %,d of the %,d live keys (%s), "
                            + "more than promote.max_changed_ratio %s allows (e.g. %s); a rebuild that lost most of the projection "
                            + "(a scope or filter that selected too little, another run's keys) looks like this",
                    tombstones.size(), liveChanged, live.size(), percent(ratio), percent(maxChangedRatio), String.join(", ", examples))));
        }
        return new Promotion(runId, evidence.getConfidenceStatus(), upserts, keysInRun, added, live.size(), liveChanged, tombstones, ratio,
                maxChangedRatio, verification, refusals);
    }

    private static boolean sameContent(byte[] live, byte[] shadow, Function<byte[], byte[]> content) {
        if (Arrays.equals(live, shadow)) {
            return true;
        }
        byte[] a = content.apply(live);
        byte[] b = content.apply(shadow);
        return a != null && b != null && Arrays.equals(a, b);
    }

    public long unchanged() {
        return keysInRun - upserts.size();
    }

    public boolean verified() {
        return verification.stream().allMatch(Verifier.Result::passed);
    }

    public static String percent(double ratio) {
        return String.format("%.1f%%", ratio * 100);
    }
}
