package dev.reprise.ops;

import dev.reprise.contract.Contract;
import dev.reprise.evidence.EvidenceBuilder;
import dev.reprise.evidence.EvidenceCodec;
import dev.reprise.evidence.avro.ConfidenceStatus;
import dev.reprise.evidence.avro.EvidenceKind;
import dev.reprise.evidence.avro.RecoveryEvidence;
import dev.reprise.plan.RunPlan;
import dev.reprise.topology.Codecs;
import dev.reprise.topology.ReplayTopology;
import dev.reprise.topology.Guardrails;
import dev.reprise.topology.Throttle;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.consumer.OffsetAndTimestamp;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.streams.CloseOptions;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;

/**
 * Runs one replay: prepares the output topics, positions the consumer group at the plan's start,
 * runs Kafka Streams, and in bounded mode stops it cleanly once the run's final evidence is on the
 * evidence topic. Instances of the same run find that record too, so they all stop.
 */
public final class ReplayRunner {
    private static final Logger LOG = LoggerFactory.getLogger(ReplayRunner.class);

    private final Contract contract;
    private final Codecs codecs;
    private final Map<String, Object> clientConfig;
    private final Path stateDir;
    private final Map<String, Object> streamsOverrides;
    private volatile boolean stopRequested;

    /**
     * @param clientConfig    connection properties for every client (bootstrap.servers, security)
     * @param stateDir        Kafka Streams' state directory (RocksDB stores live under it)
     * @param streamsOverrides extra Kafka Streams properties, applied last
     */
    public ReplayRunner(Contract contract, Codecs codecs, Map<String, Object> clientConfig, Path stateDir, Map<String, Object> streamsOverrides) {
        this.contract = contract;
        this.codecs = codecs;
        this.clientConfig = Map.copyOf(clientConfig);
        this.stateDir = stateDir;
        this.streamsOverrides = Map.copyOf(streamsOverrides);
    }

