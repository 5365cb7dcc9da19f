package dev.reprise.pipeline;

import dev.reprise.codec.LocalIdMap;
import dev.reprise.codec.RegistryUnavailableException;
import dev.reprise.codec.SchemaResolver;
import dev.reprise.config.RepriseConfig;
import dev.reprise.contract.Contract;
import dev.reprise.contract.ContractLoader;
import dev.reprise.evidence.avro.ConfidenceStatus;
import dev.reprise.evidence.avro.RecoveryEvidence;
import dev.reprise.pipeline.source.Throttle;
import dev.reprise.pipeline.support.CounterFeed;
import dev.reprise.pipeline.support.Guardrails;
import dev.reprise.plan.CompiledContract;
import dev.reprise.plan.RunPlan;
import dev.reprise.sample.inventory.InventoryGenerator;
import org.apache.avro.Schema;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * A schema registry that does not answer, through the real stages (TopologyTestDriver): it is asked again, and when it
 * stays down the record is not dead-lettered: the exception stops the stream thread. Regression for defect A of
 * "trusted means proven": a registry answering 503 once per schema id had 3 valid events dead-lettered as
 * unexpected-error in a run that was then trusted.
 */
class RegistryOutageTest {
    @TempDir
    Path stateDir;

    final Contract contract = ContractLoader.load(ReplayTopologyTest.CONFIG.resolve("inventory.yaml"));
    final CompiledContract codecs = CompiledContract.forContract(contract);
    final InventoryGenerator gen = new InventoryGenerator(codecs.catalog(), (LocalIdMap) codecs.resolver());
    /** Three versions, three schema ids, each event's key its own SKU. */
    final List<byte[]> values = List.of(
            gen.encode(1, "e1", "SKU-1", "RECEIVED", 2 * dev.reprise.sample.inventory.StockMovementV1ToV2.UNITS_PER_CASE, "WH1/A-1", 1),
            gen.encode(2, "e2", "SKU-2", "RECEIVED", 5, "WH1/A-1", 2),
            gen.encode(3, "e3", "SKU-3", "RECEIVED", 5, "WH1/A-1", 3),
            gen.encode(3, "e4", "SKU-1", "RECEIVED", 5, "WH1/A-1", 4));

    Properties props() {
        Properties p = new Properties();
        p.put(StreamsConfig.APPLICATION_ID_CONFIG, contract.applicationId());
        p.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
        p.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
        p.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
        // Reprise's own handler, as StreamsSettings sets it: a failure that escapes a stage is never skipped or dead-lettered.
        p.put(StreamsConfig.PROCESSING_EXCEPTION_HANDLER_CLASS_CONFIG, dev.reprise.streams.StopOnProcessingError.class);
        return p;
    }

    /** The inventory's codecs with another resolver of schema ids. */
    CompiledContract withResolver(SchemaResolver resolver) {
        return new CompiledContract(codecs.encoding(), codecs.catalog(), resolver, codecs.upcasters(), codecs.projection(), codecs.contractInvariants(),
                codecs.schemaIds(), codecs.projectionEncoding(), codecs.projectionTopic());
    }

    static RegistryUnavailableException outage(int id) {
        return new RegistryUnavailableException("http://registry.example:8081/", id, "answered 503 (store unavailable)", null);
    }

