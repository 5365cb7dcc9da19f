package dev.reprise;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.spi.ToolProvider;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The layout a newcomer relies on: packages without cycles, Kafka's internals behind one door, and a product that
 * carries no tool (the tools module checks its own side in {@code ToolsArchitectureTest}).
 */
class ArchitectureTest {
    static final Path CLASSES = Path.of("target", "classes");
    static final Path SOURCES = Path.of("src", "main", "java");
    /** The tools module's packages: none of them may be part of the product. */
    static final Set<String> TOOLS = Set.of("dev.reprise.tools", "dev.reprise.demo", "dev.reprise.bench", "dev.reprise.embedded",
            "dev.reprise.embedded.compat", "dev.reprise.sample.inventory", "dev.reprise.sample.invoice", "dev.reprise.drill");
    /** Non-public Kafka Streams, client and RocksDB APIs. */
    static final Pattern KAFKA_INTERNALS = Pattern.compile(
            "^import (org\\.apache\\.kafka\\.[\\w.]*\\.internals?\\.[\\w.]+|org\\.apache\\.kafka\\.common\\.utils\\.Utils)"
            + "|\\b(org\\.apache\\.kafka\\.[\\w.]*\\.internals\\.\\w+)", Pattern.MULTILINE);

    static Map<String, Set<String>> packageDependencies() {
        return packageDependencies(CLASSES);
    }

    /** Package → the Reprise packages it depends on, as the JDK's jdeps sees the compiled classes in {@code classes}. */
    static Map<String, Set<String>> packageDependencies(Path classes) {
        ToolProvider jdeps = ToolProvider.findFirst("jdeps").orElseThrow(() -> new AssertionError("jdeps is not in this JDK"));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int code = jdeps.run(new PrintStream(out, true, StandardCharsets.UTF_8), System.err, "-verbose:package", "-e", "dev\\.reprise\\..*",
                classes.toString());
        assertThat(code).as("jdeps on %s", classes).isZero();
        Map<String, Set<String>> deps = new HashMap<>();
        Matcher m = Pattern.compile("^\\s+(dev\\.reprise[\\w.]*)\\s+->\\s+(dev\\.reprise[\\w.]*)", Pattern.MULTILINE)
                .matcher(out.toString(StandardCharsets.UTF_8));
        while (m.find()) {
            if (!m.group(1).equals(m.group(2))) {
                deps.computeIfAbsent(m.group(1), k -> new HashSet<>()).add(m.group(2));
            }
        }
        return deps;
    }

    @Test
    void noTwoPackagesDependOnEachOtherEvenThroughOthers() {
        Map<String, Set<String>> deps = packageDependencies();
        assertThat(deps).as("jdeps found Reprise's packages").containsKeys("dev.reprise.pipeline.apply", "dev.reprise.runner", "dev.reprise.cli");
        assertThat(cycles(deps)).as("package cycles").isEmpty();
    }

    /**
     * The layers docs/how-it-works.md states: the rows of its first table under "Components", top to bottom, each row's
     * product packages ({@code …/name/}). A package may depend on its own row and the rows above it only.
     */
    static Map<String, Integer> statedLayers() throws IOException {
        String doc = Files.readString(Path.of("..", "docs", "how-it-works.md"));
        int start = doc.indexOf("| concept | where |");
        assertThat(start).as("docs/how-it-works.md has the table of packages (| concept | where |)").isPositive();
        int end = doc.indexOf("\n\n", start);
        Map<String, Integer> layers = new HashMap<>();
        int row = 0;
        for (String line : doc.substring(start, end).split("\n")) {
            String[] cells = line.split("\\|");
            if (cells.length < 3) {
                continue;
            }
            Matcher m = Pattern.compile("`…/([\\w/]+)/`").matcher(cells[cells.length - 1]);
            boolean any = false;
            while (m.find()) {
                layers.put("dev.reprise." + m.group(1).replace('/', '.'), row);
                any = true;
            }
            if (any) {
                row++;
            }
        }
        return layers;
    }

    @Test
    void everyPackageDependsOnlyOnItsOwnRowAndTheRowsAboveItAsTheDocsState() throws IOException {
        Map<String, Integer> layers = statedLayers();
        Map<String, Set<String>> deps = packageDependencies();
        List<String> unplaced = new ArrayList<>();
        List<String> upward = new ArrayList<>();
        for (Map.Entry<String, Set<String>> e : deps.entrySet()) {
            Integer from = layerOf(layers, e.getKey());
            if (from == null) {
                unplaced.add(e.getKey());
                continue;
            }
            for (String to : e.getValue()) {
                Integer target = layerOf(layers, to);
                if (target == null) {
                    unplaced.add(to);
                } else if (target > from) {
                    upward.add(e.getKey() + " (row " + (from + 1) + ") -> " + to + " (row " + (target + 1) + ")");
                }
            }
        }
        assertThat(unplaced).as("packages without a row in docs/how-it-works.md's table of packages: give each its row").isEmpty();
        assertThat(upward).as("dependencies on a package stated below (docs/how-it-works.md, Components): move the code or the row").isEmpty();
    }

