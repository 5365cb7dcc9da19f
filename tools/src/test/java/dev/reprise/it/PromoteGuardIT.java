package dev.reprise.it;

import dev.reprise.Cli;
import dev.reprise.projection.StateCodec;
import dev.reprise.sample.inventory.InventoryGenerator;
import dev.reprise.sample.inventory.InventoryLevel;
import dev.reprise.verify.Verifier;
import com.fasterxml.jackson.databind.JsonNode;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.header.Header;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static dev.reprise.Cli.reprise;
import static dev.reprise.it.OperatorWorkflowIT.args;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * promote never destroys good live data, and verify notices a shadow topic that no longer holds one
 * run's projection: through the real command line against a real broker.
 */
@Timeout(value = 240, unit = TimeUnit.SECONDS)
class PromoteGuardIT {
    static final StateCodec<InventoryLevel> CODEC = new StateCodec<>(InventoryLevel.class, dev.reprise.codec.LocalIdMap.load(
            java.nio.file.Path.of("..", "schemas", "registry-ids.yaml"), dev.reprise.codec.SchemaCatalog.load(java.nio.file.Path.of("..", "schemas"))));

    static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    static byte[] value(InventoryLevel level) {
        return CODEC.toSingleObject(CODEC.encode(level));
    }

    static InventoryLevel level(String sku, long received) {
        return new InventoryLevel(sku, received, 0L, 0L, 0L, received, received, 1L);
    }