    @Test
    void aRegistryThatFailsOnceForEachSchemaIdIsAskedAgainAndNoEventIsDeadLettered() {
        Set<Integer> failedOnce = ConcurrentHashMap.newKeySet();
        SchemaResolver flaky = id -> {
            if (failedOnce.add(id)) {
                throw outage(id);
            }
            return codecs.resolver().byId(id);
        };
        RunPlan plan = ReplayTopologyTest.plan(contract, "inventory-events", values.size());
        try (TopologyTestDriver driver = new TopologyTestDriver(ReplayTopology.build(contract, plan, withResolver(flaky), Throttle.unlimited(),
                Guardrails.none(), RepriseConfig.of(Map.of(RepriseConfig.REGISTRY_RETRY_ATTEMPTS, "3")), CounterFeed.NONE), props())) {
            TestInputTopic<byte[], byte[]> in = driver.createInputTopic("inventory-events", new ByteArraySerializer(), new ByteArraySerializer());
            TestOutputTopic<byte[], byte[]> dlq = driver.createOutputTopic(contract.deadLetter().topic(), new ByteArrayDeserializer(), new ByteArrayDeserializer());
            TestOutputTopic<byte[], byte[]> evidence = driver.createOutputTopic(contract.evidence().topic(), new ByteArrayDeserializer(), new ByteArrayDeserializer());
            values.forEach(v -> in.pipeInput("k".getBytes(StandardCharsets.UTF_8), v));

            RecoveryEvidence e = ReplayTopologyTest.finalEvidence(evidence);
            assertThat(failedOnce).as("every schema id failed once").hasSize(3);
            assertThat(dlq.readRecordsToList()).as("nothing dead-lettered").isEmpty();
            assertThat(e.getDeadLettered()).isZero();
            assertThat(e.getEventsProcessed()).as("every event applied").isEqualTo(4);
            assertThat(e.getConfidenceStatus()).isEqualTo(ConfidenceStatus.trusted);
        }
    }

    @Test
    void aRegistryThatStaysDownStopsTheRunWithTheRegistryAndTheIdAndDeadLettersNothing() {
        SchemaResolver down = id -> {
            throw outage(id);
        };
        RunPlan plan = ReplayTopologyTest.plan(contract, "inventory-events", values.size());
        TopologyTestDriver driver = new TopologyTestDriver(ReplayTopology.build(contract, plan, withResolver(down), Throttle.unlimited(),
                Guardrails.none(), RepriseConfig.of(Map.of(RepriseConfig.REGISTRY_RETRY_ATTEMPTS, "2")), CounterFeed.NONE), props());
        try {
            TestInputTopic<byte[], byte[]> in = driver.createInputTopic("inventory-events", new ByteArraySerializer(), new ByteArraySerializer());
            TestOutputTopic<byte[], byte[]> dlq = driver.createOutputTopic(contract.deadLetter().topic(), new ByteArrayDeserializer(), new ByteArrayDeserializer());

            assertThatThrownBy(() -> in.pipeInput("k".getBytes(StandardCharsets.UTF_8), values.get(0)))
                    .as("the stream thread's failure, not a dead letter")
                    .satisfies(t -> {
                        RegistryUnavailableException cause = (RegistryUnavailableException) dev.reprise.codec.InfrastructureException.in(t);
                        assertThat(cause).as("a RegistryUnavailableException in the causes of %s", t).isNotNull();
                        assertThat(cause.getMessage()).contains("schema registry http://registry.example:8081/ answered 503", "schema id 1",
                                "2 attempts", "nothing was dead-lettered", "Start the run again");
                    });
            assertThat(dlq.readRecordsToList()).as("nothing dead-lettered").isEmpty();
        } finally {
            try {
                driver.close();
            } catch (RuntimeException afterTheFailure) {
                // The test driver commits the failed task when it closes; a real stream thread closes it dirty, without a commit.
            }
        }
    }

    @Test
    void aPoisonRecordStaysPoisonWhileTheRegistryAnswers() {
        // The other side of the decision: a 404 for the id is the record's, dead-lettered as before.
        Map<Integer, Schema> none = Map.of();
        RunPlan plan = ReplayTopologyTest.plan(contract, "inventory-events", 1);
        try (TopologyTestDriver driver = new TopologyTestDriver(ReplayTopology.build(contract, plan, withResolver(new LocalIdMap(none))), props())) {
            TestInputTopic<byte[], byte[]> in = driver.createInputTopic("inventory-events", new ByteArraySerializer(), new ByteArraySerializer());
            TestOutputTopic<byte[], byte[]> dlq = driver.createOutputTopic(contract.deadLetter().topic(), new ByteArrayDeserializer(), new ByteArrayDeserializer());
            in.pipeInput("k".getBytes(StandardCharsets.UTF_8), values.get(0));
            assertThat(dlq.readRecordsToList()).hasSize(1);
        }
    }
}
