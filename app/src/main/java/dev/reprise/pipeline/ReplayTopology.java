package dev.reprise.pipeline;

import dev.reprise.compat.CommitHook;
import dev.reprise.config.RepriseConfig;
import dev.reprise.contract.Contract;
import dev.reprise.dedup.DedupSet;
import dev.reprise.evidence.EvidenceCodec;
import dev.reprise.pipeline.apply.ApplyStage;
import dev.reprise.pipeline.apply.Emitted;
import dev.reprise.pipeline.evidence.EvidenceStage;
import dev.reprise.pipeline.idcheck.IdCheckStage;
import dev.reprise.evidence.EvidenceSignature;
import dev.reprise.pipeline.repartition.KeyOrBroadcast;
import dev.reprise.pipeline.repartition.Routed;
import dev.reprise.pipeline.repartition.RoutedSerde;
import dev.reprise.pipeline.source.SourceStage;
import dev.reprise.pipeline.source.Throttle;
import dev.reprise.pipeline.support.CounterFeed;
import dev.reprise.pipeline.support.Guardrails;
import dev.reprise.pipeline.support.RunFence;
import dev.reprise.plan.CompiledContract;
import dev.reprise.plan.RunPlan;
import dev.reprise.projection.Projection;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.Named;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.kstream.Repartitioned;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.StoreBuilder;
import org.apache.kafka.streams.state.Stores;

/**
 * Builds the replay topology for a contract and a run plan. The application's {@code main} and the
 * tests (with TopologyTestDriver) call this same function.
 *
 * <pre>
 * source topics ─▶ decode/upcast/filter (SourceStage) ─┬─▶ dead-letter topic
 *                                                      └─▶ repartition by ordering key (end markers broadcast)
 *   ─▶ dedup + projection (ApplyStage) ─┬─▶ projection topic
 *                                       ├─▶ dead-letter topic
 *                                       ├─▶ evidence-parts (1 partition) ─▶ EvidenceStage ─▶ evidence topic
 *                                       └─▶ repartition by event id ─▶ IdCheckStage ─▶ id-check-parts (1 partition) ─▶ EvidenceStage
 * </pre>
 * The id check runs with more than one apply task: it meets every applied event id, so an id reused under ordering keys
 * of different apply tasks (each with its own dedup set) is seen.
 * The repartition is skipped when the contract says the history is already keyed by the ordering key.
 */
public final class ReplayTopology {
    /** Name of the repartition step; its topic is {@code <application.id>-reprise-by-key-repartition}. */
    public static final String BY_KEY = "reprise-by-key";
    /** Name of the step that gathers apply-task summaries; topic {@code <application.id>-reprise-evidence-parts-repartition}. */
    public static final String EVIDENCE_PARTS = "reprise-evidence-parts";
    /** Name of the step that sends every applied event id to the id check; topic {@code <application.id>-reprise-by-event-id-repartition}. */
    public static final String BY_EVENT_ID = "reprise-by-event-id";
    /** Name of the step that gathers the id check's summaries; topic {@code <application.id>-reprise-id-check-parts-repartition}. */
    public static final String ID_CHECK_PARTS = "reprise-id-check-parts";
    /** The id check's node ({@link IdCheckStage}), with more than one apply task. */
    public static final String ID_CHECK_NODE = "reprise-id-check";
    /** The evidence stage's node: the one task that writes a run's final evidence. */
    public static final String EVIDENCE_NODE = "reprise-evidence";
    static final String REFERENCE_STORE = "reprise-reference";

    private ReplayTopology() {
    }

    public static Topology build(Contract contract, RunPlan plan, CompiledContract codecs) {
        return build(contract, plan, codecs, Throttle.unlimited());
    }

    /** @param throttle the limit on events read per second by this instance, changeable while it runs */
    public static Topology build(Contract contract, RunPlan plan, CompiledContract codecs, Throttle throttle) {
        return build(contract, plan, codecs, throttle, Guardrails.none());
    }

    /** @param guardrails the contract's thresholds, watched by this instance while it runs */
    public static Topology build(Contract contract, RunPlan plan, CompiledContract codecs, Throttle throttle, Guardrails guardrails) {
        return build(contract, plan, codecs, throttle, guardrails, RepriseConfig.of(java.util.Map.of()), CounterFeed.NONE);
    }

    /**
     * @param settings Reprise's own properties ({@code reprise.*})
     * @param feed this instance's metrics, told at each commit how much the stages' counters grew
     */
    public static Topology build(Contract contract, RunPlan plan, CompiledContract codecs, Throttle throttle, Guardrails guardrails, RepriseConfig settings,
                                 CounterFeed feed) {
        return build(contract, plan, codecs, throttle, guardrails, settings, feed, RunFence.NONE, EvidenceSignature.Signer.unsigned());
    }

