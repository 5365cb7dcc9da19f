package dev.reprise.pipeline.source;

import dev.reprise.codec.PoisonRecordException;
import dev.reprise.codec.RegistryRetry;
import dev.reprise.compat.CommitHook;
import dev.reprise.compat.HookForwarding;
import dev.reprise.compat.Partitions;
import dev.reprise.contract.Contract;
import dev.reprise.counts.Count;
import dev.reprise.counts.CountFamily;
import dev.reprise.pipeline.repartition.Routed;
import dev.reprise.pipeline.repartition.RoutedSerde;
import dev.reprise.pipeline.support.CounterFeed;
import dev.reprise.pipeline.support.Counters;
import dev.reprise.pipeline.support.DeadLetters;
import dev.reprise.pipeline.support.Failures;
import dev.reprise.pipeline.support.Guardrails;
import dev.reprise.pipeline.support.RunFence;
import dev.reprise.plan.CompiledContract;
import dev.reprise.plan.RunPlan;
import dev.reprise.upcast.UpcasterRegistry;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.api.RecordMetadata;
import org.apache.kafka.streams.state.KeyValueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * The bounded source: reads each source partition of its task inside the plan's range, decodes and
 * upcasts each record, applies the scope's filters, and hands events on keyed by the ordering key.
 * Poison records go to the dead-letter topic; a registry that does not answer stops the run ({@link Failures}). When a partition's range is done it hands on an
 * {@link Routed.End} marker carrying the partition's counters.
 */
public final class SourceStage implements Processor<byte[], byte[], byte[], Routed> {
    /** The stage's two children: it forwards each record to the one it is for, not to both. */
    public static final String POISON_NODE = "reprise-poison";
    public static final String EVENTS_NODE = "reprise-events";
    /** run id|topic:partition → the source partition's counters ({@link Counters}), changelogged. */
    public static final String COUNTERS_STORE = "reprise-source-counters";
    /** Tells the stage that its task is about to commit: the counters are written then, once. */
    public static final String COMMIT_HOOK = "reprise-source-commit";
    private static final Logger LOG = LoggerFactory.getLogger(SourceStage.class);
    private static final int MISPLACED_SAMPLES = 5;

    private final Contract contract;
    private final RunPlan plan;
    private final CompiledContract codecs;
    private final Throttle throttle;
    private final Guardrails guardrails;
    /** This instance's metrics: told at each commit how much the partitions' counters grew. */
    private final CounterFeed feed;
    private final RegistryRetry registryRetry;
    private ProcessorContext<byte[], Routed> context;
    private Counters counters;
    private EventReader reader;
    private final Map<String, SourcePartition[]> partitions = new HashMap<>();
    /** Counter names of each upcaster chain, one per step ("upcast:type:from:to"), built once per chain. */
    private final Map<UpcasterRegistry.Chain, String[]> upcastCounters = new IdentityHashMap<>();
    private final List<SourcePartition> taskPartitions = new ArrayList<>();
    /** Events bound for the repartition topic, sent a batch per partition (null without a repartition). */
    private RoutedSerde.Batches batches;
    /** Kafka Streams' own context and this stage's node, to send the batches from the commit hook. */
    private HookForwarding hookForwarding;
    private CommitHook commitHook;
    /** Proves the offsets skipped over hold nothing; made from the application's settings unless given. */
    private final java.util.function.Function<Map<String, Object>, GapCheck> gapChecks;
    private GapCheck gapCheck;
    private final RunFence fence;

    public SourceStage(Contract contract, RunPlan plan, CompiledContract codecs, Throttle throttle, Guardrails guardrails) {
        this(contract, plan, codecs, throttle, guardrails, CounterFeed.NONE);
    }

    public SourceStage(Contract contract, RunPlan plan, CompiledContract codecs, Throttle throttle, Guardrails guardrails, CounterFeed feed) {
        this(contract, plan, codecs, throttle, guardrails, feed, RunFence.NONE, RegistryRetry.DEFAULT);
    }

    /**
     * @param fence         checked when the task is assigned, before anything is processed
     * @param registryRetry how a schema id is asked again while the registry does not give it ({@code reprise.registry.retry.*})
     */
    public SourceStage(Contract contract, RunPlan plan, CompiledContract codecs, Throttle throttle, Guardrails guardrails, CounterFeed feed, RunFence fence,
                       RegistryRetry registryRetry) {
        this(contract, plan, codecs, throttle, guardrails, feed, fence, registryRetry, KafkaGapCheck::new);
    }

