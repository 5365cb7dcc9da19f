package dev.reprise.pipeline.apply;

import dev.reprise.counts.Count;
import dev.reprise.counts.CountFamily;

import dev.reprise.codec.HeaderNames;

import dev.reprise.compat.Partitions;

import dev.reprise.pipeline.repartition.KeyOrBroadcast;

import dev.reprise.pipeline.source.SourceStage;
import dev.reprise.pipeline.support.DeadLetters;

import dev.reprise.pipeline.support.Guardrails;
import dev.reprise.plan.Codecs;

import dev.reprise.codec.PoisonRecordException;
import dev.reprise.contract.Contract;
import dev.reprise.evidence.TaskSummary;
import dev.reprise.plan.RunPlan;
import dev.reprise.projection.Event;
import dev.reprise.projection.Invariant;
import dev.reprise.projection.Projection;
import dev.reprise.projection.StateCodec;
import dev.reprise.compat.CommitHook;
import dev.reprise.pipeline.support.Counters;
import dev.reprise.pipeline.apply.Emitted;
import dev.reprise.state.KeyPrefixes;
import dev.reprise.pipeline.repartition.Routed;
import dev.reprise.pipeline.repartition.RoutedSerde;
import dev.reprise.state.SortedBatchStore;
import dev.reprise.dedup.DedupSet;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryDecoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.specific.SpecificRecord;
import dev.reprise.compat.NewHeaders;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.api.RecordMetadata;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The apply stage, one task per ordering-key partition: skips duplicate event ids, applies each new
 * event to the projection, and when the end markers of all its source partitions have arrived, checks
 * its share of the projection and hands a {@link TaskSummary} to the evidence stage.
 *
 * <p>Every store key starts with the run's 8-byte state prefix (the dedup lookup store's with a
 * generation of its own, see {@link DedupSet}), so a new run (after an offset reset) starts from an
 * empty projection and an empty dedup set without deleting the old run's state first.
 */
public final class ApplyStage<S extends SpecificRecord> implements Processor<byte[], Routed, byte[], Emitted> {
    /** run prefix + batch number → event ids: the event ids this run has applied ({@link DedupSet}), changelogged. Kept for the whole run: a duplicate can arrive at any offset. */
    public static final String DEDUP_STORE = "reprise-dedup";
    /** generation + event id → empty: the same ids for lookups, on disk, rebuilt from {@link #DEDUP_STORE} when the task starts. */
    public static final String DEDUP_IDS_STORE = "reprise-dedup-ids";
    /** ordering key (run-prefixed) → Avro binary of the projection state. */
    public static final String PROJECTION_STORE = "reprise-projection";
    /** ordering key (run-prefixed) → last sequence number applied; used only with ordering.sequence_field. */
    public static final String SEQUENCE_STORE = "reprise-sequence";
    /** run id|scope|name → count: apply-stage counters and the end markers received. */
    public static final String COUNTERS_STORE = "reprise-apply-counters";
    /** Tells the stage that its task is about to commit: changed states and counters are written then, once. */
    public static final String COMMIT_HOOK = "reprise-apply-commit";
    public static final int MAX_SAMPLES = 20;
    /** Header on evidence parts: "progress" for a running count, absent for the task's final summary. */
    public static final String PART_HEADER = HeaderNames.SUMMARY_PART;
    private static final Logger LOG = LoggerFactory.getLogger(ApplyStage.class);
    private static final int RECENT_STATES = 10_000;
    /** Scope of the events received from each source partition ("topic:partition" → count), behind a repartition. */
    private static final String RECEIVED_SCOPE = "received";

