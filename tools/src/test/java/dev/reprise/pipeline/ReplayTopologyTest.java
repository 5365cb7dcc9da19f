package dev.reprise.pipeline;

import dev.reprise.codec.ConfluentWireFormat;
import dev.reprise.codec.LocalIdMap;
import dev.reprise.contract.Contract;
import dev.reprise.contract.ContractLoader;
import dev.reprise.evidence.EvidenceCodec;
import dev.reprise.evidence.avro.ConfidenceStatus;
import dev.reprise.evidence.avro.EvidenceKind;
import dev.reprise.evidence.avro.RecoveryEvidence;
import dev.reprise.pipeline.apply.ApplyStage;
import dev.reprise.pipeline.source.Throttle;
import dev.reprise.pipeline.support.DeadLetters;
import dev.reprise.pipeline.support.Guardrails;
import dev.reprise.plan.CompiledContract;
import dev.reprise.plan.RunPlan;
import dev.reprise.projection.StateCodec;
import dev.reprise.sample.inventory.InventoryGenerator;
import dev.reprise.sample.inventory.InventoryLevel;
import dev.reprise.sample.invoice.InvoiceSummary;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;

import static org.assertj.core.api.Assertions.assertThat;

/** The whole topology, stage by stage, in TopologyTestDriver: one source partition, no broker. */
class ReplayTopologyTest {
    static final Path CONFIG = Path.of("..", "config").toAbsolutePath().normalize();

    @TempDir
    Path stateDir;

    Properties props(String app) {
        Properties p = new Properties();
        p.put(StreamsConfig.APPLICATION_ID_CONFIG, app);
        p.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
        p.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
        p.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
        return p;
    }

    static RunPlan plan(Contract c, String topic, long records) {
        return new RunPlan("run-" + records, c.name(), c.hash(), c.applicationId(), 0,
                List.of(new RunPlan.PartitionRange(topic, 0, 0, records, records - 1)), 1);
    }

    /** The repository's schema ids: the contracts of these tests write Confluent-framed outputs with them. */
    static final dev.reprise.codec.LocalIdMap IDS = dev.reprise.codec.LocalIdMap.load(java.nio.file.Path.of("..", "schemas", "registry-ids.yaml"),
            dev.reprise.codec.SchemaCatalog.load(java.nio.file.Path.of("..", "schemas")));

    static RecoveryEvidence finalEvidence(TestOutputTopic<byte[], byte[]> out) {
        RecoveryEvidence last = null;
        for (byte[] v : out.readValuesToList()) {
            RecoveryEvidence e = EvidenceCodec.reader(IDS).read(v);
            if (e.getKind() == EvidenceKind.FINAL) {
                last = e;
            }
        }
        assertThat(last).as("a FINAL evidence record").isNotNull();
        return last;
    }

    @Nested
    class Inventory {
        final Contract contract = ContractLoader.load(CONFIG.resolve("inventory.yaml"));
        final CompiledContract codecs = CompiledContract.forContract(contract);
        final InventoryGenerator gen = new InventoryGenerator(codecs.catalog(), (LocalIdMap) codecs.resolver());

