package dev.reprise.cli;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Ctrl-C or SIGTERM while a run is under way: stop the runner and give the run up to {@link #WAIT} to print its evidence
 * before the process exits. Closed when the run is over, printed or failed: the hook is removed, and one that already
 * runs waits no longer (a run that failed would otherwise hold the exit for the whole wait).
 */
final class StopOnSignal implements AutoCloseable {
    static final Duration WAIT = Duration.ofSeconds(60);
    private final CountDownLatch over = new CountDownLatch(1);
    private final Thread hook;

    StopOnSignal(Runnable stop) {
        hook = new Thread(() -> {
            stop.run();
            try {
                over.await(WAIT.toMillis(), TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "reprise-stop-on-signal");
        Runtime.getRuntime().addShutdownHook(hook);
    }

    /** The run is over: nothing left to wait for. */
    @Override
    public void close() {
        over.countDown();
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException shuttingDown) {
            // The hook is running (or about to): it returns at once now.
        }
    }

    /** For tests. */
    Thread hook() {
        return hook;
    }
}