    /** @param gapChecks makes the check of skipped offsets from the application's configuration (tests give their own) */
    public SourceStage(Contract contract, RunPlan plan, CompiledContract codecs, Throttle throttle, Guardrails guardrails, CounterFeed feed, RunFence fence,
                       RegistryRetry registryRetry, java.util.function.Function<Map<String, Object>, GapCheck> gapChecks) {
        this.fence = fence;
        this.gapChecks = gapChecks;
        this.registryRetry = registryRetry;
        this.feed = feed;
        this.throttle = throttle;
        this.guardrails = guardrails;
        this.contract = contract;
        this.plan = plan;
        this.codecs = codecs;
    }

    @Override
    public void init(ProcessorContext<byte[], Routed> context) {
        // Before anything of this task is read: an instance of a run that is no longer in force stops here.
        fence.check(plan.runId());
        this.context = context;
        KeyValueStore<String, byte[]> store = context.getStateStore(COUNTERS_STORE);
        this.counters = new Counters(store, plan.runId());
        CommitHook hook = context.getStateStore(COMMIT_HOOK);
        this.commitHook = hook;
        boolean viaRepartition = !contract.history().keyedByOrderingKey();
        if (viaRepartition) {
            // Batches wait in memory until they are full, a range ends, or the task commits: the commit hook
            // sends what is left before the producer flush and the offset commit, so nothing read is committed
            // unsent. There is no other path: without Kafka Streams' own context this fails at once.
            this.hookForwarding = HookForwarding.of(context);
            this.batches = new RoutedSerde.Batches(plan.repartitionPartitions(), plan.statePrefix());
            hook.beforeCommit(this::sendBatchesBeforeCommit);
        }
        hook.beforeCommit(() -> {
            taskPartitions.forEach(this::checkGaps);
            taskPartitions.forEach(SourcePartition::foldIntoCounters);
            counters.persist();
        });
        this.reader = new EventReader(contract, codecs, codecs.newDecoder(registryRetry));
        int taskPartition = context.taskId().partition();
        for (RunPlan.PartitionRange range : plan.ranges()) {
            if (range.partition() != taskPartition) {
                continue;
            }
            SourcePartition state = new SourcePartition(range, counters, feed, plan.repartitionPartitions(), viaRepartition);
            state.isEnded = state.counters.get(Count.ENDED) > 0;
            partitions.computeIfAbsent(range.topic(), t -> new SourcePartition[taskPartition + 1])[taskPartition] = state;
            taskPartitions.add(state);
        }
        // A range without records is never announced by a record; end it from a punctuation.
        context.schedule(Duration.ofMillis(500), PunctuationType.WALL_CLOCK_TIME, now -> endEmptyRanges());
    }

    @Override
    public void process(Record<byte[], byte[]> record) {
        commitHook.pending();
        RecordMetadata meta = context.recordMetadata().orElseThrow();
        SourcePartition[] byPartition = partitions.get(meta.topic());
        SourcePartition ps = byPartition == null || meta.partition() >= byPartition.length ? null : byPartition[meta.partition()];
        if (ps == null) {
            // A partition added after the run was planned: not part of this run.
            return;
        }
        long offset = meta.offset();
        if (offset < ps.range.start()) {
            ps.counters.add(Count.OUT_OF_RANGE, 1);
            return;
        }
        if (ps.read > 0 && offset <= ps.lastOffset) {
            // Read by this run already: the group's offsets were moved back inside the run (with Kafka's own tools,
            // or after an at-least-once crash). Its effects are in the state: skipped and counted, never applied twice.
            ps.counters.add(Count.REDELIVERED, 1);
            return;
        }
        if (offset >= ps.range.end()) {
            endRange(ps);
            if (contract.processing().bounded()) {
                // Beyond the planned end: left in the topic for a later run.
                return;
            }
        } else if (ps.isEnded) {
            // Only under at-least-once, after a restart: this record was already counted.
            return;
        } else {
            ps.noteGapBefore(offset);
        }
        throttle.acquire();
        if (ps.read++ == 0) {
            ps.firstOffset = offset;
            ps.counters.set(Count.STARTED_AT, context.currentSystemTimeMs());
        }
        ps.lastOffset = offset;
        // A registry that does not answer is thrown by the reader, not made poison: the run stops, nothing of this batch
        // is committed, and it resumes from its last commit.
        EventReader.Result result = reader.read(new EventReader.SourceRecord(meta.topic(), meta.partition(), offset, record.key(),
                record.value(), record.headers(), record.timestamp()));
        countUpcasts(ps, result.upcast());
        boolean dead = false;
        if (result instanceof EventReader.Poison poison) {
            deadLetter(ps, record, meta, poison.cause());
            dead = true;
        } else if (result instanceof EventReader.Ready ready) {
            try {
                forward(ps, ready, record, meta);
            } catch (RuntimeException | StackOverflowError | OutOfMemoryError e) {
                // Failures decides: Kafka Streams' own failures are thrown on (the run stops); anything else is the record's.
                deadLetter(ps, record, meta, Failures.deadLetterOrStop(e, EventReader.WHERE));
                dead = true;
            }
        } else {
            // Out of scope (its type, tenant or key): counted, not handed on.
            ps.counters.add(Count.FILTERED, 1);
        }
        Guardrails.Trip trip = guardrails.recordRead(dead);
        if (trip != null) {
            ps.counters.set(trip.counter(), 1);
        }
        if (offset == ps.range.lastDataOffset()) {
            endRange(ps);
        }
    }