        @Test
        void versionsDuplicatesAndPoisonAreEachCountedExactlyAndTheProjectionIsRight() {
            List<byte[]> values = new ArrayList<>();
            values.add(gen.encode(1, "e1", "SKU-A", "RECEIVED", 24, "WH1/A-1", 1));   // 2 cases
            values.add(gen.encode(2, "e2", "SKU-A", "SHIPPED", 5, "WH1/A-1", 2));
            values.add(gen.encode(3, "e3", "SKU-B", "RECEIVED", 7, "WH2/B-1", 3));
            values.add(gen.encode(2, "e2", "SKU-A", "SHIPPED", 5, "WH1/A-1", 2));     // duplicate of e2
            values.add("not avro".getBytes(StandardCharsets.UTF_8));                    // poison
            values.add(gen.encode(2, "e4", "SKU-B", "RECEIVED", 1, "NOWHERE", 4));     // no bin: the upcast fails
            values.add(gen.encode(3, "e5", "SKU-A", "RESERVED", 4, "WH1/A-1", 5));
            RunPlan plan = plan(contract, "inventory-events", values.size());
            try (TopologyTestDriver driver = new TopologyTestDriver(ReplayTopology.build(contract, plan, codecs), props(contract.applicationId()))) {
                TestInputTopic<byte[], byte[]> in = driver.createInputTopic("inventory-events", new ByteArraySerializer(), new ByteArraySerializer());
                TestOutputTopic<byte[], byte[]> projection = driver.createOutputTopic(contract.projection().topic(), new ByteArrayDeserializer(), new ByteArrayDeserializer());
                TestOutputTopic<byte[], byte[]> dlq = driver.createOutputTopic(contract.deadLetter().topic(), new ByteArrayDeserializer(), new ByteArrayDeserializer());
                TestOutputTopic<byte[], byte[]> evidence = driver.createOutputTopic(contract.evidence().topic(), new ByteArrayDeserializer(), new ByteArrayDeserializer());
                values.forEach(v -> in.pipeInput("k".getBytes(StandardCharsets.UTF_8), v));

                RecoveryEvidence e = finalEvidence(evidence);
                assertThat(e.getEventsRead()).isEqualTo(7);
                assertThat(e.getEventsProcessed()).isEqualTo(4);
                assertThat(e.getDuplicatesSkipped()).isEqualTo(1);
                assertThat(e.getDeadLettered()).isEqualTo(2);
                assertThat(e.getDeadLetterReasons()).containsOnlyKeys("not-confluent-framing", "upcast-failed");
                assertThat(e.getConfidenceStatus()).as("2 of 7 dead-lettered is above the contract's 1%").isEqualTo(ConfidenceStatus.degraded);

                List<TestRecord<byte[], byte[]>> dead = dlq.readRecordsToList();
                assertThat(dead).hasSize(2);
                assertThat(dead.get(0).value()).isEqualTo(values.get(4));
                assertThat(new String(dead.get(0).headers().lastHeader(DeadLetters.OFFSET).value(), StandardCharsets.UTF_8)).isEqualTo("4");

                StateCodec<InventoryLevel> codec = new StateCodec<>(InventoryLevel.class, IDS);
                Map<String, InventoryLevel> rebuilt = new HashMap<>();
                for (TestRecord<byte[], byte[]> r : projection.readRecordsToList()) {
                    rebuilt.put(new String(r.key(), StandardCharsets.UTF_8), codec.fromTopic(r.value()));
                    assertThat(r.headers().lastHeader("reprise.run_id").value()).isEqualTo(plan.runId().getBytes(StandardCharsets.UTF_8));
                }
                assertThat(rebuilt.get("SKU-A")).isEqualTo(new InventoryLevel("SKU-A", 24L, 5L, 0L, 4L, 19L, 15L, 3L));
                assertThat(rebuilt.get("SKU-B")).isEqualTo(new InventoryLevel("SKU-B", 7L, 0L, 0L, 0L, 7L, 7L, 1L));
            }
        }

        @Test
        void repartitionedEventsWaitingInABatchAreSentWhenTheSourceTaskCommits() {
            // The range runs far past the records piped in, so no range end sends the batches: only the
            // commit hook does (TopologyTestDriver commits after each input record).
            RunPlan plan = new RunPlan("run-open", contract.name(), contract.hash(), contract.applicationId(), 0,
                    List.of(new RunPlan.PartitionRange("inventory-events", 0, 0, 1_000, 999)), 1);
            try (TopologyTestDriver driver = new TopologyTestDriver(ReplayTopology.build(contract, plan, codecs), props(contract.applicationId()))) {
                TestInputTopic<byte[], byte[]> in = driver.createInputTopic("inventory-events", new ByteArraySerializer(), new ByteArraySerializer());
                in.pipeInput("k".getBytes(StandardCharsets.UTF_8), gen.encode(3, "e1", "SKU-A", "RECEIVED", 7, "WH1/A-1", 1));
                in.pipeInput("k".getBytes(StandardCharsets.UTF_8), gen.encode(3, "e2", "SKU-B", "RECEIVED", 3, "WH2/B-1", 2));
                in.pipeInput("k".getBytes(StandardCharsets.UTF_8), gen.encode(3, "e3", "SKU-A", "SHIPPED", 2, "WH1/A-1", 3));

                org.apache.kafka.streams.state.KeyValueStore<org.apache.kafka.common.utils.Bytes, byte[]> states =
                        driver.getKeyValueStore(ApplyStage.PROJECTION_STORE);
                StateCodec<InventoryLevel> codec = new StateCodec<>(InventoryLevel.class);
                Map<String, Long> onHand = new HashMap<>();
                try (var it = states.all()) {
                    it.forEachRemaining(kv -> {
                        String key = new String(kv.key.get(), StandardCharsets.UTF_8);
                        onHand.put(key.substring(key.length() - 5), codec.decode(kv.value).getStockOnHand());
                    });
                }
                assertThat(onHand).containsEntry("SKU-A", 5L).containsEntry("SKU-B", 3L);
            }
        }

