package dev.reprise.embedded;

import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * The one launcher of a broker in a JVM of its own, for every tool and test that needs one: {@code reprise broker
 * --data-dir DIR/data --port N --bootstrap-file ...}, with the launcher's settings (the parallel collector, two malloc
 * arenas). The benchmark runs its broker apart so that its own process holds only what it measures and the broker's
 * CPU time is read from its process; the drills and the restart test stop it (SIGTERM, a controlled shutdown) or kill
 * it (SIGKILL) and {@linkplain #startAgain() start it again} on the same data and port, as an operator's broker
 * restarts; the comparison module runs three rebuilds against one. Each start writes its {@code stdout}, its
 * {@code stderr} (the broker's log) and its address file in {@code DIR/start-N/}.
 */
public final class BrokerProcess implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(BrokerProcess.class);
    private static final long START_TIMEOUT_SECONDS = 120;

    private final String who;
    private final Path dir;
    private final int port;
    private final String classPath;
    private final String heap;
    private final boolean deleteOnClose;
    private volatile Process process;
    private int starts;
    private String bootstrapServers;

    private BrokerProcess(String who, Path dir, int port, String classPath, String heap, boolean deleteOnClose) {
        this.who = who;
        this.dir = dir;
        this.port = port;
        this.classPath = classPath;
        this.heap = heap;
        this.deleteOnClose = deleteOnClose;
        // Ctrl-C on the tool stops its broker too.
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            Process p = process;
            if (p != null) {
                p.destroy();
            }
        }, "stop-" + who + "-broker"));
    }

    /**
     * A broker on this JVM's class path in a new temporary directory, deleted on {@link #close()}, on a fixed free port
     * (the same after a restart).
     *
     * @param who  whose broker it is, for its directory and messages ("benchmark", "drill")
     * @param heap its {@code -Xmx}, e.g. {@code 1g}
     */
    public static BrokerProcess startTemporary(String who, String heap) {
        try {
            return start(who, Files.createTempDirectory("reprise-" + who + "-broker"), freePort(), System.getProperty("java.class.path"), heap, true);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * A broker in {@code dir} (emptied first, kept after {@link #close()}) on {@code port}, run with {@code classPath}
     * (the product's and the tools' jars).
     */
    public static BrokerProcess start(String who, Path dir, int port, String classPath, String heap, boolean deleteOnClose) {
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        BrokerProcess broker = new BrokerProcess(who, dir.toAbsolutePath(), port, classPath, heap, deleteOnClose);
        try {
            broker.startAgain();
        } catch (RuntimeException e) {
            broker.close();
            throw e;
        }
        return broker;
    }

    /** Starts the broker on its data directory and port; returns once it accepts clients (it wrote its address file). */
    public void startAgain() {
        starts++;
        Path logs = startDir();
        try {
            Files.createDirectories(logs);
            Path bootstrapFile = logs.resolve("bootstrap");
            List<String> command = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx" + heap,
                    "-XX:+UseParallelGC", "-cp", classPath, "dev.reprise.Main", "broker", "--data-dir", dataDir().toString(),
                    "--port", Integer.toString(port), "--bootstrap-file", bootstrapFile.toString());
            ProcessBuilder builder = new ProcessBuilder(command).redirectOutput(stdout().toFile()).redirectError(stderr().toFile());
            builder.environment().put("MALLOC_ARENA_MAX", "2");
            process = builder.start();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(START_TIMEOUT_SECONDS);
            while (!Files.exists(bootstrapFile) || Files.readString(bootstrapFile).isBlank()) {
                if (!process.isAlive() || System.nanoTime() > deadline) {
                    process.destroyForcibly();
                    throw new IllegalStateException("the " + who + "'s broker did not start within " + START_TIMEOUT_SECONDS
                            + " s; the end of its log:" + logTail());
                }
                Thread.sleep(100);
            }
            bootstrapServers = Files.readString(bootstrapFile).trim();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while the " + who + "'s broker started", e);
        }
    }

    /** SIGTERM, as Ctrl-C or a service manager: a controlled shutdown. Returns the exit code (0 or 143 when it shut down cleanly). */
    public int stop() {
        process.destroy();
        return await(120);
    }

    /** SIGKILL: no shutdown at all, as when a machine dies. */
    public int kill() {
        process.destroyForcibly();
        return await(60);
    }

    private int await(int seconds) {
        try {
            if (!process.waitFor(seconds, TimeUnit.SECONDS)) {
                LOG.warn("the {}'s broker did not stop within {} s; killing it", who, seconds);
                process.destroyForcibly();
                process.waitFor(60, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
        return process.isAlive() ? -1 : process.exitValue();
    }

    /** True while the broker process runs; when it stopped by itself, {@link #logTail()} says why. */
    public boolean isAlive() {
        return process != null && process.isAlive();
    }

    public String bootstrapServers() {
        return bootstrapServers;
    }

    public Map<String, Object> clientConfig() {
        return Map.of(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
    }

    public Admin admin() {
        return Admin.create(clientConfig());
    }

    public void createTopic(String name, int partitions) {
        createTopic(name, partitions, Map.of());
    }

    public void createTopic(String name, int partitions, Map<String, String> configs) {
        try (Admin admin = admin()) {
            admin.createTopics(List.of(new NewTopic(name, partitions, (short) 1).configs(configs))).all().get();
        } catch (InterruptedException | ExecutionException e) {
            throw new IllegalStateException("could not create topic " + name + ": " + e.getMessage(), e);
        }
    }

    /** Deletes every topic whose name starts with {@code prefix}: a run's outputs and internal topics, once checked. */
    public void deleteTopics(String prefix) {
        try (Admin admin = admin()) {
            List<String> names = admin.listTopics().names().get().stream().filter(n -> n.startsWith(prefix)).toList();
            if (!names.isEmpty()) {
                admin.deleteTopics(names).all().get();
            }
        } catch (InterruptedException | ExecutionException e) {
            throw new IllegalStateException("could not delete the topics " + prefix + "*: " + e.getMessage(), e);
        }
    }

    /** CPU seconds the current broker process has used so far. */
    public double cpuSeconds() {
        return process.toHandle().info().totalCpuDuration().map(d -> d.toNanos() / 1e9).orElse(0.0);
    }

    /** The broker's data directory ({@code DIR/data}), kept across restarts. */
    public Path dataDir() {
        return dir.resolve("data");
    }

    /** What the current broker process printed on stdout (its ready line). */
    public Path stdout() {
        return startDir().resolve("stdout");
    }

    /** The current broker process's stderr: its log. */
    public Path stderr() {
        return startDir().resolve("stderr");
    }

    private Path startDir() {
        return dir.resolve("start-" + starts);
    }

    /** The last 20 lines of the current broker process's log. */
    public String logTail() {
        try {
            List<String> lines = Files.readAllLines(stderr());
            return "\n  " + String.join("\n  ", lines.subList(Math.max(0, lines.size() - 20), lines.size()));
        } catch (IOException e) {
            return " " + stderr() + " (unreadable: " + e.getMessage() + ")";
        }
    }

    /** Stops the broker (SIGTERM; SIGKILL when it does not stop) and deletes its directory if it is a temporary one. */
    @Override
    public void close() {
        if (process != null && !process.isAlive() && process.exitValue() != 0 && process.exitValue() != 143) {
            LOG.warn("the {}'s broker had stopped by itself (exit code {}); the end of its log:{}", who, process.exitValue(), logTail());
        }
        if (isAlive()) {
            int exit = stop();
            if (exit != 0 && exit != 143) {
                LOG.warn("the {}'s broker exited with {}; its log: {}", who, exit, stderr());
            }
        }
        if (deleteOnClose) {
            Directories.deleteQuietly(dir, "the " + who + "'s broker directory");
        }
    }

    /**
     * A free port below the range the OS hands out to outgoing connections: while the broker is down between two
     * starts, no client connection on the machine can take it.
     */
    public static int freePort() {
        for (int i = 0; i < 1_000; i++) {
            int candidate = ThreadLocalRandom.current().nextInt(10_000, 32_000);
            try (ServerSocket socket = new ServerSocket(candidate, 1, InetAddress.getLoopbackAddress())) {
                return candidate;
            } catch (IOException taken) {
                // try another
            }
        }
        throw new IllegalStateException("no free port on localhost between 10000 and 32000");
    }
}
