package dev.reprise.runner;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * When each phase of one command ended, in milliseconds since its process started: the fixed cost of a replay (JVM,
 * contract, plan, offsets, Kafka Streams' start and close) beside the replay itself. Cheap (a clock read per phase),
 * so it is always kept; {@code --timings} prints it. Marks come from the command's thread and the runner's.
 */
public final class PhaseClock {
    /** One phase: its name and when it ended, in ms since the process started. */
    public record Mark(String phase, long atMillis) {
    }

    private final long processStartMillis;
    private final List<Mark> marks = new ArrayList<>();

    private PhaseClock(long processStartMillis) {
        this.processStartMillis = processStartMillis;
    }

    /**
     * A clock that counts from the start of this process as the operating system recorded it (the launcher's shell
     * included, as it execs the JVM), else from the JVM's own start.
     */
    public static PhaseClock sinceProcessStart() {
        long start = ProcessHandle.current().info().startInstant().map(Instant::toEpochMilli)
                .orElseGet(() -> java.lang.management.ManagementFactory.getRuntimeMXBean().getStartTime());
        return new PhaseClock(start);
    }

    /** A clock counting from {@code startMillis} (epoch ms); for tests. */
    static PhaseClock since(long startMillis) {
        return new PhaseClock(startMillis);
    }

    /** Marks the end of {@code phase} now. */
    public void mark(String phase) {
        markAt(phase, System.currentTimeMillis());
    }

    /** Marks the end of {@code phase} at {@code epochMillis} (a time another part recorded, e.g. the evidence's first record). */
    public synchronized void markAt(String phase, long epochMillis) {
        marks.add(new Mark(phase, epochMillis - processStartMillis));
    }

    public synchronized List<Mark> marks() {
        return List.copyOf(marks);
    }

    /** The marks in time order, each with its own share: what a person reads under {@code --timings}. */
    public synchronized String render() {
        List<Mark> sorted = new ArrayList<>(marks);
        sorted.sort(java.util.Comparator.comparingLong(Mark::atMillis));
        StringBuilder out = new StringBuilder("Timings (ms since the process started; the phase's own share in brackets):\n");
        long previous = 0;
        for (Mark m : sorted) {
            out.append(String.format(Locale.ROOT, "  %-62s %7d  [%6d]%n", m.phase(), m.atMillis(), m.atMillis() - previous));
            previous = m.atMillis();
        }
        return out.toString();
    }
}
