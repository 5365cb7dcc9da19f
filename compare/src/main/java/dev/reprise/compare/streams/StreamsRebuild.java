package dev.reprise.compare.streams;

import dev.reprise.compare.Args;
import dev.reprise.compare.InventoryRules;
import dev.reprise.compare.Movement;
import dev.reprise.compare.Phases;
import dev.reprise.sample.inventory.InventoryLevel;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListOffsetsOptions;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Grouped;
import org.apache.kafka.streams.kstream.Materialized;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.kstream.Repartitioned;
import org.apache.kafka.streams.processor.api.FixedKeyProcessor;
import org.apache.kafka.streams.processor.api.FixedKeyProcessorContext;
import org.apache.kafka.streams.processor.api.FixedKeyRecord;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.Stores;

import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * The inventory rebuild as a team would write it with the Kafka Streams DSL, without Reprise:
 * {@code stream → decode (poison skipped) → selectKey(sku) → repartition → skip duplicate event ids (a RocksDB
 * key-value store) → groupByKey().aggregate(projection) → to(output)}, exactly-once (v2). Kafka Streams has no
 * bounded mode: the app takes the input's end offsets at start and closes once its group has committed them, and then
 * the end offsets of its repartition topic (taken when the input was done), as a team's backfill job would watch
 * its own lag. Started by the comparison harness as a process of its own.
 */
public final class StreamsRebuild {
    static final String SEEN = "seen-event-ids";
    static final String REPARTITION = "by-sku";

    private StreamsRebuild() {
    }

    public static void main(String[] argv) throws Exception {
        Phases.mark("jvm-start", ManagementFactory.getRuntimeMXBean().getStartTime());
        Phases.mark("main");
        Args a = new Args(argv);
        String bootstrap = a.get("bootstrap-server");
        String input = a.get("input");
        String app = a.get("name");
        Path schemas = Path.of(a.get("schemas"));
        Path idMap = Path.of(a.get("id-map"));
        Properties p = new Properties();
        p.put(StreamsConfig.APPLICATION_ID_CONFIG, app);
        p.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
        p.put(StreamsConfig.STATE_DIR_CONFIG, a.get("state-dir"));
        p.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, Integer.parseInt(a.get("threads", "2")));
        p.put(StreamsConfig.consumerPrefix("auto.offset.reset"), "earliest");
        long timeoutMs = Long.parseLong(a.get("timeout-ms", "3600000"));

