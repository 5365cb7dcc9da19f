package dev.reprise.verify;

import dev.reprise.evidence.avro.ConfidenceStatus;
import dev.reprise.evidence.avro.RecoveryEvidence;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static org.assertj.core.api.Assertions.assertThat;

class PromotionTest {
    static final List<Verifier.Result> VERIFIED = List.of(new Verifier.Result("keys_match_evidence", true, "ok"));

    static RecoveryEvidence evidence(String runId, ConfidenceStatus status) {
        RecoveryEvidence e = new RecoveryEvidence();
        e.setRunId(runId);
        e.setConfidenceStatus(status);
        e.setConfidenceReasons(List.of("because"));
        return e;
    }

    /** Keys key-0 .. key-(n-1) with the given value, written by runId. */
    static Map<String, TopicSnapshot.Entry> keys(int from, int to, String value, String runId) {
        Map<String, TopicSnapshot.Entry> out = new TreeMap<>();
        for (int i = from; i < to; i++) {
            out.put(String.format("key-%04d", i), new TopicSnapshot.Entry(value.getBytes(StandardCharsets.UTF_8), runId, 1_000));
        }
        return out;
    }

    @Nested
    class Encodings {
        final dev.reprise.projection.StateCodec<dev.reprise.sample.inventory.InventoryLevel> codec =
                new dev.reprise.projection.StateCodec<>(dev.reprise.sample.inventory.InventoryLevel.class);
        final byte[] state = codec.encode(new dev.reprise.sample.inventory.InventoryLevel("SKU-1", 3L, 1L, 0L, 0L, 2L, 2L, 2L));

        Map<String, TopicSnapshot.Entry> one(byte[] value, String runId) {
            return new TreeMap<>(Map.of("SKU-1", new TopicSnapshot.Entry(value, runId, 1_000)));
        }

        @Test
        void theSameStateInAnotherEncodingIsUnchanged() {
            byte[] json = dev.reprise.codec.ValueFormat.of(dev.reprise.contract.Contract.ValueEncoding.JSON, codec.schema(), "t",
                    dev.reprise.codec.SchemaIds.NONE).frame(state);
            Map<String, TopicSnapshot.Entry> live = one(codec.toSingleObject(state), null);

            Promotion p = Promotion.plan(evidence("run-1", ConfidenceStatus.trusted), one(json, "run-1"), live, VERIFIED, 0.1, codec::datum);

            assertThat(p.unchanged()).as("single-object live, JSON shadow, one state").isEqualTo(1);
            assertThat(p.upserts()).isEmpty();
            assertThat(p.refusals()).isEmpty();
        }

        @Test
        void anotherStateInAnotherEncodingIsChanged() {
            byte[] other = codec.encode(new dev.reprise.sample.inventory.InventoryLevel("SKU-1", 4L, 1L, 0L, 0L, 3L, 3L, 3L));
            byte[] json = dev.reprise.codec.ValueFormat.of(dev.reprise.contract.Contract.ValueEncoding.JSON, codec.schema(), "t",
                    dev.reprise.codec.SchemaIds.NONE).frame(other);

            Promotion p = Promotion.plan(evidence("run-1", ConfidenceStatus.trusted), one(json, "run-1"), one(codec.toSingleObject(state), null),
                    VERIFIED, 1.0, codec::datum);

            assertThat(p.liveChanged()).isEqualTo(1);
            assertThat(p.upserts()).containsKey("SKU-1");
        }
    }

    @Nested
    class TheChangedRatio {
        @Test
        void aRunThatTouchesFewLiveKeysIsPromotedWithoutForce() {
            Map<String, TopicSnapshot.Entry> shadow = keys(0, 100, "v", "run-1");
            shadow.putAll(keys(0, 5, "new", "run-1"));
            Map<String, TopicSnapshot.Entry> live = keys(0, 100, "v", null);

            Promotion p = Promotion.plan(evidence("run-1", ConfidenceStatus.trusted), shadow, live, VERIFIED, 0.1);

            assertThat(p.refusals()).isEmpty();
            assertThat(p.upserts()).hasSize(5);
            assertThat(p.liveChanged()).isEqualTo(5);
            assertThat(p.unchanged()).isEqualTo(95);
            assertThat(p.tombstones()).isEmpty();
            assertThat(p.changedRatio()).isEqualTo(0.05);
        }

