package dev.reprise.pipeline.apply;

import dev.reprise.codec.HeaderNames;
import dev.reprise.codec.PoisonRecordException;
import dev.reprise.codec.ValueFormat;
import dev.reprise.compat.CommitHook;
import dev.reprise.compat.HookForwarding;
import dev.reprise.compat.NewHeaders;
import dev.reprise.contract.Contract;
import dev.reprise.counts.Count;
import dev.reprise.counts.CountFamily;
import dev.reprise.dedup.DedupSet;
import dev.reprise.evidence.TaskSummary;
import dev.reprise.pipeline.idcheck.IdClaims;
import dev.reprise.pipeline.repartition.Routed;
import dev.reprise.pipeline.repartition.RoutedSerde;
import dev.reprise.pipeline.support.CounterFeed;
import dev.reprise.pipeline.support.Counters;
import dev.reprise.pipeline.support.DeadLetters;
import dev.reprise.pipeline.support.Failures;
import dev.reprise.pipeline.support.Guardrails;
import dev.reprise.plan.CompiledContract;
import dev.reprise.plan.RunPlan;
import dev.reprise.projection.Event;
import dev.reprise.projection.Invariant;
import dev.reprise.projection.Projection;
import dev.reprise.projection.StateCodec;
import dev.reprise.reconcile.Reconciliation;
import dev.reprise.state.KeyPrefixes;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.utils.Bytes;
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
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The apply stage, one task per ordering-key partition: skips duplicate event ids (and counts an id that
 * comes again with other content as a conflict), applies each new event to the projection, and when the end markers of all its source partitions have arrived, checks
 * its share of the projection and hands a {@link TaskSummary} to the evidence stage.
 *
 * <p>Every store key starts with the run's 8-byte state prefix (the dedup lookup store's with a
 * generation of its own, see {@link DedupSet}), so a new run (after an offset reset) starts from an
 * empty projection and an empty dedup set without deleting the old run's state first.
 *
 * <p>Over 300 lines: the apply stage is one Kafka Streams processor; what is not the per-event path (states in memory, transit, payloads, completion) lives in the classes beside it.
 */
public final class ApplyStage<S extends SpecificRecord> implements Processor<byte[], Routed, byte[], Emitted> {
    /** run prefix + batch number + format → event ids with their events' digests and places: the event ids this run has applied ({@link DedupSet}), changelogged. Kept for the whole run: a duplicate can arrive at any offset. */
    public static final String DEDUP_STORE = "reprise-dedup";
    /** generation + event id → digest and place of its event ({@link DedupSet.Seen}): the same ids for lookups, on disk, rebuilt from {@link #DEDUP_STORE} when the task starts. */
    public static final String DEDUP_IDS_STORE = "reprise-dedup-ids";
    /** ordering key (run-prefixed) → Avro binary of the projection state. */
    public static final String PROJECTION_STORE = "reprise-projection";
    /** ordering key (run-prefixed) → last sequence number applied; used only with ordering.sequence_field. */
    public static final String SEQUENCE_STORE = "reprise-sequence";
    /** run id|scope|name → count: apply-stage counters and the end markers received. */
    public static final String COUNTERS_STORE = "reprise-apply-counters";
    /** Tells the stage that its task is about to commit: changed states and counters are written then, once. */
    public static final String COMMIT_HOOK = "reprise-apply-commit";
    /** Header on evidence parts: "progress" for a running count, absent for the task's final summary. */
    public static final String PART_HEADER = HeaderNames.SUMMARY_PART;
    private static final Logger LOG = LoggerFactory.getLogger(ApplyStage.class);