        @Test
        void aRebuildThatDiffersFromTheGroundTruthIsUntrustedAndNamesTheKey() {
            Contract withTruth = contract.withReconciliation(new Contract.Reconciliation("truth", true));
            List<byte[]> values = List.of(
                    gen.encode(3, "e1", "SKU-A", "RECEIVED", 10, "WH1/A-1", 1),
                    gen.encode(3, "e2", "SKU-B", "RECEIVED", 3, "WH1/A-1", 2));
            RunPlan plan = plan(withTruth, "inventory-events", values.size());
            StateCodec<InventoryLevel> codec = new StateCodec<>(InventoryLevel.class);
            try (TopologyTestDriver driver = new TopologyTestDriver(ReplayTopology.build(withTruth, plan, CompiledContract.forContract(withTruth)),
                    props(withTruth.applicationId()))) {
                TestInputTopic<byte[], byte[]> truth = driver.createInputTopic("truth", new ByteArraySerializer(), new ByteArraySerializer());
                // SKU-A is right; SKU-B is deliberately wrong (4 instead of 3); SKU-C was never rebuilt.
                truth.pipeInput(bytes("SKU-A"), codec.toSingleObject(codec.encode(new InventoryLevel("SKU-A", 10L, 0L, 0L, 0L, 10L, 10L, 1L))));
                truth.pipeInput(bytes("SKU-B"), codec.toSingleObject(codec.encode(new InventoryLevel("SKU-B", 4L, 0L, 0L, 0L, 4L, 4L, 1L))));
                truth.pipeInput(bytes("SKU-C"), codec.toSingleObject(codec.encode(new InventoryLevel("SKU-C", 1L, 0L, 0L, 0L, 1L, 1L, 1L))));
                TestInputTopic<byte[], byte[]> in = driver.createInputTopic("inventory-events", new ByteArraySerializer(), new ByteArraySerializer());
                TestOutputTopic<byte[], byte[]> evidence = driver.createOutputTopic(withTruth.evidence().topic(), new ByteArrayDeserializer(), new ByteArrayDeserializer());
                values.forEach(v -> in.pipeInput(bytes("k"), v));

                RecoveryEvidence e = finalEvidence(evidence);
                assertThat(e.getConfidenceStatus()).isEqualTo(ConfidenceStatus.untrusted);
                assertThat(e.getProjectionsUnchanged()).isEqualTo(1);
                assertThat(e.getProjectionsChanged()).isEqualTo(1);
                assertThat(e.getProjectionsMissing()).isEqualTo(1);
                assertThat(e.getDifferenceSamples()).extracting(s -> s.getKey() + " " + s.getStatus())
                        .containsExactlyInAnyOrder("SKU-B changed", "SKU-C missing");
            }
        }

