package dev.reprise.bench;

import dev.reprise.embedded.Directories;
import dev.reprise.embedded.BrokerProcess;
import dev.reprise.codec.LocalIdMap;
import dev.reprise.compat.CommitHook;
import dev.reprise.contract.Contract;
import dev.reprise.contract.ContractLoader;
import dev.reprise.dedup.DedupSet;
import dev.reprise.evidence.avro.RecoveryEvidence;
import dev.reprise.metrics.ReplayMetrics;
import dev.reprise.metrics.RunStatus;
import dev.reprise.runner.ReplayRunner;
import dev.reprise.runner.RunObserver;
import dev.reprise.plan.CompiledContract;
import dev.reprise.plan.Planner;
import dev.reprise.plan.RunPlan;
import dev.reprise.sample.inventory.InventoryGenerator;
import dev.reprise.sample.inventory.KeySpace;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.Metric;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.Named;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.kstream.Repartitioned;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.api.RecordMetadata;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * Measures, on one embedded broker and with the same generated events, the Kafka Streams identity copy
 * (the broker-bound ceiling), the full Reprise pipeline with its repartition, and the pipeline on a
 * history already keyed by the ordering key. Measurements alternate over several rounds and the median
 * counts, so one noisy moment on a shared machine does not decide the result. Every pipeline runs with
 * exactly_once_v2 and starts from a fresh application id; the time runs from RUNNING to done.
 *
 * <p>Over 300 lines: the benchmark is a driver of five measurements with the same input, clock and CPU accounting; splitting it would spread one method of measuring over several files.
 */
public final class Bench {
    private static final String SOURCE = "bench-events";
    private static final String KEYED = "bench-events-keyed";
    static final String FLOOR_WITH = "dedup_floor_with_repartition";
    static final String FLOOR_WITHOUT = "dedup_floor_without_repartition";
    /** Cores of other work during a round above which the round is flagged as shared (a quarter of a core). */
    static final double SHARED_CORES = 0.25;
    private final PrintStream err;
    private final long events;
    private final int rounds;
    private final int partitions;
    private final Path contractFile;
    private volatile long peakHeap;
    /** Kafka Streams properties for the pipelines and floors (never the copy). */
    private final Map<String, String> streamsProperties;
    /** The highest resident set size of this process seen during the run being measured. */
    private volatile long runRss;
    /** CPU times taken when the measured run finished, before its Kafka Streams instance closed. */
    private CpuShare lastCpu;
    private final boolean floors;
    /** The key space of the generated history. */
    private KeySpace keys;
    /** Whether the pipelines run watched as 'reprise run' watches them (metrics, progress); off to measure what watching costs. */
    private boolean watched = true;

    public Bench(PrintStream err, long events, int rounds, int partitions, Path contractFile, Map<String, String> streamsProperties) {
        this(err, events, rounds, partitions, contractFile, streamsProperties, true);
    }

    /** Measures over another key space than the default ({@link KeySpace#forEvents}). */
    public Bench withKeys(KeySpace keySpace) {
        this.keys = keySpace;
        return this;
    }

    /** Runs the pipelines unwatched: no metrics, no progress, only the measurement's clock. */
    public Bench unwatched() {
        this.watched = false;
        return this;
    }

    /** @param floors whether to measure the dedup floors too (diagnostics; they take two fifths of the time) */
    public Bench(PrintStream err, long events, int rounds, int partitions, Path contractFile, Map<String, String> streamsProperties,
                 boolean floors) {
        this.floors = floors;
        this.streamsProperties = streamsProperties;
        this.err = err;
        this.events = events;
        this.rounds = rounds;
        this.partitions = partitions;
        this.contractFile = contractFile;
        this.keys = KeySpace.forEvents(events);
    }

