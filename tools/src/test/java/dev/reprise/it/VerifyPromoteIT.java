package dev.reprise.it;

import dev.reprise.Cli;
import dev.reprise.projection.StateCodec;
import dev.reprise.sample.inventory.InventoryGenerator;
import dev.reprise.sample.inventory.InventoryLevel;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.config.TopicConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static dev.reprise.Cli.reprise;
import static dev.reprise.it.OperatorWorkflowIT.args;
import static org.assertj.core.api.Assertions.assertThat;

/** verify and promote on a finished run, through the real command line against a real broker. */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class VerifyPromoteIT {

    @Test
    void verifyRechecksAFinishedRunAndPromoteCopiesItIntoTheLiveTopicWithTombstones() throws Exception {
        // The live topic holds one stale key only: tombstoning it changes all of it, which the contract allows here.
        ReplayFixture f = new ReplayFixture(2, """
                reconciliation:
                  invariants:
                    - name: every_sku_has_movements
                      expression: movements > 0
                promote:
                  max_changed_ratio: 1.0
                """);
        InventoryGenerator.Generated generated = f.generate(new InventoryGenerator.Options(2_000, 0.05, 0, 2, 30, 12L));
        Path contract = f.contractFile();
        f.kafka.createTopic(f.live, 2, Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT));
        StateCodec<InventoryLevel> codec = new StateCodec<>(InventoryLevel.class, f.codecs.resolver());
        try (KafkaProducer<byte[], byte[]> producer = f.producer(Map.of())) {
            producer.send(new ProducerRecord<>(f.live, bytes("SKU-GONE"), codec.toSingleObject(codec.encode(new InventoryLevel("SKU-GONE", 1L, 0L, 0L, 0L, 1L, 1L, 1L)))));
        }
        ReplayFixture.Run run = f.newRun();

        Cli.Outcome verified = reprise(args(f, contract, "verify", "--json"));
        assertThat(verified.exitCode()).as("%s%n%s", verified.stdout(), verified.stderr()).isZero();
        assertThat(verified.json().get("all_passed").asBoolean()).isTrue();
        assertThat(verified.json().get("checks").findValuesAsText("name")).contains("checksum_matches_evidence", "sellable_not_negative",
                "every_sku_has_movements");

        Cli.Outcome dry = reprise(args(f, contract, "promote", "--evidence-public-key", f.publicKey().toString(), "--to", f.live, "--json"));
        assertThat(dry.exitCode()).as(dry.stderr()).isZero();
        assertThat(dry.json().get("executed").asBoolean()).isFalse();
        assertThat(dry.json().get("tombstones").asLong()).isEqualTo(1);
        assertThat(f.readLatest(f.live)).as("a dry run writes nothing").containsOnlyKeys("SKU-GONE");

        Cli.Outcome promoted = reprise(args(f, contract, "promote", "--evidence-public-key", f.publicKey().toString(), "--to", f.live, "--execute", "--json"));
        assertThat(promoted.exitCode()).as(promoted.stderr()).isZero();
        Map<String, byte[]> live = f.readLatest(f.live);
        assertThat(live).doesNotContainKey("SKU-GONE").hasSize(generated.truth().size());
        generated.truth().forEach((sku, level) -> assertThat(codec.fromTopic(live.get(sku))).as(sku).isEqualTo(level));

        // Someone changes the shadow topic after the run: verify no longer agrees with the evidence.
        try (KafkaProducer<byte[], byte[]> producer = f.producer(Map.of())) {
            ProducerRecord<byte[], byte[]> tampered = new ProducerRecord<>(f.projection, bytes("SKU-00001"),
                    codec.toSingleObject(codec.encode(new InventoryLevel("SKU-00001", 5L, 0L, 0L, 0L, 5L, 5L, 1L))));
            tampered.headers().add("reprise.run_id", run.plan().runId().getBytes(StandardCharsets.UTF_8));
            producer.send(tampered);
        }
        Cli.Outcome after = reprise(args(f, contract, "verify"));
        assertThat(after.exitCode()).isEqualTo(4);
        assertThat(after.stdout()).contains("FAIL checksum_matches_evidence");

        assertThat(reprise(args(f, contract, "promote", "--evidence-public-key", f.publicKey().toString(), "--to", f.live, "--force")).exitCode()).as("an override needs a reason").isEqualTo(2);
        assertThat(reprise(args(f, contract, "promote", "--evidence-public-key", f.publicKey().toString(), "--to", "not-allowed")).exitCode()).as("only allowed topics").isEqualTo(2);
    }

    @Test
    void aRunWhoseDeadLetterRatioExceedsItsThresholdAbortsByItself() throws Exception {
        ReplayFixture f = new ReplayFixture(2, """
                reconciliation:
                  thresholds:
                    - name: poison-flood
                      metric: dead_letter_ratio
                      above: 0.05
                      window: 200
                      action: abort
                """);
        f.generate(new InventoryGenerator.Options(5_000, 0, 1_000, 2, 30, 13L));
        Path contract = f.contractFile();

        Cli.Outcome run = reprise(args(f, contract, "run", "--json", "--state-dir", f.stateDir.resolve("a").toString()));

        assertThat(run.exitCode()).as("%s%n%s", run.stdout(), run.stderr()).isEqualTo(4);
        assertThat(run.json().get("confidence_reasons").get(0).asText()).contains("threshold poison-flood").contains("dead-letter ratio");
    }

    @Test
    void aRunThatExceedsAPauseThresholdPausesByItselfSaysWhyAndResumesWhenTold() throws Exception {
        ReplayFixture f = new ReplayFixture(2, """
                reconciliation:
                  thresholds:
                    - name: poison-flood
                      metric: dead_letter_ratio
                      above: 0.05
                      window: 200
                      action: pause
                """);
        f.generate(new InventoryGenerator.Options(5_000, 0, 1_000, 2, 30, 14L));
        Path contract = f.contractFile();
        assertThat(reprise(args(f, contract, "reset", "--execute")).exitCode()).isZero();
        // Slow enough that the run cannot end before the pause reaches it (unthrottled it took under a second).
        assertThat(reprise(args(f, contract, "throttle", "--max-events-per-second", "500")).exitCode()).isZero();
        var run = OperatorWorkflowIT.runInBackground(f, contract, f.stateDir.resolve("a"));

        long deadline = System.currentTimeMillis() + 90_000;
        String state = "";
        while (System.currentTimeMillis() < deadline && !state.equals("paused")) {
            Thread.sleep(500);
            state = OperatorWorkflowIT.status(f, contract).get("state").asText();
        }
        assertThat(state).as("the run paused by itself").isEqualTo("paused");
        Cli.Outcome progress = reprise(args(f, contract, "evidence"));
        assertThat(progress.exitCode()).as("no final evidence while paused").isEqualTo(1);
        assertThat(f.readAll(f.evidence).stream().map(r -> dev.reprise.evidence.EvidenceCodec.reader(f.codecs.resolver()).read(r.value()))
                .flatMap(e -> e.getConfidenceReasons().stream()))
                .as("the evidence topic says why").anyMatch(r -> r.startsWith("paused: threshold poison-flood"));

        assertThat(reprise(args(f, contract, "throttle", "--max-events-per-second", "0")).exitCode()).isZero();
        assertThat(reprise(args(f, contract, "resume")).exitCode()).isZero();
        Cli.Outcome finished = run.get(120, TimeUnit.SECONDS);
        assertThat(finished.exitCode()).as("degraded: far more dead letters than the contract allows; %s", finished.stderr()).isEqualTo(3);
        assertThat(finished.json().get("events_processed").asLong()).isEqualTo(5_000);
        assertThat(finished.json().get("dead_lettered").asLong()).isEqualTo(1_000);
    }

    static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
