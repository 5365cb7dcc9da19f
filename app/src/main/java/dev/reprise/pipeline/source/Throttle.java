package dev.reprise.pipeline.source;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A limit on the events per second this instance reads, changeable while the run goes (the control
 * topic's throttle command). The source stage calls {@link #acquire()} once per record; it holds the
 * stream thread back when the instance is ahead of its budget. Up to 100 ms of unused budget carries
 * over, so short waits are rare.
 *
 * <p>A wait ends early when the limit changes ({@link #setLimit}) or the runner lets waiting threads go
 * ({@link #wakeUp}: a pause, an abort, the end of the run): under a limit of 0.005 events/s one record
 * waits 200 s, and lifting the limit must not leave it waiting. Hand-written: a token bucket whose
 * sleep can be cut short is a lock, a condition and a few lines, not worth a library.
 */
public final class Throttle {
    private static final long MAX_CREDIT_NANOS = 100_000_000L;
    private static final long MIN_SLEEP_NANOS = 5_000_000L;

    private final ReentrantLock lock = new ReentrantLock();
    /** Signalled on every change of the limit and by {@link #wakeUp}. */
    private final Condition changed = lock.newCondition();
    private volatile double eventsPerSecond;
    /** When the next record may go; guarded by {@link #lock}. */
    private long nextFreeNanos;
    /** Counts changes, so a waiting thread can tell that it must look again; guarded by {@link #lock}. */
    private long generation;
    /** The generation of the last {@link #wakeUp}: threads waiting before it go at once; guarded by {@link #lock}. */
    private long releasedAt = -1;

    /** No limit. */
    public static Throttle unlimited() {
        return new Throttle();
    }

    /**
     * Sets the limit for this instance and wakes threads waiting under the old one: they wait again under
     * the new limit, counted from now, or go at once when the limit is removed.
     *
     * @param eventsPerSecond the limit for this instance; 0 or less removes it
     */
    public void setLimit(double eventsPerSecond) {
        double limit = eventsPerSecond > 0 ? eventsPerSecond : 0;
        if (limit == this.eventsPerSecond) {
            return; // The runner repeats the limit every second; only a change restarts the schedule.
        }
        lock.lock();
        try {
            this.eventsPerSecond = limit;
            nextFreeNanos = System.nanoTime();
            generation++;
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    public double limit() {
        return eventsPerSecond;
    }

    /**
     * Lets every thread waiting now go at once, without changing the limit: for a pause (the thread
     * finishes its record and then idles, polling and committing, instead of sleeping through the pause),
     * an abort or the end of the run.
     */
    public void wakeUp() {
        lock.lock();
        try {
            releasedAt = ++generation;
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** Waits, if needed, until this instance may read one more record. */
    public void acquire() {
        if (eventsPerSecond <= 0) {
            return;
        }
        lock.lock();
        try {
            long seen = generation;
            long due = schedule();
            while (due != Long.MIN_VALUE) {
                long wait = due - System.nanoTime();
                if (wait <= MIN_SLEEP_NANOS) {
                    return;
                }
                changed.awaitNanos(wait);
                if (generation != seen) {
                    if (releasedAt > seen) {
                        return;
                    }
                    seen = generation;
                    due = schedule();
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            lock.unlock();
        }
    }

    /** Takes the next slot under the current limit: when this record may go, or MIN_VALUE when there is no limit. */
    private long schedule() {
        double limit = eventsPerSecond;
        if (limit <= 0) {
            return Long.MIN_VALUE;
        }
        long now = System.nanoTime();
        long interval = (long) Math.min(TimeUnit.DAYS.toNanos(1), 1e9 / limit);
        nextFreeNanos = Math.max(nextFreeNanos, now - MAX_CREDIT_NANOS) + interval;
        return nextFreeNanos;
    }
}
