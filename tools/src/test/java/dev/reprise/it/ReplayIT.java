package dev.reprise.it;

import dev.reprise.evidence.avro.ConfidenceStatus;
import dev.reprise.evidence.avro.RecoveryEvidence;
import dev.reprise.evidence.avro.UpcastCount;
import dev.reprise.pipeline.support.DeadLetters;
import dev.reprise.sample.inventory.InventoryGenerator;
import dev.reprise.sample.inventory.InventoryLevel;
import dev.reprise.sample.inventory.InventoryProjection;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** The whole replay on a real KRaft broker: real topics, real transactions, real RocksDB stores. */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class ReplayIT {

    @Nested
    class GeneratedHistoryWithDuplicatesAndPoison {
        final ReplayFixture fixture = new ReplayFixture(4, "");

        @Test
        void duplicateEventIdsInsideAndAcrossPartitionsAreSkippedOnceAndTheProjectionIsExact() {
            InventoryGenerator.Generated generated = fixture.generate(new InventoryGenerator.Options(3_000, 0.1, 10, 4, 60, 7L));
            RecoveryEvidence e = fixture.newRun().evidence();

            assertThat(e.getEventsProcessed()).as("every unique event applied once").isEqualTo(3_000);
            assertThat(e.getDuplicatesSkipped()).as("every extra copy skipped, wherever it landed").isEqualTo(300);
            assertThat(e.getDeadLettered()).as("every poison record dead-lettered").isEqualTo(10);
            assertThat(e.getEventsRead()).isEqualTo(3_310);
            assertThat(e.getConfidenceStatus()).isEqualTo(ConfidenceStatus.trusted);
            assertThat(e.getProjectionKeys()).isEqualTo(generated.truth().size());
            assertThat(fixture.readProjection()).as("the projection topic holds the generator's ground truth")
                    .isEqualTo(generated.truth());
        }

        @Test
        void allThreeSchemaVersionsAreUpcastToTheLatest() {
            InventoryGenerator.Generated generated = fixture.generate(new InventoryGenerator.Options(1_200, 0, 0, 4, 30, 11L));
            RecoveryEvidence e = fixture.newRun().evidence();

            Map<String, Long> upcasts = new TreeMap<>();
            for (UpcastCount u : e.getUpcasts()) {
                upcasts.put(u.getEventType() + " " + u.getFromVersion() + "->" + u.getToVersion(), u.getCount());
            }
            long v1 = generated.byVersion().get(1);
            long v2 = generated.byVersion().get(2);
            assertThat(generated.byVersion()).as("the generator wrote all three versions").containsOnlyKeys(1, 2, 3);
            assertThat(upcasts).as("v1 events take both steps, v2 events the last one")
                    .containsEntry("StockMovement 1->2", v1)
                    .containsEntry("StockMovement 2->3", v1 + v2);
            assertThat(fixture.readProjection()).isEqualTo(generated.truth());
        }

        @Test
        void poisonRecordsReachTheDeadLetterTopicWithTheirCoordinatesReasonAndOriginalBytes() {
            fixture.generate(new InventoryGenerator.Options(200, 0, 5, 4, 10, 3L));
            RecoveryEvidence e = fixture.newRun().evidence();

            List<ConsumerRecord<byte[], byte[]>> dead = fixture.readAll(fixture.dlq);
            assertThat(dead).hasSize(5);
            assertThat(e.getDeadLetterReasons()).containsOnlyKeys("not-confluent-framing", "unknown-schema-id", "corrupt-avro",
                    "upcast-failed", "unknown-kind");
            Map<String, ConsumerRecord<byte[], byte[]>> sourceByCoordinates = new TreeMap<>();
            for (ConsumerRecord<byte[], byte[]> r : fixture.readAll(fixture.source)) {
                sourceByCoordinates.put(r.partition() + "@" + r.offset(), r);
            }
            for (ConsumerRecord<byte[], byte[]> d : dead) {
                String coordinates = header(d, DeadLetters.PARTITION) + "@" + header(d, DeadLetters.OFFSET);
                assertThat(header(d, DeadLetters.TOPIC)).isEqualTo(fixture.source);
                assertThat(header(d, DeadLetters.REASON)).as("a reason a person can act on").isNotBlank();
                assertThat(d.value()).as("the original bytes of " + coordinates)
                        .isEqualTo(sourceByCoordinates.get(coordinates).value());
            }
        }
    }

    @Nested
    class ScopeAndShapesOfTheSource {

        @Test
        void recordsOutsideTheScopeFiltersAreCountedAndNotApplied() {
            ReplayFixture fixture = new ReplayFixture(2, """
                    scope:
                      keys: [SKU-A]
                    """);
            InventoryGenerator gen = fixture.generator();
            try (KafkaProducer<byte[], byte[]> producer = fixture.producer(Map.of())) {
                for (int i = 0; i < 12; i++) {
                    String sku = i % 3 == 0 ? "SKU-B" : "SKU-A";
                    send(producer, fixture.source, i % 2, sku, gen.encode(2, UUID.randomUUID().toString(), sku, "RECEIVED", 5, "WH1/A-1", 1000 + i));
                }
            }
            RecoveryEvidence e = fixture.newRun().evidence();

            assertThat(e.getFiltered()).as("the 4 SKU-B events").isEqualTo(4);
            assertThat(e.getEventsProcessed()).isEqualTo(8);
            assertThat(fixture.readProjection()).containsOnlyKeys("SKU-A");
            assertThat(fixture.readProjection().get("SKU-A").getStockOnHand()).isEqualTo(40);
            assertThat(e.getConfidenceStatus()).isEqualTo(ConfidenceStatus.trusted);
        }

        @Test
        void aRunWithNothingInItsRangeCompletesAndIsNeverTrusted() {
            // Regression: an empty rebuild was trusted, and a promote after it tombstoned every live key.
            ReplayFixture fixture = new ReplayFixture(3, """
                    scope:
                      to: 2000-01-01T00:00:00Z
                    """);
            fixture.generate(new InventoryGenerator.Options(50, 0, 0, 3, 5, 1L));
            ReplayFixture.Run run = fixture.newRun();

            assertThat(run.plan().totalOffsets()).as("every record is after scope.to").isZero();
            assertThat(run.evidence().getEventsRead()).isZero();
            assertThat(run.evidence().getProjectionKeys()).isZero();
            assertThat(run.evidence().getConfidenceStatus()).isEqualTo(ConfidenceStatus.untrusted);
            assertThat(run.evidence().getConfidenceReasons().get(0)).contains("the rebuild is empty");
        }

        @Test
        void anEventLargerThanKafkasDefaultRecordLimitCrossesTheRepartition() throws Exception {
            // Regression: a valid 1.1 MB event failed the repartition producer (RecordTooLargeException) and stopped every run.
            ReplayFixture fixture = new ReplayFixture(2, "");
            try (org.apache.kafka.clients.admin.Admin admin = fixture.kafka.admin()) {
                var topic = new org.apache.kafka.common.config.ConfigResource(org.apache.kafka.common.config.ConfigResource.Type.TOPIC, fixture.source);
                admin.incrementalAlterConfigs(Map.of(topic, List.of(new org.apache.kafka.clients.admin.AlterConfigOp(
                        new org.apache.kafka.clients.admin.ConfigEntry("max.message.bytes", Integer.toString(4 << 20)),
                        org.apache.kafka.clients.admin.AlterConfigOp.OpType.SET)))).all().get();
            }
            InventoryGenerator gen = fixture.generator();
            String hugeLocation = "WH1/" + "A".repeat(2_500_000);
            try (KafkaProducer<byte[], byte[]> producer = fixture.producer(Map.of(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, 4 << 20))) {
                send(producer, fixture.source, 0, "SKU-BIG", gen.encode(2, "big-1", "SKU-BIG", "RECEIVED", 7, hugeLocation, 1000));
                for (int i = 0; i < 6; i++) {
                    send(producer, fixture.source, i % 2, "SKU-" + i, gen.encode(3, "e" + i, "SKU-" + i, "RECEIVED", 2, "WH1/A-1", 1000 + i));
                }
            }
            ReplayFixture.Run run = fixture.newRun();

            assertThat(run.evidence().getEventsProcessed()).as("the 2.5 MB event applied with the others").isEqualTo(7);
            assertThat(run.evidence().getDeadLettered()).isZero();
            assertThat(run.evidence().getConfidenceStatus()).isEqualTo(ConfidenceStatus.trusted);
            assertThat(fixture.readProjection().get("SKU-BIG").getReceived()).isEqualTo(7);
        }

        @Test
        void anEmptyPartitionDoesNotHoldUpCompletion() {
            ReplayFixture fixture = new ReplayFixture(3, "");
            InventoryGenerator gen = fixture.generator();
            try (KafkaProducer<byte[], byte[]> producer = fixture.producer(Map.of())) {
                for (int i = 0; i < 6; i++) {
                    send(producer, fixture.source, i % 2, "SKU-" + i, gen.encode(3, "e" + i, "SKU-" + i, "RECEIVED", 2, "WH1/A-1", 1000 + i));
                }
            }
            ReplayFixture.Run run = fixture.newRun();

            assertThat(run.plan().range(fixture.source, 2).orElseThrow().hasData()).as("partition 2 is empty").isFalse();
            assertThat(run.evidence().getEventsProcessed()).isEqualTo(6);
            assertThat(run.evidence().getConfidenceStatus()).isEqualTo(ConfidenceStatus.trusted);
        }

        @Test
        void theLastRecordOfEachPartitionIsFoundBehindALongAbortedTail() {
            // Partition 0 ends with 100 aborted records after 5 committed ones: the planner looks back in growing
            // windows (16, 64, 256 offsets) until it finds data; partition 1 ends with data; partition 2 holds only
            // aborted records and has none. All three are planned at once.
            ReplayFixture fixture = new ReplayFixture(3, "");
            InventoryGenerator gen = fixture.generator();
            try (KafkaProducer<byte[], byte[]> producer = fixture.producer(Map.of(ProducerConfig.TRANSACTIONAL_ID_CONFIG, "it-tail-" + fixture.suffix))) {
                producer.initTransactions();
                producer.beginTransaction();
                for (int i = 0; i < 5; i++) {
                    send(producer, fixture.source, 0, "SKU-0", gen.encode(2, "c0-" + i, "SKU-0", "RECEIVED", 1, "WH1/A-1", 1000 + i));
                }
                for (int i = 0; i < 7; i++) {
                    send(producer, fixture.source, 1, "SKU-1", gen.encode(2, "c1-" + i, "SKU-1", "RECEIVED", 1, "WH1/A-1", 1000 + i));
                }
                producer.commitTransaction();
                producer.beginTransaction();
                for (int i = 0; i < 100; i++) {
                    send(producer, fixture.source, 0, "SKU-0", gen.encode(2, "a0-" + i, "SKU-0", "RECEIVED", 1, "WH1/A-1", 2000 + i));
                    send(producer, fixture.source, 2, "SKU-2", gen.encode(2, "a2-" + i, "SKU-2", "RECEIVED", 1, "WH1/A-1", 2000 + i));
                }
                // On the broker before the abort: an abort drops the batches the producer has not sent yet.
                producer.flush();
                producer.abortTransaction();
            }
            // The abort markers are written after abortTransaction returns; until then the open transaction bounds what a
            // plan may read (its last stable offset), so wait for them.
            awaitLastStableOffset(new TopicPartition(fixture.source, 0), 107);
            awaitLastStableOffset(new TopicPartition(fixture.source, 2), 101);
            ReplayFixture.Run run = fixture.newRun();

            assertThat(run.plan().range(fixture.source, 0).orElseThrow().lastDataOffset()).as("partition 0's last committed record").isEqualTo(4);
            assertThat(run.plan().range(fixture.source, 0).orElseThrow().end()).as("the aborted tail and its marker").isEqualTo(107);
            assertThat(run.plan().range(fixture.source, 1).orElseThrow().lastDataOffset()).isEqualTo(6);
            assertThat(run.plan().range(fixture.source, 2).orElseThrow().hasData()).as("only aborted records").isFalse();
            assertThat(run.evidence().getEventsProcessed()).isEqualTo(12);
            assertThat(run.evidence().getConfidenceStatus()).isEqualTo(ConfidenceStatus.trusted);
        }

        @Test
        void aTransactionalSourceWithMarkersAtTheEndAndAnAbortedTransactionCompletesExactly() {
            ReplayFixture fixture = new ReplayFixture(2, "");
            InventoryGenerator gen = fixture.generator();
            int committed = 0;
            try (KafkaProducer<byte[], byte[]> producer = fixture.producer(Map.of(ProducerConfig.TRANSACTIONAL_ID_CONFIG, "it-tx-" + fixture.suffix))) {
                producer.initTransactions();
                for (int batch = 0; batch < 3; batch++) {
                    producer.beginTransaction();
                    for (int i = 0; i < 10; i++) {
                        String sku = "SKU-" + (i % 4);
                        send(producer, fixture.source, i % 2, sku, gen.encode(2, "b" + batch + "-" + i, sku, "RECEIVED", 1, "WH1/A-1", 1000 + i));
                    }
                    if (batch == 1) {
                        producer.abortTransaction();
                    } else {
                        producer.commitTransaction();
                        committed += 10;
                    }
                }
            }
            ReplayFixture.Run run = fixture.newRun();

            run.plan().ranges().forEach(r -> assertThat(r.lastDataOffset())
                    .as("the last offset of " + r.id() + " is a transaction marker, not data").isLessThan(r.end() - 1));
            assertThat(run.evidence().getEventsProcessed()).as("aborted records are never read").isEqualTo(committed);
            assertThat(run.evidence().getEventsRead()).isEqualTo(committed);
            // Between its first and last record each partition holds transaction markers (and what reached it of the aborted
            // transaction): every offset there that was not read is proven by a read to hold no committed record.
            assertThat(run.evidence().getRanges()).allSatisfy(r -> {
                assertThat(r.getOffsetsProvenEmpty()).as("offsets proven empty in " + r.getTopic() + "-" + r.getPartition())
                        .isPositive().isEqualTo(r.getLastOffsetRead() - r.getFirstOffsetRead() + 1 - r.getEventsRead());
                assertThat(r.getOffsetsUnproven()).isZero();
            });
            assertThat(run.evidence().getConfidenceStatus()).as(run.evidence().getConfidenceReasons().toString()).isEqualTo(ConfidenceStatus.trusted);
            Map<String, InventoryLevel> projection = fixture.readProjection();
            for (int k = 0; k < 4; k++) {
                long expected = k < 2 ? 6 : 4;
                assertThat(projection.get("SKU-" + k).getReceived()).as("SKU-" + k).isEqualTo(expected);
            }
        }
    }

    @Nested
    class RunsAfterAnOffsetReset {
        final ReplayFixture fixture = new ReplayFixture(3, "");

        @Test
        void aSecondRunAfterAnOffsetResetRebuildsTheSameProjectionWithoutFalseDuplicates() {
            InventoryGenerator.Generated generated = fixture.generate(new InventoryGenerator.Options(1_500, 0.2, 0, 3, 40, 5L));
            ReplayFixture.Run first = fixture.newRun();
            ReplayFixture.Run second = fixture.newRun();

            assertThat(second.plan().runId()).isNotEqualTo(first.plan().runId());
            assertThat(second.evidence().getDuplicatesSkipped())
                    .as("only the real copies are duplicates, not the events the first run applied").isEqualTo(300);
            assertThat(second.evidence().getEventsProcessed()).isEqualTo(1_500);
            assertThat(second.evidence().getChecksum()).as("the same projection, by one value").isEqualTo(first.evidence().getChecksum());
            assertThat(second.evidence().getConfidenceStatus()).isEqualTo(ConfidenceStatus.trusted);
            assertThat(fixture.readProjection()).isEqualTo(generated.truth());
        }
    }

    static void awaitLastStableOffset(TopicPartition tp, long offset) {
        try (org.apache.kafka.clients.admin.Admin admin = SharedKafka.get().admin()) {
            long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(30);
            long stable = -1;
            while (System.nanoTime() < deadline) {
                stable = admin.listOffsets(Map.of(tp, org.apache.kafka.clients.admin.OffsetSpec.latest()),
                        new org.apache.kafka.clients.admin.ListOffsetsOptions(org.apache.kafka.common.IsolationLevel.READ_COMMITTED))
                        .partitionResult(tp).get().offset();
                if (stable >= offset) {
                    return;
                }
                Thread.sleep(50);
            }
            throw new AssertionError("the last stable offset of " + tp + " stayed at " + stable + ", below " + offset);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        } catch (java.util.concurrent.ExecutionException e) {
            throw new AssertionError(e.getCause());
        }
    }

    @Nested
    class ConflictingEventIds {

        // Guards the defect found on a real broker: the same event id on one SKU with quantity 50 and then 5,000 was
        // counted a duplicate, the winner chosen by arrival order, and the verdict was trusted.
        @Test
        void theSameIdWithQuantity50AndThen5000IsAConflictAndTheRunIsUntrusted() throws Exception {
            ReplayFixture fixture = new ReplayFixture(2, "");
            InventoryGenerator gen = fixture.generator();
            String reused = UUID.randomUUID().toString();
            org.apache.kafka.clients.producer.RecordMetadata first;
            org.apache.kafka.clients.producer.RecordMetadata second;
            try (KafkaProducer<byte[], byte[]> producer = fixture.producer(Map.of())) {
                for (int i = 0; i < 10; i++) {
                    send(producer, fixture.source, i % 2, "SKU-" + i, gen.encode(3, UUID.randomUUID().toString(), "SKU-" + i, "RECEIVED", 5, "WH1/A-1", 1000 + i));
                }
                first = producer.send(new ProducerRecord<>(fixture.source, 0, bytes("SKU-A"),
                        gen.encode(3, reused, "SKU-A", "RECEIVED", 50, "WH1/A-1", 2000))).get();
                second = producer.send(new ProducerRecord<>(fixture.source, 1, bytes("SKU-A"),
                        gen.encode(3, reused, "SKU-A", "RECEIVED", 5_000, "WH1/A-1", 2000))).get();
            }
            RecoveryEvidence e = fixture.newRun().evidence();

            assertThat(e.getIdConflicts()).as("one event id named two events").isEqualTo(1);
            assertThat(e.getDuplicatesSkipped()).as("a conflict is not a duplicate").isZero();
            assertThat(e.getEventsProcessed()).isEqualTo(11);
            assertThat(e.getConfidenceStatus()).isEqualTo(ConfidenceStatus.untrusted);
            String at0 = fixture.source + "-0@" + first.offset();
            String at1 = fixture.source + "-1@" + second.offset();
            assertThat(e.getIdConflictSamples()).singleElement().satisfies(c -> {
                assertThat(c.getEventId()).isEqualTo(reused);
                assertThat(c.getOrderingKey()).isEqualTo("SKU-A");
                assertThat(List.of(c.getAppliedFrom(), c.getConflictingFrom())).as("both events, whichever arrived first")
                        .containsExactlyInAnyOrder(at0, at1);
            });
            assertThat(e.getConfidenceReasons().get(0)).contains(reused, "idempotency.on_conflict: untrusted");
            long onHand = fixture.readProjection().get("SKU-A").getStockOnHand();
            assertThat(onHand).as("one of the two applied, never both").isIn(50L, 5_000L);
        }

        // Guards the defect that outlived the check above: each apply task has its own dedup set, so one event id under two
        // SKUs of different apply tasks was applied twice, met by neither, and the run was trusted.
        @Test
        void theSameIdUnderKeysOfTwoApplyTasksIsCaughtByTheIdCheckAndTheRunIsUntrusted() throws Exception {
            ReplayFixture fixture = new ReplayFixture(2, "");
            InventoryGenerator gen = fixture.generator();
            String reused = UUID.randomUUID().toString();
            String onTask0 = keyOfTask(0, 2);
            String onTask1 = keyOfTask(1, 2);
            org.apache.kafka.clients.producer.RecordMetadata first;
            org.apache.kafka.clients.producer.RecordMetadata second;
            try (KafkaProducer<byte[], byte[]> producer = fixture.producer(Map.of())) {
                for (int i = 0; i < 20; i++) {
                    send(producer, fixture.source, i % 2, "SKU-" + i, gen.encode(3, UUID.randomUUID().toString(), "SKU-" + i, "RECEIVED", 5, "WH1/A-1", 1000 + i));
                }
                first = producer.send(new ProducerRecord<>(fixture.source, 0, bytes(onTask0),
                        gen.encode(3, reused, onTask0, "RECEIVED", 50, "WH1/A-1", 2000))).get();
                second = producer.send(new ProducerRecord<>(fixture.source, 1, bytes(onTask1),
                        gen.encode(3, reused, onTask1, "RECEIVED", 5_000, "WH1/A-1", 2000))).get();
            }
            RecoveryEvidence e = fixture.newRun().evidence();

            assertThat(e.getIdConflictsAcrossTasks()).as("one event id applied under keys of two apply tasks").isEqualTo(1);
            assertThat(e.getIdConflicts()).as("no task met the id twice").isZero();
            assertThat(e.getEventsProcessed()).as("both were applied").isEqualTo(22);
            assertThat(e.getConfidenceStatus()).isEqualTo(ConfidenceStatus.untrusted);
            assertThat(e.getChecksNotMade()).isEmpty();
            assertThat(e.getReconciliationChecks()).as("the id check received every applied id")
                    .anyMatch(c -> c.getName().equals("event_ids_checked_across_apply_tasks") && c.getPassed() && c.getDetail().contains("22 event ids"));
            String at0 = fixture.source + "-0@" + first.offset();
            String at1 = fixture.source + "-1@" + second.offset();
            assertThat(e.getIdConflictSamples()).singleElement().satisfies(c -> {
                assertThat(c.getEventId()).isEqualTo(reused);
                assertThat(List.of(c.getAppliedFrom(), c.getConflictingFrom())).containsExactlyInAnyOrder(at0, at1);
            });
            assertThat(e.getConfidenceReasons().get(0)).contains(reused, "different apply tasks");
        }
    }

    /** A SKU whose events the repartition sends to apply task {@code task} of {@code tasks}. */
    static String keyOfTask(int task, int tasks) {
        for (int i = 0; ; i++) {
            String key = "SKU-T" + i;
            if (dev.reprise.compat.Partitions.ofKey(bytes(key), tasks) == task) {
                return key;
            }
        }
    }

    static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    static void send(KafkaProducer<byte[], byte[]> producer, String topic, int partition, String key, byte[] value) {
        producer.send(new ProducerRecord<>(topic, partition, key.getBytes(StandardCharsets.UTF_8), value));
    }

    static String header(ConsumerRecord<byte[], byte[]> r, String name) {
        return new String(r.headers().lastHeader(name).value(), StandardCharsets.UTF_8);
    }

    static InventoryLevel level(String sku) {
        return new InventoryProjection().initial(sku);
    }
}
