package dev.reprise.pipeline.support;

/**
 * Where a stage's counters report how much they grew, for this instance's metrics. {@link Counters} calls it when it
 * writes a scope before a commit, once per counter that grew since the last write, so the cost is per commit and
 * changed counter, never per event. The counts it receives are this process's work: a task that moved here starts
 * from what the store holds, and work redone after an aborted commit is reported again (the evidence stays exact).
 */
@FunctionalInterface
public interface CounterFeed {
    /** Reports nothing. */
    CounterFeed NONE = (counter, delta) -> { };

    /**
     * @param counter the counter's name ({@code counts.Count} key or a {@code counts.CountFamily} name)
     * @param delta   how much it grew since it was last reported, more than zero
     */
    void grew(String counter, long delta);
}
