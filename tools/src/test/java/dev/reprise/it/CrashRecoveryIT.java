package dev.reprise.it;

import dev.reprise.sample.inventory.InventoryGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.kafka.clients.admin.Admin;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static dev.reprise.Cli.reprise;
import static dev.reprise.it.OperatorWorkflowIT.args;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The recovery drill: SIGKILL a running replay in the middle, start it again, and get the evidence
 * and projection of a clean run. The app runs in its own JVM so the kill is real.
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class CrashRecoveryIT {

    static Process start(ReplayFixture f, Path contract, Path commandConfig, Path stateDir, Path out) throws Exception {
        return start("run", f, contract, commandConfig, stateDir, out);
    }

    /** {@code reprise COMMAND} (run or replay) in a JVM of its own, so that a kill is real; {@code extra}: more options. */
    static Process start(String command, ReplayFixture f, Path contract, Path commandConfig, Path stateDir, Path out, String... extra) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), "dev.reprise.Main"));
        cmd.addAll(List.of(args(f, contract, command, "--json", "--state-dir", stateDir.toString(), "--command-config", commandConfig.toString())));
        cmd.addAll(List.of(extra));
        ProcessBuilder process = new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(new File(out + ".err"));
        process.environment().put("REPRISE_LOG_LEVEL", "info");
        return process.start();
    }

    @Test
    void aReplayKilledMidwayResumesToTheResultOfACleanRun() throws Exception {
        ReplayFixture f = new ReplayFixture(3, "");
        InventoryGenerator.Generated generated = f.generate(new InventoryGenerator.Options(30_000, 0.05, 5, 3, 120, 17L));
        Path contract = f.contractFile();
        Path clientProps = f.stateDir.resolve("client.properties");
        // A killed member is noticed after its session timeout; keep it short for the drill.
        Files.writeString(clientProps, "session.timeout.ms=6000\nheartbeat.interval.ms=1000\n");
        assertThat(reprise(args(f, contract, "reset", "--execute")).exitCode()).isZero();
        assertThat(reprise(args(f, contract, "throttle", "--max-events-per-second", "1500")).exitCode()).isZero();

        Process first = start(f, contract, clientProps, f.stateDir.resolve("a"), f.stateDir.resolve("first.out"));
        OperatorWorkflowIT.awaitProgress(f, contract, 25);
        awaitCommittedDedupBatch(f);
        first.destroyForcibly();
        assertThat(first.waitFor(30, TimeUnit.SECONDS)).isTrue();
        double atKill = OperatorWorkflowIT.status(f, contract).get("percent").asDouble();
        assertThat(atKill).as("killed before the end").isLessThan(100);

        assertThat(reprise(args(f, contract, "throttle", "--max-events-per-second", "0")).exitCode()).isZero();
        Path out = f.stateDir.resolve("second.out");
        Process second = start(f, contract, clientProps, f.stateDir.resolve("a"), out);
        assertThat(second.waitFor(240, TimeUnit.SECONDS)).as("the restarted run finishes").isTrue();
        assertThat(second.exitValue()).as(Files.readString(Path.of(out + ".err"))).isZero();

        JsonNode evidence = new ObjectMapper().readTree(Files.readString(out, StandardCharsets.UTF_8));
        assertThat(evidence.get("events_processed").asLong()).isEqualTo(30_000);
        assertThat(evidence.get("duplicates_skipped").asLong()).isEqualTo(1_500);
        assertThat(evidence.get("dead_lettered").asLong()).isEqualTo(5);
        assertThat(evidence.get("events_read").asLong()).isEqualTo(31_505);
        assertThat(evidence.get("confidence_status").asText()).isEqualTo("trusted");
        assertThat(f.readProjection()).isEqualTo(generated.truth());
        assertThat(f.readAll(f.dlq)).as("each poison record dead-lettered once").hasSize(5);
        assertThat(Files.readString(Path.of(out + ".err"))).as("the restarted apply tasks reloaded the ids committed before the kill")
                .containsPattern("resumes with [1-9][0-9]* event ids already applied in run");
    }

    /** Waits until an apply task has committed a batch of event ids, so the restart has some to reload. */
    static void awaitCommittedDedupBatch(ReplayFixture f) throws Exception {
        String changelog = f.contract.applicationId() + "-reprise-dedup-changelog";
        long deadline = System.currentTimeMillis() + 60_000;
        try (Admin admin = f.kafka.admin()) {
            while (!(admin.listTopics().names().get().contains(changelog) && !f.readAll(changelog).isEmpty())) {
                assertThat(System.currentTimeMillis()).as("a committed batch of event ids within 60 s").isLessThan(deadline);
                Thread.sleep(200);
            }
        }
    }
}