    /** The live topic as it is before a promotion: the correct value of every SKU, some wrong ones, some stale keys. */
    static void writeLive(ReplayFixture f, Map<String, InventoryLevel> truth, int wrong, int stale) {
        f.kafka.createTopic(f.live, 2, Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT));
        try (KafkaProducer<byte[], byte[]> producer = f.producer(Map.of())) {
            int n = 0;
            for (Map.Entry<String, InventoryLevel> e : truth.entrySet()) {
                InventoryLevel v = n++ < wrong ? level(e.getKey(), 999_999) : e.getValue();
                producer.send(new ProducerRecord<>(f.live, bytes(e.getKey()), value(v)));
            }
            for (int i = 0; i < stale; i++) {
                producer.send(new ProducerRecord<>(f.live, bytes("SKU-STALE-" + i), value(level("SKU-STALE-" + i, 1))));
            }
        }
    }

    @Test
    void aPromotionThatWouldChangeMoreLiveKeysThanAllowedIsRefusedUntilForcedWithAReason() throws Exception {
        ReplayFixture f = new ReplayFixture(2, "");
        InventoryGenerator.Generated generated = f.generate(new InventoryGenerator.Options(2_000, 0.05, 0, 2, 30, 31L));
        Path contract = f.contractFile();
        writeLive(f, generated.truth(), 2, 10);
        assertThat(f.newRun().evidence().getConfidenceStatus().toString()).isEqualTo("trusted");

        // 2 changed + 10 tombstoned of 40 live keys: 30%, above the default limit of 10%.
        Cli.Outcome dry = reprise(args(f, contract, "promote", "--evidence-public-key", f.publicKey().toString(), "--to", f.live, "--json"));
        assertThat(dry.exitCode()).as("the dry run exits as --execute would; %s", dry.stderr()).isEqualTo(1);
        JsonNode d = dry.json();
        assertThat(d.get("executed").asBoolean()).isFalse();
        assertThat(d.get("refused").asBoolean()).isTrue();
        assertThat(d.get("keys_in_run").asLong()).isEqualTo(30);
        assertThat(d.get("upserts").asLong()).isEqualTo(2);
        assertThat(d.get("unchanged").asLong()).isEqualTo(28);
        assertThat(d.get("tombstones").asLong()).isEqualTo(10);
        assertThat(d.get("live_keys").asLong()).isEqualTo(40);
        assertThat(d.get("live_keys_changed").asLong()).isEqualTo(2);
        assertThat(d.get("changed_ratio").asDouble()).isEqualTo(0.3);
        assertThat(d.get("max_changed_ratio").asDouble()).isEqualTo(0.1);
        assertThat(d.get("verification").get("all_passed").asBoolean()).as("the shadow topic is intact").isTrue();
        assertThat(d.get("refusal_reasons").get(0).asText()).contains("tombstone 10 and change 2 of the 40 live keys (30.0%)")
                .contains("promote.max_changed_ratio 10.0%");

        Cli.Outcome refused = reprise(args(f, contract, "promote", "--evidence-public-key", f.publicKey().toString(), "--to", f.live, "--execute"));
        assertThat(refused.exitCode()).isEqualTo(1);
        assertThat(refused.stderr()).contains("refused").contains("max_changed_ratio").contains("Nothing was written")
                .contains("--force --reason");
        assertThat(refused.stdout()).contains("REFUSED");
        assertThat(f.readLatest(f.live)).as("a refusal writes nothing").hasSize(40).containsKey("SKU-STALE-0");

        // A contract other than the run's (here one that allows a larger change) cannot tell the run's scope: promote
        // tombstones nothing on its word, lists the 10 stale keys as undecided, and writes only the run's own keys.
        Path lenient = Files.writeString(f.stateDir.resolve("lenient.yaml"), Files.readString(contract) + "promote:\n  max_changed_ratio: 0.5\n");
        Cli.Outcome allowed = reprise(args(f, lenient, "promote", "--evidence-public-key", f.publicKey().toString(), "--to", f.live, "--json"));
        assertThat(allowed.exitCode()).as(allowed.stderr()).isZero();
        assertThat(allowed.json().get("refused").asBoolean()).isFalse();
        assertThat(allowed.json().get("tombstones").asLong()).isZero();
        assertThat(allowed.json().get("upserts").asLong()).isEqualTo(2);
        assertThat(allowed.json().get("left_scope_undecided").asLong()).isEqualTo(10);
        assertThat(allowed.json().get("left_keys").get(0).get("reason").asText()).contains("is not the one run").contains("promote with the contract the run used");

        String reason = "stale SKUs retired, ticket OPS-42";
        Cli.Outcome forced = reprise(args(f, contract, "promote", "--evidence-public-key", f.publicKey().toString(), "--to", f.live, "--execute", "--force", "--reason", reason, "--json"));
        assertThat(forced.exitCode()).as(forced.stderr()).isZero();
        assertThat(forced.json().get("executed").asBoolean()).isTrue();
        assertThat(forced.json().get("overridden").get(0).asText()).contains("max_changed_ratio");
        Map<String, byte[]> live = f.readLatest(f.live);
        assertThat(live).hasSize(30).doesNotContainKey("SKU-STALE-0");
        generated.truth().forEach((sku, level) -> assertThat(CODEC.fromTopic(live.get(sku))).as(sku).isEqualTo(level));
        List<ConsumerRecord<byte[], byte[]>> promoted = new ArrayList<>();
        for (ConsumerRecord<byte[], byte[]> r : f.readAll(f.live)) {
            if (r.headers().lastHeader("reprise.promoted_from_run") != null) {
                promoted.add(r);
            }
        }
        assertThat(promoted).as("2 values and 10 tombstones").hasSize(12);
        assertThat(promoted).allSatisfy(r -> {
            Header h = r.headers().lastHeader("reprise.promotion_override");
            assertThat(h).as("the override's reason on every record written").isNotNull();
            assertThat(new String(h.value(), StandardCharsets.UTF_8)).isEqualTo(reason);
        });
    }

    @Test
    void aShadowTopicOverwrittenByAnotherWriterAfterTheRunIsNotPromoted() throws Exception {
        ReplayFixture f = new ReplayFixture(2, "");
        InventoryGenerator.Generated generated = f.generate(new InventoryGenerator.Options(1_000, 0, 0, 2, 20, 32L));
        Path contract = f.contractFile();
        writeLive(f, generated.truth(), 0, 0);
        f.newRun();
        // Another writer (no reprise.run_id header) replaces a key of the run on the shadow topic.
        try (KafkaProducer<byte[], byte[]> producer = f.producer(Map.of())) {
            producer.send(new ProducerRecord<>(f.projection, bytes("SKU-00001"), value(level("SKU-00001", 5))));
        }

        Cli.Outcome dry = reprise(args(f, contract, "promote", "--evidence-public-key", f.publicKey().toString(), "--to", f.live, "--json"));
        assertThat(dry.exitCode()).as(dry.stderr()).isEqualTo(1);
        assertThat(dry.json().get("verification").get("all_passed").asBoolean()).isFalse();
        assertThat(dry.json().get("changed_ratio").asDouble()).as("one live key of 20 would go: within the limit").isEqualTo(0.05);
        assertThat(dry.json().get("refusal_reasons")).hasSize(1);

        Cli.Outcome refused = reprise(args(f, contract, "promote", "--evidence-public-key", f.publicKey().toString(), "--to", f.live, "--execute"));
        assertThat(refused.exitCode()).isEqualTo(1);
        assertThat(refused.stderr()).contains("the shadow topic no longer matches the evidence").contains("keys_match_evidence")
                .contains(Verifier.CONCURRENT_WRITERS).contains("Nothing was written").contains("--force --reason");
        assertThat(refused.stdout()).contains("FAIL keys_match_evidence");
        Map<String, byte[]> live = f.readLatest(f.live);
        assertThat(live).as("the correct live value of SKU-00001 is still there").containsKey("SKU-00001").hasSize(20);
        assertThat(CODEC.fromTopic(live.get("SKU-00001"))).isEqualTo(generated.truth().get("SKU-00001"));
    }

    @Test
    void verifyFailsWhenAnotherRunWroteTheShadowTopicWhileThisOneRanButNotForKeysOfEarlierRuns() throws Exception {
        ReplayFixture f = new ReplayFixture(2, "");
        f.generate(new InventoryGenerator.Options(1_000, 0, 0, 2, 20, 33L));
        Path contract = f.contractFile();
        ReplayFixture.Run run = f.newRun();
        long startedAt = run.evidence().getStartedAt().toEpochMilli();

        try (KafkaProducer<byte[], byte[]> producer = f.producer(Map.of())) {
            ProducerRecord<byte[], byte[]> older = new ProducerRecord<>(f.projection, null, startedAt - 60_000, bytes("SKU-OLD"), value(level("SKU-OLD", 1)));
            older.headers().add("reprise.run_id", bytes("20250101T000000-000000"));
            producer.send(older);
        }
        Cli.Outcome leftovers = reprise(args(f, contract, "verify", "--json"));
        assertThat(leftovers.exitCode()).as("%s%n%s", leftovers.stdout(), leftovers.stderr()).isZero();
        JsonNode check = check(leftovers.json(), Verifier.CONCURRENT_WRITERS);
        assertThat(check.get("passed").asBoolean()).isTrue();
        assertThat(check.get("detail").asText()).contains("1 keys left by earlier runs {run 20250101T000000-000000=1}");

        // A second run writing at the same time: one key of this run overwritten, two keys of its own.
        try (KafkaProducer<byte[], byte[]> producer = f.producer(Map.of())) {
            for (String sku : List.of("SKU-00002", "SKU-X1", "SKU-X2")) {
                ProducerRecord<byte[], byte[]> r = new ProducerRecord<>(f.projection, bytes(sku), value(level(sku, 3)));
                r.headers().add("reprise.run_id", bytes("20991231T000000-concur"));
                producer.send(r);
            }
        }
        Cli.Outcome concurrent = reprise(args(f, contract, "verify"));
        assertThat(concurrent.exitCode()).as(concurrent.stdout()).isEqualTo(4);
        assertThat(concurrent.stdout()).contains("FAIL " + Verifier.CONCURRENT_WRITERS + ": 3 keys of " + f.projection
                + " were last written by another writer since run " + run.plan().runId())
                .contains("{run 20991231T000000-concur=3}").contains("e.g. SKU-00002, SKU-X1, SKU-X2")
                .contains("1 keys left by earlier runs");
    }

    static JsonNode check(JsonNode verify, String name) {
        for (JsonNode c : verify.get("checks")) {
            if (c.get("name").asText().equals(name)) {
                return c;
            }
        }
        throw new AssertionError("no check " + name + " in " + verify);
    }
}
