package dev.reprise.pipeline;

import dev.reprise.codec.HostileValues;
import dev.reprise.codec.LocalIdMap;
import dev.reprise.contract.Contract;
import dev.reprise.contract.ContractLoader;
import dev.reprise.drill.FuzzedRecords;
import dev.reprise.drill.SourceOracle;
import dev.reprise.evidence.avro.RecoveryEvidence;
import dev.reprise.pipeline.support.DeadLetters;
import dev.reprise.plan.CompiledContract;
import dev.reprise.plan.RunPlan;
import dev.reprise.projection.Event;
import dev.reprise.projection.Invariant;
import dev.reprise.projection.Projection;
import dev.reprise.sample.inventory.InventoryGenerator;
import dev.reprise.sample.inventory.InventoryLevel;
import dev.reprise.sample.inventory.InventoryProjection;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Poison through the real source and apply stages (TopologyTestDriver): whatever one record or one event
 * throws, it is dead-lettered with its reason, the run completes and accounts for it, and the dead letter
 * fits the broker's default limits.
 */
class PoisonHandlingTest {
    /** The producer's default max.request.size: a dead letter over it stops the run that it was to keep going. */
    static final int ONE_MIB = 1024 * 1024;

    @TempDir
    Path stateDir;

    final Contract contract = ContractLoader.load(ReplayTopologyTest.CONFIG.resolve("inventory.yaml"));
    final CompiledContract codecs = CompiledContract.forContract(contract);
    final InventoryGenerator gen = new InventoryGenerator(codecs.catalog(), (LocalIdMap) codecs.resolver());

    Properties props() {
        Properties p = new Properties();
        p.put(StreamsConfig.APPLICATION_ID_CONFIG, contract.applicationId());
        p.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
        p.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
        p.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
        return p;
    }

    record Result(RecoveryEvidence evidence, List<TestRecord<byte[], byte[]>> dead) {
    }

    Result run(CompiledContract codecs, List<byte[]> values) {
        RunPlan plan = ReplayTopologyTest.plan(contract, "inventory-events", values.size());
        try (TopologyTestDriver driver = new TopologyTestDriver(ReplayTopology.build(contract, plan, codecs), props())) {
            TestInputTopic<byte[], byte[]> in = driver.createInputTopic("inventory-events", new ByteArraySerializer(), new ByteArraySerializer());
            TestOutputTopic<byte[], byte[]> dlq = driver.createOutputTopic(contract.deadLetter().topic(), new ByteArrayDeserializer(), new ByteArrayDeserializer());
            TestOutputTopic<byte[], byte[]> evidence = driver.createOutputTopic(contract.evidence().topic(), new ByteArrayDeserializer(), new ByteArrayDeserializer());
            values.forEach(v -> in.pipeInput("k".getBytes(StandardCharsets.UTF_8), v));
            return new Result(ReplayTopologyTest.finalEvidence(evidence), dlq.readRecordsToList());
        }
    }

    static String header(TestRecord<byte[], byte[]> r, String name) {
        Header h = r.headers().lastHeader(name);
        return h == null ? null : new String(h.value(), StandardCharsets.UTF_8);
    }

    /** Key, value and headers as the producer counts them against max.request.size, less the batch's few dozen bytes. */
    static int size(TestRecord<byte[], byte[]> r) {
        int size = (r.key() == null ? 0 : r.key().length) + (r.value() == null ? 0 : r.value().length);
        for (Header h : r.headers()) {
            size += h.key().length() + (h.value() == null ? 0 : h.value().length);
        }
        return size;
    }

