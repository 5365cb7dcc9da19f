package dev.reprise.testkit;

import dev.reprise.codec.LocalIdMap;
import dev.reprise.config.RepriseConfig;
import dev.reprise.contract.Contract;
import dev.reprise.contract.ContractLoader;
import dev.reprise.evidence.EvidenceCodec;
import dev.reprise.evidence.avro.EvidenceKind;
import dev.reprise.evidence.avro.RecoveryEvidence;
import dev.reprise.streams.StreamsSettings;
import dev.reprise.pipeline.support.CounterFeed;
import dev.reprise.pipeline.ReplayTopology;
import dev.reprise.pipeline.source.Throttle;
import dev.reprise.pipeline.support.DeadLetters;
import dev.reprise.pipeline.support.Guardrails;
import dev.reprise.plan.CompiledContract;
import dev.reprise.plan.RunPlan;
import dev.reprise.projection.StateCodec;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.test.TestRecord;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.TreeMap;
import java.util.UUID;

/**
 * A team's contract with its projection and upcasters, as Reprise loads them: the contract file is read by Reprise's own
 * loader, and the projection and upcasters it names are found by Java's ServiceLoader on the test's class path (the team's
 * {@code META-INF/services}), exactly as from a plugin jar in production. A contract that does not hold is refused here
 * with the message {@code reprise plan --offline} would print ({@link dev.reprise.contract.ContractException}).
 *
 * <pre>{@code
 * ReplayKit kit = ReplayKit.load(Path.of("contract/orders.yaml"));
 * History history = kit.history().event("order-1", placed).event("order-1", paid);
 * ReplayResult<OrderState> result = kit.replayInMemory(history);   // or broker.replay(kit, history)
 * result.assertTrusted();
 * assertEquals(OrderStatus.PAID, result.state("order-1").getStatus());
 * }</pre>
 *
 * <p>{@link #replayInMemory} runs the topology {@code reprise replay} runs ({@link ReplayTopology#build}) in Kafka Streams'
 * TopologyTestDriver, over a run plan that covers every record given; {@link RealBroker#replay} runs the whole replay against
 * a real broker. Either way the verdict is the one Reprise's evidence stage gives, by its own rules.
 */
public final class ReplayKit {
    private final Contract contract;
    private final CompiledContract codecs;

    private ReplayKit(Contract contract, CompiledContract codecs) {
        this.contract = contract;
        this.codecs = codecs;
    }

    /** Loads the contract (paths in it are relative to its directory) with the projection and upcasters on the class path. */
    public static ReplayKit load(Path contractFile) {
        Contract contract = ContractLoader.load(contractFile);
        return new ReplayKit(contract, CompiledContract.forContract(contract));
    }

    /**
     * The same contract running another projection of the class path (e.g. a new version of the team's projection beside
     * the old one): the contract's checks, invariants and verdict rules stay the same.
     */
    public ReplayKit withProjection(String projectionName) {
        Contract other = contract.withProjectionName(projectionName);
        return new ReplayKit(other, CompiledContract.forContract(other));
    }

    public Contract contract() {
        return contract;
    }

    public CompiledContract codecs() {
        return codecs;
    }

    /** An empty history for this contract's topics and encoding. */
    public History history() {
        return new History(contract, localIds(codecs.resolver()));
    }