    public Result run() {
        Thread heapWatcher = new Thread(() -> {
            while (!Thread.currentThread().isInterrupted()) {
                peakHeap = Math.max(peakHeap, ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed());
                runRss = Math.max(runRss, rssNow());
                try {
                    Thread.sleep(100);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }, "bench-heap-watcher");
        heapWatcher.setDaemon(true);
        heapWatcher.start();
        Contract base = ContractLoader.load(contractFile);
        CompiledContract codecs = CompiledContract.forContract(base);
        Map<String, List<Double>> rates = new LinkedHashMap<>();
        Map<String, List<Map<String, Double>>> cpu = new LinkedHashMap<>();
        Map<String, Long> rssPeaks = new LinkedHashMap<>();
        rates.put("identity_copy", new ArrayList<>());
        rates.put("pipeline_with_repartition", new ArrayList<>());
        rates.put("pipeline_without_repartition", new ArrayList<>());
        if (floors) {
            rates.put(FLOOR_WITH, new ArrayList<>());
            rates.put(FLOOR_WITHOUT, new ArrayList<>());
        }
        long rocksDbBytes = 0;
        long stateBytes = 0;
        Map<String, List<Double>> loads = new LinkedHashMap<>();
        List<String> busyRounds = new ArrayList<>();
        Map<String, List<Double>> otherWork = new LinkedHashMap<>();
        List<String> sharedRounds = new ArrayList<>();
        Path state = tempDir();
        try (BrokerProcess kafka = BrokerProcess.startTemporary("benchmark", "1g")) {
            kafka.createTopic(SOURCE, partitions);
            kafka.createTopic(KEYED, partitions);
            err.printf("▶ Writing %,d events (about 250 bytes each) to %s and %s…%n", events, SOURCE, KEYED);
            write(kafka, codecs);
            for (int round = 1; round <= rounds; round++) {
                List<String> order = new ArrayList<>(rates.keySet());
                Collections.rotate(order, round - 1);
                for (String what : order) {
                    double rate;
                    CpuShare before = CpuShare.now(kafka.cpuSeconds());
                    runRss = 0;
                    lastCpu = null;
                    if (what.equals("identity_copy")) {
                        rate = identityCopy(kafka, state, round);
                    } else if (what.startsWith("dedup_floor")) {
                        rate = dedupFloor(kafka, state, what.equals(FLOOR_WITH), round);
                    } else {
                        boolean keyed = what.equals("pipeline_without_repartition");
                        long[] rocks = new long[1];
                        rate = pipeline(kafka, state, base, keyed, round, rocks);
                        rocksDbBytes = Math.max(rocksDbBytes, rocks[0]);
                        if (!keyed) {
                            stateBytes = Math.max(stateBytes, directorySize(state.resolve("bench-repart-" + round)));
                        }
                    }
                    rates.get(what).add(rate);
                    cpu.computeIfAbsent(what, w -> new ArrayList<>()).add(lastCpu.since(before));
                    rssPeaks.merge(what, runRss, Math::max);
                    Map<String, Double> spent = cpu.get(what).get(cpu.get(what).size() - 1);
                    // The machine's one-minute load after the measurement, as before; it counts the benchmark's own threads, so on
                    // 2 cores it exceeds them in most rounds. What says whether other work shared the machine is the CPU the
                    // machine spent outside this process and the broker: above a quarter of a core, the round is flagged.
                    String label = "round " + round + " " + what;
                    double load = java.lang.management.ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
                    loads.computeIfAbsent(what, w -> new ArrayList<>()).add(round3(load));
                    if (load > Runtime.getRuntime().availableProcessors()) {
                        busyRounds.add(label);
                    }
                    double others = lastCpu.otherWorkCores(before);
                    boolean shared = others > SHARED_CORES;
                    otherWork.computeIfAbsent(what, w -> new ArrayList<>()).add(Double.isNaN(others) ? null : round3(others));
                    if (shared) {
                        sharedRounds.add(label);
                    }
                    err.printf("  round %d  %-30s %,10.0f events/s   load %.2f, other work %s%s   cpu s: %s%n", round, what, rate, load,
                            Double.isNaN(others) ? "unknown" : String.format("%.2f cores", others),
                            shared ? " (shared with other work: flagged)" : "", spent);
                }
            }
        } finally {
            heapWatcher.interrupt();
            Directories.deleteQuietly(state, "the benchmark's state directory");
        }
        double copy = median(rates.get("identity_copy"));
        double with = median(rates.get("pipeline_with_repartition"));
        double without = median(rates.get("pipeline_without_repartition"));
        Floors floorRates = null;
        if (floors) {
            double floorWith = median(rates.get(FLOOR_WITH));
            double floorWithout = median(rates.get(FLOOR_WITHOUT));
            floorRates = new Floors(Math.round(floorWith), Math.round(floorWithout), round3(floorWith / copy), round3(floorWithout / copy),
                    round3(with / floorWith), round3(without / floorWithout));
        }
        Map<String, Map<String, Double>> cpuPerMillion = new LinkedHashMap<>();
        cpu.forEach((what, runs) -> cpuPerMillion.put(what, perMillion(runs)));
        return new Result(events, rounds, partitions, keys.keys(), keys.skew() == 0 ? "uniform" : "zipf:" + keys.skew(),
                Runtime.getRuntime().availableProcessors(), streamsProperties, watched, Math.round(copy), Math.round(with), Math.round(without),
                round3(with / copy), round3(without / copy), floorRates, rates, loads, busyRounds, otherWork, sharedRounds, cpuPerMillion, peakHeap,
                Runtime.getRuntime().maxMemory(), rssPeak(), rssPeaks, rocksDbBytes, Math.round(stateBytes * 1e6 / events));
    }

    /** The dedup floors' medians and ratios (absent with --no-floors). */
    public record Floors(long dedupFloorWithRepartitionEventsPerSecond, long dedupFloorWithoutRepartitionEventsPerSecond,
                         double floorRatioWithRepartition, double floorRatioWithoutRepartition,
                         double pipelineToFloorWithRepartition, double pipelineToFloorWithoutRepartition) {
    }

    /**
     * The figures of a benchmark, as {@code reprise bench --json} prints them (snake_case field names; the floors' fields
     * inline, absent with --no-floors). Rates are medians over the rounds, ratios are to the identity copy.
     *
     * @param allRates                    measurement → its rate in each round
     * @param loadAverageAfterEachRound   measurement → the machine's one-minute load after each of its rounds
     * @param roundsMeasuredAboveTheCores "round N measurement" taken while the load exceeded the cores (the load counts the
     *                                    benchmark's own threads: most rounds on 2 cores)
     * @param otherWorkCoresEachRound     measurement → the cores other processes used during each of its rounds (null: unknown)
     * @param roundsSharedWithOtherWork   "round N measurement" during which other processes used more than a quarter of a core:
     *                                    its rate says as much about the machine as about the pipeline
     * @param cpuSecondsPerMillionEvents  measurement → CPU seconds per million events by role
     */
    @com.fasterxml.jackson.annotation.JsonPropertyOrder({"events", "rounds", "partitions", "keys", "key_skew", "processors", "streams_properties", "watched",
            "identity_copy_events_per_second", "with_repartition_events_per_second", "without_repartition_events_per_second",
            "ratio_with_repartition", "ratio_without_repartition"})
    public record Result(long events, int rounds, int partitions, int keys, String keySkew, int processors, Map<String, String> streamsProperties,
                         boolean watched, long identityCopyEventsPerSecond, long withRepartitionEventsPerSecond, long withoutRepartitionEventsPerSecond,
                         double ratioWithRepartition, double ratioWithoutRepartition,
                         @com.fasterxml.jackson.annotation.JsonUnwrapped @com.fasterxml.jackson.annotation.JsonInclude(
                                 com.fasterxml.jackson.annotation.JsonInclude.Include.NON_NULL) Floors floors,
                         Map<String, List<Double>> allRates, Map<String, List<Double>> loadAverageAfterEachRound,
                         List<String> roundsMeasuredAboveTheCores, Map<String, List<Double>> otherWorkCoresEachRound,
                         List<String> roundsSharedWithOtherWork, Map<String, Map<String, Double>> cpuSecondsPerMillionEvents,
                         long peakHeapBytes, long maxHeapBytes, long processRssPeakBytes, Map<String, Long> rssPeakBytesByMeasurement,
                         long rocksdbMemoryBytes, long stateDirBytesPerMillionEvents) {
    }

    private void write(BrokerProcess kafka, CompiledContract codecs) {
        Map<String, Object> config = new HashMap<>(kafka.clientConfig());
        config.put(ProducerConfig.LINGER_MS_CONFIG, 20);
        config.put(ProducerConfig.BATCH_SIZE_CONFIG, 512 * 1024);
        config.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4");
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(config, new ByteArraySerializer(), new ByteArraySerializer())) {
            InventoryGenerator generator = new InventoryGenerator(codecs.catalog(), (LocalIdMap) codecs.resolver());
            InventoryGenerator.Options options = InventoryGenerator.Options.of(events, 0, 0, partitions).keys(keys);
            generator.write(producer, SOURCE, options);
            // The same events keyed by SKU with the default partitioner: a history already keyed by the ordering key.
            generator.write(producer, KEYED, options.keyed(0));
            producer.flush();
        }
    }

    private double identityCopy(BrokerProcess kafka, Path state, int round) {
        String app = "bench-copy-" + round;
        String out = "bench-copy-out-" + round;
        kafka.createTopic(out, partitions);
        StreamsBuilder builder = new StreamsBuilder();
        builder.stream(SOURCE, Consumed.with(Serdes.ByteArray(), Serdes.ByteArray())).to(out, Produced.with(Serdes.ByteArray(), Serdes.ByteArray()));
        // Kafka Streams' own defaults: the copy is not tuned, up or down.
        return measure(kafka, state, app, SOURCE, builder, new Properties(), () -> true);
    }

    /**
     * Runs a Kafka Streams application exactly-once from the earliest offsets and returns events per
     * second from RUNNING until {@code done} holds and its committed offsets reach the end of the source.
     */
    private double measure(BrokerProcess kafka, Path state, String app, String source, StreamsBuilder builder, Properties settings,
                           java.util.function.BooleanSupplier done) {
        Properties p = new Properties();
        p.putAll(settings);
        p.putAll(kafka.clientConfig());
        p.put(StreamsConfig.APPLICATION_ID_CONFIG, app);
        p.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
        p.put(StreamsConfig.STATE_DIR_CONFIG, state.resolve(app).toString());
        p.put(StreamsConfig.consumerPrefix(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG), "earliest");
        try (KafkaStreams streams = new KafkaStreams(builder.build(), p); Admin admin = kafka.admin()) {
            streams.start();
            waitRunning(streams);
            long start = System.nanoTime();
            Map<TopicPartition, Long> ends = ends(admin, source);
            while (true) {
                if (done.getAsBoolean()) {
                    Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(app).partitionsToOffsetAndMetadata().get();
                    if (ends.entrySet().stream().allMatch(e -> committed.get(e.getKey()) != null
                            && committed.get(e.getKey()).offset() >= e.getValue())) {
                        double rate = events / ((System.nanoTime() - start) / 1e9);
                        lastCpu = CpuShare.now(kafka.cpuSeconds());
                        return rate;
                    }
                }
                Thread.sleep(50);
            }
        } catch (Exception e) {
            throw new IllegalStateException(app + " failed: " + e.getMessage(), e);
        }
    }

    /**
     * The least a replay with exact deduplication must do, with nothing of Reprise's own: read each
     * event, (optionally) repartition it, and record one 36-byte id per event with the pipeline's own
     * {@link DedupSet} (Bloom filter, ids on disk, changelogged batches written before each commit), exactly-once,
     * with the pipeline's Kafka Streams settings. No decoding, no upcasting, no projection, no counts.
     * The id is the record's position, unique per event, so nothing needs decoding.
     */
    private double dedupFloor(BrokerProcess kafka, Path state, boolean repartition, int round) {
        String app = "bench-floor-" + (repartition ? "repart-" : "keyed-") + round;
        AtomicLong processed = new AtomicLong();
        StreamsBuilder builder = new StreamsBuilder();
        builder.addStateStore(DedupSet.batchesStore(FloorDedup.STORE));
        builder.addStateStore(DedupSet.idsStore(FloorDedup.IDS));
        builder.addStateStore(CommitHook.builder(FloorDedup.HOOK));
        KStream<byte[], byte[]> stream = builder.stream(repartition ? SOURCE : KEYED, Consumed.with(Serdes.ByteArray(), Serdes.ByteArray()));
        if (repartition) {
            stream = stream.repartition(Repartitioned.with(Serdes.ByteArray(), Serdes.ByteArray()).withName("floor-by-key").withNumberOfPartitions(partitions));
        }
        long perTask = events / partitions;
        stream.process(() -> new FloorDedup(processed, perTask), Named.as("floor-dedup"), FloorDedup.STORE, FloorDedup.IDS, FloorDedup.HOOK);
        Properties p = new Properties();
        p.putAll(ReplayRunner.replayDefaults());
        p.putAll(streamsProperties);
        return measure(kafka, state, app, repartition ? SOURCE : KEYED, builder, p, () -> processed.get() >= events);
    }

    /** Answers "seen this id?" and records it, as the apply stage does for event ids. */
    private static final class FloorDedup implements Processor<byte[], byte[], Void, Void> {
        static final String STORE = "floor-dedup";
        static final String IDS = "floor-dedup-ids";
        static final String HOOK = "floor-commit";
        private final AtomicLong processed;
        private final long expected;
        private ProcessorContext<Void, Void> context;
        private DedupSet seen;

        FloorDedup(AtomicLong processed, long expected) {
            this.processed = processed;
            this.expected = expected;
        }

        @Override
        public void init(ProcessorContext<Void, Void> context) {
            this.context = context;
            this.seen = new DedupSet(context.getStateStore(STORE), context.getStateStore(IDS), new byte[8], expected);
            CommitHook hook = context.getStateStore(HOOK);
            hook.beforeCommit(seen::writeBatch);
        }

        @Override
        public void process(Record<byte[], byte[]> record) {
            RecordMetadata meta = context.recordMetadata().orElseThrow();
            byte[] id = DedupSet.idOf(ByteBuffer.allocate(36).putLong(meta.partition()).putLong(8, meta.offset()).array());
            if (!seen.contains(id)) {
                seen.add(id);
            }
            processed.incrementAndGet();
        }
    }

    private double pipeline(BrokerProcess kafka, Path state, Contract base, boolean keyed, int round, long[] rocksDb) {
        String suffix = (keyed ? "keyed-" : "repart-") + round;
        String yaml;
        try {
            yaml = Files.readString(contractFile)
                    .replace("application_id: " + base.applicationId(), "application_id: bench-" + suffix)
                    .replace("topics: [" + String.join(", ", base.history().topics()) + "]", "topics: [" + (keyed ? KEYED : SOURCE) + "]")
                    .replace("keyed_by_ordering_key: false", "keyed_by_ordering_key: " + keyed)
                    .replace(base.projection().topic(), "bench-projection-" + suffix)
                    .replace(base.evidence().topic(), "bench-evidence-" + suffix)
                    .replace(base.deadLetter().topic(), "bench-dlq-" + suffix);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Contract contract = ContractLoader.parse(yaml.getBytes(StandardCharsets.UTF_8), contractFile.toAbsolutePath().getParent(), null);
        CompiledContract codecs = CompiledContract.forContract(contract);
        ReplayRunner runner = new ReplayRunner(contract, codecs, kafka.clientConfig(), state.resolve("bench-" + suffix), Map.copyOf(streamsProperties));
        RunPlan plan;
        try (Admin admin = kafka.admin()) {
            plan = new Planner(admin, kafka.clientConfig()).plan(contract);
            runner.prepareTopics(admin, plan);
            runner.resetOffsets(admin, plan);
        }
        // From the start if the runner never saw RUNNING (a small run can finish between two of its looks).
        long[] runningAt = {System.nanoTime()};
        long[] finishedAt = new long[1];
        Consumer<KafkaStreams> atTheEnd = streams -> {
            // The final evidence has been read back: the run is done. Closing Kafka Streams is not part of it
            // (the copy's and the floors' clocks stop at their last commit too).
            finishedAt[0] = System.nanoTime();
            lastCpu = CpuShare.now(kafka.cpuSeconds());
            // The stores share one block cache (memtables, indexes and filters are charged to it), so each
            // store reports the same cache: count it once.
            long cache = 0;
            long tableReaders = 0;
            for (Map.Entry<org.apache.kafka.common.MetricName, ? extends Metric> m : streams.metrics().entrySet()) {
                Object v = m.getValue().metricValue();
                if (!(v instanceof Number n)) {
                    continue;
                }
                if (m.getKey().name().equals("block-cache-usage")) {
                    cache = Math.max(cache, n.longValue());
                } else if (m.getKey().name().equals("estimate-table-readers-mem")) {
                    tableReaders += n.longValue();
                }
            }
            long bytes = cache + tableReaders;
            rocksDb[0] = bytes;
        };
        // Watched as 'reprise run' watches it: the stages feed the metrics at each commit, Kafka Streams' metrics are
        // bound, progress is read once a second. Only the HTTP server is left out (a scrape is not part of the work).
        RunStatus status = new RunStatus(contract.applicationId());
        RecoveryEvidence evidence;
        RunObserver clock = clocked(streams -> runningAt[0] = System.nanoTime(), atTheEnd);
        if (!watched) {
            evidence = runner.runObserved(plan, clock);
        } else {
            try (ReplayMetrics metrics = new ReplayMetrics(status)) {
                evidence = runner.runObserved(plan, RunObserver.all(List.of(status, metrics, clock)));
            }
        }
        if (evidence.getEventsProcessed() != events) {
            throw new IllegalStateException("the " + suffix + " run processed " + evidence.getEventsProcessed() + " of " + events + " events");
        }
        if (evidence.getConfidenceStatus() != dev.reprise.evidence.avro.ConfidenceStatus.trusted) {
            // A figure of a run that is not trusted measures something else than a replay: the bench refuses it.
            throw new IllegalStateException("the " + suffix + " run was " + evidence.getConfidenceStatus() + ", not trusted: "
                    + evidence.getConfidenceReasons() + "; the bench reports trusted runs only");
        }
        return events / ((finishedAt[0] - runningAt[0]) / 1e9);
    }

    /** The measurement's clock: started when Kafka Streams is RUNNING, stopped when the final evidence is read back. */
    private static RunObserver clocked(Consumer<KafkaStreams> onRunning, Consumer<KafkaStreams> beforeClose) {
        return new RunObserver() {
            @Override
            public void running(KafkaStreams streams) {
                onRunning.accept(streams);
            }

            @Override
            public void closing(KafkaStreams streams) {
                beforeClose.accept(streams);
            }
        };
    }

    private static void waitRunning(KafkaStreams streams) throws InterruptedException {
        long deadline = System.currentTimeMillis() + 60_000;
        while (streams.state() != KafkaStreams.State.RUNNING && System.currentTimeMillis() < deadline) {
            Thread.sleep(10);
        }
    }

    private static Map<TopicPartition, Long> ends(Admin admin, String topic) throws Exception {
        Map<TopicPartition, OffsetSpec> req = new HashMap<>();
        admin.describeTopics(List.of(topic)).allTopicNames().get().get(topic).partitions()
                .forEach(p -> req.put(new TopicPartition(topic, p.partition()), OffsetSpec.latest()));
        Map<TopicPartition, Long> out = new HashMap<>();
        admin.listOffsets(req).all().get().forEach((tp, i) -> out.put(tp, i.offset()));
        return out;
    }

    private static long directorySize(Path dir) {
        try (var files = Files.walk(dir)) {
            return files.filter(Files::isRegularFile).mapToLong(p -> p.toFile().length()).sum();
        } catch (IOException e) {
            return -1;
        }
    }

    /** The median of each role's CPU seconds over the rounds, per million events. */
    private Map<String, Double> perMillion(List<Map<String, Double>> runs) {
        Map<String, Double> out = new LinkedHashMap<>();
        for (String role : runs.get(0).keySet()) {
            List<Double> values = new ArrayList<>();
            runs.forEach(r -> values.add(r.get(role)));
            out.put(role, Math.round(median(values) * 1e6 / events * 100) / 100.0);
        }
        return out;
    }

    static double median(List<Double> values) {
        List<Double> sorted = new ArrayList<>(values);
        Collections.sort(sorted);
        int n = sorted.size();
        return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
    }

    private static double round3(double v) {
        return Math.round(v * 1000) / 1000.0;
    }

    /** The process's resident set size now, from /proc (Linux); -1 elsewhere. */
    static long rssNow() {
        return procStatus("VmRSS:");
    }

    /** The process's peak resident set size, from /proc (Linux); -1 elsewhere. */
    static long rssPeak() {
        return procStatus("VmHWM:");
    }

    private static long procStatus(String field) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith(field)) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
                }
            }
        } catch (IOException | NumberFormatException ignored) {
            // not Linux: reported as unknown
        }
        return -1;
    }

    private static Path tempDir() {
        try {
            return Files.createTempDirectory("reprise-bench");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

}
