package dev.reprise.it;

import dev.reprise.Cli.Outcome;
import dev.reprise.sample.inventory.InventoryGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static dev.reprise.Cli.reprise;
import static dev.reprise.it.OperatorWorkflowIT.args;
import static dev.reprise.it.OperatorWorkflowIT.runInBackground;
import static dev.reprise.it.OperatorWorkflowIT.status;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Control commands take effect while stream threads wait under a throttle: a run held to a crawl
 * finishes promptly once the limit is lifted. Regression: a limit of 0.005 events/s lifted at +43 s
 * still ended the run at +411 s, every stream thread sleeping out its 200 s per record.
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class ControlTakesEffectIT {

    @Test
    void liftingACrawlingThrottleLetsTheRunFinishPromptly() throws Exception {
        ReplayFixture f = new ReplayFixture(2, "");
        f.generate(new InventoryGenerator.Options(2_000, 0, 0, 2, 40, 12L));
        Path contract = f.contractFile();
        assertThat(reprise(args(f, contract, "reset", "--execute")).exitCode()).isZero();
        assertThat(reprise(args(f, contract, "throttle", "--max-events-per-second", "0.005")).exitCode()).isZero();

        CompletableFuture<Outcome> run = runInBackground(f, contract, f.stateDir.resolve("a"));
        awaitStarted(f, contract, run);
        awaitAThreadWaitingInTheThrottle(run);
        assertThat(run).as("held back by the throttle").isNotDone();
        assertThat(status(f, contract).get("offsets_done").asLong()).as("at a crawl").isLessThan(100);

        assertThat(reprise(args(f, contract, "throttle", "--max-events-per-second", "0")).exitCode()).isZero();
        Outcome finished = run.get(60, TimeUnit.SECONDS);

        assertThat(finished.exitCode()).as("run; stderr: %s", finished.stderr()).isZero();
        assertThat(finished.json().get("events_processed").asLong()).isEqualTo(2_000);
        assertThat(finished.json().get("confidence_status").asText()).isEqualTo("trusted");
    }

    /** Until a stream thread of the run (it runs in this JVM) waits out its record in Throttle.acquire. */
    static void awaitAThreadWaitingInTheThrottle(CompletableFuture<Outcome> run) throws InterruptedException {
        long deadline = System.currentTimeMillis() + 120_000;
        while (System.currentTimeMillis() < deadline) {
            assertThat(run).as("the run is still going").isNotDone();
            boolean waiting = Thread.getAllStackTraces().values().stream().anyMatch(stack -> java.util.Arrays.stream(stack)
                    .anyMatch(frame -> frame.getClassName().equals("dev.reprise.pipeline.source.Throttle") && frame.getMethodName().equals("acquire")));
            if (waiting) {
                return;
            }
            Thread.sleep(200);
        }
        throw new AssertionError("no stream thread reached the throttle within 120 s");
    }

    /** Until the app's group has members: its stream threads are consuming. */
    static void awaitStarted(ReplayFixture f, Path contract, CompletableFuture<Outcome> run) throws InterruptedException {
        long deadline = System.currentTimeMillis() + 120_000;
        while (System.currentTimeMillis() < deadline) {
            assertThat(run).as("the run is still going").isNotDone();
            JsonNode s = status(f, contract);
            if (s.get("instances").asInt() > 0) {
                return;
            }
            Thread.sleep(500);
        }
        throw new AssertionError("the run did not start within 120 s");
    }
}