    private final Contract contract;
    private final RunPlan plan;
    private final CompiledContract codecs;
    private final Projection<S> projection;
    /** The projection's own invariants and the contract's CEL invariants. */
    private final List<Invariant<S>> invariants;
    private final Guardrails guardrails;
    /** This instance's metrics: told at each commit how much the task's counters grew. */
    private final CounterFeed feed;
    private final String referenceStoreName;
    private final boolean viaRepartition;
    private final byte[] prefix;
    private final int recentStates;
    private ProcessorContext<byte[], Emitted> context;
    private CommitHook commitHook;
    private KeyValueStore<Bytes, byte[]> dedup;
    private KeyValueStore<Bytes, byte[]> states;
    private KeyValueStore<Bytes, Long> sequences;
    private Counters counters;
    private Counters.Scope applyCounters;
    /** Event ids this run has applied, as far as this task knows. */
    private DedupSet seen;
    private StateCodec<S> codec;
    /** How states go to the projection topic: {@code projection.encoding}. */
    private ValueFormat projectionFormat;
    private RecentStates<S> recent;
    private Payloads payloads;
    /** Behind a repartition: what crossed it into this task. */
    private Transit transit;
    private TaskCompletion<S> completion;
    private Set<String> expectedEnds;
    private Map<String, Long> lastReported = Map.of();
    private boolean otherRunsGone;
    /** The source partition ({@link #sourceIndex}) of the last event, asked about again for most events. */
    private int lastSource = -1;
    /** With more than one apply task: the ids this task applied, on their way to the id check, and what it sent each of its tasks. */
    private IdClaims.Batches idClaims;
    private Counters.Scope claimsSent;
    /** Sends claims from the commit hook, outside any process call. */
    private HookForwarding hookForwarding;
    /** Conflicting events kept as samples per task: their names travel with every commit of the counters. */
    static final int CONFLICT_SAMPLES = 20;

    /** @param recentStates projection states kept in memory per task ({@code reprise.apply.recent.states}); 0: a share of the heap */
    public ApplyStage(Contract contract, RunPlan plan, CompiledContract codecs, Projection<S> projection, String referenceStoreName, boolean viaRepartition,
                      Guardrails guardrails, int recentStates) {
        this(contract, plan, codecs, projection, referenceStoreName, viaRepartition, guardrails, recentStates, CounterFeed.NONE);
    }

    public ApplyStage(Contract contract, RunPlan plan, CompiledContract codecs, Projection<S> projection, String referenceStoreName, boolean viaRepartition,
                      Guardrails guardrails, int recentStates, CounterFeed feed) {
        this.recentStates = recentStates;
        this.guardrails = guardrails;
        this.feed = feed;
        this.invariants = codecs.invariants();
        this.contract = contract;
        this.plan = plan;
        this.codecs = codecs;
        this.projection = projection;
        this.referenceStoreName = referenceStoreName;
        this.viaRepartition = viaRepartition;
        this.prefix = plan.statePrefix();
    }

    @Override
    public void init(ProcessorContext<byte[], Emitted> context) {
        this.context = context;
        this.dedup = context.getStateStore(DEDUP_STORE);
        this.states = context.getStateStore(PROJECTION_STORE);
        this.sequences = contract.ordering().sequenceField() == null ? null : context.getStateStore(SEQUENCE_STORE);
        this.counters = new Counters(context.getStateStore(COUNTERS_STORE), plan.runId());
        this.applyCounters = counters.scope("apply", feed);
        this.codec = new StateCodec<>(projection.stateClass(), codecs.resolver());
        this.projectionFormat = codecs.projectionFormat();
        this.payloads = new Payloads(codecs.catalog());
        int taskPartition = context.taskId().partition();
        // After a repartition every source partition reaches every apply task; without one, a task
        // sees only the source partitions with its own number.
        List<RunPlan.PartitionRange> ranges = plan.ranges().stream()
                .filter(r -> viaRepartition || r.partition() == taskPartition)
                .toList();
        this.expectedEnds = ranges.stream().map(RunPlan.PartitionRange::id).collect(Collectors.toSet());
        int applyTasks = viaRepartition ? plan.repartitionPartitions() : (int) plan.ranges().stream().mapToInt(RunPlan.PartitionRange::partition).distinct().count();
        this.recent = RecentStates.forTask(states, codec, recentStates, applyTasks, Runtime.getRuntime().maxMemory());
        this.seen = loadSeen(context.getStateStore(DEDUP_IDS_STORE), taskPartition, ranges);
        this.transit = viaRepartition ? new Transit(counters, applyCounters, taskPartition, plan, ranges) : null;
        this.completion = new TaskCompletion<>(states, referenceStoreName == null ? null : context.getStateStore(referenceStoreName), codec, prefix,
                taskPartition, plan.repartitionPartitions());
        this.commitHook = context.getStateStore(COMMIT_HOOK);
        if (plan.repartitionPartitions() > 1) {
            // Ids reused under ordering keys of different apply tasks meet no dedup set: every applied id is claimed at the id
            // check. Claims wait in memory until a batch is full, the task ends, or it commits: the commit hook sends what is left
            // before the producer flush and the offset commit, so no applied event is committed unclaimed.
            this.idClaims = new IdClaims.Batches(prefix, taskPartition, plan.repartitionPartitions());
            this.claimsSent = counters.scope("id-claims-sent");
            this.hookForwarding = HookForwarding.of(context);
        }
        commitHook.beforeCommit(() -> {
            if (idClaims != null && !idClaims.isEmpty()) {
                hookForwarding.run(context.currentSystemTimeMs(), () -> idClaims.takeAll(this::sendClaims));
            }
            seen.writeBatch();
            recent.writeAll();
            if (transit != null) {
                transit.fold();
            }
            counters.persist();
        });
        context.schedule(contract.evidence().progressInterval(), PunctuationType.WALL_CLOCK_TIME, now -> reportProgress());
        context.schedule(Duration.ofSeconds(1), PunctuationType.WALL_CLOCK_TIME, now -> forgetOtherRuns());
    }

