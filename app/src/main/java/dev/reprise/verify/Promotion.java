package dev.reprise.verify;

import dev.reprise.contract.Contract;
import dev.reprise.contract.Position;
import dev.reprise.evidence.avro.ConfidenceStatus;
import dev.reprise.evidence.avro.RecoveryEvidence;

import java.time.Instant;
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
 * <p>A promotion touches only what the run proved: keys inside the run's scope ({@link ScopeRule}), whose live
 * record was written before the run's plan was made. A live key outside the scope, one whose membership the key
 * alone cannot decide, and one written (or deleted) in the live topic at or after the plan's creation, other than by
 * a promotion, are left as they are, each listed in {@link #left()} with the reason; none of them counts as changed.
 *
 * @param upserts       the run's keys whose live value is missing or different, with the value to write
 * @param keysInRun     keys of the shadow topic last written by the run
 * @param unchanged     the run's keys whose live value is the same already
 * @param added         upserts of keys the live topic does not have
 * @param liveKeys      keys of the live topic now
 * @param liveChanged   live keys whose value would change (upserts minus added)
 * @param tombstones    live keys the run does not have, inside its scope, last written before the plan: they would be deleted
 * @param tombstoneReasons why each of {@code tombstones} goes, by key
 * @param left          keys promote leaves alone, and why
 * @param changedRatio  (liveChanged + tombstones) / liveKeys; 0 when the live topic has no keys
 * @param verification  the checks of {@code reprise verify} on the shadow topic now
 * @param refusals      why --execute is refused without --force --reason; empty when it is not
 */
public record Promotion(String runId, ConfidenceStatus status, Map<String, byte[]> upserts, long keysInRun, long unchanged, long added, long liveKeys,
                        long liveChanged, List<String> tombstones, Map<String, String> tombstoneReasons, List<Left> left, double changedRatio,
                        double maxChangedRatio, List<Verifier.Result> verification, List<Refusal> refusals) {

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

    /** A key promote neither writes nor tombstones. */
    public record Left(String key, Why why, String reason) {
    }

    public enum Why {
        /** The run's scope excludes the key (scope.keys does not list it): the run proved nothing about it. */
        OUTSIDE_SCOPE,
        /** The key alone does not tell whether the run's scope covers it (a tenant, event type or range filter, another contract). */
        SCOPE_UNDECIDED,
        /** The live topic's latest record of the key was written at or after the plan was made: newer than the run's history. */
        WRITTEN_AFTER_PLAN
    }

    /**
     * Which keys the run's scope covers, as far as the key alone can tell. {@code undecidable} lists why a key that
     * {@code keys} does not exclude may still lie outside the scope (empty: every key {@code keys} allows is inside).
     *
     * @param keys the run's scope.keys; empty means every key
     */
    public record ScopeRule(java.util.Set<String> keys, List<String> undecidable) {
        /** Every key is inside: a run over the whole history with no filter. */
        public static final ScopeRule EVERY_KEY = new ScopeRule(java.util.Set.of(), List.of());

        public ScopeRule {
            keys = java.util.Set.copyOf(keys);
            undecidable = List.copyOf(undecidable);
        }

        /**
         * The rule of {@code contract}'s scope, when it is the contract the run used (same hash as the evidence's);
         * otherwise no key's membership can be decided from it.
         */
        public static ScopeRule of(Contract contract, RecoveryEvidence evidence) {
            if (!contract.hash().equals(evidence.getContractHash())) {
                return new ScopeRule(java.util.Set.of(), List.of("this contract (sha256 " + head(contract.hash()) + ") is not the one run "
                        + evidence.getRunId() + " used (sha256 " + head(evidence.getContractHash()) + "), so the run's scope cannot be read "
                        + "from it; promote with the contract the run used"));
            }
            Contract.Scope scope = contract.scope();
            List<String> why = new ArrayList<>();
            if (!scope.tenants().isEmpty()) {
                why.add("scope.tenants selects events by their " + scope.tenantField() + " field, and a key alone does not tell its tenant");
            }
            if (!scope.eventTypes().isEmpty()) {
                why.add("scope.event_types replays only " + new java.util.TreeSet<>(scope.eventTypes())
                        + ", and a key the rebuild lacks may have events of other types only");
            }
            if (!(scope.from() instanceof Position.Earliest)) {
                why.add("scope.from is " + scope.from() + ", not earliest: a key whose events all came before it is absent from the rebuild");
            }
            if (!(scope.to() instanceof Position.LatestAtStart)) {
                why.add("scope.to is " + scope.to() + ", not latest-at-start: a key whose events all came after it is absent from the rebuild");
            }
            return new ScopeRule(scope.keys(), why);
        }

        private static String head(String hash) {
            return hash == null ? "unknown" : hash.substring(0, Math.min(12, hash.length())) + "…";
        }

        /** Why {@code key} is outside the scope or may be, or {@code null} when it is inside. */
        Left exclude(String key) {
            if (!keys.isEmpty() && !keys.contains(key)) {
                return new Left(key, Why.OUTSIDE_SCOPE, "outside the run's scope: scope.keys does not list it");
            }
            if (!undecidable.isEmpty()) {
                return new Left(key, Why.SCOPE_UNDECIDED, "the run's scope may not cover it: " + String.join("; ", undecidable));
            }
            return null;
        }

        String inside() {
            return keys.isEmpty() ? "inside the run's scope (every key)" : "inside the run's scope (scope.keys lists it)";
        }
    }

    private static final int SAMPLES = 5;

    public Promotion {
        upserts = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(upserts));
        tombstones = List.copyOf(tombstones);
        tombstoneReasons = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(tombstoneReasons));
        left = List.copyOf(left);
        verification = List.copyOf(verification);
        refusals = List.copyOf(refusals);
    }

    /**
     * A promotion of a run over every key, into a live topic written before the plan.
     *
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
        TopicSnapshot.Live all = new TopicSnapshot.Live("live", live, Map.of(), Map.of(), Long.MAX_VALUE, Map.of());
        return plan(evidence, shadow, all, ScopeRule.EVERY_KEY, verification, maxChangedRatio, content);
    }

    /**
     * @param live  the live topic now, read with {@link TopicSnapshot#readLive} since the plan's creation (the evidence's started_at)
     * @param scope which keys the run's scope covers
     */
    public static Promotion plan(RecoveryEvidence evidence, Map<String, TopicSnapshot.Entry> shadow, TopicSnapshot.Live live, ScopeRule scope,
                                 List<Verifier.Result> verification, double maxChangedRatio, Function<byte[], byte[]> content) {
        String runId = evidence.getRunId();
        Map<String, byte[]> upserts = new LinkedHashMap<>();
        long keysInRun = 0;
        long added = 0;
        long unchanged = 0;
        List<String> changedSamples = new ArrayList<>();
        Map<String, Left> left = new java.util.TreeMap<>();
        for (Map.Entry<String, TopicSnapshot.Entry> e : shadow.entrySet()) {
            if (!runId.equals(e.getValue().runId())) {
                continue;
            }
            keysInRun++;
            String key = e.getKey();
            TopicSnapshot.Entry now = live.entries().get(key);
            if (now != null && sameContent(now.value(), e.getValue().value(), content)) {
                unchanged++;
                continue;
            }
            Left outside = scope.exclude(key);
            if (outside != null && outside.why() == Why.OUTSIDE_SCOPE) {
                left.put(key, outside);
                continue;
            }
            TopicSnapshot.Entry last = now != null ? now : live.deleted().get(key);
            if (last != null && laterThanPlan(live, last)) {
                left.put(key, afterPlan(key, last, now == null, live.since()));
                continue;
            }
            upserts.put(key, e.getValue().value());
            if (now == null) {
                added++;
            } else if (changedSamples.size() < SAMPLES) {
                changedSamples.add(key);
            }
        }
        List<String> tombstones = new ArrayList<>();
        Map<String, String> tombstoneReasons = new LinkedHashMap<>();
        for (Map.Entry<String, TopicSnapshot.Entry> e : live.entries().entrySet()) {
            String key = e.getKey();
            TopicSnapshot.Entry rebuilt = shadow.get(key);
            if (rebuilt != null && runId.equals(rebuilt.runId())) {
                continue;
            }
            Left outside = scope.exclude(key);
            if (outside != null) {
                left.put(key, outside);
            } else if (laterThanPlan(live, e.getValue())) {
                left.put(key, afterPlan(key, e.getValue(), false, live.since()));
            } else {
                tombstones.add(key);
                tombstoneReasons.put(key, "absent from the rebuild of run " + runId + ", " + scope.inside() + ", last written before the plan ("
                        + e.getValue().position() + (e.getValue().timestamp() >= 0 ? " at " + Instant.ofEpochMilli(e.getValue().timestamp()) : "") + ")");
            }
        }
        long liveChanged = upserts.size() - added;
        long liveKeys = live.entries().size();
        double ratio = liveKeys == 0 ? 0 : (liveChanged + tombstones.size()) / (double) liveKeys;

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
        if (liveKeys > 0 && ratio > maxChangedRatio) {
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
                    tombstones.size(), liveChanged, liveKeys, percent(ratio), percent(maxChangedRatio), String.join(", ", examples))));
        }
        return new Promotion(runId, evidence.getConfidenceStatus(), upserts, keysInRun, unchanged, added, liveKeys, liveChanged, tombstones,
                tombstoneReasons, List.copyOf(left.values()), ratio, maxChangedRatio, verification, refusals);
    }

    /**
     * Written in the live topic at or after the plan's creation, and not by a promotion: a promotion copies a rebuild
     * of a bounded history, not a newer event, so promoting this run over it (again, or to go back to an earlier run) is
     * what the operator asks for.
     */
    private static boolean laterThanPlan(TopicSnapshot.Live live, TopicSnapshot.Entry last) {
        return live.writtenSince(last) && last.promotedFromRun() == null;
    }

    private static Left afterPlan(String key, TopicSnapshot.Entry last, boolean deleted, long since) {
        return new Left(key, Why.WRITTEN_AFTER_PLAN, (deleted ? "deleted" : "written") + " in the live topic after the plan was made ("
                + last.position() + " at " + Instant.ofEpochMilli(last.timestamp()) + ", plan made at " + Instant.ofEpochMilli(since)
                + "): newer than the run's history, left as it is");
    }

    /** Keys left alone for {@code why}. */
    public List<Left> left(Why why) {
        return left.stream().filter(l -> l.why() == why).toList();
    }

    private static boolean sameContent(byte[] live, byte[] shadow, Function<byte[], byte[]> content) {
        if (Arrays.equals(live, shadow)) {
            return true;
        }
        byte[] a = content.apply(live);
        byte[] b = content.apply(shadow);
        return a != null && b != null && Arrays.equals(a, b);
    }

    public boolean verified() {
        return verification.stream().allMatch(Verifier.Result::passed);
    }

    public static String percent(double ratio) {
        return String.format("%.1f%%", ratio * 100);
    }
}
