package dev.reprise.runner;

import dev.reprise.streams.WriteGuard;
import dev.reprise.streams.StreamsSettings;
import dev.reprise.run.RunStoreFence;
import dev.reprise.run.RunStore;
import dev.reprise.run.RunPositions;
import dev.reprise.run.Progress;
import dev.reprise.run.Control;
import dev.reprise.evidence.io.EvidenceTrust;
import dev.reprise.evidence.io.EvidenceReader;
import dev.reprise.evidence.io.EvidenceChannel;
import dev.reprise.cluster.GroupOffsets;
import dev.reprise.cluster.AuthorizationFailure;
import dev.reprise.config.RepriseConfig;
import dev.reprise.contract.Contract;
import dev.reprise.evidence.EvidenceCodec;
import dev.reprise.evidence.avro.EvidenceKind;
import dev.reprise.evidence.avro.RecoveryEvidence;
import dev.reprise.pipeline.ReplayTopology;
import dev.reprise.pipeline.source.Throttle;
import dev.reprise.pipeline.support.Guardrails;
import dev.reprise.plan.CompiledContract;
import dev.reprise.plan.RunPlan;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.streams.CloseOptions;
import org.apache.kafka.streams.KafkaStreams;
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
    private final CompiledContract codecs;
    /** The evidence in the contract's evidence.encoding: written by the topology and by the runner, read by the runner. */
    private final EvidenceCodec evidenceCodec;
    private final Map<String, Object> clientConfig;
    private final Path stateDir;
    private final Map<String, Object> streamsOverrides;
    private final StopSignal stop = new StopSignal();
    /** Signs the evidence this process writes, or marks it unsigned; its public key also picks out the run's own records. */
    private final dev.reprise.evidence.EvidenceSignature.Signer signer;
    /** Where the phases of this command are marked ({@code --timings}); a clock nobody reads by default. */
    private PhaseClock clock = PhaseClock.sinceProcessStart();

    /** Set by {@link #stop()} from another thread; read by the supervisor. */
    static final class StopSignal {
        private volatile boolean requested;

        boolean requested() {
            return requested;
        }
    }

    /**
     * @param clientConfig    connection properties for every client (bootstrap.servers, security)
     * @param stateDir        Kafka Streams' state directory (RocksDB stores live under it)
     * @param streamsOverrides extra Kafka Streams properties, applied last
     */
    public ReplayRunner(Contract contract, CompiledContract codecs, Map<String, Object> clientConfig, Path stateDir, Map<String, Object> streamsOverrides) {
        this.contract = contract;
        this.codecs = codecs;
        this.evidenceCodec = EvidenceCodec.forContract(contract, codecs.resolver(), codecs.schemaIds());
        this.clientConfig = Map.copyOf(clientConfig);
        this.stateDir = stateDir;
        this.streamsOverrides = Map.copyOf(streamsOverrides);
        // Reprise's own properties are checked before anything starts, the evidence keys with them.
        RepriseConfig.of(streamsProperties());
        this.signer = EvidenceTrust.signer(streamsProperties(), System.getenv());
    }

    /**
     * Registers the evidence and projection schemas when they are written Confluent-framed with a schema registry
     * (once per process), so that a registry that refuses them or cannot be reached stops the command before it
     * changes anything.
     */
    public void prepareOutputs() {
        evidenceCodec.prepare();
        codecs.projectionFormat().prepare();
    }

    /** Marks this runner's phases (plan, offsets, Kafka Streams' start and close) on {@code clock}; returns this runner. */
    public ReplayRunner timedBy(PhaseClock clock) {
        this.clock = java.util.Objects.requireNonNull(clock);
        return this;
    }

    /** Kafka Streams settings Reprise chooses for a replay ({@link StreamsSettings}). */
    public static Map<String, Object> replayDefaults() {
        return StreamsSettings.replayDefaults();
    }

    public Properties streamsProperties() {
        return StreamsSettings.properties(contract, clientConfig, stateDir, streamsOverrides);
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
        // Evidence is what a team promotes on, months later too: never deleted by retention.
        topics.add(new NewTopic(contract.evidence().topic(), Optional.of(1), Optional.empty())
                .configs(Map.of(TopicConfig.RETENTION_MS_CONFIG, "-1", TopicConfig.RETENTION_BYTES_CONFIG, "-1")));
        topics.add(new NewTopic(contract.deadLetter().topic(), Optional.of(plan.repartitionPartitions()), Optional.empty()));
        // One request for the three: each of Kafka's answers is waited for in turn, by topic, as before.
        Map<String, org.apache.kafka.common.KafkaFuture<Void>> created = admin.createTopics(topics).values();
        for (NewTopic topic : topics) {
            try {
                created.get(topic.name()).get();
                LOG.info("Created topic {}", topic.name());
            } catch (ExecutionException e) {
                if (e.getCause() instanceof org.apache.kafka.common.errors.TopicAuthorizationException denied) {
                    // Kafka's answer to CreateTopics names no topic: name it, so the operator knows what to grant.
                    throw new IllegalStateException("cannot create topic " + topic.name(), new org.apache.kafka.common.errors.TopicAuthorizationException(
                            denied.getMessage(), java.util.Set.of(topic.name())));
                }
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
     * must have no active members; Kafka refuses otherwise. Does not make the plan the run in force:
     * {@link #begin} does both.
     */
    public Map<TopicPartition, Long> resetOffsets(Admin admin, RunPlan plan) {
        new GroupOffsets(admin, contract.applicationId()).resetTo(plan);
        Map<TopicPartition, Long> applied = new HashMap<>();
        plan.ranges().forEach(r -> applied.put(r.topicPartition(), r.start()));
        return applied;
    }

    /**
     * Makes {@code plan} the run in force: creates its topics, records it in the run store if the run in force
     * is still {@code expectedRunId} (empty: none), and sets the group's offsets to the plan's start.
     *
     * @throws RunStore.ConcurrentRunException when another command changed the run in force at the same moment:
     *                                         then neither the run store nor the offsets were changed by this call
     */
    public void begin(Admin admin, Optional<String> expectedRunId, RunPlan plan) {
        prepareTopics(admin, plan);
        new RunStore(contract, clientConfig).claim(admin, expectedRunId, plan, p -> resetOffsets(admin, p));
    }

    /**
     * What {@link #prepare} decided: the plan to run, and the run's final evidence when it is already complete.
     *
     * @param how new (no run before, or a run whose offsets were never set), continue (an unfinished run),
     *            external-reset (the group's offsets were moved back with other tools: a new run from where they are),
     *            complete (nothing to do)
     * @param repaired partitions whose offsets had been moved forward past records the run had not read, put back
     *                 (described for the operator); empty when none
     */
    public record Prepared(RunPlan plan, String how, RecoveryEvidence finalEvidence, List<String> repaired) {
        public Prepared(RunPlan plan, String how, RecoveryEvidence finalEvidence) {
            this(plan, how, finalEvidence, List.of());
        }
    }

    /**
     * Decides which run {@code reprise run} runs. The run in force is kept in Kafka ({@link RunStore}); it
     * continues unless the group's committed offsets were moved behind it with other tools (Kafka's
     * consumer-groups or streams-groups reset), which starts a new run from where the operator put them,
     * so replayed events are never taken for duplicates of the previous run. Offsets moved forward inside an
     * unfinished run, past records it has not read, are put back ({@link RunPositions}): a run in force never
     * skips part of its range. Creating a run is a compare-and-set on the run in force: of two commands started
     * together one creates the run, the other fails with {@link RunStore.ConcurrentRunException}.
     */
    public Prepared prepare(Admin admin) {
        prepareOutputs();
        Optional<RunStore.Current> current = new RunStore(contract, clientConfig).inForce(admin);
        clock.mark("run in force read");
        return prepare(admin, current);
    }

    /** As {@link #prepare(Admin)}, with the run in force the caller has just read. */
    private Prepared prepare(Admin admin, Optional<RunStore.Current> current) {
        GroupOffsets group = new GroupOffsets(admin, contract.applicationId());
        if (current.isEmpty()) {
            RunPlan plan = new dev.reprise.plan.Planner(admin, clientConfig).plan(contract);
            clock.mark("run planned");
            begin(admin, Optional.empty(), plan);
            clock.mark("run recorded, topics created, group's offsets set");
            return new Prepared(plan, "new", null);
        }
        RunPlan plan = current.get().plan();
        if (!current.get().offsetsSet()) {
            // The command that made this run stopped before it set the group's offsets: set them now.
            begin(admin, Optional.of(plan.runId()), plan);
            return new Prepared(plan, "new", null);
        }
        Map<TopicPartition, Long> committed = group.committed();
        java.util.Optional<RecoveryEvidence> done = Optional.ofNullable(new EvidenceReader(contract, clientConfig, codecs.resolver(), signer.publicKey())
                .forPlan(plan).finalEvidence());
        boolean movedBack = plan.ranges().stream().anyMatch(r -> {
            Long c = committed.get(r.topicPartition());
            return c != null && (c < r.start() || done.isPresent() && r.hasData() && c <= r.lastDataOffset());
        });
        if (!movedBack) {
            if (done.isPresent()) {
                return new Prepared(plan, "complete", done.get());
            }
            List<String> repaired = group.activeMembers().isEmpty()
                    ? new RunPositions(contract, clientConfig).putBackForwardMoves(admin, plan, committed) : List.of();
            return new Prepared(plan, "continue", null, repaired);
        }
        Map<TopicPartition, Long> from = new HashMap<>();
        plan.ranges().forEach(r -> from.put(r.topicPartition(), committed.getOrDefault(r.topicPartition(), r.start())));
        Contract moved = contract.withScopeFrom(new dev.reprise.contract.Position.AtOffsets(from));
        RunPlan next = new dev.reprise.plan.Planner(admin, clientConfig).plan(moved);
        begin(admin, Optional.of(plan.runId()), next);
        return new Prepared(next, "external-reset", null);
    }

    /**
     * Decides which run {@code reprise replay} runs: the unfinished run in force when it was planned from this very
     * contract (a restarted Job resumes it, see {@link #prepare}), otherwise a new run planned now, replacing the run in
     * force (with the same compare-and-set as {@code reset --execute}). A complete run in force is replayed anew: replay
     * means "a complete run of this contract, now".
     */
    public Prepared prepareReplay(Admin admin) {
        // The new plan is made while the run in force is read: planning only reads the cluster, and a replay needs the plan
        // unless it resumes an unfinished run (then the plan made here is dropped, its failure too).
        java.util.concurrent.CompletableFuture<RunPlan> planning = java.util.concurrent.CompletableFuture.supplyAsync(
                () -> new dev.reprise.plan.Planner(admin, clientConfig).plan(contract), task -> {
                    Thread t = new Thread(task, "reprise-replay-plan");
                    t.setDaemon(true);
                    t.start();
                });
        Optional<RunStore.Current> current = new RunStore(contract, clientConfig).inForce(admin);
        clock.mark("run in force read");
        if (current.isPresent() && current.get().plan().contractHash().equals(contract.hash())) {
            // The run in force just read is the one resumed: it is read once. Whatever changes it from here on is caught
            // by the compare-and-set of begin() and, once running, by the run fence.
            prepareOutputs();
            Prepared resumed = prepare(admin, current);
            if (!resumed.how().equals("complete")) {
                return resumed;
            }
        }
        RunPlan next = planned(planning);
        clock.mark("run planned (beside the run in force's read)");
        begin(admin, current.map(c -> c.plan().runId()), next);
        clock.mark("run recorded, topics created, group's offsets set");
        return new Prepared(next, "new", null);
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
        RunObserver callbacks = new RunObserver() {
            @Override
            public void running(KafkaStreams streams) {
                onRunning.accept(streams);
            }

            @Override
            public void progress(Progress progress) {
                onProgress.accept(progress);
            }

            @Override
            public void closing(KafkaStreams streams) {
                beforeClose.accept(streams);
            }
        };
        return run(plan, callbacks, onProgress != null);
    }

    /**
     * Runs the replay as {@link #run(RunPlan, Consumer)} does, telling {@code observer} what happens: state, progress
     * (the group's committed offsets, read once a second), final evidence, a failure, and the stages' counts at each
     * commit ({@link RunObserver#counterFeed()}).
     */
    public RecoveryEvidence runObserved(RunPlan plan, RunObserver observer) {
        return run(plan, observer, true);
    }

    private RecoveryEvidence run(RunPlan plan, RunObserver outside, boolean readsProgress) {
        RunObserver observer = RunObserver.all(List.of(outside, new RunObserver() {
            @Override
            public void running(KafkaStreams streams) {
                clock.mark("Kafka Streams RUNNING (group joined, tasks assigned)");
            }

            @Override
            public void closing(KafkaStreams streams) {
                clock.mark("final evidence seen, Kafka Streams closing");
            }
        }));
        // Refuses to start on Kafka Streams or RocksDB versions whose internals Reprise was not verified with.
        dev.reprise.compat.KafkaInternals.check();
        if (!signer.signs()) {
            LOG.warn("Run {}: no evidence signing key ({} or {}): the evidence will be UNSIGNED, and 'reprise promote --execute' refuses "
                    + "it without --allow-unsigned-evidence. 'reprise keys generate' makes a key pair (docs/evidence-signature.md)",
                    plan.runId(), RepriseConfig.EVIDENCE_SIGNING_KEY_FILE, EvidenceTrust.SIGNING_KEY_ENV);
        } else {
            LOG.info("Run {}: evidence is signed with key {}", plan.runId(), signer.keyId());
        }
        Throttle throttle = Throttle.unlimited();
        Guardrails guardrails = new Guardrails(contract.reconciliation().thresholds());
        prepareOutputs();
        RunStoreFence fence = new RunStoreFence(new RunStore(contract, clientConfig), this::admin);
        Topology topology = ReplayTopology.build(contract, plan, codecs, throttle, guardrails, RepriseConfig.of(streamsProperties()), observer.counterFeed(),
                fence, signer);
        // The subtopology that holds the evidence stage, by its node's name: subtopology ids also count global stores
        // (a reference topic), so the last index is not always the evidence's.
        int evidenceSubtopology = topology.describe().subtopologies().stream()
                .filter(s -> s.nodes().stream().anyMatch(n -> n.name().equals(ReplayTopology.EVIDENCE_NODE)))
                .mapToInt(org.apache.kafka.streams.TopologyDescription.Subtopology::id).findFirst()
                .orElseThrow(() -> new IllegalStateException("the topology has no evidence stage"));
        AtomicReference<Throwable> failure = new AtomicReference<>();
        KafkaStreams streams = new KafkaStreams(topology, streamsProperties(), WriteGuard.clientSupplier(contract));
        streams.setUncaughtExceptionHandler(e -> {
            failure.set(e);
            java.util.Optional<String> denied = AuthorizationFailure.describe(e, contract);
            java.util.Optional<Throwable> fenced = causes(e).filter(c -> c instanceof dev.reprise.pipeline.support.RunFence.FencedRunException).findFirst();
            dev.reprise.codec.InfrastructureException infrastructure = dev.reprise.codec.InfrastructureException.in(e);
            if (fenced.isPresent()) {
                LOG.error("The replay stopped: {}", fenced.get().getMessage());
            } else if (denied.isPresent()) {
                LOG.error("The replay stopped: {}; then run again: the run resumes from its last commit", denied.get());
            } else if (infrastructure != null) {
                LOG.error("The replay stopped: {}", infrastructure.getMessage());
            } else {
                LOG.error("The replay stopped on an error; fix the cause and run again: the run resumes from its last commit", e);
            }
            return StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse.SHUTDOWN_CLIENT;
        });
        observer.created(plan, streams);
        clock.mark("topology built, Kafka Streams created");
        Control control = new Control(contract, clientConfig);
        try (Admin admin = admin(); EvidenceChannel evidence = new EvidenceChannel(contract, clientConfig, plan, evidenceCodec, signer);
             Control.Follower follower = follow(control, admin, plan)) {
            Supervisor.Parts parts = new Supervisor.Parts(contract, plan, streams, throttle, guardrails, admin, control, follower, evidence,
                    evidenceSubtopology, failure, observer, readsProgress);
            return new Supervisor(parts, stop, RepriseConfig.of(streamsProperties()).stallTimeoutMs()).supervise();
        } catch (RuntimeException e) {
            observer.failed(e.getMessage());
            throw e;
        } finally {
            // A thread waiting under a tiny limit would hold up the close for as long as its wait.
            throttle.setLimit(0);
            // Closed from this thread, never from a stream thread. Leaving the group lets the next
            // run reset the group's offsets at once instead of after the session timeout.
            streams.close(CloseOptions.groupMembershipOperation(CloseOptions.GroupMembershipOperation.LEAVE_GROUP)
                    .withTimeout(Duration.ofSeconds(60)));
            fence.close();
            clock.mark("Kafka Streams closed");
        }
    }

    /** The plan made on another thread, or its failure as the planner threw it (an invalid scope: exit 2). */
    private static RunPlan planned(java.util.concurrent.CompletableFuture<RunPlan> planning) {
        try {
            return planning.join();
        } catch (java.util.concurrent.CompletionException e) {
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            if (e.getCause() instanceof Error error) {
                throw error;
            }
            throw e;
        }
    }

    /** The control topic's follower, once the topic exists (one admin client for both). */
    private static Control.Follower follow(Control control, Admin admin, RunPlan plan) {
        control.ensureTopic(admin);
        return control.follow(plan.runId());
    }

    private static java.util.stream.Stream<Throwable> causes(Throwable e) {
        return java.util.stream.Stream.iterate(e, java.util.Objects::nonNull, Throwable::getCause).limit(20);
    }

    /**
     * Asks a continuous run to stop once it has caught up with its plan (its final evidence is written);
     * {@link #run} then returns that evidence. A bounded run stops by itself.
     */
    public void stop() {
        stop.requested = true;
    }

}