    @Override
    public void process(Record<byte[], Routed> record) {
        commitHook.pending();
        if (transit != null && transit.isRedelivered(context.recordMetadata().map(RecordMetadata::offset).orElse(Long.MAX_VALUE))) {
            return;
        }
        Routed value = record.value();
        if (value instanceof Routed.Data data) {
            apply(record.key(), data);
        } else if (value instanceof Routed.Batch batch) {
            readAhead(batch);
            try {
                RoutedSerde.forEach(batch, this::apply);
            } catch (RuntimeException unreadable) {
                // A batch of this run that cannot be read to its end: the events read before the damage were applied and
                // counted as received; the rest are missing, which the transit check of this task's summary reports.
                transit.stale("a batch of this run that cannot be read to its end: " + unreadable);
            }
        } else if (value instanceof Routed.End end) {
            receiveEnd(end);
        } else if (value instanceof Routed.Stale stale) {
            transit.stale(stale.reason());
        }
    }

    private void apply(byte[] keyBytes, Routed.Data data) {
        if (transit != null && !transit.received(data)) {
            return;
        }
        byte[] eventId = DedupSet.idOf(data.eventId);
        long digest;
        try {
            digest = payloads.digest(data, keyBytes);
        } catch (RuntimeException | StackOverflowError | OutOfMemoryError e) {
            deadLetter(keyBytes, data, PoisonRecordException.unexpected("corrupt-repartitioned-event",
                    "the event's payload cannot be encoded to compare it with other events of its id", e));
            return;
        }
        DedupSet.Seen first = seen.lookup(eventId);
        if (first != null) {
            if (!first.known() || first.digest() == digest) {
                applyCounters.add(Count.DUPLICATES, 1);
            } else {
                conflict(keyBytes, data, first);
            }
            return;
        }
        String key = new String(keyBytes, StandardCharsets.UTF_8);
        Bytes stateKey = prefixed(keyBytes);
        GenericRecord payload;
        try {
            payload = payloads.read(data);
        } catch (RuntimeException | StackOverflowError | OutOfMemoryError e) {
            deadLetter(keyBytes, data, PoisonRecordException.unexpected("corrupt-repartitioned-event",
                    "the event's payload read back from the repartition topic is not readable", e));
            return;
        }
        int latest = codecs.catalog().latestVersion(data.type).orElse(data.originVersion);
        RecentStates.Entry<S> entry = recent.get(stateKey, () -> projection.initial(key));
        S state;
        String where = "projection " + projection.name() + " failed on " + data.type + " event " + data.eventId;
        try {
            state = projection.apply(entry.state(), new Event(data.type, latest, data.eventId, key, data.timestamp, data.sequence, payload));
            if (guardrails.watchesInvariants()) {
                where = "an invariant threw on the state of key '" + key + "' after " + data.type + " event " + data.eventId;
                watchInvariants(key, state, payload);
            }
        } catch (RuntimeException | StackOverflowError | OutOfMemoryError e) {
            // Failures decides: an event the projection rejects (PoisonRecordException) keeps its reason; any other exception of the
            // projection or an invariant on this event is an unexpected-error (the run is then at best degraded); a failure that is
            // not about the event stops the run. The projection may have changed the state before it gave up: back to the last good one.
            recent.rollBack(stateKey, entry);
            deadLetter(keyBytes, data, Failures.deadLetterOrStop(e, where));
            return;
        }
        int source = sourceIndex(data.sourceTopic, data.sourcePartition);
        seen.add(eventId, new DedupSet.Seen(digest, source, data.sourceOffset));
        if (idClaims != null) {
            idClaims.add(eventId, digest, source, data.sourceOffset, keyBytes, this::sendClaims);
        }
        if (data.sequence != null) {
            checkSequence(stateKey, data.sequence);
        }
        byte[] encoded = codec.encode(state);
        recent.changed(stateKey, entry, state, encoded);
        applyCounters.add(Count.PROCESSED, 1);
        if (!contract.processing().bounded()) {
            emitState(keyBytes, encoded);
        }
    }

