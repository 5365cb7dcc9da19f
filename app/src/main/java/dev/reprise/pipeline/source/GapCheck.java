package dev.reprise.pipeline.source;

import org.apache.kafka.common.TopicPartition;

import java.util.List;

/**
 * Proves that offsets of a planned range the source stage never saw hold no record a {@code read_committed}
 * consumer returns. The stage sees every record of its range in offset order, so an offset it skipped is either
 * not data (a transaction marker, an aborted record, a record removed by compaction) or a record the run missed
 * (the group's offsets moved forward, records deleted by retention or {@code delete-records}, an instance of
 * another run that read it). Only a read of the gap tells the two apart: coverage of the range is a proof, not
 * the absence of a known problem.
 */
public interface GapCheck extends AutoCloseable {
    /** Offsets {@code from} to {@code to}, both included, of a partition that the stage did not see. */
    record Gap(long from, long to) {
        public Gap {
            if (from > to) {
                throw new IllegalArgumentException("a gap from " + from + " to " + to);
            }
        }

        public long size() {
            return to - from + 1;
        }
    }

    /**
     * What a check of some gaps found.
     *
     * @param provenEmpty offsets proven to hold no committed record
     * @param unproven    gaps that hold a record, were deleted, or could not be read, each with the reason
     */
    record Result(long provenEmpty, List<Unproven> unproven) {
    }

    /** A gap that is not proven empty, and why. */
    record Unproven(Gap gap, String reason) {
    }

    /** Checks the gaps of one partition, given in offset order. */
    Result check(TopicPartition partition, List<Gap> gaps);

    @Override
    void close();
}
