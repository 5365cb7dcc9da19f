package dev.reprise.compare;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * One process, timed from just before it is started to its exit, its peak resident memory ({@code VmHWM} of
 * {@code /proc/PID/status}, read every 100 ms, so a peak in its last 100 ms can be missed) and CPU time (user +
 * system, read the same way), its stdout kept and its stderr written to a log file with each line's time.
 *
 * @param wallMillis   from just before the process was started to its exit
 * @param startEpoch   the wall clock just before it was started
 * @param phases       the {@link Phases} moments it reported, in milliseconds from {@code startEpoch}
 * @param stderr       its stderr lines, each with its arrival in milliseconds from the start
 */
public record Measured(String name, List<String> command, int exitCode, long wallMillis, long startEpoch, long peakRssBytes,
                       double cpuSeconds, String stdout, List<Line> stderr, Map<String, Long> phases, Path log) {

    public record Line(long atMillis, String text) {
    }

    public static Measured run(String name, List<String> command, Map<String, String> env, Path log, long timeoutMillis) {
        ProcessBuilder builder = new ProcessBuilder(command);
        builder.environment().putAll(env);
        List<Line> lines = Collections.synchronizedList(new ArrayList<>());
        StringBuilder out = new StringBuilder();
        long[] peak = {0};
        double[] cpu = {0};
        try {
            Files.createDirectories(log.getParent());
            long startEpoch = System.currentTimeMillis();
            long start = System.nanoTime();
            Process process = builder.start();
            long pid = process.pid();
            // Ctrl-C on the comparison ends the rebuild it runs, rather than leaving it behind.
            Thread stop = new Thread(process::destroy, "stop-" + name);
            Runtime.getRuntime().addShutdownHook(stop);
            Thread stderr = daemon(() -> {
                try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getErrorStream(), StandardCharsets.UTF_8))) {
                    for (String line; (line = r.readLine()) != null; ) {
                        lines.add(new Line((System.nanoTime() - start) / 1_000_000, line));
                    }
                } catch (IOException ignored) {
                    // the process ended
                }
            });
            Thread stdout = daemon(() -> {
                try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                    for (String line; (line = r.readLine()) != null; ) {
                        synchronized (out) {
                            out.append(line).append('\n');
                        }
                    }
                } catch (IOException ignored) {
                    // the process ended
                }
            });
            Thread sampler = daemon(() -> {
                while (process.isAlive()) {
                    long hwm = highWaterMark(pid);
                    synchronized (peak) {
                        peak[0] = Math.max(peak[0], hwm);
                    }
                    process.toHandle().info().totalCpuDuration().ifPresent(d -> {
                        synchronized (cpu) {
                            cpu[0] = Math.max(cpu[0], d.toNanos() / 1e9);
                        }
                    });
                    try {
                        Thread.sleep(100);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            });
            boolean ended = process.waitFor(timeoutMillis, TimeUnit.MILLISECONDS);
            long wall = (System.nanoTime() - start) / 1_000_000;
            if (!ended) {
                process.destroyForcibly();
                process.waitFor(30, TimeUnit.SECONDS);
            }
            sampler.interrupt();
            try {
                Runtime.getRuntime().removeShutdownHook(stop);
            } catch (IllegalStateException shuttingDown) {
                // the hook is running or has run
            }
            stderr.join(5_000);
            stdout.join(5_000);
            List<Line> copy;
            synchronized (lines) {
                copy = List.copyOf(lines);
            }
            try (PrintWriter w = new PrintWriter(Files.newBufferedWriter(log))) {
                w.println("# " + String.join(" ", command));
                copy.forEach(l -> w.printf("%8d ms  %s%n", l.atMillis(), l.text()));
                w.println("# exit " + (ended ? process.exitValue() : "none: killed after " + timeoutMillis + " ms"));
                w.println("# stdout:");
                w.print(out);
            }
            Map<String, Long> phases = new LinkedHashMap<>();
            for (Line l : copy) {
                if (l.text().startsWith(Phases.PREFIX)) {
                    String[] parts = l.text().substring(Phases.PREFIX.length()).trim().split(" ");
                    phases.put(parts[0], Long.parseLong(parts[1]) - startEpoch);
                }
            }
            synchronized (peak) {
                synchronized (cpu) {
                    return new Measured(name, command, ended ? process.exitValue() : -1, wall, startEpoch, peak[0], cpu[0], out.toString(), copy, phases, log);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + command.get(0), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while " + name + " ran", e);
        }
    }

    private static Thread daemon(Runnable body) {
        Thread t = new Thread(body, "measured-process");
        t.setDaemon(true);
        t.start();
        return t;
    }

    /** The first stderr line containing {@code text}, or null. */
    public Line firstLine(String text) {
        return stderr.stream().filter(l -> l.text().contains(text)).findFirst().orElse(null);
    }

    /** Peak resident memory so far of a Linux process ({@code VmHWM}); 0 where /proc is not there. */
    static long highWaterMark(long pid) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
                if (line.startsWith("VmHWM:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
                }
            }
        } catch (IOException | RuntimeException e) {
            // the process ended between two reads
        }
        return 0;
    }
}
