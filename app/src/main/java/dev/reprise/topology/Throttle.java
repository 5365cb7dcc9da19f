package dev.reprise.topology;

/**
 * A limit on the events per second this instance reads, changeable while the run goes (the control
 * topic's throttle command). The source stage calls {@link #acquire()} once per record; it sleeps the
 * stream thread when the instance is ahead of its budget. Up to 100 ms of unused budget carries over,
 * so short sleeps are rare. Hand-written: a token bucket of a few lines does not need a library.
 */
public final class Throttle {
    private static final long MAX_CREDIT_NANOS = 100_000_000L;
    private static final long MIN_SLEEP_NANOS = 5_000_000L;
    private volatile double eventsPerSecond;
    private long nextFreeNanos;

    /** No limit. */
    public static Throttle unlimited() {
        return new Throttle();
    }

    /** @param eventsPerSecond the limit for this instance; 0 or less removes it */
    public void setLimit(double eventsPerSecond) {
        this.eventsPerSecond = eventsPerSecond;
    }

    public double limit() {
        return eventsPerSecond;
    }

    public void acquire() {
        double limit = eventsPerSecond;
        if (limit <= 0) {
            return;
        }
        long sleep;
        synchronized (this) {
            long now = System.nanoTime();
            nextFreeNanos = Math.max(nextFreeNanos, now - MAX_CREDIT_NANOS) + (long) (1e9 / limit);
            sleep = nextFreeNanos - now;
        }
        if (sleep > MIN_SLEEP_NANOS) {
            try {
                Thread.sleep(sleep / 1_000_000, (int) (sleep % 1_000_000));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