        @Test
        void eventsOutsideTheScopeAreFilteredAndRecordsBeforeTheStartAreOutOfRange() {
            Contract onlyA = ContractLoader.parse(readConfig("inventory.yaml").replace("  tenant_field: tenant\n", "  tenant_field: tenant\n  keys: [SKU-A]\n")
                    .getBytes(StandardCharsets.UTF_8), CONFIG, null);
            List<byte[]> values = List.of(
                    gen.encode(3, "e0", "SKU-A", "RECEIVED", 100, "WH1/A-1", 0),   // before the plan's start
                    gen.encode(3, "e1", "SKU-A", "RECEIVED", 10, "WH1/A-1", 1),
                    gen.encode(3, "e2", "SKU-B", "RECEIVED", 3, "WH1/A-1", 2));
            RunPlan plan = new RunPlan("run-f", onlyA.name(), onlyA.hash(), onlyA.applicationId(), 0,
                    List.of(new RunPlan.PartitionRange("inventory-events", 0, 1, 3, 2)), 1);
            try (TopologyTestDriver driver = new TopologyTestDriver(ReplayTopology.build(onlyA, plan, CompiledContract.forContract(onlyA)), props(onlyA.applicationId()))) {
                TestInputTopic<byte[], byte[]> in = driver.createInputTopic("inventory-events", new ByteArraySerializer(), new ByteArraySerializer());
                TestOutputTopic<byte[], byte[]> evidence = driver.createOutputTopic(onlyA.evidence().topic(), new ByteArrayDeserializer(), new ByteArrayDeserializer());
                values.forEach(v -> in.pipeInput(bytes("k"), v));

                RecoveryEvidence e = finalEvidence(evidence);
                assertThat(e.getOutOfRange()).isEqualTo(1);
                assertThat(e.getFiltered()).isEqualTo(1);
                assertThat(e.getEventsProcessed()).isEqualTo(1);
                assertThat(e.getProjectionKeys()).isEqualTo(1);
                assertThat(e.getConfidenceStatus()).isEqualTo(ConfidenceStatus.trusted);
            }
        }

        @Test
        void aDeadLetterRatioAboveItsThresholdTripsTheGuardrailWithTheReason() {
            Contract guarded = ContractLoader.parse(readConfig("inventory.yaml").replace("  totals:", "  thresholds:\n    - name: poison-flood\n      metric: dead_letter_ratio\n      above: 0.25\n"
                    + "      window: 4\n      action: pause\n  totals:").getBytes(StandardCharsets.UTF_8), CONFIG, null);
            Guardrails guardrails = new Guardrails(guarded.reconciliation().thresholds());
            RunPlan plan = plan(guarded, "inventory-events", 8);
            try (TopologyTestDriver driver = new TopologyTestDriver(ReplayTopology.build(guarded, plan, CompiledContract.forContract(guarded),
                    Throttle.unlimited(), guardrails), props(guarded.applicationId()))) {
                TestInputTopic<byte[], byte[]> in = driver.createInputTopic("inventory-events", new ByteArraySerializer(), new ByteArraySerializer());
                in.pipeInput(bytes("k"), gen.encode(3, "e1", "SKU-A", "RECEIVED", 1, "WH1/A-1", 1));
                in.pipeInput(bytes("k"), bytes("poison"));
                in.pipeInput(bytes("k"), gen.encode(3, "e2", "SKU-A", "RECEIVED", 1, "WH1/A-1", 1));
                in.pipeInput(bytes("k"), gen.encode(3, "e3", "SKU-A", "RECEIVED", 1, "WH1/A-1", 1));
                assertThat(guardrails.tripped()).as("1 of 4 is not above 25%").isNull();
                in.pipeInput(bytes("k"), bytes("poison"));

                assertThat(guardrails.tripped()).isNotNull();
                assertThat(guardrails.tripped().action()).isEqualTo("pause");
                assertThat(guardrails.tripped().reason()).contains("poison-flood").contains("50.000%");
            }
        }

        @Test
        void anInvariantBrokenForAWatchedTenantTripsAnAbort() {
            String yaml = readConfig("inventory.yaml").replace("  totals:", "  thresholds:\n    - name: p0-invariants\n"
                    + "      metric: invariant_failures\n      tenants: [acme]\n      action: abort\n  totals:");
            Contract guarded = ContractLoader.parse(yaml.getBytes(StandardCharsets.UTF_8), CONFIG, null);
            Guardrails guardrails = new Guardrails(guarded.reconciliation().thresholds());
            RunPlan plan = plan(guarded, "inventory-events", 3);
            try (TopologyTestDriver driver = new TopologyTestDriver(ReplayTopology.build(guarded, plan, CompiledContract.forContract(guarded),
                    Throttle.unlimited(), guardrails), props(guarded.applicationId()))) {
                TestInputTopic<byte[], byte[]> in = driver.createInputTopic("inventory-events", new ByteArraySerializer(), new ByteArraySerializer());
                in.pipeInput(bytes("k"), gen.encode(3, "e1", "SKU-A", "RECEIVED", 2, "WH1/A-1", 1));
                assertThat(guardrails.tripped()).isNull();
                // Shipping more than is on hand breaks sellable_not_negative for SKU-A of tenant acme.
                in.pipeInput(bytes("k"), gen.encode(3, "e2", "SKU-A", "SHIPPED", 5, "WH1/A-1", 2));

                assertThat(guardrails.tripped()).isNotNull();
                assertThat(guardrails.tripped().action()).isEqualTo("abort");
                assertThat(guardrails.tripped().reason()).contains("p0-invariants").contains("SKU-A").contains("tenant acme");
            }
        }

