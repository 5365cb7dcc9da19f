package dev.reprise.drill;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One instance of the application as an operator runs it: {@code reprise run} in a JVM of its own
 * ({@code java -cp <this class path> dev.reprise.Main run ...}), so that a SIGKILL is a real one. Its stdout and
 * stderr go to files; its progress is read from the progress lines it prints on stderr.
 */
final class AppProcess {
    private static final Pattern PROGRESS = Pattern.compile("^\\s*(\\d+(?:\\.\\d+)?)%\\s+[\\d,]+ / [\\d,]+ offsets", Pattern.MULTILINE);
    private final Process process;
    private final Path stdout;
    private final Path stderr;

    private AppProcess(Process process, Path stdout, Path stderr) {
        this.process = process;
        this.stdout = stdout;
        this.stderr = stderr;
    }

    /**
     * @param name a name for its log files, unique in the drill's directory
     */
    static AppProcess start(Workbench wb, String bootstrapServers, Path contractFile, Path stateDir, String name) {
        return start(wb, bootstrapServers, contractFile, stateDir, name, java.util.Map.of());
    }

    /** @param extraProperties client and Kafka Streams properties added to its --command-config */
    static AppProcess start(Workbench wb, String bootstrapServers, Path contractFile, Path stateDir, String name,
                            java.util.Map<String, String> extraProperties) {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx384m", "-XX:+UseParallelGC", "-Dreprise.progress.interval.ms=500", "-cp", System.getProperty("java.class.path"), "dev.reprise.Main", "run",
                "--contract", contractFile.toString(), "--bootstrap-server", bootstrapServers, "--command-config", wb.appProperties(extraProperties).toString(),
                "--state-dir", stateDir.toString(), "--json"));
        // The same projections and upcasters as the drill's own runs: a team's come from the plugin path, given on the command
        // line (REPRISE_PLUGIN_PATH and the default plugins/ reach the child with this process's environment).
        String pluginPath = dev.reprise.plugin.Plugins.givenPath();
        if (pluginPath != null && !pluginPath.isBlank()) {
            command.addAll(List.of("--plugin-path", pluginPath));
        }
        Path out = wb.dir.resolve(name + ".out");
        Path err = wb.dir.resolve(name + ".err");
        try {
            ProcessBuilder builder = new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile());
            builder.environment().put("REPRISE_LOG_LEVEL", "info");
            return new AppProcess(builder.start(), out, err);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start an app process: " + e.getMessage(), e);
        }
    }

    /** The percentage of the run's offsets read, from the last progress line; -1 before the first. */
    double percent() {
        String text = stderr();
        Matcher m = PROGRESS.matcher(text);
        double last = -1;
        while (m.find()) {
            last = Double.parseDouble(m.group(1));
        }
        return last;
    }

    boolean isAlive() {
        return process.isAlive();
    }

    /** SIGKILL: no shutdown hook, no commit, no leave-group. */
    void kill() {
        process.destroyForcibly();
        waitFor(60);
    }

    /** Waits for the process to end; kills it when it has not after {@code seconds}. */
    boolean waitFor(long seconds) {
        return waitFor(seconds, true);
    }

    /** Waits for the process to end; when it has not after {@code seconds}, kills it if {@code kill}. */
    boolean waitFor(long seconds, boolean kill) {
        try {
            if (process.waitFor(seconds, TimeUnit.SECONDS)) {
                return true;
            }
            if (!kill) {
                return false;
            }
            process.destroyForcibly();
            process.waitFor(60, TimeUnit.SECONDS);
            return false;
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
            return false;
        }
    }

    int exitCode() {
        return process.exitValue();
    }

    String stderr() {
        try {
            return Files.exists(stderr) ? Files.readString(stderr) : "";
        } catch (IOException e) {
            return "";
        }
    }

    /** The last lines of its stderr, for a report of what went wrong. */
    String stderrTail() {
        List<String> lines = stderr().lines().toList();
        return String.join("\n", lines.subList(Math.max(0, lines.size() - 15), lines.size()));
    }

    Path stdoutFile() {
        return stdout;
    }
}