    private final Contract contract;
    private final RunPlan plan;
    private final Codecs codecs;
    private final Projection<S> projection;
    /** The projection's own invariants and the contract's CEL invariants. */
    private final List<Invariant<S>> invariants;
    private final Guardrails guardrails;
    private final String referenceStoreName;
    private final boolean viaRepartition;
    private final byte[] prefix;
    private ProcessorContext<byte[], Emitted> context;
    private KeyValueStore<Bytes, byte[]> dedup;
    private KeyValueStore<Bytes, byte[]> dedupIds;
    private KeyValueStore<Bytes, byte[]> states;
    private KeyValueStore<Bytes, Long> sequences;
    private ReadOnlyKeyValueStore<Bytes, byte[]> reference;
    private Counters counters;
    private Counters.Scope applyCounters;
    /** Event ids this run has applied, as far as this task knows. */
    private DedupSet seen;
    private StateCodec<S> codec;
    private final Map<String, GenericDatumReader<GenericRecord>> payloadReaders = new HashMap<>();
    private BinaryDecoder decoder;
    private Set<String> expectedEnds;
    private Map<String, Long> lastReported = Map.of();
    private boolean otherRunsGone;
    /** Behind a repartition: the offset after the last repartition record processed, and events received per source partition. */
    private long inputNextOffset;
    private final Map<String, long[]> receivedByTopic = new HashMap<>();
    private long staleLogged;
    private CommitHook commitHook;
    /**
     * The states of the keys applied most recently (least recently used first), so a hot key is not
     * read and decoded again for every event. A state changed since the last commit also carries its
     * encoding, not yet in the projection store: it is written once per key just before the commit
     * ({@link CommitHook}), or when it leaves this map, not once per event. Created in init: when Kafka
     * Streams restores or revives the task, it starts empty again from the store, which holds what was
     * committed.
     */
    private Map<Bytes, Recent<S>> recent;
    /** Entries of {@link #recent} with an encoding to write. */
    private final List<Map.Entry<Bytes, Recent<S>>> unwritten = new ArrayList<>();

    /** A state in {@link #recent}; {@code unwritten} is its encoding when the store does not have it yet. */
    private static final class Recent<S> {
        S state;
        byte[] unwritten;

        Recent(S state) {
            this.state = state;
        }
    }

