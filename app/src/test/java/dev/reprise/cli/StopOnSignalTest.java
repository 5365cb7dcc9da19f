package dev.reprise.cli;

import org.junit.jupiter.api.Test;

import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

class StopOnSignalTest {
    @Test
    void aRunOverRemovesTheHookAndAHookThatRunsThenWaitsForNothing() throws Exception {
        AtomicInteger stops = new AtomicInteger();
        StopOnSignal onSignal = new StopOnSignal(stops::incrementAndGet);
        onSignal.close();

        assertThat(Runtime.getRuntime().removeShutdownHook(onSignal.hook())).as("no longer registered").isFalse();
        // As if the signal came while the run ended (the hook already started): it stops the runner and returns.
        Thread late = new Thread(onSignal.hook()::run);
        late.start();
        late.join(StopOnSignal.WAIT.toMillis() / 2);
        assertThat(late.isAlive()).as("waits for no evidence once the run is over").isFalse();
        assertThat(stops.get()).isEqualTo(1);
    }

    @Test
    void whileTheRunIsUnderWayTheHookIsRegistered() {
        StopOnSignal onSignal = new StopOnSignal(() -> { });
        try {
            assertThat(Runtime.getRuntime().removeShutdownHook(onSignal.hook())).isTrue();
        } finally {
            onSignal.close();
        }
    }
}
