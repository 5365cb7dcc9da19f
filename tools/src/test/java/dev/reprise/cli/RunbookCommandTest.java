package dev.reprise.cli;

import dev.reprise.Cli;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code reprise runbook} as an operator runs it, offline: the real command line, its output, files and exit codes. */
class RunbookCommandTest {
    private static final String INVENTORY = "../config/inventory.yaml";

    @Test
    void writesMarkdownOnStdoutAndSaysWhatIsUnansweredOnStderr() {
        Cli.Outcome o = Cli.reprise("runbook", "--contract", INVENTORY, "--offline");

        assertThat(o.exitCode()).as("stderr: %s", o.stderr()).isZero();
        assertThat(o.stdout()).startsWith("# Runbook: replay of `inventory` into `inventory-levels-rebuilt`")
                .contains("reprise plan --contract ../config/inventory.yaml --offline", "## 10. Post-replay cleanup and lessons learned");
        assertThat(o.stderr().lines()).allMatch(l -> l.startsWith("reprise runbook: warning: unanswered ("))
                .anyMatch(l -> l.contains("no ordering.sequence_field"));
    }

    @Test
    void writesAFileInTheFormatItsNameAsksForUnlessTold(@TempDir Path dir) throws IOException {
        Path html = dir.resolve("runbook.html");
        Cli.Outcome o = Cli.reprise("runbook", "--contract", "../config/invoice.yaml", "--offline", "-o", html.toString(),
                "--state-dir", "/var/lib/reprise/invoice", "--rate", "5000", "--principal", "User:billing-replay");
        assertThat(o.exitCode()).as("stderr: %s", o.stderr()).isZero();
        assertThat(o.stdout()).isEmpty();
        assertThat(o.stderr()).contains("reprise runbook: wrote 22 steps for contract invoice to " + html + " (html)");
        String page = Files.readString(html);
        assertThat(page).startsWith("<!DOCTYPE html>").contains("--state-dir /var/lib/reprise/invoice", "--max-events-per-second 5000",
                "--principal User:billing-replay");

        Path md = dir.resolve("runbook.html.txt");
        assertThat(Cli.reprise("runbook", "--contract", "../config/invoice.yaml", "--offline", "-o", md.toString()).exitCode()).isZero();
        assertThat(Files.readString(md)).startsWith("# Runbook");
        Path forced = dir.resolve("ticket.html");
        assertThat(Cli.reprise("runbook", "--contract", "../config/invoice.yaml", "--offline", "--format", "markdown", "-o",
                forced.toString()).exitCode()).isZero();
        assertThat(Files.readString(forced)).startsWith("# Runbook");
    }

    @Test
    void refusesOfflineWithABootstrapServer() {
        Cli.Outcome o = Cli.reprise("runbook", "--contract", INVENTORY, "--offline", "--bootstrap-server", "localhost:9092");
        assertThat(o.exitCode()).isEqualTo(2);
        assertThat(o.stderr()).contains("--offline and --bootstrap-server exclude each other").doesNotContain("Exception");
        assertThat(o.stdout()).isEmpty();
    }

    @Test
    void refusesARateThatEstimatesNothing() {
        Cli.Outcome o = Cli.reprise("runbook", "--contract", INVENTORY, "--offline", "--rate", "0");
        assertThat(o.exitCode()).isEqualTo(2);
        assertThat(o.stderr()).contains("--rate must be a number of events per second above 0");
    }

    @Test
    void aBrokenContractNamesTheFieldAndWritesNoRunbook(@TempDir Path dir) throws IOException {
        Path contract = dir.resolve("broken.yaml");
        String schemas = Path.of("..", "schemas").toAbsolutePath().normalize().toString();
        Files.writeString(contract, Files.readString(Path.of(INVENTORY)).replace("../schemas", schemas).replace("key_field: sku", "key_field: skew"));
        Path out = dir.resolve("runbook.md");
        Cli.Outcome o = Cli.reprise("runbook", "--contract", contract.toString(), "--offline", "-o", out.toString());
        assertThat(o.exitCode()).isEqualTo(2);
        assertThat(o.stderr()).contains("ordering.key_field").doesNotContain("Exception");
        assertThat(out).doesNotExist();
    }

    @Test
    void anUnreachableClusterIsNamedAndNoRunbookWritten(@TempDir Path dir) {
        Path out = dir.resolve("runbook.md");
        Cli.Outcome o = Cli.reprise("runbook", "--contract", INVENTORY, "--bootstrap-server", "127.0.0.1:1",
                "--timeout", "2s", "-o", out.toString());
        assertThat(o.exitCode()).isEqualTo(1);
        assertThat(o.stderr()).contains("127.0.0.1:1").doesNotContain("Exception");
        assertThat(out).doesNotExist();
    }

    @Test
    void withoutAClusterOrOfflineItAsksForOne() {
        Cli.Outcome o = Cli.reprise("runbook", "--contract", INVENTORY);
        assertThat(o.exitCode()).isEqualTo(2);
        assertThat(o.stderr()).contains("--bootstrap-server is required");
    }
}
