package dev.reprise.dedup;

import org.junit.jupiter.api.Test;

import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

class SeenIdsTest {
    @Test
    void neverForgetsAnIdAndRarelyClaimsOneItNeverSaw() {
        int n = 200_000;
        SeenIds seen = SeenIds.filter(n);
        int maybeOnFirstPut = 0;
        for (int i = 0; i < n; i++) {
            if (!seen.put(DedupSet.idOf("id-" + i))) {
                maybeOnFirstPut++;
            }
        }
        assertThat(maybeOnFirstPut).as("ids taken for possibly seen while the filter filled").isLessThan(n / 100);
        for (int i = 0; i < n; i++) {
            assertThat(seen.put(DedupSet.idOf("id-" + i))).as("id-%d again", i).isFalse();
        }
        // Sized for n ids with a fifth more room: about 1% of never-seen ids answer "maybe" (each probe
        // enters its id too, so the probes are kept to a tenth of n).
        int probes = n / 10;
        int falsePositives = 0;
        for (int i = 0; i < probes; i++) {
            if (!seen.put(DedupSet.idOf(UUID.randomUUID().toString()))) {
                falsePositives++;
            }
        }
        assertThat(falsePositives).isBetween(1, probes / 50);
    }

    @Test
    void aFullFilterSaysMaybeMoreOftenButNeverNoForASeenId() {
        SeenIds seen = SeenIds.filter(10_000);
        int newOnes = 0;
        for (int i = 0; i < 100_000; i++) {
            if (seen.put(DedupSet.idOf("k" + i))) {
                newOnes++;
            }
        }
        assertThat(newOnes).isLessThan(100_000);
        for (int i = 0; i < 100_000; i++) {
            assertThat(seen.put(DedupSet.idOf("k" + i))).isFalse();
        }
    }
}
