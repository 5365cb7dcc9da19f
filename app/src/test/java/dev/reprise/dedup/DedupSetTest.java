package dev.reprise.dedup;

import dev.reprise.state.SortedBatchStoreTest;
import org.apache.kafka.common.utils.Bytes;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;

class DedupSetTest {
    private static final byte[] RUN = "run-0001".getBytes(StandardCharsets.UTF_8);

    private static byte[] id(int i) {
        return DedupSet.idOf("event-" + i);
    }

    @Test
    void idsAddedAreFoundAndReachTheChangelogAsOneBatchPerCommit() {
        SortedBatchStoreTest.SortedMapStore batches = new SortedBatchStoreTest.SortedMapStore();
        SortedBatchStoreTest.SortedMapStore ids = new SortedBatchStoreTest.SortedMapStore();
        DedupSet set = new DedupSet(batches, ids, RUN, 1_000);
        for (int i = 0; i < 100; i++) {
            assertThat(set.contains(id(i))).isFalse();
            set.add(id(i));
        }
        assertThat(set.contains(id(7))).isTrue();
        assertThat(set.contains(id(100))).isFalse();
        assertThat(batches.map).isEmpty();

        set.writeBatch();
        set.writeBatch();

        assertThat(batches.map).hasSize(1);
        assertThat(batches.map.firstKey().get()).startsWith(RUN);
        assertThat(ids.map).hasSize(100);
    }

    @Test
    void aReopenedSetKnowsTheWrittenBatchesOnlyNotWhatCameAfterTheLastCommit() {
        SortedBatchStoreTest.SortedMapStore batches = new SortedBatchStoreTest.SortedMapStore();
        SortedBatchStoreTest.SortedMapStore ids = new SortedBatchStoreTest.SortedMapStore();
        DedupSet first = new DedupSet(batches, ids, RUN, 1_000);
        first.add(id(1));
        first.add(id(2));
        first.writeBatch();
        // Processed, never committed: after a crash this event comes again and must not be a duplicate.
        first.add(id(3));

        DedupSet second = new DedupSet(batches, ids, RUN, 1_000);

        assertThat(second.loaded()).isEqualTo(2);
        assertThat(second.contains(id(1))).isTrue();
        assertThat(second.contains(id(2))).isTrue();
        assertThat(second.contains(id(3))).isFalse();
        second.add(id(3));
        second.writeBatch();
        assertThat(batches.map).as("batch numbers go on, nothing is overwritten").hasSize(2);
        assertThat(new DedupSet(batches, ids, RUN, 1_000).loaded()).isEqualTo(3);
        assertThat(new DedupSet(batches, ids, "run-0002".getBytes(StandardCharsets.UTF_8), 1_000).loaded())
                .as("another run starts empty").isZero();
    }

    @Test
    void entriesOfEarlierGenerationsAreDeletedInBudgets() {
        SortedBatchStoreTest.SortedMapStore batches = new SortedBatchStoreTest.SortedMapStore();
        SortedBatchStoreTest.SortedMapStore ids = new SortedBatchStoreTest.SortedMapStore();
        DedupSet first = new DedupSet(batches, ids, RUN, 1_000);
        for (int i = 0; i < 10; i++) {
            first.add(id(i));
        }
        first.writeBatch();
        DedupSet second = new DedupSet(batches, ids, RUN, 1_000);
        assertThat(ids.map).hasSize(20);

        assertThat(second.forgetOldGenerations(4)).isEqualTo(4);
        assertThat(second.forgetOldGenerations(100)).isEqualTo(6);
        assertThat(second.forgetOldGenerations(100)).isZero();

        assertThat(ids.map).hasSize(10);
        for (int i = 0; i < 10; i++) {
            assertThat(second.contains(id(i))).isTrue();
        }
    }

    @Test
    void aFullBatchIsWrittenWithoutWaitingForTheCommit() {
        SortedBatchStoreTest.SortedMapStore batches = new SortedBatchStoreTest.SortedMapStore();
        DedupSet set = new DedupSet(batches, new SortedBatchStoreTest.SortedMapStore(), RUN, 100_000);
        int added = 0;
        while (batches.map.isEmpty()) {
            set.add(id(added++));
        }
        int perBatch = batches.map.firstEntry().getValue().length;
        assertThat(perBatch).isGreaterThanOrEqualTo(DedupSet.MAX_BATCH_BYTES).isLessThan(DedupSet.MAX_BATCH_BYTES + 100);
        assertThat(Bytes.wrap(batches.map.firstKey().get()).get()).hasSize(RUN.length + 8);
    }

    @Test
    void uuidTextIsKeptIn17BytesAndNoTwoIdsShareAForm() {
        java.util.UUID uuid = java.util.UUID.fromString("0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0");
        byte[] text = uuid.toString().getBytes(StandardCharsets.UTF_8);
        byte[] compact = DedupSet.idOf(text);
        assertThat(compact).hasSize(17);
        assertThat(compact[0]).isEqualTo((byte) 1);
        assertThat(java.nio.ByteBuffer.wrap(compact, 1, 16).getLong()).isEqualTo(uuid.getMostSignificantBits());
        assertThat(java.nio.ByteBuffer.wrap(compact, 9, 8).getLong()).isEqualTo(uuid.getLeastSignificantBits());

        byte[] upper = uuid.toString().toUpperCase().getBytes(StandardCharsets.UTF_8);
        assertThat(DedupSet.idOf(upper)).as("not the canonical text: kept as it is").hasSize(37).startsWith(0);
        assertThat(DedupSet.idOf("order-42".getBytes(StandardCharsets.UTF_8))).hasSize(9);
        // The 17 bytes of a UUID, taken as an id of their own, keep a different form.
        byte[] raw = java.util.Arrays.copyOfRange(compact, 1, 17);
        assertThat(DedupSet.idOf(raw)).isNotEqualTo(compact);

        DedupSet set = new DedupSet(new SortedBatchStoreTest.SortedMapStore(), new SortedBatchStoreTest.SortedMapStore(), RUN, 100);
        assertThat(DedupSet.idOf(uuid.toString())).isEqualTo(compact);
        assertThat(DedupSet.idOf(uuid.toString().toUpperCase())).isEqualTo(DedupSet.idOf(upper));
        assertThat(DedupSet.idOf("0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1fg")).as("not hex").hasSize(37);
        assertThat(set.contains(DedupSet.idOf(uuid.toString()))).isFalse();
        set.add(DedupSet.idOf(uuid.toString()));
        assertThat(set.contains(compact)).isTrue();
        assertThat(set.contains(DedupSet.idOf(upper))).as("another id").isFalse();
    }
}