    /**
     * An event whose id this task applied already with other content (or another ordering key): a conflict, not a copy.
     * It is not applied (the first stands); it is counted, and the first {@value #CONFLICT_SAMPLES} of the task are
     * kept with both places they were read, for the evidence, whose verdict follows {@code idempotency.on_conflict}.
     */
    private void conflict(byte[] keyBytes, Routed.Data data, DedupSet.Seen first) {
        long conflicts = applyCounters.add(Count.ID_CONFLICTS, 1);
        if (conflicts > CONFLICT_SAMPLES) {
            return;
        }
        String firstRead = first.source() < plan.ranges().size()
                ? plan.ranges().get(first.source()).topic() + "-" + plan.ranges().get(first.source()).partition() + "@" + first.offset()
                : "an unknown place";
        String secondRead = data.sourceTopic + "-" + data.sourcePartition + "@" + data.sourceOffset;
        CountFamily.Conflict sample = new CountFamily.Conflict(data.eventId, new String(keyBytes, StandardCharsets.UTF_8), firstRead, secondRead);
        applyCounters.set(sample.counter(), 1);
        LOG.warn("Event id {} was applied from {} and comes again from {} (key {}) with other content or another key: a conflict, "
                + "not a copy; the second event is not applied, the conflict is counted in the evidence (idempotency.on_conflict: {}); "
                + "the run continues", data.eventId, firstRead, secondRead, sample.key(), contract.idempotency().onConflict().configName());
    }

    private void sendClaims(int task, byte[] value, long claims) {
        context.forward(new Record<>(taskKey(task), (Emitted) new Emitted.IdClaim(task, value), context.currentSystemTimeMs()));
        claimsSent.add(Integer.toString(task), claims);
    }

    private static byte[] taskKey(int task) {
        return new byte[]{(byte) (task >>> 24), (byte) (task >>> 16), (byte) (task >>> 8), (byte) task};
    }

    /** The index of a source partition in the plan's ranges, where the dedup set keeps where an event was read. */
    private int sourceIndex(String topic, int partition) {
        if (lastSource >= 0 && partition == plan.ranges().get(lastSource).partition() && topic.equals(plan.ranges().get(lastSource).topic())) {
            return lastSource;
        }
        List<RunPlan.PartitionRange> ranges = plan.ranges();
        for (int i = 0; i < ranges.size(); i++) {
            if (ranges.get(i).partition() == partition && ranges.get(i).topic().equals(topic)) {
                lastSource = i;
                return i;
            }
        }
        // Not a partition of the plan (never the case for an event of this run): kept without a place.
        return Integer.MAX_VALUE - 1;
    }

    /** The stored states of a batch's keys, read together (RocksDB MultiGet) before its events are applied one by one. */
    private void readAhead(Routed.Batch batch) {
        List<Bytes> keys = new java.util.ArrayList<>(batch.count());
        try {
            RoutedSerde.forEachKey(batch, key -> keys.add(prefixed(key)));
        } catch (RuntimeException unreadable) {
            // Damaged: the events are read one by one below, which reports the damage.
            return;
        }
        recent.readAhead(keys);
    }

