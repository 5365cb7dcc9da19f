package dev.reprise;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The tools module's side of {@link ArchitectureTest}: its packages without cycles, its commands joining the product's,
 * and the broker's non-public classes (and Kafka's internals) behind one door, {@code dev.reprise.embedded.compat}, in the tools
 * and in the embedded broker's module.
 */
class ToolsArchitectureTest {
    /** Kafka's internals as the product's test names them, and the broker's own classes (kafka_2.13 and the server modules). */
    static final Pattern BROKER_INTERNALS = Pattern.compile(ArchitectureTest.KAFKA_INTERNALS.pattern()
            + "|^import (kafka\\.[\\w.]+|org\\.apache\\.kafka\\.(server|metadata|raft|storage|image|controller|coordinator)\\.[\\w.]+)",
            Pattern.MULTILINE);

    @Test
    void noTwoPackagesDependOnEachOtherEvenThroughOthers() {
        Map<String, Set<String>> deps = ArchitectureTest.packageDependencies(ArchitectureTest.CLASSES);
        assertThat(deps).as("jdeps found the tools' packages").containsKeys("dev.reprise.demo", "dev.reprise.drill", "dev.reprise.tools");
        assertThat(deps.keySet()).as("the tools' packages").isSubsetOf(ArchitectureTest.TOOLS);
        assertThat(ArchitectureTest.cycles(deps)).as("package cycles").isEmpty();
    }

    @Test
    void theToolsCommandsJoinTheProducts() {
        String help = Cli.reprise("--help").stdout();
        assertThat(help).containsPattern("(?m)^\\s+replay\\b").containsPattern("(?m)^\\s+demo\\b").containsPattern("(?m)^\\s+drill\\b")
                .containsPattern("(?m)^\\s+broker\\b").contains("Start with: reprise demo");
    }

    @Test
    void kafkaAndBrokerInternalsAreUsedBehindTheToolsCompatPackageOnly() throws IOException {
        Path sources = ArchitectureTest.SOURCES;
        assertThat(ArchitectureTest.uses(BROKER_INTERNALS, sources, sources.resolve(Path.of("dev", "reprise", "embedded", "compat"))))
                .as("the broker's non-public classes outside dev.reprise.embedded.compat").isEmpty();
    }

    @Test
    void theEmbeddedBrokersModuleReachesTheBrokersInternalsThroughItsCompatPackageOnly() throws IOException {
        Path sources = Path.of("..", "embedded", "src", "main", "java");
        Path door = sources.resolve(Path.of("dev", "reprise", "embedded", "compat"));
        assertThat(ArchitectureTest.uses(BROKER_INTERNALS, sources, door))
                .as("the broker's non-public classes in the embedded module outside dev.reprise.embedded.compat").isEmpty();
        // The check can fail: the door itself is what it would find, were it not the door.
        assertThat(ArchitectureTest.uses(BROKER_INTERNALS, sources, sources.resolve("none")))
                .as("the pattern finds the internals that BrokerInternals uses").isNotEmpty()
                .allMatch(use -> use.startsWith(Path.of("dev", "reprise", "embedded", "compat").toString()));
    }
}
