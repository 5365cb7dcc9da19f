package dev.reprise.compat;

import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.Stores;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The internals Reprise relies on, exercised on Kafka Streams' own runtime (TopologyTestDriver runs real tasks, their
 * commits and their state managers): each test fails if Kafka Streams stops doing what the compat layer was verified
 * to rely on.
 */
class CompatTest {
    static final AtomicInteger HOOK_RUNS = new AtomicInteger();

    static Properties props() {
        Properties p = new Properties();
        p.put(StreamsConfig.APPLICATION_ID_CONFIG, "compat-test");
        p.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
        p.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
        p.put(StreamsConfig.STATE_DIR_CONFIG, System.getProperty("java.io.tmpdir") + "/reprise-compat-test-" + System.nanoTime());
        return p;
    }

    /** Counts each record in memory and writes the count to a store only from the pre-commit hook. */
    static final class WritesAtCommit implements Processor<String, String, String, String> {
        private CommitHook hook;
        private KeyValueStore<Bytes, byte[]> store;
        private int seen;

        @Override
        public void init(ProcessorContext<String, String> context) {
            hook = context.getStateStore("hook");
            store = context.getStateStore("store");
            hook.beforeCommit(() -> {
                HOOK_RUNS.incrementAndGet();
                store.put(Bytes.wrap(new byte[]{1}), new byte[]{(byte) seen});
            });
            // Forwarding from the hook needs Kafka Streams' own context: this fails at once on any other.
            HookForwarding.of(context);
        }

        @Override
        public void process(Record<String, String> record) {
            hook.pending();
            seen++;
        }
    }

    @Test
    void kafkaStreamsCallsThePreCommitHookBeforeItCommitsATask() {
        StreamsBuilder builder = new StreamsBuilder();
        builder.addStateStore(CommitHook.builder("hook"));
        builder.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore("store"), Serdes.Bytes(), Serdes.ByteArray()));
        builder.stream("in", Consumed.with(Serdes.String(), Serdes.String())).process(WritesAtCommit::new, "hook", "store");
        HOOK_RUNS.set(0);
        try (TopologyTestDriver driver = new TopologyTestDriver(builder.build(), props())) {
            TestInputTopic<String, String> in = driver.createInputTopic("in", Serdes.String().serializer(), Serdes.String().serializer());
            in.pipeInput("k", "a");
            in.pipeInput("k", "b");
            driver.advanceWallClockTime(Duration.ofSeconds(1));
            in.pipeInput("k", "c");

            KeyValueStore<Bytes, byte[]> store = driver.getKeyValueStore("store");
            assertThat(HOOK_RUNS.get()).as("the hook ran before the commits of the task").isPositive();
            assertThat(store.get(Bytes.wrap(new byte[]{1}))).as("what the hook wrote is in the committed store").isEqualTo(new byte[]{3});
        }
    }

    @Test
    void aCommitWhileWorkWaitsForTheHookStopsTheRunNamingTheVersion() {
        CommitHook hook = CommitHook.builder("h").build();
        hook.commit(Map.of());
        hook.pending();
        assertThatThrownBy(() -> hook.commit(Map.of()))
                .isInstanceOf(KafkaInternals.IncompatibleKafkaException.class)
                .hasMessageContaining("without calling its pre-commit hook").hasMessageContaining(KafkaInternals.streamsVersion());
        hook.flushCache();
        hook.commit(Map.of());
    }

    @Test
    void theRuntimeOnTheClassPathIsAVerifiedOneAndAnotherIsRefused() {
        KafkaInternals.check();
        assertThat(KafkaInternals.VERIFIED_STREAMS_VERSIONS).contains(KafkaInternals.streamsVersion());
        assertThat(KafkaInternals.VERIFIED_CLIENTS_VERSIONS).contains(KafkaInternals.clientsVersion());
        String streams = KafkaInternals.streamsVersion();
        String clients = KafkaInternals.clientsVersion();
        assertThatThrownBy(() -> KafkaInternals.check("4.5.0", clients, "10.1.3"))
                .isInstanceOf(KafkaInternals.IncompatibleKafkaException.class)
                .hasMessageContaining("Kafka Streams 4.5.0 is on the class path").hasMessageContaining("app/target/lib");
        assertThatThrownBy(() -> KafkaInternals.check(streams, "4.3.1", "10.1.3"))
                .isInstanceOf(KafkaInternals.IncompatibleKafkaException.class)
                .hasMessageContaining("kafka-clients 4.3.1 is on the class path").hasMessageContaining("Partitions");
        assertThatThrownBy(() -> KafkaInternals.check(streams, clients, "11.0.0"))
                .isInstanceOf(KafkaInternals.IncompatibleKafkaException.class).hasMessageContaining("RocksDB 11.0.0");
    }

    @Test
    void theKeyPartitionIsTheDefaultPartitionersChoice() {
        // murmur2 values of Kafka's own tests (UtilsTest), as the Java producer's default partitioner places keys.
        assertThat(Partitions.ofKey("21".getBytes(), 24)).isEqualTo(12);
        assertThat(Partitions.ofKey("foobar".getBytes(), 24)).isEqualTo(6);
        assertThat(Partitions.ofKey("a-little-bit-longer-string".getBytes(), 6)).isEqualTo(5);
        assertThat(Partitions.ofKey("abc".getBytes(), 6)).isEqualTo(3);
    }
}
