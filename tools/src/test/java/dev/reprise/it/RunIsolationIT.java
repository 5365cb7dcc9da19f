package dev.reprise.it;

import dev.reprise.Cli;
import dev.reprise.compat.Partitions;
import dev.reprise.evidence.TaskSummary;
import dev.reprise.runner.ReplayRunner;
import dev.reprise.run.RunStore;
import dev.reprise.pipeline.ReplayTopology;
import dev.reprise.pipeline.repartition.Routed;
import dev.reprise.pipeline.repartition.RoutedSerde;
import dev.reprise.plan.RunPlan;
import dev.reprise.sample.inventory.InventoryGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigResource;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static dev.reprise.Cli.reprise;
import static dev.reprise.it.OperatorWorkflowIT.args;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * A trusted verdict is a complete, isolated run: what operators do with Kafka's own tools (resets of every topic
 * the group has offsets for, forward and backward moves inside a run), records of other runs on the internal topics,
 * two commands at once, and contracts that select nothing or the wrong thing, each on a real broker. Every case ends
 * in a correct trusted run or an untrusted verdict with its reason.
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class RunIsolationIT {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** What {@code kafka-consumer-groups --reset-offsets --to-earliest --all-topics --execute} does: every topic the group has offsets for. */
    static Map<TopicPartition, Long> resetEveryTopicOfTheGroup(ReplayFixture f, OffsetSpec to) throws Exception {
        try (Admin admin = f.kafka.admin()) {
            Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(f.contract.applicationId())
                    .partitionsToOffsetAndMetadata().get();
            Map<TopicPartition, OffsetSpec> request = new HashMap<>();
            committed.keySet().forEach(tp -> request.put(tp, to));
            Map<TopicPartition, OffsetAndMetadata> moved = new HashMap<>();
            Map<TopicPartition, Long> out = new HashMap<>();
            admin.listOffsets(request).all().get().forEach((tp, info) -> {
                moved.put(tp, new OffsetAndMetadata(info.offset()));
                out.put(tp, info.offset());
            });
            admin.alterConsumerGroupOffsets(f.contract.applicationId(), moved).all().get();
            return out;
        }
    }

    static Path clientProperties(ReplayFixture f, String... lines) throws Exception {
        Path file = Files.createTempFile(f.stateDir, "client-", ".properties");
        Files.writeString(file, String.join("\n", lines) + "\n");
        return file;
    }

    static Cli.Outcome run(ReplayFixture f, Path contract, Path clientProps, String stateDir) {
        return reprise(args(f, contract, "run", "--json", "--state-dir", f.stateDir.resolve(stateDir).toString(),
                "--command-config", clientProps.toString()));
    }

    static void assertCoversThePlan(JsonNode evidence) {
        for (JsonNode r : evidence.get("ranges")) {
            assertThat(r.get("first_offset_read")).as("first offset read of " + r).isEqualTo(r.get("first_data_offset"));
            assertThat(r.get("last_offset_read")).as("last offset read of " + r).isEqualTo(r.get("last_data_offset"));
        }
    }

    @Nested
    class ResetsMadeWithKafkasOwnTools {

        @Test
        void aResetOfEveryTopicOfTheGroupStartsAFreshRunThatIgnoresTheOldRunsRecords() throws Exception {
            // Regression: after kafka-consumer-groups --reset-offsets --to-earliest --all-topics, the new run read the first run's
            // end markers and task summaries again, completed before its own events arrived and said trusted over 66 of 200 keys.
            ReplayFixture f = new ReplayFixture(3, "");
            InventoryGenerator.Generated generated = f.generate(new InventoryGenerator.Options(4_000, 0.1, 3, 3, 200, 31L));
            Path contract = f.contractFile();
            // Kafka Streams purges consumed repartition records every 30 s; keep them, as on a cluster where the purge lags.
            Path props = clientProperties(f, "repartition.purge.interval.ms=3600000");

            JsonNode first = okRun(f, contract, props, "a");
            Map<TopicPartition, Long> rewound = resetEveryTopicOfTheGroup(f, OffsetSpec.earliest());
            assertThat(rewound.keySet()).as("the reset rewinds the internal repartition topics too")
                    .anyMatch(tp -> tp.topic().endsWith("-repartition"));

            Cli.Outcome second = run(f, contract, props, "a");
            assertThat(second.exitCode()).as(second.stderr()).isZero();
            assertThat(second.stderr()).contains("moved with other tools");
            JsonNode e2 = second.json();
            assertThat(e2.get("run_id").asText()).isNotEqualTo(first.get("run_id").asText());
            assertThat(e2.get("started_at").asLong()).as("the new run's own start, not the first run's")
                    .isGreaterThanOrEqualTo(first.get("ended_at").asLong());
            assertThat(e2.get("stale_records").asLong()).as("the first run's records on the internal topics, ignored").isPositive();
            assertSameRebuild(f, generated, first, e2);

            // A third run after the same reset: the first two runs' records are all stale to it.
            resetEveryTopicOfTheGroup(f, OffsetSpec.earliest());
            JsonNode e3 = okRun(f, contract, props, "a");
            assertThat(e3.get("stale_records").asLong()).isGreaterThan(e2.get("stale_records").asLong());
            assertSameRebuild(f, generated, first, e3);
        }

        @Test
        void aResetOfEveryTopicToTheMiddleGivesExactlyTheEvidenceOfACleanRunFromThere() throws Exception {
            ReplayFixture f = new ReplayFixture(2, "");
            f.generate(new InventoryGenerator.Options(3_000, 0.05, 0, 2, 100, 32L));
            Path contract = f.contractFile();
            Path props = clientProperties(f, "repartition.purge.interval.ms=3600000");
            okRun(f, contract, props, "a");

            // Every topic of the group, the internal ones included, to the middle of what it holds.
            Map<TopicPartition, Long> middle = new HashMap<>();
            try (Admin admin = f.kafka.admin()) {
                Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(f.contract.applicationId())
                        .partitionsToOffsetAndMetadata().get();
                Map<TopicPartition, OffsetSpec> starts = new HashMap<>();
                committed.keySet().forEach(tp -> starts.put(tp, OffsetSpec.earliest()));
                Map<TopicPartition, OffsetAndMetadata> moved = new HashMap<>();
                admin.listOffsets(starts).all().get().forEach((tp, start) -> {
                    long half = start.offset() + (committed.get(tp).offset() - start.offset()) / 2;
                    moved.put(tp, new OffsetAndMetadata(half));
                    middle.put(tp, half);
                });
                admin.alterConsumerGroupOffsets(f.contract.applicationId(), moved).all().get();
            }
            // Half a history breaks the projection's invariants (stock below zero): both runs are untrusted, and identical.
            Cli.Outcome middleRun = run(f, contract, props, "a");
            assertThat(middleRun.stderr()).contains("moved with other tools");
            JsonNode fromMiddle = middleRun.json();
            assertThat(fromMiddle.get("stale_records").asLong()).as("the first run's records after the middle of the internal topics").isPositive();
            assertCoversThePlan(fromMiddle);

            // A clean run of a fresh application from the same source offsets, written as the contract's scope.
            StringBuilder scope = new StringBuilder("scope:\n  from:\n    ${source}:\n");
            middle.forEach((tp, o) -> {
                if (tp.topic().equals(f.source)) {
                    scope.append("      ").append(tp.partition()).append(": ").append(o).append('\n');
                }
            });
            ReplayFixture clean = new ReplayFixture(2, scope.toString());
            copyTopic(f, f.source, clean.source);
            Cli.Outcome cleanRun = run(clean, clean.contractFile(), clientProperties(clean), "c");
            JsonNode reference = cleanRun.json();

            assertThat(middleRun.exitCode()).isEqualTo(cleanRun.exitCode());
            assertThat(fromMiddle.get("confidence_status")).isEqualTo(reference.get("confidence_status"));
            assertThat(fromMiddle.get("reconciliation_failures")).isEqualTo(reference.get("reconciliation_failures"));

            assertThat(fromMiddle.get("events_read").asLong()).isEqualTo(reference.get("events_read").asLong());
            assertThat(fromMiddle.get("events_processed").asLong()).isEqualTo(reference.get("events_processed").asLong());
            assertThat(fromMiddle.get("duplicates_skipped").asLong()).isEqualTo(reference.get("duplicates_skipped").asLong());
            assertThat(fromMiddle.get("checksum").asText()).isEqualTo(reference.get("checksum").asText());
        }

        @Test
        void offsetsMovedInsideAnUnfinishedRunNeitherSkipNorRepeatAnEvent() throws Exception {
            // Forward on the sources (records the run has not read) and back on the repartition topic (records it applied).
            ReplayFixture f = new ReplayFixture(3, "");
            InventoryGenerator.Generated generated = f.generate(new InventoryGenerator.Options(30_000, 0.05, 2, 3, 120, 33L));
            Path contract = f.contractFile();
            Path props = clientProperties(f, "session.timeout.ms=6000", "heartbeat.interval.ms=1000", "repartition.purge.interval.ms=3600000");
            assertThat(reprise(args(f, contract, "reset", "--execute")).exitCode()).isZero();
            assertThat(reprise(args(f, contract, "throttle", "--max-events-per-second", "1500")).exitCode()).isZero();
            Process first = CrashRecoveryIT.start(f, contract, props, f.stateDir.resolve("a"), f.stateDir.resolve("first.out"));
            OperatorWorkflowIT.awaitProgress(f, contract, 20);
            CrashRecoveryIT.awaitCommittedDedupBatch(f);
            first.destroyForcibly();
            assertThat(first.waitFor(30, TimeUnit.SECONDS)).isTrue();
            awaitNoMembers(f);

            try (Admin admin = f.kafka.admin()) {
                Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(f.contract.applicationId())
                        .partitionsToOffsetAndMetadata().get();
                Map<TopicPartition, OffsetSpec> request = new HashMap<>();
                committed.keySet().forEach(tp -> request.put(tp, tp.topic().equals(f.source) ? OffsetSpec.latest() : OffsetSpec.earliest()));
                Map<TopicPartition, OffsetAndMetadata> moved = new HashMap<>();
                admin.listOffsets(request).all().get().forEach((tp, info) -> moved.put(tp, new OffsetAndMetadata(info.offset())));
                admin.alterConsumerGroupOffsets(f.contract.applicationId(), moved).all().get();
            }
            assertThat(reprise(args(f, contract, "throttle", "--max-events-per-second", "0")).exitCode()).isZero();
            Cli.Outcome second = run(f, contract, props, "a");

            assertThat(second.exitCode()).as(second.stderr()).isZero();
            assertThat(second.stderr()).contains("moved forward with other tools").contains("put back at");
            JsonNode e = second.json();
            assertThat(e.get("events_processed").asLong()).isEqualTo(30_000);
            assertThat(e.get("duplicates_skipped").asLong()).isEqualTo(1_500);
            assertThat(e.get("dead_lettered").asLong()).isEqualTo(2);
            assertThat(e.get("confidence_status").asText()).isEqualTo("trusted");
            assertThat(e.get("redelivered_records").asLong()).as("repartition records applied before the kill, skipped").isPositive();
            assertCoversThePlan(e);
            assertThat(f.readProjection()).isEqualTo(generated.truth());
        }
    }

    @Nested
    class RecordsOfOtherRuns {

        @Test
        void recordsInjectedIntoTheInternalTopicsAreIgnoredAndCounted() throws Exception {
            ReplayFixture f = new ReplayFixture(3, "");
            InventoryGenerator.Generated generated = f.generate(new InventoryGenerator.Options(2_000, 0.1, 0, 3, 80, 34L));
            Path contract = f.contractFile();
            Path props = clientProperties(f);
            JsonNode first = okRun(f, contract, props, "a");
            Cli.Outcome reset = reprise(args(f, contract, "reset", "--execute", "--json"));
            assertThat(reset.exitCode()).as(reset.stderr()).isZero();

            // Behind the group's offsets on the internal topics, where the next run reads: end markers, an event and a summary of
            // another run that claim every source partition ended, and bytes in no format at all.
            String repartition = f.contract.applicationId() + "-" + ReplayTopology.BY_KEY + "-repartition";
            String parts = f.contract.applicationId() + "-" + ReplayTopology.EVIDENCE_PARTS + "-repartition";
            byte[] otherRun = new RunPlan("another-run", "x", "x", "x", 0, List.of(), 1).statePrefix();
            var foreign = new RoutedSerde(otherRun).serializer();
            int injected = 0;
            int injectedParts = 0;
            try (KafkaProducer<byte[], byte[]> producer = f.producer(Map.of())) {
                for (int p = 0; p < 3; p++) {
                    for (int s = 0; s < 3; s++) {
                        producer.send(new ProducerRecord<>(repartition, p, new byte[]{0},
                                foreign.serialize(repartition, new Routed.End(f.source, s, Map.of("events_read", 1L, "ended", 1L)))));
                        injected++;
                    }
                    producer.send(new ProducerRecord<>(repartition, p, new byte[]{1}, "not a record of any run".getBytes(StandardCharsets.UTF_8)));
                    injected++;
                }
                for (int p = 0; p < 3; p++) {
                    TaskSummary summary = new TaskSummary("another-run", p, Map.of(), Map.of("processed", 1L), 1, 1, Map.of(), Map.of(), null);
                    producer.send(new ProducerRecord<>(parts, 0, new byte[]{2}, summary.toJson()));
                    injectedParts++;
                }
                producer.send(new ProducerRecord<>(parts, 0, new byte[]{3}, "{}".getBytes(StandardCharsets.UTF_8)));
                injectedParts++;
                producer.flush();
            }
            JsonNode e = okRun(f, contract, props, "a");

            assertThat(e.get("run_id").asText()).isEqualTo(reset.json().get("run_id").asText());
            assertThat(e.get("stale_records").asLong()).isEqualTo(injected + injectedParts);
            assertSameRebuild(f, generated, first, e);
        }
    }

    @Nested
    class TwoCommandsAtOnce {

        @Test
        void twoRunsStartedTogetherMakeOneRunAndTheOtherSaysSo() throws Exception {
            // Regression: two 'reprise run' started together made two runs; the shadow topic's keys were split 502/498 between them.
            ReplayFixture f = new ReplayFixture(2, "");
            InventoryGenerator.Generated generated = f.generate(new InventoryGenerator.Options(3_000, 0.05, 0, 2, 100, 35L));
            Path contract = f.contractFile();
            Path props = clientProperties(f);
            CountDownLatch go = new CountDownLatch(1);
            List<CompletableFuture<Cli.Outcome>> runs = new ArrayList<>();
            for (String dir : List.of("one", "two")) {
                runs.add(CompletableFuture.supplyAsync(() -> {
                    await(go);
                    return run(f, contract, props, dir);
                }));
            }
            go.countDown();
            Set<String> runIds = new HashSet<>();
            int succeeded = 0;
            for (CompletableFuture<Cli.Outcome> r : runs) {
                Cli.Outcome o = r.get(240, TimeUnit.SECONDS);
                if (o.exitCode() == 0) {
                    succeeded++;
                    runIds.add(o.json().get("run_id").asText());
                    assertThat(o.json().get("events_processed").asLong()).isEqualTo(3_000);
                } else {
                    assertThat(o.exitCode()).as(o.stderr()).isEqualTo(1);
                    assertThat(o.stderr()).contains("another command").contains("nothing was changed by this command");
                }
            }
            assertThat(succeeded).as("at least one run finished").isPositive();
            assertThat(runIds).as("one run, whichever command made it").hasSize(1);
            Set<String> onShadow = new HashSet<>();
            f.readAll(f.projection).forEach(r -> onShadow.add(new String(r.headers().lastHeader("reprise.run_id").value(), StandardCharsets.UTF_8)));
            assertThat(onShadow).as("every key of the shadow topic written by that run").isEqualTo(runIds);
            assertThat(f.readProjection()).isEqualTo(generated.truth());
        }

        @Test
        void ofManyCommandsCreatingARunAtOnceExactlyOneWins() throws Exception {
            ReplayFixture f = new ReplayFixture(2, "");
            f.generate(new InventoryGenerator.Options(200, 0, 0, 2, 10, 36L));
            for (int round = 0; round < 3; round++) {
                Optional<String> before;
                try (Admin admin = f.kafka.admin()) {
                    before = new RunStore(f.contract, f.kafka.clientConfig()).current(admin).map(RunPlan::runId);
                }
                CountDownLatch go = new CountDownLatch(1);
                List<CompletableFuture<String>> attempts = new ArrayList<>();
                for (int i = 0; i < 4; i++) {
                    attempts.add(CompletableFuture.supplyAsync(() -> {
                        await(go);
                        try (Admin admin = f.kafka.admin()) {
                            ReplayRunner runner = new ReplayRunner(f.contract, f.codecs, f.kafka.clientConfig(), f.stateDir, Map.of());
                            RunPlan plan = new dev.reprise.plan.Planner(admin, f.kafka.clientConfig()).plan(f.contract);
                            runner.begin(admin, before, plan);
                            return plan.runId();
                        } catch (RunStore.ConcurrentRunException lost) {
                            return null;
                        }
                    }));
                }
                go.countDown();
                List<String> winners = new ArrayList<>();
                for (CompletableFuture<String> a : attempts) {
                    String id = a.get(120, TimeUnit.SECONDS);
                    if (id != null) {
                        winners.add(id);
                    }
                }
                assertThat(winners).as("round " + round + ": one command made the run").hasSize(1);
                try (Admin admin = f.kafka.admin()) {
                    RunStore.Current now = new RunStore(f.contract, f.kafka.clientConfig()).inForce(admin).orElseThrow();
                    assertThat(now.plan().runId()).isEqualTo(winners.get(0));
                    assertThat(now.offsetsSet()).isTrue();
                }
            }
        }
    }

    @Nested
    class DegenerateContracts {

        @Test
        void aFilterThatMatchesNothingIsUntrustedAndSaysWhy() throws Exception {
            // Regression: a typo in scope.event_types filtered all 20,402 records and the run was trusted. A name no
            // event type has is now refused when the contract is loaded; a valid filter can still match nothing.
            ReplayFixture f = new ReplayFixture(2, "scope:\n  keys: [SKU-NOT-IN-THIS-HISTORY]\n");
            f.generate(new InventoryGenerator.Options(500, 0, 0, 2, 20, 37L));
            Cli.Outcome o = run(f, f.contractFile(), clientProperties(f), "a");

            assertThat(o.exitCode()).as(o.stderr()).isEqualTo(4);
            assertThat(o.json().get("filtered").asLong()).isEqualTo(500);
            assertThat(o.json().get("confidence_reasons").get(0).asText()).contains("the rebuild is empty").contains("scope");
        }

        @Test
        void aScopeInTheFutureIsUntrusted() throws Exception {
            ReplayFixture f = new ReplayFixture(2, "scope:\n  from: 2099-01-01T00:00:00Z\n");
            f.generate(new InventoryGenerator.Options(300, 0, 0, 2, 20, 38L));
            Cli.Outcome o = run(f, f.contractFile(), clientProperties(f), "a");

            assertThat(o.exitCode()).as(o.stderr()).isEqualTo(4);
            assertThat(o.json().get("events_read").asLong()).isZero();
            assertThat(o.json().get("confidence_status").asText()).isEqualTo("untrusted");
        }

        @Test
        void aRunThatDeadLettersMostOfItsRecordsIsUntrusted() throws Exception {
            // Regression: 20,410 of 20,410 records dead-lettered (a key_field typo) gave only a degraded run.
            ReplayFixture f = new ReplayFixture(2, "");
            f.generate(new InventoryGenerator.Options(300, 0, 500, 2, 20, 39L));
            Cli.Outcome o = run(f, f.contractFile(), clientProperties(f), "a");

            assertThat(o.exitCode()).as(o.stderr()).isEqualTo(4);
            assertThat(o.json().get("dead_lettered").asLong()).isEqualTo(500);
            assertThat(o.json().get("confidence_reasons").toString()).contains("500 records dead-lettered (62.500% of 800 read");
        }

        @Test
        void aHistoryNotKeyedAsPromisedIsCaughtAndAKeyedOneIsTrusted() throws Exception {
            ReplayFixture keyed = new ReplayFixture(3, "", true);
            writeKeyed(keyed, 600, 0);
            Cli.Outcome ok = run(keyed, keyed.contractFile(), clientProperties(keyed), "a");
            assertThat(ok.exitCode()).as(ok.stderr()).isZero();
            assertThat(ok.json().get("misplaced_events").asLong()).isZero();

            ReplayFixture scattered = new ReplayFixture(3, "", true);
            writeKeyed(scattered, 600, 25);
            Cli.Outcome caught = run(scattered, scattered.contractFile(), clientProperties(scattered), "a");
            assertThat(caught.exitCode()).as(caught.stderr()).isEqualTo(4);
            assertThat(caught.json().get("misplaced_events").asLong()).isEqualTo(25);
            assertThat(caught.json().get("misplaced_samples")).isNotEmpty();
            assertThat(caught.json().get("confidence_reasons").get(0).asText()).contains("25 misplaced events: read from another partition");
        }

        /** Events keyed by SKU with the default partitioner, {@code scattered} of them sent to another partition than their key's. */
        private void writeKeyed(ReplayFixture f, int events, int scattered) {
            InventoryGenerator gen = f.generator();
            try (KafkaProducer<byte[], byte[]> producer = f.producer(Map.of())) {
                for (int i = 0; i < events; i++) {
                    String sku = "SKU-" + (i % 40);
                    byte[] key = sku.getBytes(StandardCharsets.UTF_8);
                    byte[] value = gen.encode(3, UUID.randomUUID().toString(), sku, "RECEIVED", 1, "WH1/A-1", System.currentTimeMillis());
                    if (i < scattered) {
                        int home = Partitions.ofKey(key, 3);
                        producer.send(new ProducerRecord<>(f.source, (home + 1) % 3, key, value));
                    } else {
                        producer.send(new ProducerRecord<>(f.source, key, value));
                    }
                }
            }
        }
    }

    @Test
    void theEvidenceTopicIsCreatedSoThatItNeverDeletesEvidence() throws Exception {
        // Regression: created with the cluster's default retention, the evidence of every run was deleted after 7 days.
        ReplayFixture f = new ReplayFixture(1, "");
        f.generate(new InventoryGenerator.Options(50, 0, 0, 1, 5, 40L));
        okRun(f, f.contractFile(), clientProperties(f), "a");
        try (Admin admin = f.kafka.admin()) {
            ConfigResource topic = new ConfigResource(ConfigResource.Type.TOPIC, f.evidence);
            Config config = admin.describeConfigs(List.of(topic)).all().get().get(topic);
            assertThat(config.get("retention.ms").value()).isEqualTo("-1");
            assertThat(config.get("retention.bytes").value()).isEqualTo("-1");
        }
    }

    static JsonNode okRun(ReplayFixture f, Path contract, Path props, String stateDir) {
        Cli.Outcome o = run(f, contract, props, stateDir);
        assertThat(o.exitCode()).as("run; stdout: %s%nstderr: %s", o.stdout(), o.stderr()).isZero();
        assertThat(o.json().get("confidence_status").asText()).isEqualTo("trusted");
        assertCoversThePlan(o.json());
        return o.json();
    }

    private static void assertSameRebuild(ReplayFixture f, InventoryGenerator.Generated generated, JsonNode first, JsonNode again) {
        assertThat(again.get("confidence_status").asText()).isEqualTo("trusted");
        assertThat(again.get("events_processed").asLong()).isEqualTo(first.get("events_processed").asLong());
        assertThat(again.get("duplicates_skipped").asLong()).as("only the real copies, not the events the earlier runs applied")
                .isEqualTo(first.get("duplicates_skipped").asLong());
        assertThat(again.get("dead_lettered").asLong()).isEqualTo(first.get("dead_lettered").asLong());
        assertThat(again.get("projection_keys").asLong()).isEqualTo(generated.truth().size());
        assertThat(again.get("checksum").asText()).isEqualTo(first.get("checksum").asText());
        assertCoversThePlan(again);
        assertThat(f.readProjection()).isEqualTo(generated.truth());
    }

    private static void copyTopic(ReplayFixture from, String source, String target) {
        try (KafkaProducer<byte[], byte[]> producer = from.producer(Map.of())) {
            from.readAll(source).forEach(r -> producer.send(new ProducerRecord<>(target, r.partition(), r.timestamp(), r.key(), r.value())));
        }
    }

    private static void awaitNoMembers(ReplayFixture f) throws Exception {
        long deadline = System.currentTimeMillis() + 60_000;
        try (Admin admin = f.kafka.admin()) {
            while (!new dev.reprise.cluster.GroupOffsets(admin, f.contract.applicationId()).activeMembers().isEmpty()) {
                assertThat(System.currentTimeMillis()).as("the killed member leaves the group within 60 s").isLessThan(deadline);
                Thread.sleep(500);
            }
        }
    }

    private static void await(CountDownLatch latch) {
        try {
            latch.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
