package dev.reprise.compare;

import java.io.File;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Where the three class paths and the sample's files are, found from where this class was loaded
 * ({@code compare/target/classes} or {@code compare/target/reprise-compare.jar}) in a built source tree.
 *
 * @param home    the repository: the launcher, {@code config/} and {@code schemas/}
 * @param compare this module's classes (a directory or its jar)
 */
public record Layout(Path home, Path compare) {
    /** The JVM options of the launcher ({@code ./reprise}) for a replay; the hand-written rebuilds get the same. */
    public static final List<String> JVM_OPTIONS = List.of("-Xmx512m", "-XX:+UseParallelGC");
    /** The launcher's environment: two malloc arenas keep RocksDB's memory from fragmenting. */
    public static final String MALLOC_ARENA_MAX = "2";

    public static Layout find() {
        Path here;
        try {
            here = Path.of(Layout.class.getProtectionDomain().getCodeSource().getLocation().toURI()).toAbsolutePath();
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
        // compare/target/classes or compare/target/reprise-compare.jar → the repository two levels above target/.
        Path target = here.getParent();
        Path home = target.getParent().getParent();
        Layout layout = new Layout(home, here);
        layout.check();
        return layout;
    }

    private void check() {
        for (Path p : List.of(appJar(), appLib(), toolsJar(), toolsLib(), flinkLib(), contract(), schemas())) {
            if (!Files.exists(p)) {
                throw new IllegalStateException(p + " is missing: build first with 'mvn -B -DskipTests package' in " + home);
            }
        }
    }

    public Path appJar() {
        return home.resolve("app/target/reprise-app.jar");
    }

    public Path appLib() {
        return home.resolve("app/target/lib");
    }

    /** The tools module's jar: the sample domain, its generator, the broker command. */
    public Path toolsJar() {
        return home.resolve("tools/target/reprise-tools.jar");
    }

    public Path toolsLib() {
        return home.resolve("tools/target/lib");
    }

    public Path flinkLib() {
        return compare.getParent().resolve("flink-lib");
    }

    public Path contract() {
        return home.resolve("config/inventory.yaml");
    }

    public Path schemas() {
        return home.resolve("schemas");
    }

    public Path idMap() {
        return schemas().resolve("registry-ids.yaml");
    }

    /** Reprise's class path, as the launcher builds it: the product and the tools. */
    public String repriseClassPath() {
        return String.join(File.pathSeparator, appJar().toString(), appLib().resolve("*").toString(), toolsJar().toString(),
                toolsLib().resolve("*").toString());
    }

    /** The Kafka Streams app: this module on Reprise's class path (Kafka Streams 4.4, its RocksDB). */
    public String streamsClassPath() {
        return String.join(File.pathSeparator, compare.toString(), repriseClassPath());
    }

    /** The extension points the sample's projection implements (reprise-api), as the product's build copies it beside its jar. */
    Path apiJar() {
        try (java.util.stream.Stream<Path> jars = java.nio.file.Files.list(appLib())) {
            return jars.filter(j -> j.getFileName().toString().startsWith("reprise-api")).findFirst()
                    .orElseThrow(() -> new IllegalStateException("no reprise-api jar in " + appLib() + ": build first with 'mvn -B -DskipTests package'"));
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** The Flink job: this module, reprise-app and reprise-tools for the sample's logic, and Flink's jars (no Kafka Streams, no broker). */
    public String flinkClassPath() {
        return String.join(File.pathSeparator, compare.toString(), apiJar().toString(), appJar().toString(), toolsJar().toString(),
                flinkLib().resolve("*").toString());
    }

    public static Path java() {
        return Path.of(System.getProperty("java.home"), "bin", "java");
    }

    /** A JVM command line with the launcher's options. */
    public static List<String> jvm(String classPath, List<String> extraOptions, String mainClass) {
        List<String> c = new ArrayList<>();
        c.add(java().toString());
        c.addAll(JVM_OPTIONS);
        c.addAll(extraOptions);
        c.add("-cp");
        c.add(classPath);
        c.add(mainClass);
        return c;
    }
}