        // Regression: a trusted run whose filter matched nothing (0 keys) tombstoned all 1,000 live keys.
        @Test
        void aRunWithNoKeysWouldTombstoneEveryLiveKeyAndIsRefused() {
            Promotion p = Promotion.plan(evidence("run-1", ConfidenceStatus.trusted), Map.of(), keys(0, 1_000, "v", null), VERIFIED, 0.1);

            assertThat(p.tombstones()).hasSize(1_000);
            assertThat(p.changedRatio()).isEqualTo(1.0);
            assertThat(p.refusals()).singleElement().satisfies(r -> {
                assertThat(r.kind()).isEqualTo(Promotion.Kind.CHANGED_RATIO);
                assertThat(r.message()).contains("tombstone 1,000 and change 0 of the 1,000 live keys (100.0%)")
                        .contains("promote.max_changed_ratio 10.0%").contains("key-0000");
            });
        }

        // Regression: two runs split the shadow topic 502/498; promote wrote 502 keys and tombstoned 498 correct ones.
        @Test
        void keysOfAnotherRunOnTheShadowTopicAreTombstonedSoTheSplitIsRefused() {
            Map<String, TopicSnapshot.Entry> shadow = keys(0, 502, "v", "run-a");
            shadow.putAll(keys(502, 1_000, "v", "run-b"));

            Promotion p = Promotion.plan(evidence("run-a", ConfidenceStatus.trusted), shadow, keys(0, 1_000, "v", null), VERIFIED, 0.1);

            assertThat(p.keysInRun()).isEqualTo(502);
            assertThat(p.tombstones()).hasSize(498).first().isEqualTo("key-0502");
            assertThat(p.refusals()).extracting(Promotion.Refusal::kind).containsExactly(Promotion.Kind.CHANGED_RATIO);
        }

        @Test
        void changedValuesCountLikeTombstonesAndNewKeysDoNot() {
            Map<String, TopicSnapshot.Entry> shadow = keys(0, 10, "changed", "run-1");
            shadow.putAll(keys(10, 100, "v", "run-1"));
            shadow.putAll(keys(100, 400, "v", "run-1"));

            Promotion p = Promotion.plan(evidence("run-1", ConfidenceStatus.trusted), shadow, keys(0, 100, "v", null), VERIFIED, 0.1);

            assertThat(p.added()).isEqualTo(300);
            assertThat(p.liveChanged()).isEqualTo(10);
            assertThat(p.changedRatio()).as("10 of 100 live keys: at the limit, not above").isEqualTo(0.1);
            assertThat(p.refusals()).isEmpty();

            Promotion stricter = Promotion.plan(evidence("run-1", ConfidenceStatus.trusted), shadow, keys(0, 100, "v", null), VERIFIED, 0.09);
            assertThat(stricter.refusals()).extracting(Promotion.Refusal::kind).containsExactly(Promotion.Kind.CHANGED_RATIO);
            assertThat(stricter.refusals().get(0).message()).contains("changed [key-0000");
        }

        @Test
        void anEmptyLiveTopicAcceptsAnyPromotion() {
            Promotion p = Promotion.plan(evidence("run-1", ConfidenceStatus.trusted), keys(0, 50, "v", "run-1"), Map.of(), VERIFIED, 0.0);

            assertThat(p.refusals()).isEmpty();
            assertThat(p.changedRatio()).isZero();
            assertThat(p.upserts()).hasSize(50);
        }
    }

    @Nested
    class OtherReasons {
        @Test
        void aFailedVerificationIsARefusalThatNamesTheCheck() {
            List<Verifier.Result> failed = List.of(new Verifier.Result("keys_match_evidence", false, "99 keys of run run-1, the evidence says 100"),
                    new Verifier.Result("checksum_matches_evidence", true, "ok"));

            Promotion p = Promotion.plan(evidence("run-1", ConfidenceStatus.trusted), keys(0, 99, "v", "run-1"), Map.of(), failed, 0.1);

            assertThat(p.verified()).isFalse();
            assertThat(p.refusals()).singleElement().satisfies(r -> {
                assertThat(r.kind()).isEqualTo(Promotion.Kind.VERIFICATION);
                assertThat(r.message()).contains("keys_match_evidence (99 keys of run run-1, the evidence says 100)")
                        .doesNotContain("checksum_matches_evidence");
            });
        }