        Topology topology = topology(input, a.get("output"), () -> InventoryRules.load(schemas, idMap));
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrap))) {
            Map<TopicPartition, Long> inputEnds = ends(admin, input);
            KafkaStreams streams = new KafkaStreams(topology, p);
            streams.setStateListener((now, before) -> {
                if (now == KafkaStreams.State.RUNNING) {
                    Phases.mark("running");
                }
            });
            streams.start();
            long deadline = System.currentTimeMillis() + timeoutMs;
            waitCommitted(admin, app, inputEnds, deadline, streams);
            Phases.mark("input-committed");
            waitCommitted(admin, app, ends(admin, app + "-" + REPARTITION + "-repartition"), deadline, streams);
            Phases.mark("caught-up");
            streams.close(Duration.ofSeconds(60));
            Phases.mark("closed");
        }
        System.exit(0);
    }

    /** The topology, built by a function so that a test can run the very same one. */
    static Topology topology(String input, String output, Supplier<InventoryRules> rules) {
        Serde<Movement> movements = Serdes.serdeFrom((topic, m) -> m.toBytes(), (topic, bytes) -> Movement.fromBytes(bytes));
        StreamsBuilder builder = new StreamsBuilder();
        builder.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(SEEN), Serdes.String(), Serdes.Long()));
        builder.stream(input, Consumed.with(Serdes.ByteArray(), Serdes.ByteArray()))
                .processValues(() -> new ReadMovement(rules.get()))
                .filter((key, m) -> m != null)
                .selectKey((key, m) -> m.sku())
                .repartition(Repartitioned.with(Serdes.String(), movements).withName(REPARTITION))
                .processValues(SkipDuplicates::new, SEEN)
                .groupByKey(Grouped.with(Serdes.String(), movements))
                .aggregate(() -> null, new Project(rules),
                        Materialized.<String, InventoryLevel, KeyValueStore<Bytes, byte[]>>as("inventory-levels")
                                .withKeySerde(Serdes.String()).withValueSerde(new LevelSerde(rules)))
                .toStream()
                .to(output, Produced.with(Serdes.String(), new LevelSerde(rules, true)));
        return builder.build();
    }

    /** Decodes, upcasts and validates a record; a poison record becomes {@code null} and is filtered out. */
    static final class ReadMovement implements FixedKeyProcessor<byte[], byte[], Movement> {
        private final InventoryRules rules;
        private FixedKeyProcessorContext<byte[], Movement> context;

        ReadMovement(InventoryRules rules) {
            this.rules = rules;
        }

        @Override
        public void init(FixedKeyProcessorContext<byte[], Movement> context) {
            this.context = context;
        }

        @Override
        public void process(FixedKeyRecord<byte[], byte[]> record) {
            context.forward(record.withValue(rules.read(record.value())));
        }
    }

    /** Forwards the first event of each event id and remembers it; copies are dropped. Key: event id, value: when it was seen. */
    static final class SkipDuplicates implements FixedKeyProcessor<String, Movement, Movement> {
        private FixedKeyProcessorContext<String, Movement> context;
        private KeyValueStore<String, Long> seen;

        @Override
        public void init(FixedKeyProcessorContext<String, Movement> context) {
            this.context = context;
            this.seen = context.getStateStore(SEEN);
        }

        @Override
        public void process(FixedKeyRecord<String, Movement> record) {
            String id = record.value().eventId();
            if (seen.get(id) == null) {
                seen.put(id, record.timestamp());
                context.forward(record);
            }
        }
    }

    /** The projection's arithmetic as an aggregator; a thread's own rules (they are not thread-safe). */
    static final class Project implements org.apache.kafka.streams.kstream.Aggregator<String, Movement, InventoryLevel> {
        private final ThreadLocal<InventoryRules> rules;

        Project(Supplier<InventoryRules> rules) {
            this.rules = ThreadLocal.withInitial(rules);
        }

        @Override
        public InventoryLevel apply(String sku, Movement m, InventoryLevel state) {
            InventoryRules r = rules.get();
            return r.apply(state == null ? r.initial(sku) : state, m);
        }
    }

    /** States as Avro binary in the store, or in the Confluent wire format on the output topic. */
    static final class LevelSerde implements Serde<InventoryLevel> {
        private final ThreadLocal<InventoryRules> rules;
        private final boolean output;

        LevelSerde(Supplier<InventoryRules> rules) {
            this(rules, false);
        }

        LevelSerde(Supplier<InventoryRules> rules, boolean output) {
            this.rules = ThreadLocal.withInitial(rules);
            this.output = output;
        }

        @Override
        public org.apache.kafka.common.serialization.Serializer<InventoryLevel> serializer() {
            return (topic, state) -> state == null ? null : output ? rules.get().output(state) : rules.get().encode(state);
        }

        @Override
        public org.apache.kafka.common.serialization.Deserializer<InventoryLevel> deserializer() {
            return (topic, bytes) -> bytes == null ? null : rules.get().decode(bytes);
        }
    }

    static Map<TopicPartition, Long> ends(Admin admin, String topic) throws ExecutionException, InterruptedException {
        int partitions = admin.describeTopics(List.of(topic)).allTopicNames().get().get(topic).partitions().size();
        Map<TopicPartition, OffsetSpec> request = new HashMap<>();
        for (int i = 0; i < partitions; i++) {
            request.put(new TopicPartition(topic, i), OffsetSpec.latest());
        }
        Map<TopicPartition, Long> out = new HashMap<>();
        admin.listOffsets(request, new ListOffsetsOptions(IsolationLevel.READ_COMMITTED)).all().get().forEach((tp, info) -> out.put(tp, info.offset()));
        return out;
    }

    /** Waits until the group's committed offsets reach {@code ends}; fails when Kafka Streams stops or the deadline passes. */
    static void waitCommitted(Admin admin, String group, Map<TopicPartition, Long> ends, long deadline, KafkaStreams streams) throws Exception {
        while (true) {
            Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get();
            if (ends.entrySet().stream().allMatch(e -> e.getValue() == 0
                    || committed.get(e.getKey()) != null && committed.get(e.getKey()).offset() >= e.getValue())) {
                return;
            }
            KafkaStreams.State state = streams.state();
            if (state == KafkaStreams.State.ERROR || state == KafkaStreams.State.NOT_RUNNING || state == KafkaStreams.State.PENDING_ERROR) {
                throw new IllegalStateException("Kafka Streams stopped (" + state + ") before it caught up");
            }
            if (System.currentTimeMillis() > deadline) {
                throw new IllegalStateException("not caught up before the deadline; committed " + committed + ", ends " + ends);
            }
            TimeUnit.MILLISECONDS.sleep(100);
        }
    }
}