    @Test
    void fuzzedRecordsThroughTheRealStagesAreDeadLetteredExactlyAsTheOracleSays() {
        FuzzedRecords fuzz = new FuzzedRecords(codecs.catalog(), (LocalIdMap) codecs.resolver(), Contract.Encoding.CONFLUENT, FuzzedRecords.SEED + 2);
        SourceOracle oracle = new SourceOracle(contract, codecs);
        List<byte[]> values = fuzz.generate(250).stream().map(FuzzedRecords.Fuzzed::value).toList();
        Map<Long, String> expected = new TreeMap<>();
        Map<String, Long> reasons = new TreeMap<>();
        for (int offset = 0; offset < values.size(); offset++) {
            SourceOracle.Outcome outcome = oracle.classify(values.get(offset));
            assertThat(outcome.escape()).as("record " + offset).isNull();
            if (outcome.isPoison()) {
                expected.put((long) offset, outcome.reasonCode());
                reasons.merge(outcome.reasonCode(), 1L, Long::sum);
            }
        }

        Result result = run(codecs, values);

        RecoveryEvidence e = result.evidence();
        assertThat(e.getEventsRead()).isEqualTo(values.size());
        assertThat(e.getDeadLettered()).as("every record the oracle calls poison, no other").isEqualTo(expected.size());
        assertThat(e.getDeadLetterReasons()).isEqualTo(reasons);
        assertThat(e.getEventsProcessed() + e.getDuplicatesSkipped()).isEqualTo(values.size() - expected.size());
        assertThat(e.getReconciliationChecks()).as("the accounting balances")
                .anyMatch(c -> c.getName().equals("every_record_accounted_for") && c.getPassed());
        Map<Long, String> dead = new TreeMap<>();
        for (TestRecord<byte[], byte[]> r : result.dead()) {
            dead.put(Long.parseLong(header(r, DeadLetters.OFFSET)), header(r, DeadLetters.REASON_CODE));
            assertThat(header(r, DeadLetters.REASON)).isNotBlank();
            assertThat(header(r, DeadLetters.TOPIC)).isEqualTo("inventory-events");
        }
        assertThat(dead).as("one dead letter per poison record, at its offset, with its reason").isEqualTo(expected);
    }

