package dev.reprise.it;

import com.fasterxml.jackson.databind.JsonNode;
import dev.reprise.Cli;
import dev.reprise.cli.PromoteCommand;
import dev.reprise.sample.inventory.InventoryGenerator;
import dev.reprise.sample.inventory.InventoryLevel;
import dev.reprise.verify.PromotionWriter;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import picocli.CommandLine;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import static dev.reprise.Cli.reprise;
import static dev.reprise.it.OperatorWorkflowIT.args;
import static dev.reprise.it.PromoteGuardIT.CODEC;
import static dev.reprise.it.PromoteGuardIT.bytes;
import static dev.reprise.it.PromoteGuardIT.level;
import static dev.reprise.it.PromoteGuardIT.value;
import static dev.reprise.it.PromoteGuardIT.writeLive;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * promote touches only what the run proved: keys inside the run's scope, last written in the live topic before the
 * run's plan, in a live topic that did not change between promote's snapshot and its write. Through the real command
 * line against a real broker.
 */
@Timeout(value = 240, unit = TimeUnit.SECONDS)
class PromoteScopeIT {

    // Regression: a trusted run scoped to 95 of 100 SKUs, then `promote --execute`, tombstoned the 5 correct live keys
    // outside its scope (5% of the live keys, under the 10% limit). The old code tombstoned every live key the rebuild
    // lacked, so this test fails on it: the 5 keys are gone from the live topic.
    @Test
    void aRunScopedTo95Of100KeysLeavesTheFiveLiveKeysOutsideItsScopeIntact() throws Exception {
        String inScope = IntStream.range(0, 95).mapToObj(i -> String.format("SKU-%05d", i)).collect(Collectors.joining(", "));
        ReplayFixture f = new ReplayFixture(2, "scope:\n  keys: [" + inScope + "]\n");
        InventoryGenerator.Generated generated = f.generate(new InventoryGenerator.Options(4_000, 0, 0, 2, 100, 41L));
        assertThat(generated.truth()).as("every SKU has events").hasSize(100);
        Path contract = f.contractFile();
        writeLive(f, generated.truth(), 2, 0);
        assertThat(f.newRun().evidence().getConfidenceStatus().toString()).isEqualTo("trusted");

        Cli.Outcome promoted = reprise(args(f, contract, "promote", "--evidence-public-key", f.publicKey().toString(), "--to", f.live, "--execute", "--json"));

        assertThat(promoted.exitCode()).as("%s%n%s", promoted.stdout(), promoted.stderr()).isZero();
        JsonNode j = promoted.json();
        assertThat(j.get("executed").asBoolean()).isTrue();
        assertThat(j.get("keys_in_run").asLong()).isEqualTo(95);
        assertThat(j.get("tombstones").asLong()).as("no live key outside the scope is tombstoned").isZero();
        assertThat(j.get("left_outside_scope").asLong()).isEqualTo(5);
        assertThat(j.get("left_keys").findValuesAsText("key")).containsExactly("SKU-00095", "SKU-00096", "SKU-00097", "SKU-00098", "SKU-00099");
        Map<String, byte[]> live = f.readLatest(f.live);
        assertThat(live).as("all 100 live keys are still there").hasSize(100);
        generated.truth().forEach((sku, level) -> assertThat(CODEC.fromTopic(live.get(sku))).as(sku).isEqualTo(level));
        assertThat(promotedRecords(f)).as("the 2 wrong values inside the scope, nothing else").hasSize(2);
    }

