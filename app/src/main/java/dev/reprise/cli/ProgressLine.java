package dev.reprise.cli;

import dev.reprise.metrics.RunStatus;
import dev.reprise.run.Progress;
import dev.reprise.runner.RunObserver;

import java.io.Console;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.function.LongSupplier;

/**
 * The progress of a run in the foreground, on stderr: percent, rate and ETA ({@link RunStatus}). At a terminal, one
 * line rewritten in place ({@code \r}); anything else written to stderr meanwhile (a warning logged by a stage, a
 * message of the command) first clears that line and the line is drawn again below it, so the two never run into
 * each other. Not at a terminal, a plain line every {@link #PLAIN_INTERVAL_MILLIS}.
 */
public final class ProgressLine implements RunObserver, AutoCloseable {
    /**
     * How often a plain (not terminal) progress line is printed: 10 s, or the JVM's {@code reprise.progress.interval.ms}
     * (the drills start their instances with 500 ms, to kill them at a point of their progress).
     */
    public static final long PLAIN_INTERVAL_MILLIS = Long.getLong("reprise.progress.interval.ms", 10_000);
    private static final String CLEAR = "\r\u001b[K";

    private final PrintStream out;
    private final boolean terminal;
    private final RunStatus status;
    private final LongSupplier clockMillis;
    private final Object lock = new Object();
    /** The text of the line last drawn; null before the first progress. */
    private String text;
    /** Whether the line is on the screen now (at a terminal). */
    private boolean shown;
    private boolean closed;
    private long lastPrinted = Long.MIN_VALUE;
    private PrintStream replacedErr;

    /**
     * @param out      where the line goes (stderr)
     * @param terminal draw one line in place; else plain lines at an interval
     */
    public ProgressLine(PrintStream out, boolean terminal, RunStatus status, LongSupplier clockMillis) {
        this.out = out;
        this.terminal = terminal;
        this.status = status;
        this.clockMillis = clockMillis;
    }

    /**
     * A progress line on this process's stderr. At a terminal, {@code System.err} is replaced until {@link #close()} by a
     * stream that clears the line before it writes, so that log lines (the launcher's log configuration follows
     * {@code System.err}) and messages appear above the line, never inside it.
     */
    public static ProgressLine onStderr(RunStatus status) {
        PrintStream err = System.err;
        ProgressLine line = new ProgressLine(err, isTerminal(), status, System::currentTimeMillis);
        if (line.terminal) {
            line.replacedErr = err;
            System.setErr(new PrintStream(line.guard(), true, StandardCharsets.UTF_8));
        }
        return line;
    }

    /**
     * Whether stderr is a terminal as far as Java can tell: a console exists (the standard streams are not redirected)
     * and, from Java 22 on, where {@code System.console()} also answers when they are, {@code Console.isTerminal()}.
     */
    static boolean isTerminal() {
        Console console = System.console();
        if (console == null) {
            return false;
        }
        try {
            return (Boolean) Console.class.getMethod("isTerminal").invoke(console);
        } catch (ReflectiveOperationException before22) {
            return true;
        }
    }

    /**
     * A stream for everything else that writes where the line is: it clears the line before the first byte, and draws
     * the line again after a write that ends a line of its own.
     */
    public OutputStream guard() {
        return new OutputStream() {
            @Override
            public void write(int b) {
                write(new byte[]{(byte) b}, 0, 1);
            }

            @Override
            public void write(byte[] b, int off, int len) {
                synchronized (lock) {
                    if (shown) {
                        out.print(CLEAR);
                        shown = false;
                    }
                    out.write(b, off, len);
                    if (len > 0 && b[off + len - 1] == '\n' && text != null && !closed) {
                        draw();
                    }
                    out.flush();
                }
            }

            @Override
            public void flush() {
                out.flush();
            }
        };
    }

    @Override
    public void progress(Progress progress) {
        update(false);
    }

    /** A new state is shown at once, also between two plain lines. */
    @Override
    public void state(State state) {
        update(true);
    }

    private void update(boolean stateChanged) {
        String now = render(status.snapshot());
        synchronized (lock) {
            if (closed) {
                return;
            }
            text = now;
            if (terminal) {
                draw();
                out.flush();
            } else {
                long t = clockMillis.getAsLong();
                if (stateChanged || lastPrinted == Long.MIN_VALUE || t - lastPrinted >= PLAIN_INTERVAL_MILLIS) {
                    lastPrinted = t;
                    out.println(text);
                }
            }
        }
    }

    private void draw() {
        out.print(CLEAR + text);
        shown = true;
    }

    /**
     * The line for a snapshot: percent and offsets, then while running the offsets committed per second over the last
     * 10 s and the ETA; once the final evidence is known, the evidence's own rate and duration (first record read to
     * final evidence) and its verdict, the figures the evidence report prints.
     */
    static String render(RunStatus.Snapshot s) {
        double ratio = Double.isNaN(s.ratio()) ? 0 : s.ratio();
        String head = String.format("  %5.1f%%  %,d / %,d offsets  %d/%d partitions  ", ratio * 100, s.offsetsDone(), s.offsetsTotal(),
                s.partitionsDone(), s.partitions());
        if (s.durationSeconds() != null) {
            return head + String.format("%,.0f events/s over %.1f s (evidence)  %s, %s", s.eventsPerSecond(), s.durationSeconds(),
                    s.state().replace('_', ' '), s.verdict());
        }
        String rate = Double.isNaN(s.eventsPerSecond()) ? "rate pending" : String.format("%,.0f offsets/s", s.eventsPerSecond());
        String what = switch (s.state()) {
            case "paused" -> "paused ('reprise resume' continues)";
            case "aborted" -> "aborted; waiting for the final evidence";
            case "starting" -> "starting Kafka Streams";
            default -> s.offsetsTotal() > 0 && s.offsetsDone() >= s.offsetsTotal() ? "source read; applying and checking the projection"
                    : Double.isNaN(s.etaSeconds()) ? "ETA pending" : "ETA " + duration(s.etaSeconds());
        };
        return head + rate + "  " + what;
    }

    private static String duration(double seconds) {
        long s = (long) Math.ceil(seconds);
        return s < 60 ? s + " s" : s < 3600 ? String.format("%d min %02d s", s / 60, s % 60) : String.format("%d h %02d min", s / 3600, s % 3600 / 60);
    }

    /** Ends the line (it stays on the screen with its last figures) and gives stderr back; idempotent. */
    @Override
    public void close() {
        synchronized (lock) {
            if (closed) {
                return;
            }
            closed = true;
            if (shown) {
                out.println();
                shown = false;
            }
            out.flush();
        }
        if (replacedErr != null) {
            System.setErr(replacedErr);
            replacedErr = null;
        }
    }
}