    @Test
    void theReportedHostileRecordsAreDeadLetteredAndEachDeadLetterFitsInOneMebibyte() throws Exception {
        byte[] aboveArrayLimit = HostileValues.stringOfLength(2, HostileValues.JUST_ABOVE_ARRAY_LIMIT);
        byte[] oneAndAHalfGigabytes = HostileValues.stringOfLength(3, HostileValues.ONE_AND_A_HALF_GB);
        byte[] nearlyOneMebibyte = HostileValues.unknownKindOfSize(gen, HostileValues.NEARLY_ONE_MIB);
        List<byte[]> values = List.of(gen.encode(3, "e1", "SKU-A", "RECEIVED", 5, "WH1/A-1", 1), aboveArrayLimit, oneAndAHalfGigabytes,
                nearlyOneMebibyte, gen.encode(3, "e2", "SKU-A", "RECEIVED", 5, "WH1/A-1", 2));

        Result result = run(codecs, values);

        assertThat(result.evidence().getEventsProcessed()).isEqualTo(2);
        assertThat(result.evidence().getDeadLetterReasons()).isEqualTo(Map.of("corrupt-avro", 2L, "unknown-kind", 1L));
        assertThat(result.dead()).hasSize(3);
        for (TestRecord<byte[], byte[]> r : result.dead()) {
            assertThat(size(r)).as("dead letter of offset " + header(r, DeadLetters.OFFSET)).isLessThan(ONE_MIB - 1024);
            assertThat(header(r, DeadLetters.REASON).getBytes(StandardCharsets.UTF_8).length).isLessThanOrEqualTo(DeadLetters.MAX_REASON_BYTES);
        }
        TestRecord<byte[], byte[]> big = result.dead().get(2);
        assertThat(header(big, DeadLetters.OFFSET)).isEqualTo("3");
        assertThat(header(big, DeadLetters.TRUNCATED)).isEqualTo("true");
        assertThat(header(big, DeadLetters.VALUE_SIZE)).isEqualTo("1048400");
        assertThat(header(big, DeadLetters.VALUE_SHA256)).isEqualTo(HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(nearlyOneMebibyte)));
        assertThat(big.value()).as("the original's first bytes").isEqualTo(Arrays.copyOf(nearlyOneMebibyte, big.value().length));
        assertThat(big.value().length + big.key().length).isEqualTo(DeadLetters.DEFAULT_MAX_ORIGINAL_BYTES);
        assertThat(header(big, DeadLetters.REASON)).contains("cut;");
        TestRecord<byte[], byte[]> small = result.dead().get(0);
        assertThat(header(small, DeadLetters.TRUNCATED)).isEqualTo("false");
        assertThat(small.value()).isEqualTo(aboveArrayLimit);
    }

    /** Throws, for the events of one SKU each, what a buggy projection throws: not a PoisonRecordException. */
    static final class Buggy implements Projection<InventoryLevel> {
        final InventoryProjection inventory = new InventoryProjection();

        @Override public String name() { return "buggy"; }
        @Override public Class<InventoryLevel> stateClass() { return InventoryLevel.class; }
        @Override public InventoryLevel initial(String key) { return inventory.initial(key); }
        @Override public List<Invariant<InventoryLevel>> invariants() { return inventory.invariants(); }

        @Override
        public void validate(Event event) {
            if (event.key().equals("SKU-VALIDATE")) {
                throw new IllegalStateException("validate tripped over " + event.eventId());
            }
            inventory.validate(event);
        }

        @Override
        public InventoryLevel apply(InventoryLevel state, Event event) {
            switch (event.key()) {
                case "SKU-NPE" -> {
                    state.setReceived(-1_000L); // changed, then gave up: the state must be the last good one
                    throw new NullPointerException("no price list");
                }
                case "SKU-DEEP" -> throw new StackOverflowError();
                default -> {
                    return inventory.apply(state, event);
                }
            }
        }
    }

    @Test
    void aProjectionThatThrowsAnythingInValidateOrApplyHasTheEventDeadLetteredAndTheRunCompletes() {
        CompiledContract buggy = codecs.withProjection(new Buggy(), List.of());
        List<byte[]> values = List.of(
                gen.encode(3, "e1", "SKU-NPE", "RECEIVED", 5, "WH1/A-1", 1),
                gen.encode(3, "e2", "SKU-VALIDATE", "RECEIVED", 5, "WH1/A-1", 2),
                gen.encode(3, "e3", "SKU-DEEP", "RECEIVED", 5, "WH1/A-1", 3),
                gen.encode(2, "e4", "SKU-NPE", "RECEIVED", 5, "WH1/A-1", 4),
                gen.encode(3, "e5", "SKU-OK", "RECEIVED", 5, "WH1/A-1", 5));

        Result result = run(buggy, values);

        RecoveryEvidence e = result.evidence();
        assertThat(e.getEventsProcessed()).as("only SKU-OK's event").isEqualTo(1);
        assertThat(e.getDeadLetterReasons()).as("a plugin's exception, in validate or apply, is an unexpected-error, not poison")
                .isEqualTo(Map.of("unexpected-error", 4L));
        assertThat(e.getConfidenceReasons()).anyMatch(r -> r.startsWith("accounting: 5 read = 1 processed"));
        assertThat(e.getReconciliationChecks()).anyMatch(c -> c.getName().equals("no_unexpected_errors") && c.getFailures() == 4);
        // 4 of 5 records dead-lettered is above the hard limits by design; every other check passes.
        assertThat(e.getReconciliationChecks()).as("every check passes: the state the NPE left half-changed was rolled back")
                .filteredOn(c -> !c.getName().equals("dead_letters_below_hard_limit") && !c.getName().equals("no_unexpected_errors"))
                .isNotEmpty().allMatch(c -> c.getPassed(), "passed");
        Map<String, String> reasons = new TreeMap<>();
        for (TestRecord<byte[], byte[]> r : result.dead()) {
            reasons.put(header(r, DeadLetters.OFFSET), header(r, DeadLetters.STAGE) + ": " + header(r, DeadLetters.REASON));
        }
        assertThat(reasons).hasSize(4);
        assertThat(reasons.get("0")).startsWith("apply: ").contains("projection buggy failed on StockMovement event e1").contains("no price list (NullPointerException)");
        assertThat(reasons.get("1")).startsWith("decode: ").contains("validate tripped over e2 (IllegalStateException)");
        assertThat(reasons.get("2")).startsWith("apply: ").contains("StackOverflowError");
        assertThat(reasons.get("3")).as("an upcast event, dead-lettered with its payload re-encoded").startsWith("apply: ");
    }
}
