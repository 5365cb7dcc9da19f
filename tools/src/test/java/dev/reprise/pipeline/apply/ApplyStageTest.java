package dev.reprise.pipeline.apply;

import dev.reprise.compat.CommitHook;
import dev.reprise.contract.Contract;
import dev.reprise.contract.ContractLoader;
import dev.reprise.dedup.DedupSet;
import dev.reprise.pipeline.repartition.Routed;
import dev.reprise.pipeline.support.Guardrails;
import dev.reprise.plan.CompiledContract;
import dev.reprise.plan.RunPlan;
import dev.reprise.projection.Event;
import dev.reprise.projection.InvalidEventException;
import dev.reprise.projection.Invariant;
import dev.reprise.projection.Projection;
import dev.reprise.projection.StateCodec;
import dev.reprise.sample.inventory.InventoryLevel;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.processor.StateStore;
import org.apache.kafka.streams.processor.api.MockProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.Stores;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The apply stage between two commits, which TopologyTestDriver never shows (it commits after every
 * record): changed states wait in memory until the commit hook, and a rejected event leaves them as
 * they were.
 */
class ApplyStageTest {
    private static final Schema PAYLOAD = SchemaBuilder.record("Any").fields().requiredInt("n").endRecord();

    /** Counts events in {@code received}; an event whose id starts with "bad" changes the state, then is rejected. */
    static final class Counting implements Projection<InventoryLevel> {
        @Override public String name() { return "counting"; }
        @Override public Class<InventoryLevel> stateClass() { return InventoryLevel.class; }
        @Override public InventoryLevel initial(String key) { return new InventoryLevel(key, 0L, 0L, 0L, 0L, 0L, 0L, 0L); }
        @Override public List<Invariant<InventoryLevel>> invariants() { return List.of(); }

        @Override
        public InventoryLevel apply(InventoryLevel state, Event event) {
            state.setReceived(state.getReceived() + 1);
            if (event.eventId().startsWith("bad")) {
                throw new InvalidEventException("rejected", "rejected after changing the state");
            }
            return state;
        }
    }

    private static <T extends StateStore> T add(MockProcessorContext<byte[], Emitted> context, T store) {
        store.init(context.getStateStoreContext(), store);
        context.addStateStore(store);
        return store;
    }

