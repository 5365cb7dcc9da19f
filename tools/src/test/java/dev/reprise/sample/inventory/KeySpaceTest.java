package dev.reprise.sample.inventory;

import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class KeySpaceTest {

    @Test
    void uniformKeysAreDrawnLikeTheGeneratorAlwaysDidAndStayInRange() {
        KeySpace.Chooser chooser = new KeySpace(1_000, 0).chooser(new Random(7), 7);
        Random same = new Random(7);
        for (int i = 0; i < 10_000; i++) {
            int k = chooser.next();
            assertThat(k).isEqualTo(same.nextInt(1_000)).isBetween(0, 999);
        }
    }

    @Test
    void zipfKeysAreSkewedTowardsTheFirstKeysAndDeterministic() {
        int keys = 1_000_000;
        long[] counts = new long[keys];
        KeySpace.Chooser chooser = new KeySpace(keys, 1.1).chooser(new Random(1), 1);
        KeySpace.Chooser again = new KeySpace(keys, 1.1).chooser(new Random(1), 1);
        int draws = 200_000;
        for (int i = 0; i < draws; i++) {
            int k = chooser.next();
            assertThat(again.next()).isEqualTo(k);
            counts[k]++;
        }
        assertThat(counts[0]).as("the hottest key takes far more than a uniform share (0.2 of a draw)").isGreaterThan(draws / 20);
        assertThat(counts[0]).isGreaterThan(counts[1]).isGreaterThan(counts[100]);
        long distinct = java.util.Arrays.stream(counts).filter(c -> c > 0).count();
        assertThat(distinct).as("and a long tail").isGreaterThan(10_000);
    }

    @Test
    void badKeySpacesAreRefusedNamingTheOption() {
        assertThatThrownBy(() -> KeySpace.parseSkew("zipf")).hasMessageContaining("--key-skew");
        assertThatThrownBy(() -> KeySpace.parseSkew("zipf:-1")).hasMessageContaining("zipf:S with S > 0");
        assertThatThrownBy(() -> new KeySpace(0, 0)).hasMessageContaining("--keys");
        assertThat(KeySpace.parseSkew("uniform")).isZero();
        assertThat(KeySpace.parseSkew("ZIPF:1.2")).isEqualTo(1.2);
        assertThat(KeySpace.forEvents(10_000_000).keys()).isEqualTo(20_000);
    }
}