        @Test
        void aRangeWithoutRecordsEndsOnTheWallClockAndAnEmptyRebuildIsNotTrusted() {
            // Regression: a scope that selected nothing (scope.from in 2099) ended trusted, and promote then tombstoned every live key.
            RunPlan plan = new RunPlan("run-empty", contract.name(), contract.hash(), contract.applicationId(), 0,
                    List.of(new RunPlan.PartitionRange("inventory-events", 0, 5, 5, -1)), 1);
            try (TopologyTestDriver driver = new TopologyTestDriver(ReplayTopology.build(contract, plan, codecs), props(contract.applicationId()))) {
                TestOutputTopic<byte[], byte[]> evidence = driver.createOutputTopic(contract.evidence().topic(), new ByteArrayDeserializer(), new ByteArrayDeserializer());
                driver.advanceWallClockTime(Duration.ofSeconds(1));

                RecoveryEvidence e = finalEvidence(evidence);
                assertThat(e.getEventsRead()).isZero();
                assertThat(e.getConfidenceStatus()).isEqualTo(ConfidenceStatus.untrusted);
                assertThat(e.getConfidenceReasons().get(0)).contains("the rebuild is empty").contains("0 events processed into 0 projection keys");
            }
        }
    }

    @Nested
    class Invoices {
        final Contract contract = ContractLoader.load(CONFIG.resolve("invoice.yaml"));
        final CompiledContract codecs = CompiledContract.forContract(contract);

        byte[] event(int id, String file, Map<String, Object> fields) throws Exception {
            Schema schema = codecs.catalog().byFile(Path.of("invoice", file)).orElseThrow();
            GenericRecord r = new GenericData.Record(schema);
            fields.forEach(r::put);
            r.put("occurred_at", 1L);
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            BinaryEncoder enc = EncoderFactory.get().binaryEncoder(out, null);
            new GenericDatumWriter<GenericRecord>(schema).write(r, enc);
            enc.flush();
            return ConfluentWireFormat.frame(id, out.toByteArray());
        }

        @Test
        void totalsPerTenantWithoutRepartitionAndOrderingViolationsDegradeTheRun() throws Exception {
            List<byte[]> values = List.of(
                    event(11, "invoice-issued-v1.avsc", Map.of("event_id", "a", "tenant", "t1", "seq", 1L, "invoice_id", "i1", "amount", 10.25)),
                    event(12, "invoice-issued-v2.avsc", Map.of("event_id", "b", "tenant", "t1", "seq", 3L, "invoice_id", "i2", "amount_cents", 500L, "currency", "EUR")),
                    event(13, "payment-received-v1.avsc", Map.of("event_id", "c", "tenant", "t1", "seq", 2L, "invoice_id", "i1", "amount_cents", 1025L)),
                    event(14, "invoice-voided-v1.avsc", Map.of("event_id", "d", "tenant", "t1", "seq", 4L, "invoice_id", "i2", "amount_cents", 500L)));
            RunPlan plan = plan(contract, "invoice-events", values.size());
            try (TopologyTestDriver driver = new TopologyTestDriver(ReplayTopology.build(contract, plan, codecs), props(contract.applicationId()))) {
                TestInputTopic<byte[], byte[]> in = driver.createInputTopic("invoice-events", new ByteArraySerializer(), new ByteArraySerializer());
                TestOutputTopic<byte[], byte[]> projection = driver.createOutputTopic(contract.projection().topic(), new ByteArrayDeserializer(), new ByteArrayDeserializer());
                TestOutputTopic<byte[], byte[]> evidence = driver.createOutputTopic(contract.evidence().topic(), new ByteArrayDeserializer(), new ByteArrayDeserializer());
                values.forEach(v -> in.pipeInput(bytes("t1"), v));

                RecoveryEvidence e = finalEvidence(evidence);
                assertThat(e.getOrderingViolations()).as("seq 2 after seq 3").isEqualTo(1);
                assertThat(e.getConfidenceStatus()).isEqualTo(ConfidenceStatus.degraded);
                InvoiceSummary t1 = new StateCodec<>(InvoiceSummary.class, IDS).fromTopic(projection.readValuesToList().get(0));
                assertThat(t1).isEqualTo(new InvoiceSummary("t1", 2L, 1L, 1025L, 1025L, 0L));
                assertThat(driver.producedTopicNames()).as("keyed history: no repartition topic")
                        .noneMatch(t -> t.contains(ReplayTopology.BY_KEY));
            }
        }
    }