    // Regression: a key first written to the live topic after the plan was made was tombstoned like a stale key, and a
    // live value updated after the plan was overwritten with the run's older one. The old code did both (2 of 32 live
    // keys, under the limit), so this test fails on it.
    @Test
    void keysWrittenToTheLiveTopicAfterThePlanAreLeftAloneAndTheDryRunSaysWhatGoesAndWhy() throws Exception {
        ReplayFixture f = new ReplayFixture(2, "");
        InventoryGenerator.Generated generated = f.generate(new InventoryGenerator.Options(1_500, 0, 0, 2, 30, 42L));
        Path contract = f.contractFile();
        writeLive(f, generated.truth(), 0, 1);
        f.newRun();
        try (KafkaProducer<byte[], byte[]> producer = f.producer(Map.of())) {
            producer.send(new ProducerRecord<>(f.live, bytes("SKU-LATE"), value(level("SKU-LATE", 7))));
            producer.send(new ProducerRecord<>(f.live, bytes("SKU-00003"), value(level("SKU-00003", 12_345))));
        }

        Cli.Outcome dry = reprise(args(f, contract, "promote", "--evidence-public-key", f.publicKey().toString(), "--to", f.live));
        assertThat(dry.exitCode()).as("%s%n%s", dry.stdout(), dry.stderr()).isZero();
        assertThat(dry.stdout()).contains("tombstones     1 (live keys the run does not have, inside its scope, last written before the plan)")
                .contains("- SKU-STALE-0: absent from the rebuild of run ").contains("inside the run's scope (every key), last written before the plan (p")
                .contains("left alone     2 (0 outside the run's scope, 0 the scope may not cover, 2 written in the live topic after the plan)")
                .contains("- SKU-00003: written in the live topic after the plan was made (p").contains("- SKU-LATE: written in the live topic after the plan");
        Path keysFile = f.stateDir.resolve("keys.tsv");
        Cli.Outcome json = reprise(args(f, contract, "promote", "--evidence-public-key", f.publicKey().toString(), "--to", f.live, "--json", "--keys-file", keysFile.toString()));
        assertThat(json.json().get("tombstone_keys").findValuesAsText("key")).containsExactly("SKU-STALE-0");
        assertThat(json.json().get("left_keys").findValuesAsText("why")).containsExactly("written_after_plan", "written_after_plan");
        assertThat(Files.readAllLines(keysFile)).hasSize(3).anySatisfy(l -> assertThat(l).startsWith("tombstone\tSKU-STALE-0\tabsent from the rebuild"))
                .anySatisfy(l -> assertThat(l).startsWith("leave\tSKU-LATE\twritten in the live topic after the plan"));
        assertThat(f.readLatest(f.live)).as("a dry run writes nothing").containsKey("SKU-STALE-0");

        Cli.Outcome promoted = reprise(args(f, contract, "promote", "--evidence-public-key", f.publicKey().toString(), "--to", f.live, "--execute", "--json"));
        assertThat(promoted.exitCode()).as("%s%n%s", promoted.stdout(), promoted.stderr()).isZero();
        Map<String, byte[]> live = f.readLatest(f.live);
        assertThat(live).doesNotContainKey("SKU-STALE-0").containsKey("SKU-LATE");
        assertThat(CODEC.fromTopic(live.get("SKU-00003"))).as("the live value newer than the plan stays").isEqualTo(level("SKU-00003", 12_345));
    }

    @Test
    void textModeListsAtMostTwentyKeysAGroupAndSaysHowManyMore() throws Exception {
        ReplayFixture f = new ReplayFixture(2, "promote:\n  max_changed_ratio: 1.0\n");
        InventoryGenerator.Generated generated = f.generate(new InventoryGenerator.Options(500, 0, 0, 2, 10, 43L));
        Path contract = f.contractFile();
        writeLive(f, generated.truth(), 0, 25);
        f.newRun();

        Cli.Outcome dry = reprise(args(f, contract, "promote", "--evidence-public-key", f.publicKey().toString(), "--to", f.live));

        assertThat(dry.exitCode()).as(dry.stderr()).isZero();
        assertThat(dry.lines().stream().filter(l -> l.contains(": absent from the rebuild"))).hasSize(20);
        assertThat(dry.stdout()).contains("… and 5 more (--json or --keys-file FILE lists them all)");
        assertThat(reprise(args(f, contract, "promote", "--evidence-public-key", f.publicKey().toString(), "--to", f.live, "--json")).json().get("tombstone_keys")).hasSize(25);
    }