    /** Counts each upcast step applied to the record's payload, whatever became of the record after. */
    private void countUpcasts(SourcePartition ps, UpcasterRegistry.Chain chain) {
        if (chain == null) {
            return;
        }
        for (String counter : upcastCounters.computeIfAbsent(chain, c -> c.steps().stream()
                .map(step -> new CountFamily.UpcastStep(c.type(), step.fromVersion(), step.toVersion()).counter()).toArray(String[]::new))) {
            ps.counters.add(counter, 1);
        }
    }

    private void forward(SourcePartition ps, EventReader.Ready ready, Record<byte[], byte[]> record, RecordMetadata meta) {
        String key = ready.orderingKey();
        Routed.Data data = new Routed.Data(ready.eventId(), ready.type(), ready.decoded().version(), record.timestamp(), ready.sequence(),
                meta.topic(), meta.partition(), meta.offset(), ready.payload(), null);
        if (ready.bytesReusable()) {
            // Written with the latest local schema and not upcast: its bytes cross the repartition as they
            // are, with no encoding. (Ignored without a repartition: the apply stage uses the record.)
            data.payloadBytes = record.value();
            data.payloadOffset = ready.decoded().avroOffset();
            data.payloadEnd = record.value().length;
        }
        byte[] keyBytes = key.getBytes(StandardCharsets.UTF_8);
        int keyPartition = Partitions.ofKey(keyBytes, plan.repartitionPartitions());
        if (batches != null) {
            ps.sent[keyPartition]++;
            Routed.Batch full = batches.add(keyPartition, keyBytes, data);
            if (full != null) {
                forwardBatch(full);
            }
            return;
        }
        // No repartition: the apply stage runs in this task, and the event must already be in its key's partition.
        if (keyPartition != meta.partition()) {
            misplaced(ps, key, meta, keyPartition);
        }
        context.forward(new Record<>(keyBytes, (Routed) data, record.timestamp()), EVENTS_NODE);
    }

    private void forwardBatch(Routed.Batch batch) {
        byte[] key = {(byte) (batch.partition() >>> 24), (byte) (batch.partition() >>> 16), (byte) (batch.partition() >>> 8), (byte) batch.partition()};
        context.forward(new Record<>(key, (Routed) batch, context.currentSystemTimeMs()), EVENTS_NODE);
    }

    /** Sends every partly filled batch, from inside a process call or a punctuation. */
    private void sendBatches() {
        if (batches != null) {
            batches.takeAll().forEach(this::forwardBatch);
        }
    }

    /** Sends every partly filled batch from the commit hook, outside any process call. */
    private void sendBatchesBeforeCommit() {
        List<Routed.Batch> left = batches.takeAll();
        if (!left.isEmpty()) {
            hookForwarding.run(context.currentSystemTimeMs(), () -> left.forEach(this::forwardBatch));
        }
    }

    /**
     * An event of a history declared keyed by the ordering key (no repartition) read from another partition than
     * its key's: its key's events may be split over tasks, applied twice or out of order. Counted with samples;
     * the evidence makes such a run untrusted. Applied all the same, so every count still balances.
     */
    private void misplaced(SourcePartition ps, String key, RecordMetadata meta, int keyPartition) {
        if (ps.misplaced++ < MISPLACED_SAMPLES) {
            ps.counters.set(new CountFamily.Misplaced(key, meta.topic() + "-" + meta.partition() + "@" + meta.offset(), keyPartition).counter(), 1);
            LOG.warn("Event with ordering key '{}' at {}-{} offset {} belongs to partition {} by the default partitioner, but the contract "
                    + "says the history is keyed by the ordering key (history.keyed_by_ordering_key: true); the run will be untrusted",
                    key, meta.topic(), meta.partition(), meta.offset(), keyPartition);
        }
    }