    /**
     * Event ids reused for other events. Guards the defect found on a real broker: the same event id on one SKU with
     * quantity 50 and then 5,000 was counted a duplicate (the winner chosen by arrival order) and the same id on two SKUs
     * was applied twice, and the run was trusted.
     */
    @Nested
    class ConflictingEventIds {
        final Contract contract = ContractLoader.load(CONFIG.resolve("inventory.yaml"));
        final CompiledContract codecs = CompiledContract.forContract(contract);
        final InventoryGenerator gen = new InventoryGenerator(codecs.catalog(), (LocalIdMap) codecs.resolver());

        Contract withPolicy(String onConflict) {
            return ContractLoader.parse(readConfig("inventory.yaml").replace("  event_id_field: event_id\n",
                    "  event_id_field: event_id\n  on_conflict: " + onConflict + "\n").getBytes(StandardCharsets.UTF_8), CONFIG, null);
        }

        /** Replays {@code values} from one source partition into one apply task; returns the final evidence and the rebuilt states. */
        RecoveryEvidence replay(Contract c, List<byte[]> values, Map<String, InventoryLevel> rebuilt) {
            RunPlan plan = plan(c, "inventory-events", values.size());
            try (TopologyTestDriver driver = new TopologyTestDriver(ReplayTopology.build(c, plan, CompiledContract.forContract(c)), props(c.applicationId()))) {
                TestInputTopic<byte[], byte[]> in = driver.createInputTopic("inventory-events", new ByteArraySerializer(), new ByteArraySerializer());
                TestOutputTopic<byte[], byte[]> projection = driver.createOutputTopic(c.projection().topic(), new ByteArrayDeserializer(), new ByteArrayDeserializer());
                TestOutputTopic<byte[], byte[]> evidence = driver.createOutputTopic(c.evidence().topic(), new ByteArrayDeserializer(), new ByteArrayDeserializer());
                values.forEach(v -> in.pipeInput(bytes("k"), v));
                RecoveryEvidence e = finalEvidence(evidence);
                StateCodec<InventoryLevel> codec = new StateCodec<>(InventoryLevel.class, IDS);
                projection.readRecordsToList().forEach(r -> rebuilt.put(new String(r.key(), StandardCharsets.UTF_8), codec.fromTopic(r.value())));
                return e;
            }
        }

        @Test
        void theSameIdWithTheSamePayloadIsADuplicateAndTheRunIsTrusted() {
            List<byte[]> values = List.of(
                    gen.encode(3, "e1", "SKU-A", "RECEIVED", 50, "WH1/A-1", 1),
                    gen.encode(3, "e2", "SKU-A", "SHIPPED", 5, "WH1/A-1", 2),
                    gen.encode(3, "e1", "SKU-A", "RECEIVED", 50, "WH1/A-1", 1));   // a copy of e1
            Map<String, InventoryLevel> rebuilt = new HashMap<>();
            RecoveryEvidence e = replay(contract, values, rebuilt);

            assertThat(e.getDuplicatesSkipped()).isEqualTo(1);
            assertThat(e.getIdConflicts()).isZero();
            assertThat(e.getConfidenceStatus()).isEqualTo(ConfidenceStatus.trusted);
            assertThat(e.getChecksNotMade()).as("one apply task: every id met one dedup set").isEmpty();
            assertThat(rebuilt.get("SKU-A").getStockOnHand()).isEqualTo(45);
        }