    private static KeyValueStore<Bytes, byte[]> bytesStore(MockProcessorContext<byte[], Emitted> context, String name) {
        return add(context, Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore(name), Serdes.Bytes(), Serdes.ByteArray())
                .withLoggingDisabled().build());
    }

    private static Record<byte[], Routed> event(String id, String key) {
        GenericRecord payload = new GenericData.Record(PAYLOAD);
        payload.put("n", 1);
        return new Record<>(key.getBytes(StandardCharsets.UTF_8),
                new Routed.Data(id, "Any", 1, 0L, null, "events", 0, 0L, payload, null), 0L);
    }

    @Test
    void statesReachTheStoreAtTheCommitAndARejectedEventLeavesNoTrace() {
        Contract contract = ContractLoader.load(java.nio.file.Path.of("..", "config", "inventory.yaml").toAbsolutePath().normalize());
        CompiledContract codecs = CompiledContract.forContract(contract);
        RunPlan plan = new RunPlan("run-apply", contract.name(), contract.hash(), contract.applicationId(), 0,
                List.of(new RunPlan.PartitionRange("events", 0, 0, 100, 99)), 1);
        MockProcessorContext<byte[], Emitted> context = new MockProcessorContext<>();
        KeyValueStore<Bytes, byte[]> batches = bytesStore(context, ApplyStage.DEDUP_STORE);
        KeyValueStore<Bytes, byte[]> ids = bytesStore(context, ApplyStage.DEDUP_IDS_STORE);
        KeyValueStore<Bytes, byte[]> states = bytesStore(context, ApplyStage.PROJECTION_STORE);
        add(context, Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore(ApplyStage.COUNTERS_STORE), Serdes.String(), Serdes.ByteArray())
                .withLoggingDisabled().build());
        CommitHook hook = add(context, CommitHook.builder(ApplyStage.COMMIT_HOOK).build());
        ApplyStage<InventoryLevel> stage = new ApplyStage<>(contract, plan, codecs, new Counting(), null, false, Guardrails.none(), 10_000);
        stage.init(context);
        StateCodec<InventoryLevel> codec = new StateCodec<>(InventoryLevel.class);
        Bytes key = Bytes.wrap(concat(plan.statePrefix(), "SKU-A".getBytes(StandardCharsets.UTF_8)));

        stage.process(event("e1", "SKU-A"));
        stage.process(event("e2", "SKU-A"));
        assertThat(states.get(key)).as("not before the commit").isNull();
        stage.process(event("bad-3", "SKU-A"));
        stage.process(event("e2", "SKU-A"));
        hook.flushCache();

        assertThat(codec.decode(states.get(key)).getReceived()).as("e1 and e2; not the rejected event, not the duplicate").isEqualTo(2);
        assertThat(new DedupSet(batches, ids, plan.statePrefix(), 100).loaded()).as("the ids applied, committed as a batch").isEqualTo(2);
        assertThat(context.forwarded()).hasSize(1);
        assertThat(context.forwarded().get(0).record().value()).isInstanceOf(Emitted.DeadLetter.class);

        stage.process(event("e4", "SKU-A"));
        stage.process(event("bad-5", "SKU-B"));
        stage.process(event("e6", "SKU-B"));
        hook.flushCache();
        assertThat(codec.decode(states.get(key)).getReceived()).isEqualTo(3);
        Bytes other = Bytes.wrap(concat(plan.statePrefix(), "SKU-B".getBytes(StandardCharsets.UTF_8)));
        assertThat(codec.decode(states.get(other)).getReceived()).as("rejected first event of a key, then a good one").isEqualTo(1);
    }

    private static Record<byte[], Routed> event(String id, String key, int n, int partition, long offset) {
        GenericRecord payload = new GenericData.Record(PAYLOAD);
        payload.put("n", n);
        return new Record<>(key.getBytes(StandardCharsets.UTF_8),
                new Routed.Data(id, "Any", 1, 0L, null, "events", partition, offset, payload, null), 0L);
    }

    // Guards the defect "the same event id with other content passed as a duplicate", across a restart of the task: the
    // dedup set rebuilt from its committed batches still knows the digest and place of the first event.
    @Test
    void anIdMetAgainWithOtherContentAfterTheTaskRestartedIsAConflictNamingBothPlaces() {
        Contract contract = ContractLoader.load(java.nio.file.Path.of("..", "config", "inventory.yaml").toAbsolutePath().normalize());
        CompiledContract codecs = CompiledContract.forContract(contract);
        RunPlan plan = new RunPlan("run-apply", contract.name(), contract.hash(), contract.applicationId(), 0,
                List.of(new RunPlan.PartitionRange("events", 0, 0, 100, 99), new RunPlan.PartitionRange("events", 1, 0, 100, 99)), 1);
        MockProcessorContext<byte[], Emitted> context = new MockProcessorContext<>();
        bytesStore(context, ApplyStage.DEDUP_STORE);
        bytesStore(context, ApplyStage.DEDUP_IDS_STORE);
        bytesStore(context, ApplyStage.PROJECTION_STORE);
        KeyValueStore<String, byte[]> counters = add(context, Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore(ApplyStage.COUNTERS_STORE),
                Serdes.String(), Serdes.ByteArray()).withLoggingDisabled().build());
        CommitHook hook = add(context, CommitHook.builder(ApplyStage.COMMIT_HOOK).build());
        ApplyStage<InventoryLevel> first = new ApplyStage<>(contract, plan, codecs, new Counting(), null, true, Guardrails.none(), 10_000);
        first.init(context);
        first.process(event("e1", "SKU-A", 50, 0, 7));
        hook.flushCache();

        ApplyStage<InventoryLevel> restarted = new ApplyStage<>(contract, plan, codecs, new Counting(), null, true, Guardrails.none(), 10_000);
        restarted.init(context);
        restarted.process(event("e1", "SKU-A", 50, 1, 3));      // a copy
        restarted.process(event("e1", "SKU-A", 5_000, 1, 4));   // the same id, another quantity
        hook.flushCache();

        java.util.Map<String, Long> applied = dev.reprise.pipeline.support.Counters.read(counters.get(
                dev.reprise.pipeline.support.Counters.storeKey(plan.runId(), "apply")));
        assertThat(dev.reprise.counts.Count.DUPLICATES.in(applied)).isEqualTo(1);
        assertThat(dev.reprise.counts.Count.ID_CONFLICTS.in(applied)).isEqualTo(1);
        assertThat(applied.keySet()).as("the sample names where each event was read")
                .contains(new dev.reprise.counts.CountFamily.Conflict("e1", "SKU-A", "events-0@7", "events-1@4").counter());
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
