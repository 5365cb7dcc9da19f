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

/** The layout a newcomer relies on: packages without cycles, and Kafka's internals behind one door. */
class ArchitectureTest {
    static final Path CLASSES = Path.of("target", "classes");
    static final Path SOURCES = Path.of("src", "main", "java");

    /** Package → the Reprise packages it depends on, as the JDK's jdeps sees the compiled classes. */
    static Map<String, Set<String>> packageDependencies() {
        ToolProvider jdeps = ToolProvider.findFirst("jdeps").orElseThrow(() -> new AssertionError("jdeps is not in this JDK"));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int code = jdeps.run(new PrintStream(out, true, StandardCharsets.UTF_8), System.err, "-verbose:package", "-e", "dev\\.reprise\\..*",
                CLASSES.toString());
        assertThat(code).as("jdeps on %s", CLASSES).isZero();
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
        assertThat(deps).as("jdeps found Reprise's packages").containsKeys("dev.reprise.pipeline.apply", "dev.reprise.ops", "dev.reprise.cli");
        List<String> cycles = new ArrayList<>();
        for (String a : deps.keySet()) {
            for (String b : deps.get(a)) {
                if (reaches(deps, b, a)) {
                    cycles.add(a + " -> " + b + " -> ... -> " + a);
                }
            }
        }
        assertThat(cycles).as("package cycles").isEmpty();
    }

    @Test
    void theToolsDependOnTheProductNeverTheReverse() {
        Map<String, Set<String>> deps = packageDependencies();
        Set<String> tools = Set.of("dev.reprise.demo", "dev.reprise.bench", "dev.reprise.embedded", "dev.reprise.sample.inventory",
                "dev.reprise.sample.invoice", "dev.reprise.drill");
        deps.forEach((from, to) -> {
            if (!tools.contains(from) && !from.equals("dev.reprise")) {
                assertThat(to).as("%s depends on a tool", from).doesNotContainAnyElementsOf(tools);
            }
        });
    }

    @Test
    void kafkaAndRocksDbInternalsAreUsedInTheCompatPackageOnly() throws IOException {
        Pattern internal = Pattern.compile("^import (org\\.apache\\.kafka\\.[\\w.]*\\.internals?\\.[\\w.]+|org\\.apache\\.kafka\\.common\\.utils\\.Utils)"
                + "|\\b(org\\.apache\\.kafka\\.[\\w.]*\\.internals\\.\\w+)", Pattern.MULTILINE);
        List<String> found = new ArrayList<>();
        try (Stream<Path> files = Files.walk(SOURCES)) {
            for (Path file : files.filter(f -> f.toString().endsWith(".java")).toList()) {
                if (file.startsWith(SOURCES.resolve(Path.of("dev", "reprise", "compat")))) {
                    continue;
                }
                Matcher m = internal.matcher(Files.readString(file));
                while (m.find()) {
                    found.add(SOURCES.relativize(file) + ": " + m.group().trim());
                }
            }
        }
        assertThat(found).as("non-public Kafka APIs outside dev.reprise.compat").isEmpty();
    }

    private static boolean reaches(Map<String, Set<String>> deps, String from, String to) {
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
