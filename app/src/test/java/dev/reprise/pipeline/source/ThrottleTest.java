package dev.reprise.pipeline.source;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ThrottleTest {

    /** A stream thread taking one record under the throttle, started and seen waiting. */
    static Thread waitingThread(Throttle throttle) throws InterruptedException {
        Thread t = new Thread(throttle::acquire, "stream-thread");
        t.setDaemon(true);
        t.start();
        awaitWaiting(t);
        return t;
    }

    static void awaitWaiting(Thread t) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (t.getState() != Thread.State.TIMED_WAITING) {
            assertThat(t.isAlive()).as("the thread waits under the limit instead of going on").isTrue();
            assertThat(System.nanoTime()).as("the thread starts waiting").isLessThan(deadline);
            Thread.sleep(5);
        }
    }

    @Test
    void liftingTheLimitWakesAThreadWaitingUnderIt() throws Exception {
        // Regression: under 0.005 events/s a record waits 200 s; the limit lifted at +43 s still ended the run at +411 s.
        Throttle throttle = Throttle.unlimited();
        throttle.setLimit(0.005);
        Thread t = waitingThread(throttle);

        throttle.setLimit(0);
        t.join(1_000);

        assertThat(t.isAlive()).as("the waiting thread goes on within a second of the limit being lifted").isFalse();
    }

    @Test
    void raisingTheLimitWakesAThreadWaitingUnderTheOldOne() throws Exception {
        Throttle throttle = Throttle.unlimited();
        throttle.setLimit(0.005);
        Thread t = waitingThread(throttle);

        throttle.setLimit(1_000);
        t.join(1_000);

        assertThat(t.isAlive()).as("the thread waits 1 ms under the new limit, not 200 s under the old one").isFalse();
    }

    @Test
    void wakeUpLetsTheWaitingThreadsGoButKeepsTheLimit() throws Exception {
        Throttle throttle = Throttle.unlimited();
        throttle.setLimit(0.005);
        Thread first = waitingThread(throttle);

        throttle.wakeUp();
        first.join(1_000);
        assertThat(first.isAlive()).as("a pause lets the thread finish its record").isFalse();

        Thread next = waitingThread(throttle);
        assertThat(throttle.limit()).isEqualTo(0.005);
        throttle.setLimit(0);
        next.join(1_000);
        assertThat(next.isAlive()).isFalse();
    }

    @Test
    void repeatingTheSameLimitDoesNotWakeAnyone() throws Exception {
        // The runner sets the limit every second; that must not let records through.
        Throttle throttle = Throttle.unlimited();
        throttle.setLimit(0.005);
        Thread t = waitingThread(throttle);

        throttle.setLimit(0.005);
        t.join(300);

        assertThat(t.isAlive()).as("still waiting under the unchanged limit").isTrue();
        throttle.setLimit(0);
        t.join(1_000);
    }

    @Test
    void theLimitHoldsRecordsBack() {
        Throttle throttle = Throttle.unlimited();
        throttle.setLimit(40);
        long started = System.nanoTime();
        for (int i = 0; i < 30; i++) {
            throttle.acquire();
        }
        long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
        // 30 records at 40/s: at least 0.75 s less the 100 ms of credit a limit may start with.
        assertThat(millis).as("30 records under 40 events/s").isGreaterThanOrEqualTo(600);
    }

    @Test
    void noLimitNeverWaits() {
        Throttle throttle = Throttle.unlimited();
        for (int i = 0; i < 100_000; i++) {
            throttle.acquire();
        }
        assertThat(throttle.limit()).isZero();
    }
}
