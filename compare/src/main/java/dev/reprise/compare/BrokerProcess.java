package dev.reprise.compare;

import dev.reprise.embedded.EmbeddedKafka;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * The one broker all three rebuilds use: {@code reprise broker --data-dir DIR --port N} in a process of its own, with
 * the launcher's settings for it (a 1 GiB heap, the parallel collector).
 */
final class BrokerProcess implements AutoCloseable {
    private final Process process;
    private final String bootstrap;
    private final Path log;

    private BrokerProcess(Process process, String bootstrap, Path log) {
        this.process = process;
        this.bootstrap = bootstrap;
        this.log = log;
    }

    static BrokerProcess start(Layout layout, Path dir, int port) {
        try {
            EmbeddedKafka.deleteTree(dir);
            Files.createDirectories(dir);
            Path bootstrapFile = dir.resolve("bootstrap");
            Path log = dir.resolve("broker.log");
            List<String> command = new ArrayList<>(List.of(Layout.java().toString(), "-Xmx1g", "-XX:+UseParallelGC",
                    "-cp", layout.repriseClassPath(), "dev.reprise.Main", "broker",
                    "--data-dir", dir.resolve("data").toString(), "--port", Integer.toString(port), "--bootstrap-file", bootstrapFile.toString()));
            ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
            builder.environment().put("MALLOC_ARENA_MAX", Layout.MALLOC_ARENA_MAX);
            Process process = builder.start();
            // Ctrl-C on the comparison stops its broker too.
            Runtime.getRuntime().addShutdownHook(new Thread(process::destroy, "stop-broker"));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
            while (!Files.exists(bootstrapFile) || Files.readString(bootstrapFile).isBlank()) {
                if (!process.isAlive() || System.nanoTime() > deadline) {
                    process.destroyForcibly();
                    throw new IllegalStateException("the broker did not start; its log: " + log);
                }
                Thread.sleep(100);
            }
            return new BrokerProcess(process, Files.readString(bootstrapFile).trim(), log);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while the broker started", e);
        }
    }

    String bootstrap() {
        return bootstrap;
    }

    Map<String, Object> clientConfig() {
        return Map.of("bootstrap.servers", bootstrap);
    }

    Admin admin() {
        return Admin.create(clientConfig());
    }

    void createTopic(String name, int partitions, Map<String, String> configs) {
        try (Admin admin = admin()) {
            admin.createTopics(List.of(new NewTopic(name, partitions, (short) 1).configs(configs))).all().get();
        } catch (InterruptedException | ExecutionException e) {
            throw new IllegalStateException("cannot create topic " + name + ": " + e.getMessage(), e);
        }
    }

    /** Deletes every topic whose name starts with {@code prefix}: a run's outputs and internal topics, once checked. */
    void deleteTopics(String prefix) {
        try (Admin admin = admin()) {
            List<String> names = admin.listTopics().names().get().stream().filter(n -> n.startsWith(prefix)).toList();
            if (!names.isEmpty()) {
                admin.deleteTopics(names).all().get();
            }
        } catch (InterruptedException | ExecutionException e) {
            throw new IllegalStateException("cannot delete the topics " + prefix + "*: " + e.getMessage(), e);
        }
    }

    double cpuSeconds() {
        return process.toHandle().info().totalCpuDuration().map(d -> d.toNanos() / 1e9).orElse(0.0);
    }

    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(60, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                process.waitFor(30, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
        if (process.exitValue() != 0 && process.exitValue() != 143) {
            System.err.println("the broker exited with " + process.exitValue() + "; its log: " + log);
        }
    }
}
