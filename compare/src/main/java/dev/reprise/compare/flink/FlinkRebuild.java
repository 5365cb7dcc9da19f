package dev.reprise.compare.flink;

import dev.reprise.compare.InventoryRules;
import dev.reprise.compare.Movement;
import dev.reprise.compare.Phases;
import dev.reprise.sample.inventory.InventoryLevel;
import org.apache.flink.api.common.JobExecutionResult;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.functions.RichFlatMapFunction;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.PrimitiveArrayTypeInfo;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.java.tuple.Tuple2;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.connector.base.DeliveryGuarantee;
import org.apache.flink.connector.kafka.sink.KafkaRecordSerializationSchema;
import org.apache.flink.connector.kafka.sink.KafkaSink;
import org.apache.flink.connector.kafka.source.KafkaSource;
import org.apache.flink.connector.kafka.source.enumerator.initializer.OffsetsInitializer;
import org.apache.flink.connector.kafka.source.reader.deserializer.KafkaRecordDeserializationSchema;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.core.execution.JobListener;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The inventory rebuild as an Apache Flink 2.2 job, as a team would write a backfill with Flink's DataStream API: a
 * bounded {@link KafkaSource} from the earliest offsets to the latest at start, the records decoded, upcast and
 * validated (poison records skipped), {@code keyBy(sku)}, deduplication on {@code event_id} in keyed {@link MapState},
 * the projection in keyed {@link ValueState}, RocksDB as state backend, checkpoints, and an exactly-once
 * {@link KafkaSink} to the compacted output topic. The state of each SKU is written once, when the input ends (an
 * event-time timer at the end of time, which the end of a bounded input fires), not once per event. Runs in a local
 * MiniCluster in this JVM, started by the comparison harness as a process of its own.
 */
public final class FlinkRebuild {
    private FlinkRebuild() {
    }

    public static void main(String[] argv) throws Exception {
        Phases.mark("jvm-start", ManagementFactory.getRuntimeMXBean().getStartTime());
        Phases.mark("main");
        Settings s = Settings.of(argv);
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(Configuration.fromMap(s.flinkConfig()));
        env.setParallelism(s.parallelism());
        env.registerJobListener(new JobListener() {
            @Override
            public void onJobSubmitted(JobClient client, Throwable failure) {
                Phases.mark("job-submitted");
            }

            @Override
            public void onJobExecuted(JobExecutionResult result, Throwable failure) {
                // The end is marked by main, after execute() returns.
            }
        });
        build(env, s);
        JobExecutionResult result = env.execute("inventory-rebuild");
        Phases.mark("job-finished");
        System.err.println("compare-info net_runtime_ms " + result.getNetRuntime());
        System.exit(0);
    }

