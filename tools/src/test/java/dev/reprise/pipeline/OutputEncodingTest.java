package dev.reprise.pipeline;

import dev.reprise.cli.Json;
import dev.reprise.codec.HeaderNames;
import dev.reprise.codec.LocalIdMap;
import dev.reprise.codec.ValueFormat;
import dev.reprise.contract.Contract;
import dev.reprise.contract.ContractLoader;
import dev.reprise.evidence.EvidenceCodec;
import dev.reprise.evidence.avro.ConfidenceStatus;
import dev.reprise.evidence.avro.EvidenceKind;
import dev.reprise.evidence.avro.RecoveryEvidence;
import dev.reprise.plan.CompiledContract;
import dev.reprise.plan.RunPlan;
import dev.reprise.projection.StateCodec;
import dev.reprise.sample.inventory.InventoryGenerator;
import dev.reprise.sample.inventory.InventoryLevel;
import dev.reprise.verify.TopicSnapshot;
import dev.reprise.verify.Verifier;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The same replay with the evidence and the projection in each encoding: the outputs are in the encoding the contract
 * names, the checksum is the same in all, and verify reads every encoding back and finds the checksum again.
 */
class OutputEncodingTest {
    static final Path CONFIG = ReplayTopologyTest.CONFIG;

    @TempDir
    Path stateDir;

    record Run(RecoveryEvidence evidence, List<byte[]> evidenceValues, Map<String, TopicSnapshot.Entry> projection, Contract contract, CompiledContract codecs) {
    }

