package dev.reprise.pipeline;

import dev.reprise.codec.LocalIdMap;
import dev.reprise.config.RepriseConfig;
import dev.reprise.contract.Contract;
import dev.reprise.contract.ContractLoader;
import dev.reprise.counts.Count;
import dev.reprise.counts.CountFamily;
import dev.reprise.evidence.avro.RecoveryEvidence;
import dev.reprise.evidence.avro.UpcastCount;
import dev.reprise.pipeline.source.Throttle;
import dev.reprise.pipeline.support.Guardrails;
import dev.reprise.plan.CompiledContract;
import dev.reprise.plan.RunPlan;
import dev.reprise.sample.inventory.InventoryGenerator;
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
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;

import static org.assertj.core.api.Assertions.assertThat;

/** The stages feed an instance's metrics ({@link dev.reprise.pipeline.support.CounterFeed}) with exactly what the evidence counts. */
class CounterFeedTest {
    @TempDir
    Path stateDir;

    @Test
    void whatTheStagesFeedAddsUpToTheEvidencesCounts() {
        Contract contract = ContractLoader.load(ReplayTopologyTest.CONFIG.resolve("inventory.yaml"));
        CompiledContract codecs = CompiledContract.forContract(contract);
        InventoryGenerator gen = new InventoryGenerator(codecs.catalog(), (LocalIdMap) codecs.resolver());
        List<byte[]> values = new ArrayList<>();
        values.add(gen.encode(1, "e1", "SKU-A", "RECEIVED", 24, "WH1/A-1", 1));
        values.add(gen.encode(2, "e2", "SKU-A", "SHIPPED", 5, "WH1/A-1", 2));
        values.add(gen.encode(3, "e3", "SKU-B", "RECEIVED", 7, "WH2/B-1", 3));
        values.add(gen.encode(2, "e2", "SKU-A", "SHIPPED", 5, "WH1/A-1", 2));     // duplicate of e2
        values.add("not avro".getBytes(StandardCharsets.UTF_8));                    // poison
        values.add(gen.encode(2, "e4", "SKU-B", "RECEIVED", 1, "NOWHERE", 4));     // the upcast fails
        values.add(gen.encode(3, "e5", "SKU-A", "RESERVED", 4, "WH1/A-1", 5));
        RunPlan plan = ReplayTopologyTest.plan(contract, "inventory-events", values.size());
        Map<String, Long> fed = new ConcurrentHashMap<>();

        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, contract.applicationId());
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
        props.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
        props.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
        try (TopologyTestDriver driver = new TopologyTestDriver(ReplayTopology.build(contract, plan, codecs, Throttle.unlimited(), Guardrails.none(), RepriseConfig.of(Map.of()),
                (name, delta) -> fed.merge(name, delta, Long::sum)), props)) {
            TestInputTopic<byte[], byte[]> in = driver.createInputTopic("inventory-events", new ByteArraySerializer(), new ByteArraySerializer());
            TestOutputTopic<byte[], byte[]> evidence = driver.createOutputTopic(contract.evidence().topic(), new ByteArrayDeserializer(), new ByteArrayDeserializer());
            values.forEach(v -> in.pipeInput("k".getBytes(StandardCharsets.UTF_8), v));
            RecoveryEvidence e = ReplayTopologyTest.finalEvidence(evidence);

            assertThat(Count.EVENTS_READ.in(fed)).isEqualTo(e.getEventsRead()).isEqualTo(7);
            assertThat(Count.PROCESSED.in(fed)).isEqualTo(e.getEventsProcessed()).isEqualTo(4);
            assertThat(Count.DUPLICATES.in(fed)).isEqualTo(e.getDuplicatesSkipped()).isEqualTo(1);
            assertThat(Count.FILTERED.in(fed)).isEqualTo(e.getFiltered()).isZero();
            assertThat(Count.DEAD_LETTERED.in(fed)).isEqualTo(e.getDeadLettered()).isEqualTo(2);
            e.getDeadLetterReasons().forEach((reason, n) ->
                    assertThat(fed.get(CountFamily.DEAD_LETTER_REASON.name(reason))).as("dead letters for %s", reason).isEqualTo(n));
            for (UpcastCount u : e.getUpcasts()) {
                assertThat(fed.get(new CountFamily.UpcastStep(u.getEventType(), u.getFromVersion(), u.getToVersion()).counter()))
                        .as("upcasts %s v%d to v%d", u.getEventType(), u.getFromVersion(), u.getToVersion()).isEqualTo(u.getCount());
            }
            assertThat(e.getUpcasts()).isNotEmpty();
        }
    }
}