    private void deadLetter(SourcePartition ps, Record<byte[], byte[]> record, RecordMetadata meta, PoisonRecordException e) {
        DeadLetters.Letter letter = DeadLetters.letter(plan.runId(), "decode", e, meta.topic(), meta.partition(), meta.offset(),
                record.key(), record.value(), DeadLetters.DEFAULT_MAX_ORIGINAL_BYTES);
        ps.counters.add(Count.DEAD_LETTERED, 1);
        ps.counters.add(CountFamily.DEAD_LETTER_REASON.name(letter.reasonCode()), 1);
        if (ps.dlqLogged++ < 10 || ps.dlqLogged % 1000 == 0) {
            LOG.warn("{} at {}-{} offset {} ({}): {}; record sent to the dead-letter topic {}; the run continues{}",
                    Failures.UNEXPECTED_ERROR.equals(letter.reasonCode()) ? "Unexpected error on the record" : "Poison record",
                    meta.topic(), meta.partition(), meta.offset(), letter.reasonCode(), DeadLetters.brief(letter.reason()), contract.deadLetter().topic(),
                    Failures.UNEXPECTED_ERROR.equals(letter.reasonCode()) ? " and will be degraded at best" : "");
        }
        context.forward(new Record<>(letter.key(), (Routed) new Routed.Dead(letter.key(), letter.value(), letter.headers()), record.timestamp(),
                letter.headers()), POISON_NODE);
    }

    private void endEmptyRanges() {
        for (SourcePartition ps : taskPartitions) {
            if (!ps.range.hasData()) {
                endRange(ps);
            }
        }
    }

    /**
     * Proves the offsets a partition skipped over since the last check hold no committed record, or counts them as
     * unproven with the reason (the evidence then fails its coverage rule). Runs before every commit and before a
     * range's end marker, so no gap is committed unchecked: after a crash the records after it are read again.
     */
    private void checkGaps(SourcePartition ps) {
        if (ps.pendingGaps.isEmpty()) {
            return;
        }
        if (gapCheck == null) {
            gapCheck = gapChecks.apply(context.appConfigs());
        }
        GapCheck.Result result = gapCheck.check(ps.range.topicPartition(), List.copyOf(ps.pendingGaps));
        ps.pendingGaps.clear();
        ps.counters.add(Count.OFFSETS_PROVEN_EMPTY, result.provenEmpty());
        for (GapCheck.Unproven u : result.unproven()) {
            ps.counters.add(Count.OFFSETS_UNPROVEN, u.gap().size());
            CountFamily.UnprovenGap gap = new CountFamily.UnprovenGap(u.gap().from(), u.gap().to(), u.reason());
            if (ps.unprovenSampled++ < MISPLACED_SAMPLES) {
                ps.counters.set(gap.counter(), 1);
            }
            LOG.warn("Source partition {}: {}; the run reads on, and its evidence will be untrusted", ps.range.id(), gap);
        }
    }

    @Override
    public void close() {
        if (gapCheck != null) {
            gapCheck.close();
            gapCheck = null;
        }
    }

    private void endRange(SourcePartition ps) {
        if (ps.isEnded) {
            return;
        }
        checkGaps(ps);
        ps.isEnded = true;
        ps.counters.set(Count.ENDED, 1);
        ps.foldIntoCounters();
        Map<String, Long> stats = ps.counters.snapshot();
        LOG.info("Source partition {} reached the end of its range [{}, {}): {} records read",
                ps.range.id(), ps.range.start(), ps.range.end(), Count.EVENTS_READ.in(stats));
        // The partition's events first: the end marker must follow them on every partition of the repartition topic.
        sendBatches();
        byte[] key = ("\u0000end " + ps.range.id()).getBytes(StandardCharsets.UTF_8);
        context.forward(new Record<>(key, (Routed) new Routed.End(ps.range.topic(), ps.range.partition(), stats),
                context.currentSystemTimeMs()), EVENTS_NODE);
        // Behind a repartition the apply tasks read committed records only: commit now so that the end of
        // the range reaches them without waiting for the next interval.
        context.commit();
    }
}
