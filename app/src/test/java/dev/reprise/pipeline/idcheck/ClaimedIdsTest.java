package dev.reprise.pipeline.idcheck;

import dev.reprise.dedup.DedupSet;
import dev.reprise.state.SortedBatchStoreTest;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class ClaimedIdsTest {
    private static final byte[] RUN = "run-0001".getBytes(StandardCharsets.UTF_8);
    private static final byte[] KEY = "sku-1".getBytes(StandardCharsets.UTF_8);

    private static byte[] id(int i) {
        return DedupSet.idOf("event-" + i);
    }

    private static DedupSet.Seen at(long offset) {
        return new DedupSet.Seen(offset * 31, 0, offset);
    }

    private static List<ClaimedIds.Judged> judged(ClaimedIds claimed) {
        List<ClaimedIds.Judged> out = new java.util.ArrayList<>();
        claimed.resolve(out::add);
        return out;
    }

    private static Map<ClaimedIds.Kind, Integer> kinds(List<ClaimedIds.Judged> judged) {
        Map<ClaimedIds.Kind, Integer> out = new EnumMap<>(ClaimedIds.Kind.class);
        judged.forEach(j -> out.merge(j.kind(), 1, Integer::sum));
        return out;
    }

    @Test
    void everyNewIdCountsOnceEvenWhenTheFilterTakesItForSeen() {
        ClaimedIds claimed = new ClaimedIds(new SortedBatchStoreTest.SortedMapStore(), RUN, 10_000);
        int ids = 100_000;
        int certainlyNew = 0;
        for (int i = 0; i < ids; i++) {
            if (claimed.claim(id(i), at(i), 0, KEY)) {
                certainlyNew++;
            }
        }
        List<ClaimedIds.Judged> judged = judged(claimed);

        // The filter is sized for 10,000 ids: many of the 100,000 new ids are taken for seen, and each must come out first.
        assertThat(judged).hasSizeGreaterThan(1_000);
        assertThat(kinds(judged)).containsOnlyKeys(ClaimedIds.Kind.FIRST);
        assertThat(certainlyNew + judged.size()).isEqualTo(ids);
    }

    @Test
    void aCopyIsToldFromAConflictAndTheConflictNamesTheFirstClaim() {
        ClaimedIds claimed = new ClaimedIds(new SortedBatchStoreTest.SortedMapStore(), RUN, 1_000);
        for (int i = 0; i < 100; i++) {
            assertThat(claimed.claim(id(i), at(i), 0, KEY)).isTrue();
        }
        assertThat(claimed.claim(id(5), at(5), 0, KEY)).as("a copy of a claim is a suspect").isFalse();
        assertThat(claimed.claim(id(6), at(600), 1, "sku-2".getBytes(StandardCharsets.UTF_8))).isFalse();

        List<ClaimedIds.Judged> judged = judged(claimed);

        assertThat(judged).hasSize(2);
        assertThat(judged.get(0).kind()).isEqualTo(ClaimedIds.Kind.COPY);
        ClaimedIds.Judged conflict = judged.get(1);
        assertThat(conflict.kind()).isEqualTo(ClaimedIds.Kind.CONFLICT);
        assertThat(conflict.first()).isEqualTo(at(6));
        assertThat(conflict.suspect().seen()).isEqualTo(at(600));
        assertThat(conflict.suspect().applyTask()).isEqualTo(1);
        assertThat(new String(conflict.suspect().key(), StandardCharsets.UTF_8)).isEqualTo("sku-2");
    }

    @Test
    void anIdWhoseFirstClaimTheFilterTookForSeenIsStillCaughtWhenClaimedAgainFromElsewhere() {
        ClaimedIds claimed = new ClaimedIds(new SortedBatchStoreTest.SortedMapStore(), RUN, 10_000);
        int falsePositive = -1;
        for (int i = 0; falsePositive < 0; i++) {
            if (!claimed.claim(id(i), at(i), 0, KEY)) {
                falsePositive = i;
            }
        }
        claimed.claim(id(falsePositive), at(falsePositive), 0, KEY);
        claimed.claim(id(falsePositive), at(999_999), 1, KEY);

        byte[] it = id(falsePositive);
        List<ClaimedIds.Judged> ofIt = judged(claimed).stream().filter(j -> java.util.Arrays.equals(j.suspect().id(), it)).toList();

        assertThat(ofIt).extracting(ClaimedIds.Judged::kind)
                .containsExactly(ClaimedIds.Kind.FIRST, ClaimedIds.Kind.COPY, ClaimedIds.Kind.CONFLICT);
        assertThat(ofIt.get(2).first()).isEqualTo(at(falsePositive));
    }

    @Test
    void aReopenedSetJudgesWhatWasCommittedOnlyAndKnowsEveryKeptId() {
        SortedBatchStoreTest.SortedMapStore store = new SortedBatchStoreTest.SortedMapStore();
        ClaimedIds first = new ClaimedIds(store, RUN, 1_000);
        for (int i = 0; i < 50; i++) {
            first.claim(id(i), at(i), 0, KEY);
        }
        first.claim(id(7), at(700), 1, KEY);
        first.writeBatch();
        // Claimed, never committed: after a crash these claims come again.
        first.claim(id(50), at(50), 0, KEY);
        first.claim(id(8), at(800), 1, KEY);

        ClaimedIds second = new ClaimedIds(store, RUN, 1_000);
        assertThat(second.loaded()).isEqualTo(51);
        assertThat(second.claim(id(50), at(50), 0, KEY)).as("not committed before: new").isTrue();
        assertThat(second.claim(id(7), at(7), 0, KEY)).as("committed before: a suspect").isFalse();
        second.claim(id(8), at(800), 1, KEY);

        assertThat(judged(second)).extracting(j -> j.kind() + " " + j.suspect().seen().offset() + " first " + j.first().offset())
                .containsExactly("CONFLICT 700 first 7", "COPY 7 first 7", "CONFLICT 800 first 8");
        assertThat(new ClaimedIds(store, "run-0002".getBytes(StandardCharsets.UTF_8), 1_000).loaded())
                .as("another run's claims are not this run's").isZero();
    }

    @Test
    void manySuspectsAreJudgedInPassesWithTheSameJudgementsAsInOne() {
        SortedBatchStoreTest.SortedMapStore store = new SortedBatchStoreTest.SortedMapStore();
        ClaimedIds claimed = new ClaimedIds(store, RUN, 1_000);
        // A hostile history: every id claimed from a second place (a conflict), and each first claim delivered twice (a copy).
        for (int i = 0; i < 500; i++) {
            claimed.claim(id(i), at(i), 0, KEY);
        }
        for (int i = 0; i < 500; i++) {
            claimed.claim(id(i), at(10_000 + i), 1, KEY);
            claimed.claim(id(i), at(i), 0, KEY);
        }
        claimed.writeBatch();
        java.util.function.Function<ClaimedIds.Judged, String> text = j -> DedupSet.textOf(j.suspect().id()) + " " + j.kind() + " "
                + j.suspect().seen().offset() + " first " + j.first().offset();

        List<String> inOne = judged(claimed).stream().map(text).toList();
        List<ClaimedIds.Judged> inPasses = new java.util.ArrayList<>();
        new ClaimedIds(store, RUN, 1_000, 10).resolve(inPasses::add);

        assertThat(inOne).hasSizeGreaterThanOrEqualTo(1_000);
        assertThat(inPasses.stream().map(text).toList()).containsExactlyInAnyOrderElementsOf(inOne);
        assertThat(kinds(inPasses).get(ClaimedIds.Kind.CONFLICT)).isEqualTo(500);
        assertThat(kinds(inPasses).get(ClaimedIds.Kind.COPY)).isEqualTo(500);
    }
}
