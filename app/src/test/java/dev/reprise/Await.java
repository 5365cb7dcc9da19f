package dev.reprise;

import java.time.Duration;
import java.util.concurrent.Callable;

/**
 * The one place tests wait: until a state is reached, checked every 100 ms, or fail after the time given with
 * what was awaited. A test never sleeps a fixed time and hopes.
 */
public final class Await {
    private Await() {
    }

    /**
     * Waits until {@code condition} is true. An exception thrown by the condition counts as "not yet" and is
     * given as the cause when the time runs out.
     *
     * @throws AssertionError when the condition is still false after {@code atMost}
     */
    public static void until(Duration atMost, String what, Callable<Boolean> condition) throws InterruptedException {
        long deadline = System.nanoTime() + atMost.toNanos();
        Exception last = null;
        while (true) {
            try {
                if (Boolean.TRUE.equals(condition.call())) {
                    return;
                }
                last = null;
            } catch (InterruptedException e) {
                throw e;
            } catch (Exception e) {
                last = e;
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("waited " + atMost.toSeconds() + " s for: " + what + (last == null ? "" : " (last error: " + last + ")"), last);
            }
            Thread.sleep(100);
        }
    }
}
