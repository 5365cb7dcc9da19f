package dev.reprise.it;

import dev.reprise.Cli;
import dev.reprise.sample.inventory.InventoryGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The operator's workflow through the real command line against a real broker:
 * plan → reset (dry run, then execute) → run → status → pause/resume → evidence, abort, two instances,
 * and a reset made with Kafka's own admin API.
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class OperatorWorkflowIT {
    static String[] args(ReplayFixture f, Path contract, String... rest) {
        List<String> all = new ArrayList<>(List.of(rest));
        all.add("--contract");
        all.add(contract.toString());
        all.add("--bootstrap-server");
        all.add(f.kafka.bootstrapServers());
        return all.toArray(String[]::new);
    }

    static CompletableFuture<Cli.Outcome> runInBackground(ReplayFixture f, Path contract, Path stateDir) {
        return CompletableFuture.supplyAsync(() -> Cli.reprise(args(f, contract, "run", "--json", "--state-dir", stateDir.toString())));
    }

    static JsonNode status(ReplayFixture f, Path contract) {
        Cli.Outcome o = Cli.reprise(args(f, contract, "status", "--json"));
        assertThat(o.exitCode()).as("status; stderr: %s", o.stderr()).isZero();
        return o.json();
    }

    static void awaitProgress(ReplayFixture f, Path contract, double percentAbove) throws InterruptedException {
        long deadline = System.currentTimeMillis() + 120_000;
        while (System.currentTimeMillis() < deadline) {
            JsonNode s = status(f, contract);
            if (s.get("percent").asDouble() > percentAbove) {
                return;
            }
        }
        throw new AssertionError("the run made no progress past " + percentAbove + "% within 120 s");
    }

    @Test
    void planResetRunStatusWithPauseAndResumeGiveTheSameResultAsAnUninterruptedRun() throws Exception {
        ReplayFixture f = new ReplayFixture(3, "");
        InventoryGenerator.Generated generated = f.generate(new InventoryGenerator.Options(20_000, 0.05, 5, 3, 200, 21L));
        Path contract = f.contractFile();

        Cli.Outcome plan = Cli.reprise(args(f, contract, "plan", "--json"));
        assertThat(plan.exitCode()).as(plan.stderr()).isZero();
        assertThat(plan.json().get("ranges")).hasSize(3);

        Cli.Outcome dry = Cli.reprise(args(f, contract, "reset"));
        assertThat(dry.exitCode()).as(dry.stderr()).isZero();
        assertThat(dry.stdout()).contains("Dry run");
        try (Admin admin = f.kafka.admin()) {
            assertThat(admin.listConsumerGroupOffsets(f.contract.applicationId()).partitionsToOffsetAndMetadata().get())
                    .as("a dry run changes nothing").isEmpty();
        }
        Cli.Outcome reset = Cli.reprise(args(f, contract, "reset", "--execute", "--json"));
        assertThat(reset.exitCode()).as(reset.stderr()).isZero();
        String runId = reset.json().get("run_id").asText();

        assertThat(Cli.reprise(args(f, contract, "throttle", "--max-events-per-second", "2500")).exitCode()).isZero();
        CompletableFuture<Cli.Outcome> run = runInBackground(f, contract, f.stateDir.resolve("a"));
        awaitProgress(f, contract, 5);

        assertThat(Cli.reprise(args(f, contract, "pause", "--reason", "test")).exitCode()).isZero();
        Thread.sleep(3_000);
        JsonNode paused1 = status(f, contract);
        Thread.sleep(3_000);
        JsonNode paused2 = status(f, contract);
        assertThat(paused2.get("state").asText()).isEqualTo("paused");
        assertThat(paused2.get("offsets_done").asLong()).as("no progress while paused").isEqualTo(paused1.get("offsets_done").asLong());
        assertThat(paused2.get("percent").asDouble()).as("paused before the end").isLessThan(100);

        assertThat(Cli.reprise(args(f, contract, "resume")).exitCode()).isZero();
        assertThat(Cli.reprise(args(f, contract, "throttle", "--max-events-per-second", "0")).exitCode()).isZero();
        Cli.Outcome finished = run.get(180, TimeUnit.SECONDS);
        assertThat(finished.exitCode()).as("run; stderr: %s", finished.stderr()).isZero();
        JsonNode evidence = finished.json();
        assertThat(evidence.get("run_id").asText()).isEqualTo(runId);
        assertThat(evidence.get("events_processed").asLong()).isEqualTo(20_000);
        assertThat(evidence.get("duplicates_skipped").asLong()).isEqualTo(1_000);
        assertThat(evidence.get("dead_lettered").asLong()).isEqualTo(5);
        assertThat(evidence.get("confidence_status").asText()).isEqualTo("trusted");
        assertThat(f.readProjection()).isEqualTo(generated.truth());
        assertThat(status(f, contract).get("state").asText()).isEqualTo("complete");
        Cli.Outcome gate = Cli.reprise(args(f, contract, "evidence", "--json"));
        assertThat(gate.exitCode()).as("evidence gate of a trusted run; %s", gate.stderr()).isZero();
        assertThat(gate.json().get("run_id").asText()).isEqualTo(runId);
        assertThat(Cli.reprise(args(f, contract, "evidence", "--run-id", "no-such-run")).exitCode()).isEqualTo(1);

        // The same history replayed without interruption gives the same projection, by checksum.
        assertThat(Cli.reprise(args(f, contract, "reset", "--execute")).exitCode()).isZero();
        Cli.Outcome again = runInBackground(f, contract, f.stateDir.resolve("b")).get(180, TimeUnit.SECONDS);
        assertThat(again.exitCode()).as(again.stderr()).isZero();
        assertThat(again.json().get("checksum").asText()).isEqualTo(evidence.get("checksum").asText());
        assertThat(again.json().get("events_processed").asLong()).isEqualTo(20_000);
    }

    @Test
    void abortLeavesUntrustedEvidenceWithTheReasonAborted() throws Exception {
        ReplayFixture f = new ReplayFixture(2, "");
        f.generate(new InventoryGenerator.Options(20_000, 0, 0, 2, 50, 4L));
        Path contract = f.contractFile();
        assertThat(Cli.reprise(args(f, contract, "reset", "--execute")).exitCode()).isZero();
        assertThat(Cli.reprise(args(f, contract, "throttle", "--max-events-per-second", "1000")).exitCode()).isZero();
        CompletableFuture<Cli.Outcome> run = runInBackground(f, contract, f.stateDir.resolve("a"));
        awaitProgress(f, contract, 1);

        Cli.Outcome abort = Cli.reprise(args(f, contract, "abort", "--reason", "wrong scope"));
        Cli.Outcome finished = run.get(120, TimeUnit.SECONDS);

        assertThat(abort.exitCode()).as("abort; %s%n%s", abort.stdout(), abort.stderr()).isEqualTo(4);
        assertThat(finished.exitCode()).as("the run exits untrusted").isEqualTo(4);
        assertThat(finished.json().get("confidence_status").asText()).isEqualTo("untrusted");
        assertThat(finished.json().get("confidence_reasons").get(0).asText()).startsWith("aborted");
        assertThat(Cli.reprise(args(f, contract, "evidence")).exitCode()).as("the evidence gate refuses an aborted run").isEqualTo(4);
    }

    @Test
    void anAbortOfARunPausedBeforeItReadAnythingEndsTheRun() throws Exception {
        // Regression: paused before its tasks were restored, no instance hosted an active evidence task, so none wrote
        // the aborted run's final evidence and the run never ended.
        ReplayFixture f = new ReplayFixture(2, "");
        f.generate(new InventoryGenerator.Options(2_000, 0, 0, 2, 20, 6L));
        Path contract = f.contractFile();
        assertThat(Cli.reprise(args(f, contract, "reset", "--execute")).exitCode()).isZero();
        assertThat(Cli.reprise(args(f, contract, "pause", "--reason", "before it starts")).exitCode()).isZero();
        CompletableFuture<Cli.Outcome> run = runInBackground(f, contract, f.stateDir.resolve("a"));
        Thread.sleep(2_000);

        Cli.Outcome abort = Cli.reprise(args(f, contract, "abort", "--reason", "changed our mind"));
        Cli.Outcome finished = run.get(60, TimeUnit.SECONDS);

        assertThat(finished.exitCode()).as("the run ends untrusted; %s", finished.stderr()).isEqualTo(4);
        assertThat(finished.json().get("aborted").asBoolean()).isTrue();
        assertThat(abort.exitCode()).as("abort; %s%n%s", abort.stdout(), abort.stderr()).isEqualTo(4);
    }

    @Test
    void twoInstancesShareOneRunAndAgreeOnItsEvidence() throws Exception {
        ReplayFixture f = new ReplayFixture(4, "");
        InventoryGenerator.Generated generated = f.generate(new InventoryGenerator.Options(8_000, 0.1, 2, 4, 100, 8L));
        Path contract = f.contractFile();
        assertThat(Cli.reprise(args(f, contract, "reset", "--execute")).exitCode()).isZero();

        CompletableFuture<Cli.Outcome> one = runInBackground(f, contract, f.stateDir.resolve("one"));
        CompletableFuture<Cli.Outcome> two = runInBackground(f, contract, f.stateDir.resolve("two"));
        Cli.Outcome a = one.get(180, TimeUnit.SECONDS);
        Cli.Outcome b = two.get(180, TimeUnit.SECONDS);

        assertThat(a.exitCode()).as("%s%n%s", a.stdout(), a.stderr()).isZero();
        assertThat(b.exitCode()).as("%s%n%s", b.stdout(), b.stderr()).isZero();
        assertThat(a.json().get("run_id").asText()).isEqualTo(b.json().get("run_id").asText());
        assertThat(a.json().get("checksum").asText()).isEqualTo(b.json().get("checksum").asText());
        assertThat(a.json().get("events_processed").asLong()).isEqualTo(8_000);
        assertThat(a.json().get("duplicates_skipped").asLong()).isEqualTo(800);
        assertThat(f.readProjection()).isEqualTo(generated.truth());
    }

    @Test
    void aResetWithKafkasOwnAdminApiStartsANewRunInsteadOfCountingDuplicates() throws Exception {
        ReplayFixture f = new ReplayFixture(2, "");
        f.generate(new InventoryGenerator.Options(3_000, 0.1, 0, 2, 40, 9L));
        Path contract = f.contractFile();
        Cli.Outcome first = Cli.reprise(args(f, contract, "run", "--json", "--state-dir", f.stateDir.resolve("a").toString()));
        assertThat(first.exitCode()).as(first.stderr()).isZero();

        try (Admin admin = f.kafka.admin()) {
            Map<TopicPartition, OffsetSpec> earliest = new HashMap<>();
            for (int p = 0; p < 2; p++) {
                earliest.put(new TopicPartition(f.source, p), OffsetSpec.earliest());
            }
            Map<TopicPartition, OffsetAndMetadata> rewind = new HashMap<>();
            admin.listOffsets(earliest).all().get().forEach((tp, info) -> rewind.put(tp, new OffsetAndMetadata(info.offset())));
            admin.alterConsumerGroupOffsets(f.contract.applicationId(), rewind).all().get();
        }
        Cli.Outcome second = Cli.reprise(args(f, contract, "run", "--json", "--state-dir", f.stateDir.resolve("a").toString()));

        assertThat(second.exitCode()).as(second.stderr()).isZero();
        assertThat(second.stderr()).contains("moved with other tools");
        assertThat(second.json().get("run_id").asText()).isNotEqualTo(first.json().get("run_id").asText());
        assertThat(second.json().get("events_processed").asLong()).as("every event applied again").isEqualTo(3_000);
        assertThat(second.json().get("duplicates_skipped").asLong()).as("only the real copies").isEqualTo(300);
        assertThat(second.json().get("checksum").asText()).isEqualTo(first.json().get("checksum").asText());
    }
}