    /**
     * Replays the history in memory: Reprise's topology in TopologyTestDriver, one partition per history topic, every record
     * given inside the run's range. A few hundred milliseconds; no broker.
     */
    public <S extends SpecificRecord> ReplayResult<S> replayInMemory(History history) {
        List<History.Input> records = history.records();
        Map<String, Long> perTopic = new LinkedHashMap<>();
        contract.history().topics().forEach(t -> perTopic.put(t, 0L));
        records.forEach(r -> perTopic.merge(r.topic(), 1L, Long::sum));
        List<RunPlan.PartitionRange> ranges = new ArrayList<>();
        perTopic.forEach((topic, n) -> ranges.add(new RunPlan.PartitionRange(topic, 0, 0, n, n == 0 ? -1 : 0, n - 1)));
        RunPlan plan = new RunPlan("kit-" + UUID.randomUUID(), contract.name(), contract.hash(), contract.applicationId(),
                History.FIRST_TIMESTAMP, ranges, 1);
        Guardrails guardrails = new Guardrails(contract.reconciliation().thresholds());
        Path stateDir = tempDirectory();
        // The settings of a production replay (StreamsSettings), with an address nothing connects to.
        Properties props = StreamsSettings.properties(contract, Map.of(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "in-memory:9092"), stateDir, Map.of());
        try (TopologyTestDriver driver = new TopologyTestDriver(ReplayTopology.build(contract, plan, codecs, Throttle.unlimited(), guardrails,
                RepriseConfig.of(Map.of()), CounterFeed.NONE), props, Instant.ofEpochMilli(History.FIRST_TIMESTAMP))) {
            TestOutputTopic<byte[], byte[]> projectionOut = output(driver, contract.projection().topic());
            TestOutputTopic<byte[], byte[]> evidenceOut = output(driver, contract.evidence().topic());
            TestOutputTopic<byte[], byte[]> deadOut = output(driver, contract.deadLetter().topic());
            for (History.Input r : history.referenceRecords()) {
                input(driver, r.topic()).pipeInput(new TestRecord<>(r.key(), r.value(), r.headers(), r.timestamp()));
            }
            Map<String, TestInputTopic<byte[], byte[]>> inputs = new HashMap<>();
            for (History.Input r : records) {
                inputs.computeIfAbsent(r.topic(), t -> input(driver, t)).pipeInput(new TestRecord<>(r.key(), r.value(), r.headers(), r.timestamp()));
            }
            // Time passes after the last record: what waits on punctuation (batches, the evidence of an empty range) is done.
            driver.advanceWallClockTime(Duration.ofSeconds(5));
            RecoveryEvidence evidence = null;
            EvidenceCodec reader = EvidenceCodec.reader(codecs.resolver());
            for (byte[] value : evidenceOut.readValuesToList()) {
                RecoveryEvidence e = reader.read(value);
                if (e.getKind() == EvidenceKind.FINAL && e.getRunId().equals(plan.runId())) {
                    evidence = e;
                }
            }
            if (evidence == null) {
                throw new IllegalStateException("the replay of " + records.size() + " records wrote no final evidence to " + contract.evidence().topic()
                        + "; its ranges: " + ranges);
            }
            Map<String, S> projection = new TreeMap<>();
            StateCodec<S> states = stateCodec();
            for (TestRecord<byte[], byte[]> r : projectionOut.readRecordsToList()) {
                putState(projection, states, r.key(), r.value());
            }
            List<ReplayResult.DeadLetter> dead = new ArrayList<>();
            for (TestRecord<byte[], byte[]> r : deadOut.readRecordsToList()) {
                dead.add(deadLetter(r.headers(), r.value()));
            }
            Optional<String> tripped = Optional.ofNullable(guardrails.tripped())
                    .map(t -> t.action() + ": " + t.reason() + " (in production the run " + (t.action().equals("abort") ? "aborts, untrusted" : "pauses")
                            + " here)");
            return new ReplayResult<>(evidence, projection, dead, tripped);
        } finally {
            dev.reprise.embedded.Directories.deleteQuietly(stateDir, "the in-memory replay's state directory");
        }
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    <S extends SpecificRecord> StateCodec<S> stateCodec() {
        return new StateCodec(codecs.projection().stateClass(), codecs.resolver());
    }

    static <S extends SpecificRecord> void putState(Map<String, S> projection, StateCodec<S> states, byte[] key, byte[] value) {
        String k = new String(key, StandardCharsets.UTF_8);
        if (value == null) {
            projection.remove(k);
            return;
        }
        S state = states.fromTopic(value);
        if (state == null) {
            throw new IllegalStateException("the projection topic's value for key '" + k + "' is not a " + states.schema().getFullName());
        }
        projection.put(k, state);
    }

    static ReplayResult.DeadLetter deadLetter(Headers headers, byte[] value) {
        String offset = text(headers, DeadLetters.OFFSET);
        String partition = text(headers, DeadLetters.PARTITION);
        return new ReplayResult.DeadLetter(text(headers, DeadLetters.REASON_CODE), text(headers, DeadLetters.REASON), text(headers, DeadLetters.TOPIC),
                partition == null ? -1 : Integer.parseInt(partition), offset == null ? -1 : Long.parseLong(offset), value);
    }

    static String text(Headers headers, String name) {
        Header h = headers.lastHeader(name);
        return h == null || h.value() == null ? null : new String(h.value(), StandardCharsets.UTF_8);
    }

    private static TestInputTopic<byte[], byte[]> input(TopologyTestDriver driver, String topic) {
        return driver.createInputTopic(topic, new ByteArraySerializer(), new ByteArraySerializer());
    }

    private static TestOutputTopic<byte[], byte[]> output(TopologyTestDriver driver, String topic) {
        return driver.createOutputTopic(topic, new ByteArrayDeserializer(), new ByteArrayDeserializer());
    }

    private static LocalIdMap localIds(Object resolver) {
        return resolver instanceof LocalIdMap ids ? ids : null;
    }

    static Path tempDirectory() {
        try {
            return Files.createTempDirectory("reprise-testkit-");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

}
