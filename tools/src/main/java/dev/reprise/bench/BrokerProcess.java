package dev.reprise.bench;

import dev.reprise.embedded.EmbeddedKafka;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * The benchmark's broker: {@link EmbeddedKafka} started by {@code reprise broker} in a JVM of its own,
 * so that the benchmark process holds only what it measures (its memory is the pipeline's) and the
 * broker's CPU time is read from its own process. Its data, address file and log live in one temporary
 * directory, deleted on {@link #close()} even when the broker had to be killed.
 */
final class BrokerProcess implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(BrokerProcess.class);
    private final Process process;
    private final String bootstrap;
    private final Path dir;

    private BrokerProcess(Process process, String bootstrap, Path dir) {
        this.process = process;
        this.bootstrap = bootstrap;
        this.dir = dir;
    }

    static BrokerProcess start() {
        try {
            Path dir = Files.createTempDirectory("reprise-bench-broker");
            Path bootstrapFile = dir.resolve("bootstrap");
            List<String> command = new ArrayList<>(List.of(
                    Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-Xmx1g", "-cp", System.getProperty("java.class.path"),
                    "dev.reprise.Main", "broker", "--data-dir", dir.resolve("data").toString(),
                    "--bootstrap-file", bootstrapFile.toString()));
            Process process = new ProcessBuilder(command)
                    .redirectErrorStream(true)
                    .redirectOutput(dir.resolve("broker.log").toFile())
                    .start();
            long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
            while (!Files.exists(bootstrapFile) || Files.readString(bootstrapFile).isBlank()) {
                if (!process.isAlive() || System.nanoTime() > deadline) {
                    process.destroyForcibly();
                    throw new IllegalStateException("the benchmark's broker did not start; its log: " + dir.resolve("broker.log"));
                }
                Thread.sleep(100);
            }
            return new BrokerProcess(process, Files.readString(bootstrapFile).trim(), dir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while the broker started", e);
        }
    }

    Map<String, Object> clientConfig() {
        return Map.of(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    }

    Admin admin() {
        return Admin.create(clientConfig());
    }

    void createTopic(String name, int partitions) {
        try (Admin admin = admin()) {
            admin.createTopics(List.of(new NewTopic(name, partitions, (short) 1))).all().get();
        } catch (InterruptedException | ExecutionException e) {
            throw new IllegalStateException("could not create topic " + name + ": " + e.getMessage(), e);
        }
    }

    private String logTail() {
        try {
            List<String> lines = Files.readAllLines(dir.resolve("broker.log"));
            return "\n  " + String.join("\n  ", lines.subList(Math.max(0, lines.size() - 20), lines.size()));
        } catch (IOException e) {
            return " (unreadable: " + e.getMessage() + ")";
        }
    }

    /** CPU seconds the broker process has used so far. */
    double cpuSeconds() {
        return process.info().totalCpuDuration().map(d -> d.toNanos() / 1e9).orElse(0.0);
    }

    @Override
    public void close() {
        if (!process.isAlive()) {
            LOG.warn("the benchmark's broker had stopped by itself (exit code {}); the end of its log:{}", process.exitValue(), logTail());
        }
        process.destroy(); // SIGTERM: the broker's shutdown hook stops it
        try {
            if (!process.waitFor(60, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                process.waitFor(30, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
        try {
            EmbeddedKafka.deleteTree(dir);
        } catch (IOException e) {
            LOG.warn("could not delete the benchmark broker's directory {}: {}", dir, e.getMessage());
        }
    }
}