    /**
     * Kafka Streams settings Reprise chooses for a replay, each measured with {@code reprise bench};
     * the client configuration and the caller's overrides win over them.
     */
    public static Map<String, Object> replayDefaults() {
        Map<String, Object> d = new HashMap<>();
        // 500 ms between commits instead of Kafka's exactly-once default of 100: fewer transactions and
        // fewer flushes of the store caches. Measured with reprise bench (1,000,000 events, CPU seconds per
        // million events, process and broker): keyed 13.4 at 100 ms, 11.6 at 500, 11.1 at 1000; with
        // repartition 25.8, 24.3, 22.2, at equal throughput for 500 and 1000. Longer is not better: the
        // apply stage reads repartitioned events only once the source stage's transaction commits.
        d.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, 500);
        // One stream thread per core: the source and apply stages run in parallel.
        d.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, Math.max(1, Runtime.getRuntime().availableProcessors()));
        // Repartition and changelog records are small and many: batch and compress them.
        d.put(StreamsConfig.producerPrefix(org.apache.kafka.clients.producer.ProducerConfig.LINGER_MS_CONFIG), 20);
        d.put(StreamsConfig.producerPrefix(org.apache.kafka.clients.producer.ProducerConfig.BATCH_SIZE_CONFIG), 256 * 1024);
        d.put(StreamsConfig.producerPrefix(org.apache.kafka.clients.producer.ProducerConfig.COMPRESSION_TYPE_CONFIG), "lz4");
        d.put(StreamsConfig.consumerPrefix(ConsumerConfig.MAX_POLL_RECORDS_CONFIG), 2000);
        // Store caches absorb the sequence updates of hot keys between commits (projection states and
        // counters are kept by the stages themselves and written once per commit).
        d.put(StreamsConfig.STATESTORE_CACHE_MAX_BYTES_CONFIG, 64L * 1024 * 1024);
        // No waiting for empty input partitions to line records up by timestamp: Reprise orders events by
        // key (and sequence field), not across partitions. With the default (0), each idle task formatted
        // a log message on every loop of the stream thread (2% of its time with a repartition, in a profile).
        d.put(StreamsConfig.MAX_TASK_IDLE_MS_CONFIG, StreamsConfig.MAX_TASK_IDLE_MS_DISABLED);
        // All RocksDB stores of the process share one memory budget (reprise.rocksdb.memory.bytes).
        d.put(StreamsConfig.ROCKSDB_CONFIG_SETTER_CLASS_CONFIG, BoundedRocksDb.class);
        // Transactional state stores (KIP-892, Kafka 4.4) stay off: SortedBatchStore hands its batches to
        // RocksDBStore.write(WriteBatch), which writes to RocksDB directly, past their uncommitted-writes buffer.
        d.put(StreamsConfig.TRANSACTIONAL_STATE_STORES_CONFIG, false);
        return d;
    }

    public Properties streamsProperties() {
        Properties p = new Properties();
        p.putAll(replayDefaults());
        p.putAll(clientConfig);
        p.put(StreamsConfig.APPLICATION_ID_CONFIG, contract.applicationId());
        p.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, contract.processing().guarantee());
        p.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
        p.put(StreamsConfig.consumerPrefix(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG), "earliest");
        p.putAll(streamsOverrides);
        return p;
    }

    public Admin admin() {
        Map<String, Object> config = new HashMap<>(clientConfig);
        config.putIfAbsent(AdminClientConfig.CLIENT_ID_CONFIG, contract.applicationId() + "-reprise-admin");
        return Admin.create(config);
    }

    /** Creates the projection (compacted), evidence and dead-letter topics when they do not exist. */
    public void prepareTopics(Admin admin, RunPlan plan) {
        List<NewTopic> topics = new ArrayList<>();
        topics.add(new NewTopic(contract.projection().topic(), Optional.of(plan.repartitionPartitions()), Optional.empty())
                .configs(Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT)));
        topics.add(new NewTopic(contract.evidence().topic(), Optional.of(1), Optional.empty()));
        topics.add(new NewTopic(contract.deadLetter().topic(), Optional.of(plan.repartitionPartitions()), Optional.empty()));
        for (NewTopic topic : topics) {
            try {
                admin.createTopics(List.of(topic)).all().get();
                LOG.info("Created topic {}", topic.name());
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof TopicExistsException)) {
                    throw new IllegalStateException("cannot create topic " + topic.name() + ": " + e.getCause().getMessage(), e.getCause());
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
    }

    /**
     * Sets the committed offsets of the app's consumer group to the plan's start offsets. The group
     * must have no active members; Kafka refuses otherwise.
     */
    public Map<TopicPartition, Long> resetOffsets(Admin admin, RunPlan plan) {
        Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
        Map<TopicPartition, Long> applied = new HashMap<>();
        for (RunPlan.PartitionRange r : plan.ranges()) {
            offsets.put(r.topicPartition(), new OffsetAndMetadata(r.start()));
            applied.put(r.topicPartition(), r.start());
        }
        try {
            admin.alterConsumerGroupOffsets(contract.applicationId(), offsets).all().get();
        } catch (ExecutionException e) {
            throw new IllegalStateException("cannot reset the offsets of group " + contract.applicationId() + ": " + e.getCause().getMessage()
                    + " (stop every running instance of the app first)", e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
        return applied;
    }

    /**
     * What {@link #prepare} decided: the plan to run, and the run's final evidence when it is already complete.
     *
     * @param how new (no run before), continue (an unfinished run), external-reset (the group's offsets were
     *            moved with other tools: a new run from where they are), complete (nothing to do)
     */
    public record Prepared(RunPlan plan, String how, RecoveryEvidence finalEvidence) {
    }

    /**
     * Decides which run {@code reprise run} runs. The run in force is kept in Kafka ({@link RunStore}); it
     * continues unless the group's committed offsets were moved behind it with other tools (Kafka's
     * consumer-groups or streams-groups reset), which starts a new run from where the operator put them,
     * so replayed events are never taken for duplicates of the previous run.
     */
    public Prepared prepare(Admin admin) {
        RunStore store = new RunStore(contract, clientConfig);
        GroupOffsets group = new GroupOffsets(admin, contract.applicationId());
        java.util.Optional<RunPlan> current = store.current(admin);
        if (current.isEmpty()) {
            RunPlan plan = new dev.reprise.plan.Planner(admin, clientConfig).plan(contract);
            prepareTopics(admin, plan);
            group.resetTo(plan);
            store.save(admin, plan);
            return new Prepared(plan, "new", null);
        }
        RunPlan plan = current.get();
        Map<TopicPartition, Long> committed = group.committed();
        java.util.Optional<RecoveryEvidence> done = new EvidenceReader(contract, clientConfig).latest(plan.runId(), EvidenceKind.FINAL);
        boolean movedBack = plan.ranges().stream().anyMatch(r -> {
            Long c = committed.get(r.topicPartition());
            return c != null && (c < r.start() || done.isPresent() && r.hasData() && c <= r.lastDataOffset());
        });
        if (!movedBack) {
            return done.map(e -> new Prepared(plan, "complete", e)).orElseGet(() -> new Prepared(plan, "continue", null));
        }
        Map<TopicPartition, Long> from = new HashMap<>();
        plan.ranges().forEach(r -> from.put(r.topicPartition(), committed.getOrDefault(r.topicPartition(), r.start())));
        Contract moved = contract.withScopeFrom(new dev.reprise.contract.Position.AtOffsets(from));
        RunPlan next = new dev.reprise.plan.Planner(admin, clientConfig).plan(moved);
        prepareTopics(admin, next);
        store.save(admin, next);
        return new Prepared(next, "external-reset", null);
    }

    /**
     * Runs the replay until its final evidence is written (bounded mode) and returns that evidence.
     *
     * @param onProgress called about once a second with the run's progress, from a background thread
     */
    public RecoveryEvidence run(RunPlan plan, Consumer<Progress> onProgress) {
        return run(plan, onProgress, streams -> { }, streams -> { });
    }

    /**
     * @param onRunning called once when Kafka Streams first reaches RUNNING (the benchmark starts its clock there)
     * @param beforeClose called with the finished Kafka Streams instance before it is closed (to read its metrics)
     */
    public RecoveryEvidence run(RunPlan plan, Consumer<Progress> onProgress, Consumer<KafkaStreams> onRunning, Consumer<KafkaStreams> beforeClose) {
        Throttle throttle = Throttle.unlimited();
        Guardrails guardrails = new Guardrails(contract.reconciliation().thresholds());
        Topology topology = ReplayTopology.build(contract, plan, codecs, throttle, guardrails);
        int evidenceSubtopology = topology.describe().subtopologies().size() - 1;
        AtomicReference<Throwable> failure = new AtomicReference<>();
        KafkaStreams streams = new KafkaStreams(topology, streamsProperties(), WriteGuard.clientSupplier(contract));
        streams.setUncaughtExceptionHandler(e -> {
            failure.set(e);
            LOG.error("The replay stopped on an error; fix the cause and run again: the run resumes from its last commit", e);
            return StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse.SHUTDOWN_CLIENT;
        });
        Control control = new Control(contract, clientConfig);
        try (Admin admin = admin()) {
            control.ensureTopic(admin);
        }
        try (Admin admin = admin(); KafkaConsumer<byte[], byte[]> evidence = evidenceConsumer(plan);
             Control.Follower follower = control.follow(plan.runId())) {
            // Commands given before this instance started (a throttle, a pause) apply from its first record.
            Control.State applied = follower.catchUp();
            throttle.setLimit(applied.maxEventsPerSecond());
            if (applied.paused()) {
                streams.pause();
            }
            streams.start();
            long lastTick = 0;
            boolean running = false;
            RecoveryEvidence caughtUp = null;
            RecoveryEvidence lastProgress = null;
            boolean abortWritten = false;
            boolean tripSent = false;
            String abortReason = null;
            while (true) {
                if (!running && streams.state() == KafkaStreams.State.RUNNING) {
                    running = true;
                    onRunning.accept(streams);
                }
                Observed seen = pollEvidence(evidence, plan);
                if (seen.finalEvidence != null) {
                    if (contract.processing().bounded() || seen.finalEvidence.getConfidenceReasons().stream().anyMatch(r -> r.startsWith("aborted"))) {
                        beforeClose.accept(streams);
                        return seen.finalEvidence;
                    }
                    if (caughtUp == null) {
                        caughtUp = seen.finalEvidence;
                        LOG.warn("Run {} caught up with its plan ({} events, verdict {}); following new events until stopped",
                                plan.runId(), caughtUp.getEventsProcessed(), caughtUp.getConfidenceStatus());
                    }
                }
                if (stopRequested && caughtUp != null) {
                    beforeClose.accept(streams);
                    return caughtUp;
                }
                if (seen.progress != null) {
                    lastProgress = seen.progress;
                }
                KafkaStreams.State state = streams.state();
                if (failure.get() != null || state == KafkaStreams.State.ERROR || state == KafkaStreams.State.NOT_RUNNING
                        || state == KafkaStreams.State.PENDING_ERROR) {
                    Throwable cause = failure.get();
                    throw new IllegalStateException("the replay stopped before it was complete (Kafka Streams state " + state + ")"
                            + (cause == null ? "" : ": " + rootMessage(cause)), cause);
                }
                Guardrails.Trip trip = guardrails.tripped();
                if (trip != null && !tripSent) {
                    tripSent = true;
                    abortReason = trip.reason();
                    LOG.warn("Run {} {}: {}; every instance is told through the control topic", plan.runId(),
                            trip.action().equals("abort") ? "aborts by itself" : "pauses by itself", trip.reason());
                    control.send(admin, new Control.Command(plan.runId(), trip.action(), null, trip.reason(), "reprise threshold", System.currentTimeMillis()));
                    if (trip.action().equals("pause")) {
                        // Said in the evidence too: a PROGRESS record naming the threshold, for whoever watches the topic.
                        writeEvidence(plan, RecoveryEvidence.newBuilder(lastProgress != null ? lastProgress
                                        : EvidenceBuilder.progress(contract, plan, java.util.List.of(), System.currentTimeMillis()))
                                .setConfidenceReasons(java.util.List.of("paused: " + trip.reason() + "; 'reprise resume' continues the run"))
                                .build());
                    }
                }
                Control.State wanted = follower.poll(Duration.ZERO);
                if (wanted.paused() != applied.paused()) {
                    if (wanted.paused()) {
                        streams.pause();
                        LOG.warn("Run {} paused ({}); counts stay exact; 'reprise resume' continues it", plan.runId(), wanted.reason() == null ? "by the operator" : wanted.reason());
                    } else {
                        streams.resume();
                        LOG.warn("Run {} resumed by the operator", plan.runId());
                    }
                }
                if (wanted.aborted() && !abortWritten && hostsEvidenceTask(streams, evidenceSubtopology)) {
                    writeAborted(plan, lastProgress, abortReason != null ? abortReason : wanted.reason());
                    abortWritten = true;
                }
                applied = wanted;
                if (System.currentTimeMillis() - lastTick >= 1000) {
                    lastTick = System.currentTimeMillis();
                    throttle.setLimit(localShare(streams, plan, wanted.maxEventsPerSecond()));
                    checkNothingExpired(admin, plan);
                    if (onProgress != null) {
                        try {
                            onProgress.accept(Progress.read(admin, contract.applicationId(), plan, Duration.ofSeconds(5)));
                        } catch (RuntimeException e) {
                            LOG.debug("progress not available yet: {}", e.getMessage());
                        }
                    }
                }
            }
        } finally {
            // Closed from this thread, never from a stream thread. Leaving the group lets the next
            // run reset the group's offsets at once instead of after the session timeout.
            streams.close(CloseOptions.groupMembershipOperation(CloseOptions.GroupMembershipOperation.LEAVE_GROUP)
                    .withTimeout(Duration.ofSeconds(60)));
        }
    }

    /**
     * Asks a continuous run to stop once it has caught up with its plan (its final evidence is written);
     * {@link #run} then returns that evidence. A bounded run stops by itself.
     */
    public void stop() {
        stopRequested = true;
    }

    /** Writes an evidence record from outside the topology (an abort, a pause by threshold). */
    private void writeEvidence(RunPlan plan, RecoveryEvidence evidence) {
        Map<String, Object> config = new HashMap<>(clientConfig);
        config.put(org.apache.kafka.clients.producer.ProducerConfig.ACKS_CONFIG, "all");
        try (org.apache.kafka.clients.producer.KafkaProducer<byte[], byte[]> producer = new org.apache.kafka.clients.producer.KafkaProducer<>(
                config, new org.apache.kafka.common.serialization.ByteArraySerializer(), new org.apache.kafka.common.serialization.ByteArraySerializer())) {
            org.apache.kafka.clients.producer.ProducerRecord<byte[], byte[]> record = new org.apache.kafka.clients.producer.ProducerRecord<>(
                    contract.evidence().topic(), plan.runId().getBytes(java.nio.charset.StandardCharsets.UTF_8), EvidenceCodec.encode(evidence));
            record.headers().add("reprise.run_id", plan.runId().getBytes(java.nio.charset.StandardCharsets.UTF_8));
            record.headers().add("reprise.evidence_kind", evidence.getKind().toString().getBytes(java.nio.charset.StandardCharsets.UTF_8));
            producer.send(record);
            producer.flush();
        }
    }

    /** This instance's part of the run's limit: the run's limit times its share of the source tasks. */
    private static double localShare(KafkaStreams streams, RunPlan plan, double runLimit) {
        if (runLimit <= 0) {
            return 0;
        }
        long total = plan.ranges().stream().mapToInt(RunPlan.PartitionRange::partition).distinct().count();
        long local = streams.metadataForLocalThreads().stream().flatMap(t -> t.activeTasks().stream())
                .filter(t -> t.taskId().subtopology() == 0).count();
        return local == 0 ? runLimit : runLimit * local / Math.max(1, total);
    }

    private static boolean hostsEvidenceTask(KafkaStreams streams, int evidenceSubtopology) {
        return streams.metadataForLocalThreads().stream().flatMap(t -> t.activeTasks().stream())
                .anyMatch(t -> t.taskId().subtopology() == evidenceSubtopology);
    }

    /**
     * Ends an aborted run with FINAL evidence: the counts of the last progress record, verdict
     * untrusted, reason aborted. Written by the one instance that hosts the evidence task.
     */
    private void writeAborted(RunPlan plan, RecoveryEvidence lastProgress, String reason) {
        RecoveryEvidence base = lastProgress != null ? lastProgress
                : EvidenceBuilder.progress(contract, plan, java.util.List.of(), System.currentTimeMillis());
        RecoveryEvidence aborted = RecoveryEvidence.newBuilder(base)
                .setKind(EvidenceKind.FINAL)
                .setConfidenceStatus(ConfidenceStatus.untrusted)
                .setConfidenceReasons(java.util.List.of("aborted: " + (reason == null || reason.isBlank() ? "the operator stopped the run" : reason)
                                + "; the run stopped before it was complete and the projection is partial",
                        "counts are those of the last progress record, before the abort"))
                .setEndedAt(java.time.Instant.now())
                .build();
        writeEvidence(plan, aborted);
        LOG.warn("Run {} aborted by the operator: untrusted evidence written to {}", plan.runId(), contract.evidence().topic());
    }

    /**
     * Fails the run when retention (or a delete-records call) removed records of the plan's ranges
     * before the replay read them: such a run could never be complete, and would otherwise wait forever.
     */
    private void checkNothingExpired(Admin admin, RunPlan plan) {
        Map<TopicPartition, org.apache.kafka.clients.admin.OffsetSpec> request = new HashMap<>();
        plan.ranges().stream().filter(RunPlan.PartitionRange::hasData)
                .forEach(r -> request.put(r.topicPartition(), org.apache.kafka.clients.admin.OffsetSpec.earliest()));
        if (request.isEmpty()) {
            return;
        }
        Map<TopicPartition, OffsetAndMetadata> committed;
        Map<TopicPartition, org.apache.kafka.clients.admin.ListOffsetsResult.ListOffsetsResultInfo> earliest;
        try {
            earliest = admin.listOffsets(request).all().get();
            committed = admin.listConsumerGroupOffsets(contract.applicationId()).partitionsToOffsetAndMetadata().get();
        } catch (ExecutionException e) {
            LOG.debug("cannot check log start offsets now: {}", e.getMessage());
            return;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
        for (RunPlan.PartitionRange r : plan.ranges()) {
            var start = earliest.get(r.topicPartition());
            OffsetAndMetadata c = committed.get(r.topicPartition());
            long position = c == null ? r.start() : c.offset();
            if (start != null && position <= r.lastDataOffset() && start.offset() > position) {
                throw new IllegalStateException("records " + position + " to " + (start.offset() - 1) + " of " + r.id()
                        + " were deleted (retention or delete-records) before the replay read them; this run cannot be complete."
                        + " Plan a new run, and raise the topic's retention.ms for the length of a replay");
            }
        }
    }

    private static String rootMessage(Throwable t) {
        Throwable root = t;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return root == t ? String.valueOf(t.getMessage()) : t.getMessage() + " (cause: " + root + ")";
    }

    private KafkaConsumer<byte[], byte[]> evidenceConsumer(RunPlan plan) {
        Properties p = new Properties();
        p.putAll(clientConfig);
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        p.remove(ConsumerConfig.GROUP_ID_CONFIG);
        KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer());
        List<TopicPartition> partitions = new ArrayList<>();
        for (PartitionInfo info : consumer.partitionsFor(contract.evidence().topic(), Duration.ofSeconds(30))) {
            partitions.add(new TopicPartition(info.topic(), info.partition()));
        }
        consumer.assign(partitions);
        Map<TopicPartition, Long> since = new HashMap<>();
        partitions.forEach(tp -> since.put(tp, plan.createdAtMillis() - 60_000));
        Map<TopicPartition, OffsetAndTimestamp> offsets = consumer.offsetsForTimes(since, Duration.ofSeconds(30));
        for (TopicPartition tp : partitions) {
            OffsetAndTimestamp o = offsets.get(tp);
            if (o == null) {
                consumer.seekToEnd(List.of(tp));
            } else {
                consumer.seek(tp, o.offset());
            }
        }
        return consumer;
    }

    private record Observed(RecoveryEvidence finalEvidence, RecoveryEvidence progress) {
    }

    private static Observed pollEvidence(KafkaConsumer<byte[], byte[]> consumer, RunPlan plan) {
        RecoveryEvidence progress = null;
        for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(250))) {
            if (r.value() == null) {
                continue;
            }
            try {
                RecoveryEvidence e = EvidenceCodec.decode(r.value());
                if (!e.getRunId().equals(plan.runId())) {
                    continue;
                }
                if (e.getKind() == EvidenceKind.FINAL) {
                    return new Observed(e, progress);
                }
                progress = e;
            } catch (RuntimeException notEvidence) {
                LOG.debug("skipping a record on the evidence topic that is not evidence: {}", notEvidence.getMessage());
            }
        }
        return new Observed(null, progress);
    }
}
