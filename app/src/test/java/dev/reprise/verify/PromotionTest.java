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
}
