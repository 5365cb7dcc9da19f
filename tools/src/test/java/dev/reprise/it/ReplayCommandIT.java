package dev.reprise.it;

import dev.reprise.Cli;
import dev.reprise.sample.inventory.InventoryGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static dev.reprise.Cli.reprise;
import static dev.reprise.it.OperatorWorkflowIT.args;
import static org.assertj.core.api.Assertions.assertThat;

/** {@code reprise replay}: plan, reset, run and verdict in one command; a restarted replay resumes its run. */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class ReplayCommandIT {

    @Test
    void replayRunsAFullReplayEachTimeAndExitsWithTheVerdict() throws Exception {
        ReplayFixture f = new ReplayFixture(3, "");
        InventoryGenerator.Generated generated = f.generate(new InventoryGenerator.Options(5_000, 0.1, 3, 3, 200, 51L));
        Path contract = f.contractFile();

        Cli.Outcome first = reprise(args(f, contract, "replay", "--json", "--state-dir", f.stateDir.resolve("a").toString()));
        assertThat(first.exitCode()).as(first.stderr()).isZero();
        assertThat(first.stderr()).contains("New run");
        assertThat(first.json().get("events_processed").asLong()).isEqualTo(5_000);
        assertThat(f.readProjection()).isEqualTo(generated.truth());

        Cli.Outcome again = reprise(args(f, contract, "replay", "--json", "--state-dir", f.stateDir.resolve("a").toString()));
        assertThat(again.exitCode()).as(again.stderr()).isZero();
        assertThat(again.json().get("run_id").asText()).as("a complete run is replayed anew").isNotEqualTo(first.json().get("run_id").asText());
        assertThat(again.json().get("checksum").asText()).isEqualTo(first.json().get("checksum").asText());
        assertThat(again.json().get("duplicates_skipped").asLong()).isEqualTo(500);

        // 'run' after that has nothing to do: the run in force is complete.
        Cli.Outcome run = reprise(args(f, contract, "run", "--json", "--state-dir", f.stateDir.resolve("a").toString()));
        assertThat(run.exitCode()).isZero();
        assertThat(run.stderr()).contains("already complete");
        assertThat(run.json().get("run_id").asText()).isEqualTo(again.json().get("run_id").asText());
    }

    @Test
    void aReplayKilledMidwayResumesItsRunWhenStartedAgain() throws Exception {
        ReplayFixture f = new ReplayFixture(3, "");
        InventoryGenerator.Generated generated = f.generate(new InventoryGenerator.Options(30_000, 0.05, 2, 3, 150, 52L));
        Path contract = f.contractFile();
        Path props = f.stateDir.resolve("client.properties");
        Files.writeString(props, "session.timeout.ms=6000\nheartbeat.interval.ms=1000\n");

        // Throttled from its start, so the kill lands midway however fast the machine is.
        Process first = CrashRecoveryIT.start("replay", f, contract, props, f.stateDir.resolve("a"), f.stateDir.resolve("first.out"),
                "--max-events-per-second", "1500");
        JsonNode started = awaitRunInForce(f, contract);
        assertThat(OperatorWorkflowIT.status(f, contract).get("max_events_per_second").asDouble()).as("the replay's own throttle").isEqualTo(1500);
        OperatorWorkflowIT.awaitProgress(f, contract, 20);
        first.destroyForcibly();
        assertThat(first.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(reprise(args(f, contract, "throttle", "--max-events-per-second", "0")).exitCode()).isZero();

        Cli.Outcome resumed = reprise(args(f, contract, "replay", "--json", "--state-dir", f.stateDir.resolve("a").toString(),
                "--command-config", props.toString()));
        assertThat(resumed.exitCode()).as(resumed.stderr()).isZero();
        assertThat(resumed.stderr()).contains("Continuing run");
        assertThat(resumed.json().get("run_id").asText()).as("the killed replay's run, resumed").isEqualTo(started.get("run_id").asText());
        assertThat(resumed.json().get("events_processed").asLong()).isEqualTo(30_000);
        assertThat(resumed.json().get("duplicates_skipped").asLong()).isEqualTo(1_500);
        assertThat(f.readProjection()).isEqualTo(generated.truth());
    }

    /** Waits until the child's replay has made its run the run in force and started reading. */
    private static JsonNode awaitRunInForce(ReplayFixture f, Path contract) throws InterruptedException {
        long deadline = System.currentTimeMillis() + 60_000;
        while (System.currentTimeMillis() < deadline) {
            Cli.Outcome status = reprise(args(f, contract, "status", "--json"));
            if (status.exitCode() == 0 && status.json().get("percent").asDouble() > 0) {
                return status.json();
            }
            Thread.sleep(200);
        }
        throw new AssertionError("the replay did not start within 60 s");
    }
}
