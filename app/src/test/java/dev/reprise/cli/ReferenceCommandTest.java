package dev.reprise.cli;

import dev.reprise.Cli;
import dev.reprise.config.RepriseConfig;
import dev.reprise.contract.ContractKeys;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code reprise reference} prints the declarations of the contract's keys and of the {@code reprise.*} properties, and
 * docs/reference.md is exactly its Markdown output; the README's verdict table is exactly {@code reprise reference verdict}.
 */
class ReferenceCommandTest {
    static final Path README = Path.of("..", "README.md").toAbsolutePath().normalize();
    static final Path REFERENCE = Path.of("..", "docs", "reference.md").toAbsolutePath().normalize();
    static final String START = "<!-- reference:start";
    static final String END = "<!-- reference:end";
    static final String REGENERATE = "./reprise reference --format markdown > /tmp/reference.md && sed -i -e '/^<!-- reference:start/,"
            + "/^<!-- reference:end/{//!d}' -e '/^<!-- reference:start/r /tmp/reference.md' docs/reference.md";

    @Test
    void theConfigurationReferenceIsWhatTheCommandPrints() throws Exception {
        Cli.Outcome o = Cli.reprise("reference", "--format", "markdown");
        assertThat(o.exitCode()).as(o.stderr()).isZero();

        String readme = Files.readString(REFERENCE);
        int start = readme.indexOf("\n" + START) + 1;
        int end = readme.indexOf("\n" + END) + 1;
        assertThat(start).as("docs/reference.md has the marker line %s...", START).isPositive();
        assertThat(end).as("docs/reference.md has the marker line %s...", END).isGreaterThan(start);
        String section = readme.substring(readme.indexOf('\n', start) + 1, end);

        assertThat(section).as("docs/reference.md differs from what 'reprise reference --format markdown' prints "
                + "(a key or property was declared, changed or removed); regenerate it from the repository's root with:%n  %s%n",
                REGENERATE).isEqualTo(o.stdout());
    }

    @Test
    void theReadmesVerdictTableIsWhatTheCommandPrints() throws Exception {
        Cli.Outcome o = Cli.reprise("reference", "verdict");
        assertThat(o.exitCode()).as(o.stderr()).isZero();
        for (dev.reprise.evidence.VerdictRule r : dev.reprise.evidence.VerdictRules.ALL) {
            assertThat(o.stdout()).contains("| `" + r.name() + "` | " + r.whenBroken() + " | ");
        }
        String readme = Files.readString(README);
        int start = readme.indexOf("\n<!-- verdict:start") + 1;
        int end = readme.indexOf("\n<!-- verdict:end") + 1;
        assertThat(start).as("README.md has the marker line <!-- verdict:start ...").isPositive();
        assertThat(end).isGreaterThan(start);
        assertThat(readme.substring(readme.indexOf('\n', start) + 1, end)).as("README.md's verdict table differs from what 'reprise reference "
                + "verdict' prints (a rule was added, changed or removed); regenerate it from the repository's root with:%n  %s%n",
                REGENERATE.replace("--format markdown", "verdict").replace("reference:", "verdict:").replace("/tmp/reference.md", "/tmp/verdict.md")
                        .replace("docs/reference.md", "README.md"))
                .isEqualTo(o.stdout());
    }

    @Test
    void markdownHasARowForEveryContractKeyAndEveryProperty() {
        Cli.Outcome o = Cli.reprise("reference");

        assertThat(o.exitCode()).isZero();
        assertThat(o.stdout()).startsWith("### Recovery Contract\n\n| key | type | required | default | what it is | example |\n");
        for (ContractKeys.Key k : ContractKeys.all()) {
            assertThat(o.stdout()).contains("| `" + k.path() + "` | ");
        }
        for (String property : RepriseConfig.DEFINITION.names()) {
            assertThat(o.stdout()).contains("| `" + property + "` | ");
        }
        assertThat(o.stderr()).as("nothing but the reference").isEmpty();
    }

    @Test
    void textPrintsOneBlockPerKeyWithItsTypeDefaultAndExample() {
        Cli.Outcome o = Cli.reprise("reference", "contract", "--format", "text");

        assertThat(o.exitCode()).isZero();
        assertThat(o.stdout()).contains("evidence.progress_interval  (duration (500ms, 5s, 1m); default 5s)\n"
                        + "    How often a progress record is written while the run goes\n    e.g. progress_interval: 10s\n")
                .contains("history.topics  (list of names; required)\n")
                .contains("processing.repartition_partitions  (whole number >= 1)\n    Default: as many as the history topic with the most "
                        + "partitions.\n")
                .doesNotContain("reprise.rocksdb.memory.bytes").doesNotContain("|");
        assertThat(o.stdout().lines()).as("wrapped for a terminal").allSatisfy(line -> assertThat(line.length()).isLessThanOrEqualTo(100));
    }

    @Test
    void propertiesAloneInTextShowWhatEachAccepts() {
        Cli.Outcome o = Cli.reprise("reference", "properties", "--format", "text");

        assertThat(o.exitCode()).isZero();
        assertThat(o.stdout()).startsWith("reprise.rocksdb.memory.bytes  (long, accepts [33554432,...]; default 201326592)\n")
                .contains("reprise.apply.recent.states  (int, accepts [0,...]; default 0)\n").doesNotContain("history.topics");
    }

    @Test
    void anUnknownFormatOrPartIsInvalidInput() {
        Cli.Outcome format = Cli.reprise("reference", "--format", "html");
        assertThat(format.exitCode()).isEqualTo(ExitCodes.INVALID_INPUT);
        assertThat(format.stderr()).contains("--format").contains("markdown, text").doesNotContain("Exception");
        assertThat(format.stdout()).isEmpty();

        Cli.Outcome part = Cli.reprise("reference", "everything");
        assertThat(part.exitCode()).isEqualTo(ExitCodes.INVALID_INPUT);
        assertThat(part.stderr()).contains("contract, properties").doesNotContain("Exception");
    }
}