        @Test
        void evidenceThatIsNotTrustedComesFirstWithItsReasons() {
            List<Verifier.Result> failed = List.of(new Verifier.Result("x", false, "y"));

            Promotion p = Promotion.plan(evidence("run-1", ConfidenceStatus.untrusted), Map.of(), keys(0, 10, "v", null), failed, 0.1);

            assertThat(p.refusals()).extracting(Promotion.Refusal::kind)
                    .containsExactly(Promotion.Kind.VERDICT, Promotion.Kind.VERIFICATION, Promotion.Kind.CHANGED_RATIO);
            assertThat(p.refusals().get(0).message()).contains("untrusted").contains("because");
        }
    }

    /** A live entry at p0@offset with the given timestamp, written by no run. */
    static TopicSnapshot.Entry at(String value, long offset, long timestamp, String promotedFrom) {
        return new TopicSnapshot.Entry(value == null ? null : value.getBytes(StandardCharsets.UTF_8), null, timestamp, 0, offset, promotedFrom);
    }

    static final long PLAN = 10_000;

    /** A live topic read since the plan; offsets from {@code timeBound} on were written at or after it. */
    static TopicSnapshot.Live live(Map<String, TopicSnapshot.Entry> entries, Map<String, TopicSnapshot.Entry> deleted, long timeBound) {
        return new TopicSnapshot.Live("live", entries, deleted, Map.of(0, 1_000L), PLAN, Map.of(0, timeBound));
    }

    static Promotion plan(Map<String, TopicSnapshot.Entry> shadow, TopicSnapshot.Live live, Promotion.ScopeRule scope) {
        return Promotion.plan(evidence("run-1", ConfidenceStatus.trusted), shadow, live, scope, VERIFIED, 0.1, v -> v);
    }

    /** Live keys key-from .. key-(to-1), one a offset from {@code from}, written before the plan. */
    static Map<String, TopicSnapshot.Entry> liveKeys(int from, int to, String value) {
        Map<String, TopicSnapshot.Entry> out = new TreeMap<>();
        for (int i = from; i < to; i++) {
            out.put(String.format("key-%04d", i), at(value, i, 1_000, null));
        }
        return out;
    }

    @Nested
    class OnlyWhatTheRunProved {
        // Regression: a trusted run scoped to 95 of 100 SKUs tombstoned the 5 correct live keys outside its scope.
        @Test
        void liveKeysOutsideTheRunsScopeKeysAreNeitherTombstonedNorOverwritten() {
            java.util.Set<String> inScope = keys(0, 95, "v", null).keySet();
            Map<String, TopicSnapshot.Entry> shadow = keys(0, 95, "v", "run-1");
            shadow.put("key-0096", new TopicSnapshot.Entry("rebuilt".getBytes(StandardCharsets.UTF_8), "run-1", 1_000));

            Promotion p = plan(shadow, live(liveKeys(0, 100, "v"), Map.of(), 1_000), new Promotion.ScopeRule(inScope, List.of()));

            assertThat(p.tombstones()).as("the 5 live keys outside scope.keys stay").isEmpty();
            assertThat(p.upserts()).as("a key outside scope.keys is not overwritten").isEmpty();
            assertThat(p.left(Promotion.Why.OUTSIDE_SCOPE)).extracting(Promotion.Left::key)
                    .containsExactly("key-0095", "key-0096", "key-0097", "key-0098", "key-0099");
            assertThat(p.left().get(0).reason()).contains("scope.keys does not list it");
            assertThat(p.unchanged()).isEqualTo(95);
            assertThat(p.refusals()).isEmpty();
        }

        @Test
        void aKeyInsideTheScopeThatTheRebuildLacksIsTombstonedWithItsReason() {
            Promotion p = plan(keys(0, 99, "v", "run-1"), live(liveKeys(0, 100, "v"), Map.of(), 1_000), Promotion.ScopeRule.EVERY_KEY);

            assertThat(p.tombstones()).containsExactly("key-0099");
            assertThat(p.tombstoneReasons().get("key-0099")).isEqualTo("absent from the rebuild of run run-1, inside the run's scope (every key), "
                    + "last written before the plan (p0@99 at 1970-01-01T00:00:01Z)");
        }

