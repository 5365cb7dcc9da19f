package dev.reprise.runner;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class PhaseClockTest {
    @Test
    void phasesAreShownInTimeOrderWithTheirOwnShare() {
        PhaseClock clock = PhaseClock.since(1_000);
        clock.markAt("run planned", 3_500);
        clock.markAt("contract loaded", 2_000);
        // Recorded by another part later, but it happened before the plan: shown in its place.
        clock.markAt("first record read", 3_000);

        assertThat(clock.render()).containsSubsequence("contract loaded", "1000", "[  1000]",
                "first record read", "2000", "[  1000]", "run planned", "2500", "[   500]");
        assertThat(clock.marks()).extracting(PhaseClock.Mark::atMillis).containsExactly(2_500L, 1_000L, 2_000L);
    }

    @Test
    void aProcessClockCountsFromBeforeItWasMade() {
        PhaseClock clock = PhaseClock.sinceProcessStart();
        clock.mark("now");
        assertThat(clock.marks().get(0).atMillis()).as("the process started before this test ran").isPositive();
    }
}