        @Test
        void theSameIdWithAnotherQuantityOnTheSameKeyIsAConflictTheRunIsUntrustedAndTheSampleNamesBothOffsets() {
            List<byte[]> values = List.of(
                    gen.encode(3, "e1", "SKU-A", "RECEIVED", 50, "WH1/A-1", 1),
                    gen.encode(3, "e2", "SKU-A", "SHIPPED", 5, "WH1/A-1", 2),
                    gen.encode(3, "e1", "SKU-A", "RECEIVED", 5_000, "WH1/A-1", 1));  // e1 again, 5,000 instead of 50
            Map<String, InventoryLevel> rebuilt = new HashMap<>();
            RecoveryEvidence e = replay(contract, values, rebuilt);

            assertThat(e.getIdConflicts()).isEqualTo(1);
            assertThat(e.getDuplicatesSkipped()).as("a conflict is not a duplicate").isZero();
            assertThat(e.getEventsRead()).isEqualTo(3);
            assertThat(e.getConfidenceStatus()).isEqualTo(ConfidenceStatus.untrusted);
            assertThat(e.getIdConflictSamples()).singleElement().satisfies(c -> {
                assertThat(c.getEventId()).isEqualTo("e1");
                assertThat(c.getOrderingKey()).isEqualTo("SKU-A");
                assertThat(c.getAppliedFrom()).isEqualTo("inventory-events-0@0");
                assertThat(c.getConflictingFrom()).isEqualTo("inventory-events-0@2");
            });
            assertThat(e.getConfidenceReasons().get(0)).contains("inventory-events-0@0", "inventory-events-0@2");
            assertThat(rebuilt.get("SKU-A").getStockOnHand()).as("the second e1 is not applied").isEqualTo(45);
        }

        @Test
        void theSameIdOnTwoKeysOfOneApplyTaskIsAConflict() {
            List<byte[]> values = List.of(
                    gen.encode(3, "e1", "SKU-A", "RECEIVED", 50, "WH1/A-1", 1),
                    gen.encode(3, "e1", "SKU-B", "RECEIVED", 50, "WH1/A-1", 1));   // the same event id on another SKU
            Map<String, InventoryLevel> rebuilt = new HashMap<>();
            RecoveryEvidence e = replay(contract, values, rebuilt);

            assertThat(e.getIdConflicts()).isEqualTo(1);
            assertThat(e.getIdConflictSamples().get(0).getOrderingKey()).isEqualTo("SKU-B");
            assertThat(e.getConfidenceStatus()).isEqualTo(ConfidenceStatus.untrusted);
            assertThat(rebuilt).as("applied once, not on both keys").containsOnlyKeys("SKU-A");
        }

        @Test
        void idempotencyOnConflictDecidesTheVerdict() {
            List<byte[]> values = List.of(
                    gen.encode(3, "e1", "SKU-A", "RECEIVED", 50, "WH1/A-1", 1),
                    gen.encode(3, "e2", "SKU-A", "SHIPPED", 5, "WH1/A-1", 2),
                    gen.encode(3, "e1", "SKU-A", "RECEIVED", 5_000, "WH1/A-1", 1));
            RecoveryEvidence firstWins = replay(withPolicy("first_wins"), values, new HashMap<>());
            assertThat(firstWins.getIdConflicts()).isEqualTo(1);
            assertThat(firstWins.getConfidenceStatus()).isEqualTo(ConfidenceStatus.trusted);
            assertThat(firstWins.getConfidenceReasons()).anyMatch(r -> r.contains("idempotency.on_conflict: first_wins"));

            RecoveryEvidence degraded = replay(withPolicy("degraded"), values, new HashMap<>());
            assertThat(degraded.getConfidenceStatus()).isEqualTo(ConfidenceStatus.degraded);
        }
    }

    static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    static String readConfig(String name) {
        try {
            return java.nio.file.Files.readString(CONFIG.resolve(name));
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