    // Regression: nothing checked that the live topic was unchanged between promote's snapshot and its write, so a key
    // written meanwhile could be overwritten or tombstoned on decisions made without it. The old code had no such check
    // (and wrote whatever its snapshot decided): this test fails on it, since the live topic is written here.
    @Test
    void aLiveTopicThatChangedBetweenTheSnapshotAndTheWriteIsNotWritten() throws Exception {
        ReplayFixture f = new ReplayFixture(2, "");
        InventoryGenerator.Generated generated = f.generate(new InventoryGenerator.Options(1_000, 0, 0, 2, 20, 44L));
        Path contract = f.contractFile();
        writeLive(f, generated.truth(), 1, 1);
        f.newRun();
        Map<String, byte[]> before = f.readLatest(f.live);

        // Another writer between the snapshot and the write: nothing is written.
        Cli.Outcome refused = reprise(hooked(new PromotionWriter.Hooks() {
            @Override
            public void afterSnapshot() {
                intrude(f, "SKU-INTRUDER-1");
            }
        }), args(f, contract, "promote", "--evidence-public-key", f.publicKey().toString(), "--to", f.live, "--execute"));
        assertThat(refused.exitCode()).as("%s%n%s", refused.stdout(), refused.stderr()).isEqualTo(1);
        assertThat(refused.stderr()).contains("refused: the live topic " + f.live + " changed between promote's snapshot and its write (partition ")
                .contains("records of another writer").contains("Nothing was written").contains("Run promote again");
        assertThat(refused.stdout()).contains("REFUSED, nothing was written");
        assertThat(withoutIntruders(f.readLatest(f.live))).as("the live topic as it was").containsOnlyKeys(before.keySet());
        assertThat(promotedRecords(f)).isEmpty();

        // Another writer inside the promotion's transaction, after its records: the transaction is aborted.
        Cli.Outcome aborted = reprise(hooked(new PromotionWriter.Hooks() {
            @Override
            public void beforeCommit() {
                intrude(f, "SKU-INTRUDER-2");
            }
        }), args(f, contract, "promote", "--evidence-public-key", f.publicKey().toString(), "--to", f.live, "--execute", "--json"));
        assertThat(aborted.exitCode()).as("%s%n%s", aborted.stdout(), aborted.stderr()).isEqualTo(1);
        assertThat(aborted.json().get("live_topic_moved").asBoolean()).isTrue();
        assertThat(aborted.json().get("executed").asBoolean()).isFalse();
        assertThat(aborted.stderr()).contains("transaction was aborted: nothing of it is visible");
        assertThat(promotedRecords(f)).as("nothing of the aborted promotion is visible").isEmpty();
        assertThat(CODEC.fromTopic(f.readLatest(f.live).get("SKU-00000"))).as("the wrong value is still there").isNotEqualTo(generated.truth().get("SKU-00000"));

        // Run again, undisturbed: it goes through, and the intruders (written after the plan) stay.
        Cli.Outcome again = reprise(args(f, contract, "promote", "--evidence-public-key", f.publicKey().toString(), "--to", f.live, "--execute", "--json"));
        assertThat(again.exitCode()).as("%s%n%s", again.stdout(), again.stderr()).isZero();
        Map<String, byte[]> live = f.readLatest(f.live);
        assertThat(live).containsKeys("SKU-INTRUDER-1", "SKU-INTRUDER-2").doesNotContainKey("SKU-STALE-0");
        generated.truth().forEach((sku, level) -> assertThat(CODEC.fromTopic(live.get(sku))).as(sku).isEqualTo(level));
    }

    static CommandLine.IFactory hooked(PromotionWriter.Hooks hooks) {
        return new CommandLine.IFactory() {
            @Override
            public <K> K create(Class<K> cls) throws Exception {
                return cls == PromoteCommand.class ? cls.cast(new PromoteCommand(hooks)) : CommandLine.defaultFactory().create(cls);
            }
        };
    }

    static void intrude(ReplayFixture f, String key) {
        try (KafkaProducer<byte[], byte[]> producer = f.producer(Map.of())) {
            producer.send(new ProducerRecord<>(f.live, bytes(key), value(level(key, 3)))).get();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    static Map<String, byte[]> withoutIntruders(Map<String, byte[]> live) {
        Map<String, byte[]> out = new TreeMap<>(live);
        out.keySet().removeIf(k -> k.startsWith("SKU-INTRUDER"));
        return out;
    }

    static List<ConsumerRecord<byte[], byte[]>> promotedRecords(ReplayFixture f) {
        return f.readAll(f.live).stream().filter(r -> r.headers().lastHeader("reprise.promoted_from_run") != null).toList();
    }
}