    /** The job graph: source → decode → keyBy(sku) → dedup + projection → exactly-once sink. */
    static void build(StreamExecutionEnvironment env, Settings s) {
        KafkaSource<byte[]> source = KafkaSource.<byte[]>builder()
                .setBootstrapServers(s.bootstrap())
                .setTopics(s.input())
                .setGroupId(s.name())
                .setStartingOffsets(OffsetsInitializer.earliest())
                .setBounded(OffsetsInitializer.latest())
                .setDeserializer(KafkaRecordDeserializationSchema.valueOnly(ByteArrayDeserializer.class))
                .setProperty(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed")
                .build();
        KafkaSink<Tuple2<String, byte[]>> sink = KafkaSink.<Tuple2<String, byte[]>>builder()
                .setBootstrapServers(s.bootstrap())
                .setRecordSerializer(new ToOutput(s.output()))
                .setDeliveryGuarantee(DeliveryGuarantee.EXACTLY_ONCE)
                .setTransactionalIdPrefix(s.name())
                // Below the broker's transaction.max.timeout.ms (15 minutes by default); the connector's default is an hour.
                .setProperty(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG, "600000")
                .build();
        env.fromSource(source, WatermarkStrategy.noWatermarks(), "inventory-events")
                .flatMap(new ReadMovements(s.schemas(), s.idMap())).name("decode-upcast-validate")
                .keyBy(Movement::sku)
                .process(new DedupAndProject(s.schemas(), s.idMap()))
                .returns(Types.TUPLE(Types.STRING, PrimitiveArrayTypeInfo.BYTE_PRIMITIVE_ARRAY_TYPE_INFO))
                .name("dedup-and-project")
                .sinkTo(sink).name("inventory-levels");
    }

    /** Decodes, upcasts and validates each record; poison records are skipped. */
    static final class ReadMovements extends RichFlatMapFunction<byte[], Movement> {
        private final String schemas;
        private final String idMap;
        private transient InventoryRules rules;

        ReadMovements(String schemas, String idMap) {
            this.schemas = schemas;
            this.idMap = idMap;
        }

        @Override
        public void open(OpenContext context) {
            rules = InventoryRules.load(Path.of(schemas), Path.of(idMap));
        }

        @Override
        public void flatMap(byte[] value, Collector<Movement> out) {
            Movement m = rules.read(value);
            if (m != null) {
                out.collect(m);
            }
        }
    }

    /**
     * Per SKU: the event ids applied (RocksDB map state) and the SKU's stock (the projection's state as Avro binary).
     * A copy of an applied event is skipped. The final state is emitted when the input ends.
     */
    static final class DedupAndProject extends KeyedProcessFunction<String, Movement, Tuple2<String, byte[]>> {
        private final String schemas;
        private final String idMap;
        private transient InventoryRules rules;
        private transient MapState<String, Boolean> seen;
        private transient ValueState<byte[]> level;

        DedupAndProject(String schemas, String idMap) {
            this.schemas = schemas;
            this.idMap = idMap;
        }

        @Override
        public void open(OpenContext context) {
            rules = InventoryRules.load(Path.of(schemas), Path.of(idMap));
            seen = getRuntimeContext().getMapState(new MapStateDescriptor<>("seen-event-ids", Types.STRING, Types.BOOLEAN));
            level = getRuntimeContext().getState(new ValueStateDescriptor<>("inventory-level", PrimitiveArrayTypeInfo.BYTE_PRIMITIVE_ARRAY_TYPE_INFO));
        }

        @Override
        public void processElement(Movement m, Context ctx, Collector<Tuple2<String, byte[]>> out) throws Exception {
            if (seen.contains(m.eventId())) {
                return;
            }
            seen.put(m.eventId(), Boolean.TRUE);
            byte[] current = level.value();
            InventoryLevel state;
            if (current == null) {
                state = rules.initial(m.sku());
                // Fires when the bounded input ends (the source's final watermark is the end of time).
                ctx.timerService().registerEventTimeTimer(Long.MAX_VALUE);
            } else {
                state = rules.decode(current);
            }
            level.update(rules.encode(rules.apply(state, m)));
        }

        @Override
        public void onTimer(long timestamp, OnTimerContext ctx, Collector<Tuple2<String, byte[]>> out) throws Exception {
            out.collect(Tuple2.of(ctx.getCurrentKey(), rules.output(rules.decode(level.value()))));
        }
    }

    /** SKU → its state in the Confluent wire format, on the output topic. */
    static final class ToOutput implements KafkaRecordSerializationSchema<Tuple2<String, byte[]>> {
        private final String topic;

        ToOutput(String topic) {
            this.topic = topic;
        }

        @Override
        public ProducerRecord<byte[], byte[]> serialize(Tuple2<String, byte[]> element, KafkaSinkContext context, Long timestamp) {
            return new ProducerRecord<>(topic, element.f0.getBytes(StandardCharsets.UTF_8), element.f1);
        }
    }

    /**
     * What the harness passes.
     *
     * @param name               the job's consumer group and transactional id prefix
     * @param checkpointInterval Flink duration text, e.g. {@code 2 s}
     * @param managedMemory      RocksDB's memory (Flink's managed memory), e.g. {@code 256m}
     */
    record Settings(String bootstrap, String input, String output, String name, String schemas, String idMap, int parallelism,
                    String checkpointInterval, String stateDir, String managedMemory) {
        static Settings of(String[] argv) {
            dev.reprise.compare.Args a = new dev.reprise.compare.Args(argv);
            return new Settings(a.get("bootstrap-server"), a.get("input"), a.get("output"), a.get("name"), a.get("schemas"), a.get("id-map"),
                    Integer.parseInt(a.get("parallelism", "2")), a.get("checkpoint-interval", "2 s"), a.get("state-dir"),
                    a.get("managed-memory", "256m"));
        }

        /** The settings a Flink user would put in config.yaml for this job. */
        Map<String, String> flinkConfig() {
            Map<String, String> c = new LinkedHashMap<>();
            c.put("state.backend.type", "rocksdb");
            c.put("execution.checkpointing.incremental", "true");
            c.put("execution.checkpointing.interval", checkpointInterval);
            c.put("execution.checkpointing.mode", "EXACTLY_ONCE");
            c.put("execution.checkpointing.dir", Path.of(stateDir, "checkpoints").toUri().toString());
            c.put("io.tmp.dirs", Path.of(stateDir, "tmp").toString());
            c.put("taskmanager.memory.managed.size", managedMemory);
            // No fixed port: the machine is shared.
            c.put("rest.bind-port", "0");
            return c;
        }
    }
}