    @SuppressWarnings("unchecked")
    public ApplyStage(Contract contract, RunPlan plan, Codecs codecs, Projection<S> projection, String referenceStoreName, boolean viaRepartition,
               Guardrails guardrails) {
        this.guardrails = guardrails;
        List<Invariant<S>> all = new ArrayList<>(projection.invariants());
        codecs.contractInvariants().forEach(i -> all.add((Invariant<S>) i));
        this.invariants = List.copyOf(all);
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
        this.dedupIds = context.getStateStore(DEDUP_IDS_STORE);
        this.states = context.getStateStore(PROJECTION_STORE);
        this.sequences = contract.ordering().sequenceField() == null ? null : context.getStateStore(SEQUENCE_STORE);
        this.reference = referenceStoreName == null ? null : context.getStateStore(referenceStoreName);
        this.counters = new Counters(context.getStateStore(COUNTERS_STORE), plan.runId());
        this.codec = new StateCodec<>(projection.stateClass());
        int taskPartition = context.taskId().partition();
        // After a repartition every source partition reaches every apply task; without one, a task
        // sees only the source partitions with its own number.
        List<RunPlan.PartitionRange> ranges = plan.ranges().stream()
                .filter(r -> viaRepartition || r.partition() == taskPartition)
                .toList();
        this.expectedEnds = ranges.stream().map(RunPlan.PartitionRange::id).collect(Collectors.toSet());
        this.applyCounters = counters.scope("apply");
        this.unwritten.clear();
        this.recent = new LinkedHashMap<>(16, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<Bytes, Recent<S>> eldest) {
                if (size() <= RECENT_STATES) {
                    return false;
                }
                if (eldest.getValue().unwritten != null) {
                    writeStates();
                }
                return true;
            }
        };
        this.seen = loadSeen(taskPartition, ranges);
        this.inputNextOffset = applyCounters.get(Count.INPUT_NEXT_OFFSET);
        this.receivedByTopic.clear();
        if (viaRepartition) {
            Counters.Scope received = counters.scope(RECEIVED_SCOPE);
            for (RunPlan.PartitionRange r : ranges) {
                long[] byPartition = receivedByTopic.computeIfAbsent(r.topic(), t -> new long[maxPartition(plan, t) + 1]);
                byPartition[r.partition()] = received.get(r.id());
            }
        }
        CommitHook hook = context.getStateStore(COMMIT_HOOK);
        this.commitHook = hook;
        hook.beforeCommit(() -> {
            seen.writeBatch();
            writeStates();
            foldIntoCounters();
            counters.persist();
        });
        context.schedule(contract.evidence().progressInterval(), PunctuationType.WALL_CLOCK_TIME, now -> reportProgress());
        context.schedule(Duration.ofSeconds(1), PunctuationType.WALL_CLOCK_TIME, now -> forgetOtherRuns());
    }

    private static int maxPartition(RunPlan plan, String topic) {
        return plan.ranges().stream().filter(r -> r.topic().equals(topic)).mapToInt(RunPlan.PartitionRange::partition).max().orElse(0);
    }

    /** Writes what is kept in fields (input offset, events received per source partition) to the counters, before each commit. */
    private void foldIntoCounters() {
        if (inputNextOffset > 0) {
            applyCounters.set(Count.INPUT_NEXT_OFFSET, inputNextOffset);
        }
        if (!receivedByTopic.isEmpty()) {
            Counters.Scope received = counters.scope(RECEIVED_SCOPE);
            receivedByTopic.forEach((topic, byPartition) -> {
                for (int p = 0; p < byPartition.length; p++) {
                    if (byPartition[p] > 0) {
                        received.set(topic + ":" + p, byPartition[p]);
                    }
                }
            });
        }
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
        org.apache.kafka.common.header.Headers headers = NewHeaders.empty();
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

    @Override
    public void process(Record<byte[], Routed> record) {
        commitHook.pending();
        if (viaRepartition && isRedelivered()) {
            return;
        }
        Routed value = record.value();
        if (value instanceof Routed.Data data) {
            apply(record.key(), data);
        } else if (value instanceof Routed.Batch batch) {
            try {
                RoutedSerde.forEach(batch, this::apply);
            } catch (RuntimeException unreadable) {
                // A batch of this run that cannot be read to its end: the events read before the damage were applied and
                // counted as received; the rest are missing, which the transit check of this task's summary reports.
                stale("a batch of this run that cannot be read to its end: " + unreadable);
            }
        } else if (value instanceof Routed.End end) {
            receiveEnd(end);
        } else if (value instanceof Routed.Stale s) {
            stale(s.reason());
        }
    }

    /**
     * Whether the current repartition record was processed by this run already: its offset is below the one after
     * the last record processed, kept in the counters and committed with the offsets. That happens when the group's
     * offsets on the repartition topic are moved back (Kafka's consumer-groups tool with --all-topics resets internal
     * topics too): skipped and counted, so no event is applied or counted twice whatever offsets the task is handed.
     */
    private boolean isRedelivered() {
        long offset = context.recordMetadata().map(RecordMetadata::offset).orElse(-1L);
        if (offset < 0) {
            return false;
        }
        if (offset < inputNextOffset) {
            applyCounters.add(Count.REDELIVERED, 1);
            return true;
        }
        inputNextOffset = offset + 1;
        return false;
    }

    private void stale(String reason) {
        long n = applyCounters.add(Count.STALE_RECORDS, 1);
        if (staleLogged++ < 5 || n % 10_000 == 0) {
            LOG.warn("Apply task {} ignored {} on the repartition topic (run {}); {} such records so far, none of them counted or applied",
                    context.taskId().partition(), reason, plan.runId(), n);
        }
    }

    /** Writes the changed states to the projection store, in key order, one batch. */
    private void writeStates() {
        if (unwritten.isEmpty()) {
            return;
        }
        Bytes[] keys = new Bytes[unwritten.size()];
        for (int i = 0; i < keys.length; i++) {
            keys[i] = unwritten.get(i).getKey();
        }
        List<KeyValue<Bytes, byte[]>> batch = new ArrayList<>(keys.length);
        for (int i : SortedBatchStore.order(keys)) {
            Recent<S> entry = unwritten.get(i).getValue();
            batch.add(KeyValue.pair(keys[i], entry.unwritten));
            entry.unwritten = null;
        }
        unwritten.clear();
        states.putAll(batch);
    }

    private void apply(byte[] keyBytes, Routed.Data data) {
        if (viaRepartition) {
            long[] received = receivedByTopic.get(data.sourceTopic);
            if (received == null || data.sourcePartition < 0 || data.sourcePartition >= received.length) {
                stale("an event from " + data.sourceTopic + "-" + data.sourcePartition + ", a partition this run does not read");
                return;
            }
            received[data.sourcePartition]++;
        }
        byte[] eventId = DedupSet.idOf(data.eventId);
        if (seen.contains(eventId)) {
            applyCounters.add(Count.DUPLICATES, 1);
            return;
        }
        String key = new String(keyBytes, StandardCharsets.UTF_8);
        Bytes stateKey = prefixed(keyBytes);
        GenericRecord payload;
        try {
            payload = data.payload != null ? data.payload : decodePayload(data);
        } catch (RuntimeException | StackOverflowError | OutOfMemoryError e) {
            deadLetter(keyBytes, data, PoisonRecordException.unexpected("corrupt-repartitioned-event",
                    "the event's payload read back from the repartition topic is not readable", e));
            return;
        }
        int latest = codecs.catalog().latestVersion(data.type).orElse(data.originVersion);
        Recent<S> entry = recent.get(stateKey);
        if (entry == null) {
            byte[] current = states.get(stateKey);
            entry = new Recent<>(current == null ? projection.initial(key) : codec.decode(current));
            recent.put(stateKey, entry);
        }
        S state;
        try {
            state = projection.apply(entry.state, new Event(data.type, latest, data.eventId, key, data.timestamp, data.sequence, payload));
        } catch (RuntimeException | StackOverflowError | OutOfMemoryError e) {
            // A rejected event (PoisonRecordException) or any other failure of the projection on this one event: the
            // event is dead-lettered with the reason and the run goes on. The projection may have changed the state
            // before it gave up: back to the last good one.
            if (entry.unwritten != null) {
                entry.state = codec.decode(entry.unwritten);
            } else {
                recent.remove(stateKey);
            }
            deadLetter(keyBytes, data, PoisonRecordException.unexpected("projection-failed",
                    "projection " + projection.name() + " failed on " + data.type + " event " + data.eventId, e));
            return;
        }
        seen.add(eventId);
        if (data.sequence != null) {
            checkSequence(stateKey, data.sequence);
        }
        if (guardrails.watchesInvariants()) {
            for (Invariant<S> invariant : invariants) {
                if (!invariant.holds().test(state)) {
                    String tenant = contract.scope().tenantField() == null || payload.getSchema().getField(contract.scope().tenantField()) == null
                            ? null : String.valueOf(payload.get(contract.scope().tenantField()));
                    Guardrails.Trip trip = guardrails.recordInvariantFailure(invariant.name(), key, tenant);
                    if (trip != null) {
                        applyCounters.set(trip.counter(), 1);
                    }
                }
            }
        }
        byte[] encoded = codec.encode(state);
        entry.state = state;
        if (entry.unwritten == null) {
            unwritten.add(Map.entry(stateKey, entry));
        }
        entry.unwritten = encoded;
        applyCounters.add(Count.PROCESSED, 1);
        if (!contract.processing().bounded()) {
            emitState(keyBytes, encoded);
        }
    }

    /**
     * The event ids this task has already applied in this run ({@link DedupSet}), with a Bloom filter
     * sized from the plan for the events this task can see. Past its size (continuous runs, very large
     * tasks) it answers "maybe" more often: slower, never wrong.
     */
    private DedupSet loadSeen(int taskPartition, List<RunPlan.PartitionRange> ranges) {
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

    private GenericRecord decodePayload(Routed.Data data) {
        GenericDatumReader<GenericRecord> reader = payloadReaders.computeIfAbsent(data.type, type -> {
            int latest = codecs.catalog().latestVersion(type).orElseThrow();
            Schema schema = codecs.catalog().event(type, latest).orElseThrow();
            return new GenericDatumReader<>(schema);
        });
        try {
            decoder = DecoderFactory.get().binaryDecoder(data.payloadBytes, data.payloadOffset, data.payloadEnd - data.payloadOffset, decoder);
            return reader.read(null, decoder);
        } catch (IOException e) {
            throw new UncheckedIOException("repartitioned event " + data.eventId + " is unreadable", e);
        }
    }

    private void deadLetter(byte[] keyBytes, Routed.Data data, PoisonRecordException e) {
        byte[] value;
        try {
            value = data.payloadBytes != null ? data.payloadCopy() : encodePayload(data.payload);
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

    private static byte[] encodePayload(GenericRecord payload) {
        try {
            java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
            org.apache.avro.io.BinaryEncoder encoder = org.apache.avro.io.EncoderFactory.get().binaryEncoder(out, null);
            new org.apache.avro.generic.GenericDatumWriter<GenericRecord>(payload.getSchema()).write(payload, encoder);
            encoder.flush();
            return out.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void emitState(byte[] keyBytes, byte[] encoded) {
        org.apache.kafka.common.header.Headers headers = NewHeaders.empty();
        headers.add(HeaderNames.REPLAY, "true".getBytes(StandardCharsets.UTF_8));
        headers.add(HeaderNames.RUN_ID, plan.runId().getBytes(StandardCharsets.UTF_8));
        context.forward(new Record<>(keyBytes, (Emitted) new Emitted.ProjectionRecord(codec.toSingleObject(encoded)),
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
        writeStates();
        int partition = context.taskId().partition();
        Map<String, Long> invariantFailures = new LinkedHashMap<>();
        Map<String, String> invariantSamples = new LinkedHashMap<>();
        for (Invariant<S> invariant : invariants) {
            invariantFailures.put(invariant.name(), 0L);
        }
        long keys = 0;
        long checksum = 0;
        long unchanged = 0;
        long changed = 0;
        long extra = 0;
        List<TaskSummary.Sample> samples = new ArrayList<>();
        Bytes from = Bytes.wrap(prefix);
        Bytes to = Bytes.increment(from);
        try (KeyValueIterator<Bytes, byte[]> it = states.range(from, to)) {
            while (it.hasNext()) {
                KeyValue<Bytes, byte[]> kv = it.next();
                byte[] keyBytes = Arrays.copyOfRange(kv.key.get(), prefix.length, kv.key.get().length);
                if (kv.key.compareTo(to) >= 0) {
                    break;
                }
                keys++;
                checksum += dev.reprise.reconcile.Checksum.keyHash(keyBytes, kv.value);
                S state = codec.decode(kv.value);
                for (Invariant<S> invariant : invariants) {
                    if (!invariant.holds().test(state)) {
                        invariantFailures.merge(invariant.name(), 1L, Long::sum);
                        invariantSamples.putIfAbsent(invariant.name(), new String(keyBytes, StandardCharsets.UTF_8) + ": " + state);
                    }
                }
                if (reference != null) {
                    byte[] live = reference.get(Bytes.wrap(keyBytes));
                    S liveState = live == null ? null : codec.fromSingleObject(live);
                    if (live == null) {
                        extra++;
                        sample(samples, keyBytes, "extra", null, state);
                    } else if (state.equals(liveState)) {
                        unchanged++;
                    } else {
                        changed++;
                        sample(samples, keyBytes, "changed", liveState == null ? "unreadable value" : liveState.toString(), state);
                    }
                }
                if (contract.processing().bounded()) {
                    emitState(keyBytes, kv.value);
                }
            }
        }
        TaskSummary.ReferenceComparison comparison = null;
        if (reference != null) {
            long missing = 0;
            try (KeyValueIterator<Bytes, byte[]> it = reference.all()) {
                while (it.hasNext()) {
                    KeyValue<Bytes, byte[]> kv = it.next();
                    if (kv.value == null || ownerOf(kv.key.get()) != partition) {
                        continue;
                    }
                    if (states.get(prefixed(kv.key.get())) == null) {
                        missing++;
                        S liveState = codec.fromSingleObject(kv.value);
                        if (samples.size() < MAX_SAMPLES) {
                            samples.add(new TaskSummary.Sample(new String(kv.key.get(), StandardCharsets.UTF_8), "missing",
                                    liveState == null ? "unreadable value" : liveState.toString(), null));
                        }
                    }
                }
            }
            comparison = new TaskSummary.ReferenceComparison(unchanged, changed, missing, extra, samples);
        }
        Map<String, Map<String, Long>> sources = new LinkedHashMap<>();
        Map<String, Long> expected = new LinkedHashMap<>();
        Map<String, Long> received = new LinkedHashMap<>();
        for (String id : expectedEnds) {
            Map<String, Long> stats = counters.scope("source:" + id).snapshot();
            sources.put(id, stats);
            if (viaRepartition) {
                expected.put(id, stats.getOrDefault(CountFamily.SENT_TO_PARTITION.name(Integer.toString(partition)), 0L));
            }
        }
        if (viaRepartition) {
            foldIntoCounters();
            received.putAll(counters.scope(RECEIVED_SCOPE).snapshot());
            expected.keySet().forEach(id -> received.putIfAbsent(id, 0L));
        }
        TaskSummary summary = new TaskSummary(plan.runId(), partition, sources, applyCounters.snapshot(), keys, checksum,
                invariantFailures, invariantSamples, comparison, expected, received);
        applyCounters.set(Count.SUMMARY_SENT, 1);
        LOG.info("Apply task {} complete: {} keys, {} events applied", partition, keys, Count.PROCESSED.in(summary.counters()));
        context.forward(new Record<>(Integer.toString(partition).getBytes(StandardCharsets.UTF_8),
                (Emitted) new Emitted.Summary(summary.toJson()), context.currentSystemTimeMs(), NewHeaders.empty()));
        // The evidence task reads committed summaries only: commit now rather than at the next interval.
        context.commit();
    }

    private void sample(List<TaskSummary.Sample> samples, byte[] key, String status, String live, S rebuilt) {
        if (samples.size() < MAX_SAMPLES) {
            samples.add(new TaskSummary.Sample(new String(key, StandardCharsets.UTF_8), status, live, rebuilt == null ? null : rebuilt.toString()));
        }
    }

    /** The apply task that owns a key: the default partitioner's choice for the repartition topic. */
    private int ownerOf(byte[] key) {
        return Partitions.ofKey(key, plan.repartitionPartitions());
    }

    private Bytes prefixed(byte[] key) {
        byte[] out = Arrays.copyOf(prefix, prefix.length + key.length);
        System.arraycopy(key, 0, out, prefix.length, key.length);
        return Bytes.wrap(out);
    }
}