    /** The contract's invariant thresholds, on the key's state right after the event. */
    private void watchInvariants(String key, S state, GenericRecord payload) {
        for (Invariant<S> invariant : invariants) {
            if (!invariant.holds().test(state)) {
                String tenantField = contract.scope().tenantField();
                String tenant = tenantField == null || payload.getSchema().getField(tenantField) == null ? null : String.valueOf(payload.get(tenantField));
                Guardrails.Trip trip = guardrails.recordInvariantFailure(invariant.name(), key, tenant);
                if (trip != null) {
                    applyCounters.set(trip.counter(), 1);
                }
            }
        }
    }

    /**
     * The event ids this task has already applied in this run ({@link DedupSet}), with a Bloom filter
     * sized from the plan for the events this task can see. Past its size (continuous runs, very large
     * tasks) it answers "maybe" more often: slower, never wrong.
     */
    private DedupSet loadSeen(KeyValueStore<Bytes, byte[]> dedupIds, int taskPartition, List<RunPlan.PartitionRange> ranges) {
        long planned = ranges.stream().mapToLong(r -> Math.max(0, r.end() - r.start())).sum();
        long started = System.nanoTime();
        DedupSet set = new DedupSet(dedup, dedupIds, prefix, viaRepartition ? planned / Math.max(1, plan.repartitionPartitions()) : planned);
        if (set.loaded() > 0) {
            LOG.info("Apply task {} resumes with {} event ids already applied in run {}, reloaded in {} ms", taskPartition, set.loaded(),
                    plan.runId(), (System.nanoTime() - started) / 1_000_000);
        }
        return set;
    }

    private void checkSequence(Bytes stateKey, long sequence) {
        Long last = sequences.get(stateKey);
        if (last != null && sequence <= last) {
            applyCounters.add(Count.ORDERING_VIOLATIONS, 1);
            return;
        }
        sequences.put(stateKey, sequence);
    }

    private void deadLetter(byte[] keyBytes, Routed.Data data, PoisonRecordException e) {
        byte[] value;
        try {
            value = Payloads.bytes(data);
        } catch (RuntimeException | StackOverflowError encoding) {
            // The dead letter still goes out, with its coordinates: the original is fetched from the source.
            value = new byte[0];
            e = new PoisonRecordException(e.reasonCode(), e.getMessage() + "; the event's payload could not be encoded for the dead letter: "
                    + PoisonRecordException.describe(encoding), e);
        }
        DeadLetters.Letter letter = DeadLetters.letter(plan.runId(), "apply", e, data.sourceTopic, data.sourcePartition, data.sourceOffset,
                keyBytes, value, DeadLetters.DEFAULT_MAX_ORIGINAL_BYTES);
        applyCounters.add(Count.DEAD_LETTERED, 1);
        applyCounters.add(CountFamily.DEAD_LETTER_REASON.name(letter.reasonCode()), 1);
        LOG.warn("Event {} from {}-{} offset {} not applied to projection {} ({}): {}; sent to the dead-letter topic; the run continues",
                data.eventId, data.sourceTopic, data.sourcePartition, data.sourceOffset, projection.name(), letter.reasonCode(), DeadLetters.brief(letter.reason()));
        context.forward(new Record<>(letter.key(), (Emitted) new Emitted.DeadLetter(letter.value(), letter.headers()), data.timestamp, letter.headers()));
    }

    private void emitState(byte[] keyBytes, byte[] encoded) {
        Headers headers = NewHeaders.empty();
        headers.add(HeaderNames.REPLAY, "true".getBytes(StandardCharsets.UTF_8));
        headers.add(HeaderNames.RUN_ID, plan.runId().getBytes(StandardCharsets.UTF_8));
        context.forward(new Record<>(keyBytes, (Emitted) new Emitted.ProjectionRecord(projectionFormat.frame(encoded)),
                context.currentSystemTimeMs(), headers));
    }