    /** The stated row of a package: its own, or for generated sub-packages (evidence.avro) its parent's; Main's package is last. */
    private static Integer layerOf(Map<String, Integer> layers, String pkg) {
        if (pkg.equals("dev.reprise")) {
            return Integer.MAX_VALUE;
        }
        if (layers.containsKey(pkg)) {
            return layers.get(pkg);
        }
        return pkg.endsWith(".avro") ? layers.get(pkg.substring(0, pkg.length() - ".avro".length())) : null;
    }

    static List<String> cycles(Map<String, Set<String>> deps) {
        List<String> cycles = new ArrayList<>();
        for (String a : deps.keySet()) {
            for (String b : deps.get(a)) {
                if (reaches(deps, b, a)) {
                    cycles.add(a + " -> " + b + " -> ... -> " + a);
                }
            }
        }
        return cycles;
    }

    /**
     * The product jar holds no tool, and its class path no broker, no Scala and no sample domain: the tools (demo,
     * bench, drill, broker, the samples) are the tools module's, which depends on the product, never the reverse.
     */
    @Test
    void theProductCarriesNoToolNoBrokerAndNoSample() {
        assertThat(packageDependencies().keySet()).as("the product's packages").doesNotContainAnyElementsOf(TOOLS);
        for (String absent : List.of("kafka.server.KafkaRaftServer", "scala.Option", "dev.reprise.embedded.EmbeddedKafka",
                "dev.reprise.sample.inventory.InventoryProjection", "dev.reprise.sample.inventory.InventoryLevel")) {
            assertThat(loadable(absent)).as("%s on the product's class path", absent).isFalse();
        }
        assertThat(java.util.ServiceLoader.load(dev.reprise.projection.Projection.class).stream().toList())
                .as("projections the product registers itself").isEmpty();
        assertThat(java.util.ServiceLoader.load(dev.reprise.cli.ToolCommands.class).stream().toList())
                .as("tool commands on the product's class path").isEmpty();
        String help = Cli.reprise("--help").stdout();
        assertThat(help).as("the product's help").containsPattern("(?m)^\\s+replay\\b").containsPattern("(?m)^\\s+promote\\b")
                .contains("Start with: reprise plan --offline");
        assertThat(help).as("the product's help, without the tools").doesNotContainPattern("(?m)^\\s+(demo|generate|bench|drill|broker)\\b");
    }

    private static boolean loadable(String className) {
        try {
            Class.forName(className, false, ArchitectureTest.class.getClassLoader());
            return true;
        } catch (ClassNotFoundException e) {
            return false;
        }
    }

    @Test
    void kafkaAndRocksDbInternalsAreUsedInTheCompatPackageOnly() throws IOException {
        assertThat(uses(KAFKA_INTERNALS, SOURCES, SOURCES.resolve(Path.of("dev", "reprise", "compat"))))
                .as("non-public Kafka APIs outside dev.reprise.compat").isEmpty();
    }

    /** Where the sources under {@code sources}, except those under {@code door}, match {@code internal}. */
    static List<String> uses(Pattern internal, Path sources, Path door) throws IOException {
        List<String> found = new ArrayList<>();
        try (Stream<Path> files = Files.walk(sources)) {
            for (Path file : files.filter(f -> f.toString().endsWith(".java")).toList()) {
                if (file.startsWith(door)) {
                    continue;
                }
                Matcher m = internal.matcher(Files.readString(file));
                while (m.find()) {
                    found.add(sources.relativize(file) + ": " + m.group().trim());
                }
            }
        }
        return found;
    }

    static boolean reaches(Map<String, Set<String>> deps, String from, String to) {
        Set<String> seen = new HashSet<>();
        List<String> todo = new ArrayList<>(List.of(from));
        while (!todo.isEmpty()) {
            String p = todo.remove(todo.size() - 1);
            if (p.equals(to)) {
                return true;
            }
            if (seen.add(p)) {
                todo.addAll(deps.getOrDefault(p, Set.of()));
            }
        }
        return false;
    }
}
