package dev.reprise.drill;

import dev.reprise.embedded.EmbeddedKafka;
import org.apache.kafka.clients.CommonClientConfigs;
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
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * The drills' own broker: {@code reprise broker --data-dir DIR --port N} in a JVM of its own, so that the
 * broker-restart drill can stop it (SIGTERM, a controlled shutdown) or kill it (SIGKILL) and start it again on
 * the same log and port, as an operator's broker restarts. Its data and logs live in one temporary directory,
 * deleted on {@link #close()}.
 */
final class DrillBroker implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(DrillBroker.class);
    private final Path dir;
    private final int port;
    private Process process;
    private int starts;

    private DrillBroker(Path dir, int port) {
        this.dir = dir;
        this.port = port;
    }

    static DrillBroker start() {
        try {
            DrillBroker broker = new DrillBroker(Files.createTempDirectory("reprise-drill-broker"), freePort());
            broker.startAgain();
            return broker;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    String bootstrapServers() {
        return "localhost:" + port;
    }

    Map<String, Object> clientConfig() {
        return Map.of(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers());
    }

    /** Starts the broker on its data directory and port; returns once it accepts clients. */
    void startAgain() {
        starts++;
        Path logs = dir.resolve("start-" + starts);
        try {
            Files.createDirectories(logs);
            Path bootstrapFile = logs.resolve("bootstrap");
            List<String> command = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx768m",
                    "-cp", System.getProperty("java.class.path"), "dev.reprise.Main", "broker", "--data-dir", dir.resolve("data").toString(),
                    "--port", Integer.toString(port), "--bootstrap-file", bootstrapFile.toString());
            process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(logs.resolve("broker.log").toFile()).start();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
            while (!Files.exists(bootstrapFile)) {
                if (!process.isAlive() || System.nanoTime() > deadline) {
                    process.destroyForcibly();
                    throw new IllegalStateException("the drill's broker did not start; its log: " + tail(logs.resolve("broker.log")));
                }
                Thread.sleep(100);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while the broker started", e);
        }
    }

    /** SIGTERM, as Ctrl-C or a service manager: the broker shuts down in a controlled way. */
    void stop() {
        process.destroy();
        await(120);
    }

    /** SIGKILL: no shutdown at all, as when a machine dies. */
    void kill() {
        process.destroyForcibly();
        await(60);
    }

    private void await(int seconds) {
        try {
            if (!process.waitFor(seconds, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                process.waitFor(60, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }

    /** True while the broker process runs; when it stopped by itself, the end of its log says why. */
    boolean isAlive() {
        return process != null && process.isAlive();
    }

    /** The end of the current broker process's log. */
    String logTail() {
        return tail(dir.resolve("start-" + starts).resolve("broker.log"));
    }

    @Override
    public void close() {
        if (process != null && !process.isAlive()) {
            LOG.warn("the drill's broker had stopped by itself (exit code {}); the end of its log:{}", process.exitValue(), logTail());
        }
        if (process != null && process.isAlive()) {
            stop();
        }
        try {
            EmbeddedKafka.deleteTree(dir);
        } catch (IOException e) {
            LOG.warn("could not delete the drill broker's directory {}: {}", dir, e.getMessage());
        }
    }

    private static String tail(Path log) {
        try {
            List<String> lines = Files.readAllLines(log);
            return "\n  " + String.join("\n  ", lines.subList(Math.max(0, lines.size() - 20), lines.size()));
        } catch (IOException e) {
            return log + " (unreadable: " + e.getMessage() + ")";
        }
    }

    /**
     * A free port below the range the OS hands out to outgoing connections: while the broker is down between two
     * starts, no client connection on the machine can take it.
     */
    private static int freePort() {
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
