package dev.reprise.pipeline.source;

import dev.reprise.counts.Count;
import dev.reprise.counts.CountFamily;
import dev.reprise.pipeline.support.CounterFeed;
import dev.reprise.pipeline.support.Counters;
import dev.reprise.plan.RunPlan;

/**
 * A source partition of this task and its counters. What changes with every event (the last offset read,
 * the events sent to each repartition partition) is kept in fields and written to the counters before
 * each commit ({@link #foldIntoCounters}), so the hot path does no map lookups for it.
 */
final class SourcePartition {
    final RunPlan.PartitionRange range;
    final Counters.Scope counters;
    boolean isEnded;
    long dlqLogged;
    /** Records read inside the range, and the first and last of their offsets (-1: none yet). */
    long read;
    long firstOffset = -1;
    long lastOffset = -1;
    /** Events sent to each repartition partition (null without a repartition). */
    final long[] sent;
    long misplaced;
    /** Offsets inside the range the stage skipped over, not yet proven empty (checked before each commit). */
    final java.util.List<GapCheck.Gap> pendingGaps = new java.util.ArrayList<>();
    /** Unproven gaps sampled into the counters by this task (at most a few). */
    int unprovenSampled;

    SourcePartition(RunPlan.PartitionRange range, Counters counters, CounterFeed feed, int repartitionPartitions, boolean viaRepartition) {
        this.range = range;
        this.counters = counters.scope(range.id(), feed);
        this.read = this.counters.get(Count.EVENTS_READ);
        if (read > 0) {
            this.firstOffset = this.counters.get(Count.FIRST_OFFSET);
            this.lastOffset = this.counters.get(Count.LAST_OFFSET);
        }
        this.misplaced = this.counters.get(Count.MISPLACED);
        this.sent = viaRepartition ? new long[repartitionPartitions] : null;
        if (sent != null) {
            for (int p = 0; p < sent.length; p++) {
                sent[p] = this.counters.get(CountFamily.SENT_TO_PARTITION.name(Integer.toString(p)));
            }
        }
    }

    /**
     * Notes the offsets between the last record read (or the plan's first record) and {@code offset} as a gap when
     * there are any. Called for each record inside the range, in offset order.
     */
    void noteGapBefore(long offset) {
        long expected = read == 0 ? (range.hasData() ? range.firstDataOffset() : range.start()) : lastOffset + 1;
        if (offset > expected) {
            pendingGaps.add(new GapCheck.Gap(expected, offset - 1));
        }
    }

    void foldIntoCounters() {
        if (read == 0) {
            return;
        }
        counters.set(Count.EVENTS_READ, read);
        counters.set(Count.FIRST_OFFSET, firstOffset);
        counters.set(Count.LAST_OFFSET, lastOffset);
        if (misplaced > 0) {
            counters.set(Count.MISPLACED, misplaced);
        }
        if (sent != null) {
            for (int p = 0; p < sent.length; p++) {
                if (sent[p] > 0) {
                    counters.set(CountFamily.SENT_TO_PARTITION.name(Integer.toString(p)), sent[p]);
                }
            }
        }
    }
}