        @Test
        void aScopeTheKeyAloneCannotDecideTombstonesNothing() {
            Promotion.ScopeRule tenants = new Promotion.ScopeRule(java.util.Set.of(), List.of("scope.tenants selects events by their tenant field"));

            Promotion p = plan(keys(0, 90, "new", "run-1"), live(liveKeys(0, 100, "v"), Map.of(), 1_000), tenants);

            assertThat(p.tombstones()).isEmpty();
            assertThat(p.left(Promotion.Why.SCOPE_UNDECIDED)).hasSize(10).allSatisfy(l -> assertThat(l.reason()).contains("tenant field"));
            assertThat(p.upserts()).as("the run's own keys are proven and written").hasSize(90);
        }

        // Regression: keys created in the live topic after the plan were tombstoned like stale ones.
        @Test
        void aLiveKeyWrittenAfterThePlanIsLeftAloneByTimestampOrByOffset() {
            Map<String, TopicSnapshot.Entry> entries = liveKeys(0, 10, "v");
            entries.put("key-late", at("v", 500, PLAN + 1, null));
            // Written after the plan with an older producer timestamp: its offset is past the first one stamped after the plan.
            entries.put("key-backdated", at("v", 700, 5, null));
            entries.put("key-0003", at("newer", 800, PLAN, null));
            Map<String, TopicSnapshot.Entry> shadow = keys(0, 10, "v", "run-1");

            Promotion p = plan(shadow, live(entries, Map.of(), 600), Promotion.ScopeRule.EVERY_KEY);

            assertThat(p.tombstones()).isEmpty();
            assertThat(p.upserts()).as("a live value newer than the plan is not overwritten").isEmpty();
            assertThat(p.left(Promotion.Why.WRITTEN_AFTER_PLAN)).extracting(Promotion.Left::key)
                    .containsExactlyInAnyOrder("key-late", "key-backdated", "key-0003");
            assertThat(p.left(Promotion.Why.WRITTEN_AFTER_PLAN).get(0).reason()).contains("after the plan was made");
        }

        @Test
        void aKeyDeletedInTheLiveTopicAfterThePlanIsNotWrittenBack() {
            Promotion p = plan(keys(0, 3, "v", "run-1"), live(liveKeys(0, 2, "v"), Map.of("key-0002", at(null, 900, PLAN + 5, null)), 1_000),
                    Promotion.ScopeRule.EVERY_KEY);

            assertThat(p.upserts()).isEmpty();
            assertThat(p.left()).singleElement().satisfies(l -> assertThat(l.reason()).startsWith("deleted in the live topic after the plan"));
        }

        // A promotion copies a rebuild, not a newer event: promoting again, or an earlier run to go back, replaces it.
        @Test
        void recordsAPromotionWroteAfterThePlanAreNotNewerThanTheRun() {
            Map<String, TopicSnapshot.Entry> entries = new TreeMap<>(Map.of("key-0000", at("old", 10, PLAN + 1, "run-2"),
                    "key-0001", at("v", 11, PLAN + 1, "run-1")));

            Promotion p = plan(keys(0, 1, "v", "run-1"), live(entries, Map.of(), 10), Promotion.ScopeRule.EVERY_KEY);

            assertThat(p.left()).isEmpty();
            assertThat(p.upserts()).containsOnlyKeys("key-0000");
            assertThat(p.tombstones()).containsExactly("key-0001");
        }

        @Test
        void theScopeOfAContractOtherThanTheRunsIsUndecided() {
            dev.reprise.contract.Contract contract = dev.reprise.contract.ContractLoader.load(java.nio.file.Path.of("..", "config", "inventory.yaml"));
            RecoveryEvidence same = evidence("run-1", ConfidenceStatus.trusted);
            same.setContractHash(contract.hash());
            RecoveryEvidence other = evidence("run-1", ConfidenceStatus.trusted);
            other.setContractHash("0123456789abcdef");

            assertThat(Promotion.ScopeRule.of(contract, same)).as("the inventory contract replays every key of the whole history")
                    .isEqualTo(Promotion.ScopeRule.EVERY_KEY);
            assertThat(Promotion.ScopeRule.of(contract, other).undecidable()).singleElement().asString()
                    .contains("is not the one run run-1 used (sha256 0123456789ab…)");
        }
    }
}