    Run replay(Contract.ValueEncoding encoding) throws IOException {
        String yaml = Files.readString(CONFIG.resolve("inventory.yaml"))
                .replace("  topic: reprise-evidence\n", "  topic: reprise-evidence\n  encoding: " + encoding.configName() + "\n")
                .replace("  topic: inventory-levels-rebuilt\n", "  topic: inventory-levels-rebuilt\n  encoding: " + encoding.configName() + "\n");
        Contract contract = ContractLoader.parse(yaml.getBytes(StandardCharsets.UTF_8), CONFIG, null);
        assertThat(contract.evidence().encoding()).isEqualTo(encoding);
        CompiledContract codecs = CompiledContract.forContract(contract);
        InventoryGenerator gen = new InventoryGenerator(codecs.catalog(), (LocalIdMap) codecs.resolver());
        List<byte[]> values = List.of(
                gen.encode(1, "e1", "SKU-A", "RECEIVED", 24, "WH1/A-1", 1),
                gen.encode(2, "e2", "SKU-A", "SHIPPED", 5, "WH1/A-1", 2),
                gen.encode(3, "e3", "SKU-B", "RECEIVED", 7, "WH2/B-1", 3),
                gen.encode(3, "e4", "SKU-C", "RECEIVED", 3, "WH2/B-2", 4),
                gen.encode(3, "e5", "SKU-A", "RESERVED", 4, "WH1/A-1", 5));
        RunPlan plan = ReplayTopologyTest.plan(contract, "inventory-events", values.size());
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, contract.applicationId());
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
        props.put(StreamsConfig.STATE_DIR_CONFIG, Files.createTempDirectory(stateDir, encoding.name()).toString());
        props.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
        try (TopologyTestDriver driver = new TopologyTestDriver(ReplayTopology.build(contract, plan, codecs), props)) {
            TestInputTopic<byte[], byte[]> in = driver.createInputTopic("inventory-events", new ByteArraySerializer(), new ByteArraySerializer());
            TestOutputTopic<byte[], byte[]> projection = driver.createOutputTopic(contract.projection().topic(), new ByteArrayDeserializer(), new ByteArrayDeserializer());
            TestOutputTopic<byte[], byte[]> evidence = driver.createOutputTopic(contract.evidence().topic(), new ByteArrayDeserializer(), new ByteArrayDeserializer());
            values.forEach(v -> in.pipeInput("k".getBytes(StandardCharsets.UTF_8), v));

            Map<String, TopicSnapshot.Entry> shadow = new LinkedHashMap<>();
            for (TestRecord<byte[], byte[]> r : projection.readRecordsToList()) {
                shadow.put(new String(r.key(), StandardCharsets.UTF_8), new TopicSnapshot.Entry(r.value(),
                        new String(r.headers().lastHeader(HeaderNames.RUN_ID).value(), StandardCharsets.UTF_8), r.timestamp()));
            }
            List<byte[]> evidenceValues = evidence.readValuesToList();
            EvidenceCodec reader = EvidenceCodec.reader(codecs.resolver());
            RecoveryEvidence last = evidenceValues.stream().map(reader::read).filter(e -> e.getKind() == EvidenceKind.FINAL)
                    .reduce((a, b) -> b).orElseThrow(() -> new AssertionError("no FINAL evidence"));
            return new Run(last, evidenceValues, shadow, contract, codecs);
        }
    }

    @Test
    void everyEncodingWritesItsFormatAndTheChecksumIsTheSameInAll() throws IOException {
        Map<Contract.ValueEncoding, String> checksums = new EnumMap<>(Contract.ValueEncoding.class);
        for (Contract.ValueEncoding encoding : Contract.ValueEncoding.values()) {
            Run run = replay(encoding);
            assertThat(run.evidence().getConfidenceStatus()).as("%s: verdict", encoding).isEqualTo(ConfidenceStatus.trusted);
            assertThat(run.evidenceValues()).as("%s: evidence values", encoding).isNotEmpty()
                    .allSatisfy(v -> assertThat(ValueFormat.detect(v)).isEqualTo(encoding));
            assertThat(run.projection()).as("%s: projection keys", encoding).hasSize(3)
                    .allSatisfy((key, entry) -> assertThat(ValueFormat.detect(entry.value())).isEqualTo(encoding));
            checksums.put(encoding, run.evidence().getChecksum());

            List<Verifier.Result> verified = Verifier.verify(run.contract(), run.codecs(), run.evidence(), run.projection(), null);
            assertThat(verified).as("%s: verify reads the projection back, checksum included", encoding)
                    .allSatisfy(r -> assertThat(r.passed()).as(r.name() + ": " + r.detail()).isTrue());
            StateCodec<InventoryLevel> codec = new StateCodec<>(InventoryLevel.class, run.codecs().resolver());
            assertThat(codec.fromTopic(run.projection().get("SKU-A").value()).getStockOnHand()).as("%s: SKU-A", encoding).isEqualTo(19);
        }
        assertThat(checksums.values()).as("the checksum hashes the state's Avro binary, not its encoding").hasSize(3).containsOnly(
                checksums.get(Contract.ValueEncoding.SINGLE_OBJECT));
    }

    @Test
    void jsonEvidenceOnTheTopicIsWhatRepriseEvidenceJsonPrints() throws IOException {
        Run run = replay(Contract.ValueEncoding.JSON);
        byte[] last = run.evidenceValues().get(run.evidenceValues().size() - 1);

        ObjectMapper mapper = new ObjectMapper();
        assertThat(mapper.readTree(last)).isEqualTo(mapper.readTree(Json.of(run.evidence())));
        assertThat(new String(last, StandardCharsets.UTF_8)).contains("\"confidence_status\":\"trusted\"").doesNotContain("{\"long\":");
    }

    @Test
    void aTamperedJsonStateFailsTheChecksum() throws IOException {
        Run run = replay(Contract.ValueEncoding.JSON);
        Map<String, TopicSnapshot.Entry> tampered = new LinkedHashMap<>(run.projection());
        TopicSnapshot.Entry a = tampered.get("SKU-A");
        String json = new String(a.value(), StandardCharsets.UTF_8);
        assertThat(json).contains("\"received\":24");
        tampered.put("SKU-A", new TopicSnapshot.Entry(json.replace("\"received\":24", "\"received\":25").getBytes(StandardCharsets.UTF_8),
                a.runId(), a.timestamp()));

        List<Verifier.Result> verified = Verifier.verify(run.contract(), run.codecs(), run.evidence(), tampered, null);
        assertThat(verified).filteredOn(r -> r.name().equals("checksum_matches_evidence")).singleElement()
                .satisfies(r -> assertThat(r.passed()).as(r.detail()).isFalse());
        List<String> failed = new ArrayList<>();
        verified.stream().filter(r -> !r.passed()).forEach(r -> failed.add(r.name()));
        assertThat(failed).contains("checksum_matches_evidence", "stock_on_hand_is_sum_of_movements");
    }
}