    /**
     * @param fence  checked by every task when it is assigned, before it processes anything
     * @param signer signs every evidence record the topology writes (or marks it unsigned)
     */
    public static Topology build(Contract contract, RunPlan plan, CompiledContract codecs, Throttle throttle, Guardrails guardrails, RepriseConfig settings,
                                 CounterFeed feed, RunFence fence, EvidenceSignature.Signer signer) {
        EvidenceCodec evidenceCodec = EvidenceCodec.forContract(contract, codecs.resolver(), codecs.schemaIds());
        StreamsBuilder builder = new StreamsBuilder();
        builder.addStateStore(counterStore(SourceStage.COUNTERS_STORE));
        builder.addStateStore(CommitHook.builder(SourceStage.COMMIT_HOOK));
        KStream<byte[], byte[]> source = builder.stream(contract.history().topics(),
                Consumed.with(Serdes.ByteArray(), Serdes.ByteArray()).withName("reprise-source"));
        KStream<byte[], Routed> routed = source.process(() -> new SourceStage(contract, plan, codecs, throttle, guardrails, feed, fence,
                settings.registryRetry()),
                Named.as("reprise-decode-upcast-filter"), SourceStage.COUNTERS_STORE, SourceStage.COMMIT_HOOK);

        routed.filter((k, v) -> v instanceof Routed.Dead, Named.as(SourceStage.POISON_NODE))
                .mapValues(v -> ((Routed.Dead) v).value(), Named.as("reprise-poison-value"))
                .to(contract.deadLetter().topic(), Produced.with(Serdes.ByteArray(), Serdes.ByteArray()).withName("reprise-dead-letters"));

        KStream<byte[], Routed> events = routed.filterNot((k, v) -> v instanceof Routed.Dead, Named.as(SourceStage.EVENTS_NODE));
        boolean viaRepartition = !contract.history().keyedByOrderingKey();
        KStream<byte[], Routed> byKey = !viaRepartition ? events : events.repartition(
                Repartitioned.with(Serdes.ByteArray(), (org.apache.kafka.common.serialization.Serde<Routed>) new RoutedSerde(plan.statePrefix()))
                        .withName(BY_KEY)
                        .withNumberOfPartitions(plan.repartitionPartitions())
                        .withStreamPartitioner(new KeyOrBroadcast()));

        // The applied event ids (DedupSet): batches of ids, changelogged, and the same ids one per key for lookups.
        builder.addStateStore(DedupSet.batchesStore(ApplyStage.DEDUP_STORE));
        builder.addStateStore(DedupSet.idsStore(ApplyStage.DEDUP_IDS_STORE));
        // The apply stage keeps the states it changed in memory and writes each once per commit (CommitHook),
        // so the projection store needs no record cache (and must have none, see CommitHook).
        builder.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(ApplyStage.PROJECTION_STORE), Serdes.Bytes(), Serdes.ByteArray()));
        if (contract.ordering().sequenceField() != null) {
            builder.addStateStore(store(ApplyStage.SEQUENCE_STORE, Serdes.Bytes(), Serdes.Long()));
        }
        builder.addStateStore(counterStore(ApplyStage.COUNTERS_STORE));
        builder.addStateStore(CommitHook.builder(ApplyStage.COMMIT_HOOK));
        String reference = contract.reconciliation().referenceTopic();
        if (reference != null) {
            builder.addGlobalStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(REFERENCE_STORE), Serdes.Bytes(), Serdes.ByteArray())
                            .withLoggingDisabled(),
                    reference, Consumed.with(Serdes.Bytes(), Serdes.ByteArray()).withName("reprise-reference-source"), ReferenceLoader::new);
        }
        KStream<byte[], Emitted> applied = byKey.process(() -> newApplyStage(contract, plan, codecs, reference != null ? REFERENCE_STORE : null, viaRepartition, guardrails,
                        settings.applyRecentStates(), feed),
                Named.as("reprise-dedup-apply"),
                applyStores(contract));

        applied.filter((k, v) -> v instanceof Emitted.ProjectionRecord, Named.as("reprise-projection-records"))
                .mapValues(v -> ((Emitted.ProjectionRecord) v).value(), Named.as("reprise-projection-value"))
                .to(contract.projection().topic(), Produced.with(Serdes.ByteArray(), Serdes.ByteArray()).withName("reprise-projection-sink"));
        applied.filter((k, v) -> v instanceof Emitted.DeadLetter, Named.as("reprise-rejected"))
                .mapValues(v -> ((Emitted.DeadLetter) v).value(), Named.as("reprise-rejected-value"))
                .to(contract.deadLetter().topic(), Produced.with(Serdes.ByteArray(), Serdes.ByteArray()).withName("reprise-rejected-sink"));

        builder.addStateStore(smallStore(EvidenceStage.STORE));
        KStream<byte[], byte[]> parts = applied.filter((k, v) -> v instanceof Emitted.Summary, Named.as("reprise-summaries"))
                .mapValues(v -> ((Emitted.Summary) v).json(), Named.as("reprise-summary-json"))
                .repartition(Repartitioned.with(Serdes.ByteArray(), Serdes.ByteArray()).withName(EVIDENCE_PARTS).withNumberOfPartitions(1));
        if (plan.repartitionPartitions() > 1) {
            // Every applied event id, claimed at the id check of its id: ids reused under keys of different apply tasks.
            builder.addStateStore(DedupSet.batchesStore(IdCheckStage.IDS_STORE));
            builder.addStateStore(counterStore(IdCheckStage.COUNTERS_STORE));
            builder.addStateStore(CommitHook.builder(IdCheckStage.COMMIT_HOOK));
            KStream<byte[], byte[]> idChecks = applied.filter((k, v) -> v instanceof Emitted.IdClaim, Named.as("reprise-id-claims"))
                    .mapValues(v -> ((Emitted.IdClaim) v).value(), Named.as("reprise-id-claim-value"))
                    .repartition(Repartitioned.with(Serdes.ByteArray(), Serdes.ByteArray()).withName(BY_EVENT_ID)
                            .withNumberOfPartitions(plan.repartitionPartitions()).withStreamPartitioner(new ToTask()))
                    .process(() -> new IdCheckStage(plan, feed), Named.as(ID_CHECK_NODE), IdCheckStage.IDS_STORE,
                            IdCheckStage.COUNTERS_STORE, IdCheckStage.COMMIT_HOOK)
                    .repartition(Repartitioned.with(Serdes.ByteArray(), Serdes.ByteArray()).withName(ID_CHECK_PARTS).withNumberOfPartitions(1));
            parts = parts.merge(idChecks, Named.as("reprise-all-parts"));
        }
        parts.process(() -> new EvidenceStage(contract, plan, evidenceCodec, feed, signer), Named.as(EVIDENCE_NODE), EvidenceStage.STORE)
                .to(contract.evidence().topic(), Produced.with(Serdes.ByteArray(), Serdes.ByteArray()).withName("reprise-evidence-sink"));
        return builder.build();
    }

    /**
     * A RocksDB store with Kafka Streams' record cache in front (sequences). Processor API
     * stores have no cache unless asked; with it, repeated updates of a key between two commits become
     * one RocksDB write and one changelog record, and the cache is flushed before each commit.
     */
    private static <K, V> StoreBuilder<KeyValueStore<K, V>> store(String name, Serde<K> keys, Serde<V> values) {
        return Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(name), keys, values).withCachingEnabled();
    }

    /**
     * A store of a few entries per run (evidence parts): in memory, restored from its changelog, with the
     * record cache. A RocksDB instance per such store and task cost startup time and memory for nothing.
     */
    private static StoreBuilder<KeyValueStore<String, byte[]>> smallStore(String name) {
        return Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore(name), Serdes.String(), Serdes.ByteArray()).withCachingEnabled();
    }

    /**
     * A counters store: in memory, restored from its changelog. No record cache: {@link dev.reprise.pipeline.support.Counters}
     * writes each changed scope once per commit, from a {@link CommitHook}.
     */
    private static StoreBuilder<KeyValueStore<String, byte[]>> counterStore(String name) {
        return Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore(name), Serdes.String(), Serdes.ByteArray());
    }

    private static String[] applyStores(Contract contract) {
        return contract.ordering().sequenceField() == null
                ? new String[]{ApplyStage.DEDUP_STORE, ApplyStage.DEDUP_IDS_STORE, ApplyStage.PROJECTION_STORE, ApplyStage.COUNTERS_STORE,
                        ApplyStage.COMMIT_HOOK}
                : new String[]{ApplyStage.DEDUP_STORE, ApplyStage.DEDUP_IDS_STORE, ApplyStage.PROJECTION_STORE, ApplyStage.SEQUENCE_STORE,
                        ApplyStage.COUNTERS_STORE, ApplyStage.COMMIT_HOOK};
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    private static ApplyStage<?> newApplyStage(Contract contract, RunPlan plan, CompiledContract codecs, String reference, boolean viaRepartition,
                                               Guardrails guardrails, int recentStates, CounterFeed feed) {
        return new ApplyStage(contract, plan, codecs, (Projection<SpecificRecord>) codecs.projection(), reference, viaRepartition, guardrails,
                recentStates, feed);
    }

    /** Claims go to the id check task the apply stage gathered them for (the key is its number, 4 bytes). */
    static final class ToTask implements org.apache.kafka.streams.processor.StreamPartitioner<byte[], byte[]> {
        @Override
        public java.util.Optional<java.util.Set<Integer>> partitions(String topic, byte[] key, byte[] value, int numPartitions) {
            int task = java.nio.ByteBuffer.wrap(key).getInt();
            return java.util.Optional.of(java.util.Set.of(Math.floorMod(task, numPartitions)));
        }
    }

    /** Keeps the global reference store equal to the reference topic. */
    static final class ReferenceLoader implements Processor<Bytes, byte[], Void, Void> {
        private KeyValueStore<Bytes, byte[]> store;

        @Override
        public void init(ProcessorContext<Void, Void> context) {
            store = context.getStateStore(REFERENCE_STORE);
        }

        @Override
        public void process(Record<Bytes, byte[]> record) {
            if (record.key() == null) {
                return;
            }
            if (record.value() == null) {
                store.delete(record.key());
            } else {
                store.put(record.key(), record.value());
            }
        }
    }
}