    private void receiveEnd(Routed.End end) {
        if (!expectedEnds.contains(end.id())) {
            return;
        }
        Counters.Scope endSeen = counters.scope("end:" + end.id());
        if (endSeen.get("received") > 0) {
            return;
        }
        endSeen.set("received", 1);
        Counters.Scope source = counters.scope("source:" + end.id());
        end.stats().forEach(source::set);
        long received = applyCounters.add(Count.ENDS_RECEIVED, 1);
        if (received == expectedEnds.size() && applyCounters.get(Count.SUMMARY_SENT) == 0) {
            complete();
        }
    }

    /** Every source partition has ended for this task: emit the projection (bounded runs), check it, and summarise. */
    private void complete() {
        recent.writeAll();
        int partition = context.taskId().partition();
        if (idClaims != null) {
            // The last claims, then an end to every id check task with the number of claims sent it, which it compares.
            idClaims.takeAll(this::sendClaims);
            for (int task = 0; task < idClaims.tasks(); task++) {
                context.forward(new Record<>(taskKey(task), (Emitted) new Emitted.IdClaim(task, idClaims.end(task, claimsSent.get(Integer.toString(task)))),
                        context.currentSystemTimeMs()));
            }
        }
        Reconciliation<S> checks = completion.check(invariants, (key, state) -> {
            if (contract.processing().bounded()) {
                emitState(key, state);
            }
        });
        Map<String, Map<String, Long>> sources = new LinkedHashMap<>();
        for (String id : expectedEnds) {
            sources.put(id, counters.scope("source:" + id).snapshot());
        }
        Map<String, Long> expected = transit == null ? Map.of() : transit.expected(sources);
        Map<String, Long> received = transit == null ? Map.of() : transit.received(sources.keySet());
        TaskSummary summary = new TaskSummary(plan.runId(), partition, sources, applyCounters.snapshot(), checks.keys(), checks.checksum(),
                checks.invariantFailures(), checks.invariantSamples(), TaskCompletion.comparison(checks), expected, received);
        applyCounters.set(Count.SUMMARY_SENT, 1);
        LOG.info("Apply task {} complete: {} keys, {} events applied", partition, checks.keys(), Count.PROCESSED.in(summary.counters()));
        context.forward(new Record<>(Integer.toString(partition).getBytes(StandardCharsets.UTF_8),
                (Emitted) new Emitted.Summary(summary.toJson()), context.currentSystemTimeMs(), NewHeaders.empty()));
        // The evidence task reads committed summaries only: commit now rather than at the next interval.
        context.commit();
    }

    /** Hands the evidence stage this task's counters so far, for the run's PROGRESS records. */
    private void reportProgress() {
        if (applyCounters.get(Count.SUMMARY_SENT) > 0) {
            return;
        }
        Map<String, Long> now = applyCounters.snapshot();
        if (now.equals(lastReported)) {
            return;
        }
        lastReported = now;
        Headers headers = NewHeaders.empty();
        headers.add(PART_HEADER, "progress".getBytes(StandardCharsets.UTF_8));
        TaskSummary progress = new TaskSummary(plan.runId(), context.taskId().partition(), Map.of(), now, 0, 0, Map.of(), Map.of(), null);
        context.forward(new Record<>(Integer.toString(context.taskId().partition()).getBytes(StandardCharsets.UTF_8),
                (Emitted) new Emitted.Summary(progress.toJson()), context.currentSystemTimeMs(), headers));
    }

    /**
     * Deletes, a bounded batch per second, the dedup, projection and sequence entries of earlier runs:
     * their keys carry another run's prefix. A new run never reads them, so this only frees disk.
     */
    private void forgetOtherRuns() {
        if (otherRunsGone) {
            return;
        }
        if (seen.forgetOldGenerations(50_000) > 0) {
            return;
        }
        int budget = 5_000;
        List<KeyValueStore<Bytes, ?>> stores = sequences == null ? List.of(dedup, states) : List.of(dedup, states, sequences);
        for (KeyValueStore<Bytes, ?> store : stores) {
            budget -= KeyPrefixes.deleteOutside(store, prefix, budget);
            if (budget <= 0) {
                return;
            }
        }
        otherRunsGone = true;
    }

    private Bytes prefixed(byte[] key) {
        byte[] out = Arrays.copyOf(prefix, prefix.length + key.length);
        System.arraycopy(key, 0, out, prefix.length, key.length);
        return Bytes.wrap(out);
    }
}
