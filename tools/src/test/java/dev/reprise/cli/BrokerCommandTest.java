package dev.reprise.cli;

import dev.reprise.Cli;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;

import static dev.reprise.Cli.reprise;
import static org.assertj.core.api.Assertions.assertThat;

/** {@code reprise broker} refuses a data directory or port it cannot use before it starts anything (exit 2). */
class BrokerCommandTest {
    @TempDir
    Path tmp;

    @Test
    void aPortOutOfRangeIsInvalidInput() {
        Cli.Outcome o = reprise("broker", "--port", "70000");

        assertThat(o.exitCode()).isEqualTo(ExitCodes.INVALID_INPUT);
        assertThat(o.stderr()).contains("--port 70000: expected a TCP port from 1 to 65535").doesNotContain("Exception");
        assertThat(o.stdout()).isEmpty();
    }

    @Test
    void aPortInUseIsInvalidInput() throws IOException {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            Cli.Outcome o = reprise("broker", "--port", Integer.toString(taken.getLocalPort()), "--data-dir", tmp.resolve("kafka").toString());

            assertThat(o.exitCode()).isEqualTo(ExitCodes.INVALID_INPUT);
            assertThat(o.stderr()).contains("--port: port " + taken.getLocalPort() + " on localhost is in use").doesNotContain("Exception");
        }
        assertThat(tmp.resolve("kafka")).as("nothing was formatted").doesNotExist();
    }

    @Test
    void aDataDirectoryHoldingSomethingElseIsNotFormatted() throws IOException {
        Path home = Files.createDirectories(tmp.resolve("home"));
        Files.writeString(home.resolve("notes.txt"), "not Kafka's");

        Cli.Outcome o = reprise("broker", "--data-dir", home.toString());

        assertThat(o.exitCode()).isEqualTo(ExitCodes.INVALID_INPUT);
        assertThat(o.stderr()).contains("--data-dir: data directory " + home + " is not empty and holds no Kafka data (meta.properties is missing)")
                .doesNotContain("Exception");
        try (var entries = Files.list(home)) {
            assertThat(entries).as("the directory is left as it was").containsExactly(home.resolve("notes.txt"));
        }
    }

    @Test
    void aFileIsNotADataDirectory() throws IOException {
        Path file = Files.writeString(tmp.resolve("file"), "x");

        Cli.Outcome o = reprise("broker", "--data-dir", file.toString());

        assertThat(o.exitCode()).isEqualTo(ExitCodes.INVALID_INPUT);
        assertThat(o.stderr()).contains("--data-dir: data directory " + file + " is a file");
    }
}
