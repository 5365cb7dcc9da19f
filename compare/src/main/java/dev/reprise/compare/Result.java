package dev.reprise.compare;

import java.util.List;
import java.util.Map;

/**
 * One rebuild of one round: its time from the command to the verdict or the job's end, and whether its output
 * equals the ground truth. A run that is not {@link #ok()} has no time in the report.
 *
 * @param processes the processes it took (one, or three for Reprise's steps), each measured
 * @param breakdown where its time went: named parts in milliseconds, in order
 * @param failure   why it is not ok (exit code, a wrong output), or null
 * @param brokerCpuSeconds the broker's CPU time while the rebuild ran (its reads, writes and transactions), 0 until measured
 */
public record Result(Contender contender, int round, long wallMillis, long peakRssBytes, double cpuSeconds, OutputCheck check,
                     List<Measured> processes, Map<String, Long> breakdown, String failure, double brokerCpuSeconds) {

    public boolean ok() {
        return failure == null;
    }

    public double eventsPerSecond(long records) {
        return records / (wallMillis / 1000.0);
    }
}
