package dev.reprise.pipeline.apply;

import dev.reprise.projection.StateCodec;
import dev.reprise.sample.inventory.InventoryLevel;
import dev.reprise.sample.inventory.InventoryProjection;
import dev.reprise.state.SortedBatchStoreTest;
import org.apache.kafka.common.utils.Bytes;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;

/** States kept in memory and written once per commit, with far more keys than fit: nothing changed is lost on eviction. */
class RecentStatesTest {
    final SortedBatchStoreTest.SortedMapStore store = new SortedBatchStoreTest.SortedMapStore();
    final StateCodec<InventoryLevel> codec = new StateCodec<>(InventoryLevel.class);
    final InventoryProjection projection = new InventoryProjection();

    static Bytes key(int i) {
        return Bytes.wrap(("SKU-" + i).getBytes(StandardCharsets.UTF_8));
    }

    void receive(RecentStates<InventoryLevel> states, int i, long units) {
        Bytes k = key(i);
        RecentStates.Entry<InventoryLevel> entry = states.get(k, () -> projection.initial("SKU-" + i));
        InventoryLevel next = InventoryLevel.newBuilder(entry.state()).setReceived(entry.state().getReceived() + units).build();
        states.changed(k, entry, next, codec.encode(next));
    }

    @Test
    void everyChangeReachesTheStoreWhenTheKeyIsEvictedOrAtTheCommit() {
        RecentStates<InventoryLevel> states = new RecentStates<>(store, codec, 10);
        for (int round = 1; round <= 3; round++) {
            for (int i = 0; i < 1_000; i++) {
                receive(states, i, 1);
            }
        }
        assertThat(store.map).as("keys evicted were written as they left").hasSizeGreaterThanOrEqualTo(990);
        states.writeAll();
        assertThat(store.map).hasSize(1_000);
        for (int i = 0; i < 1_000; i++) {
            assertThat(codec.decode(store.map.get(key(i))).getReceived()).as("SKU-" + i + " got all three events, across evictions").isEqualTo(3);
        }
    }

    @Test
    void aFailedEventLeavesTheLastGoodStateWhetherOrNotItWasWritten() {
        RecentStates<InventoryLevel> states = new RecentStates<>(store, codec, 10);
        receive(states, 1, 5);
        RecentStates.Entry<InventoryLevel> entry = states.get(key(1), () -> projection.initial("SKU-1"));
        entry.state().setReceived(-99);
        states.rollBack(key(1), entry);
        assertThat(states.get(key(1), () -> projection.initial("SKU-1")).state().getReceived()).as("unwritten: back to its encoding").isEqualTo(5);

        states.writeAll();
        RecentStates.Entry<InventoryLevel> written = states.get(key(1), () -> projection.initial("SKU-1"));
        written.state().setReceived(-99);
        states.rollBack(key(1), written);
        assertThat(states.get(key(1), () -> projection.initial("SKU-1")).state().getReceived()).as("written: read again from the store").isEqualTo(5);
    }

    @Test
    void aByteBudgetKeepsAsManyStatesAsItsChargesAllowAndLosesNoChangeOnEviction() {
        // Room for about 20 inventory states (each charged 160 bytes, its key and four times its binary).
        long budget = 20L * (RecentStates.ENTRY_OVERHEAD + 8 + RecentStates.DECODED_PER_ENCODED_BYTE * 40);
        RecentStates<InventoryLevel> states = new RecentStates<>(store, codec, budget, Integer.MAX_VALUE);
        for (int round = 1; round <= 3; round++) {
            for (int i = 0; i < 1_000; i++) {
                receive(states, i, 1);
                assertThat(states.size()).as("states held within the budget of about 20").isBetween(1, 40);
            }
        }
        assertThat(states.size()).as("the budget fills before anything leaves").isGreaterThan(5);
        states.writeAll();
        assertThat(store.map).hasSize(1_000);
        for (int i = 0; i < 1_000; i++) {
            assertThat(codec.decode(store.map.get(key(i))).getReceived()).as("SKU-" + i + " got all three events, across evictions").isEqualTo(3);
        }
    }

    @Test
    void theHeapShareIsSplitAmongTheTasksThatMayShareTheProcess() {
        assertThat(RecentStates.budgetPerTask(6, 512L << 20)).as("a tenth of 512 MiB over 6 tasks").isBetween(8L << 20, 9L << 20);
        assertThat(RecentStates.budgetPerTask(10_000, 64L << 20)).as("never below 1 MiB per task").isEqualTo(1L << 20);
        RecentStates<InventoryLevel> fixed = RecentStates.forTask(store, codec, 10, 6, 512L << 20);
        for (int i = 0; i < 100; i++) {
            receive(fixed, i, 1);
        }
        assertThat(fixed.size()).as("a count set in reprise.apply.recent.states holds whatever the heap").isEqualTo(10);
    }

    @Test
    void statesReadAheadAreTheStoredOnesAndKeysTheStoreLacksStartFromTheInitialState() {
        RecentStates<InventoryLevel> states = new RecentStates<>(store, codec, 100);
        for (int i = 0; i < 10; i++) {
            receive(states, i, 5);
        }
        states.writeAll();
        RecentStates<InventoryLevel> restarted = new RecentStates<>(store, codec, 100);
        receive(restarted, 3, 1);   // changed in memory, not yet written: read ahead must not replace it by the stored one
        restarted.readAhead(java.util.List.of(key(1), key(3), key(42), key(1), key(7)));
        assertThat(restarted.size()).as("a key twice in the batch is kept once").isEqualTo(4);
        RecentStates<InventoryLevel> twice = new RecentStates<>(store, codec, 100);
        RecentStates<InventoryLevel> once = new RecentStates<>(store, codec, 100);
        twice.readAhead(java.util.List.of(key(1), key(42), key(1), key(7)));
        once.readAhead(java.util.List.of(key(1), key(42), key(7)));
        assertThat(twice.charged()).as("and charged once").isEqualTo(once.charged()).isPositive();
        for (int round = 0; round < 2; round++) {
            receive(restarted, 1, 1);
            receive(restarted, 3, 1);
            receive(restarted, 42, 1);
        }
        restarted.writeAll();
        assertThat(codec.decode(store.map.get(key(1))).getReceived()).as("stored 5, then two events").isEqualTo(7);
        assertThat(codec.decode(store.map.get(key(3))).getReceived()).as("stored 5, one event in memory, then two").isEqualTo(8);
        assertThat(codec.decode(store.map.get(key(42))).getReceived()).as("unknown to the store: from the initial state").isEqualTo(2);
        assertThat(codec.decode(store.map.get(key(7))).getReceived()).as("read ahead, never changed").isEqualTo(5);
    }
}
