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
        assertThat(Bytes.wrap(batches.map.firstKey().get()).get()).as("run prefix, batch number, format byte").hasSize(RUN.length + 9);
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
    // Guards the defect "the same event id with other content passed as a duplicate": the set keeps, with each id, the
    // digest of its event and where it was read, and a restarted task (the set rebuilt from its changelog) still has them.
    @Test
    void theDigestAndPlaceOfEachIdSurviveTheChangelogAndAReopen() {
        SortedBatchStoreTest.SortedMapStore batches = new SortedBatchStoreTest.SortedMapStore();
        SortedBatchStoreTest.SortedMapStore ids = new SortedBatchStoreTest.SortedMapStore();
        DedupSet first = new DedupSet(batches, ids, RUN, 1_000);
        first.add(id(1), new DedupSet.Seen(0x1234_5678_9ABC_DEF0L, 3, 1_000_000_000_000L));
        first.add(id(2), new DedupSet.Seen(-1L, 0, 0));
        first.add(id(3));
        assertThat(first.lookup(id(1))).isEqualTo(new DedupSet.Seen(0x1234_5678_9ABC_DEF0L, 3, 1_000_000_000_000L));
        first.writeBatch();

        DedupSet second = new DedupSet(batches, ids, RUN, 1_000);
        assertThat(second.lookup(id(1))).isEqualTo(new DedupSet.Seen(0x1234_5678_9ABC_DEF0L, 3, 1_000_000_000_000L));
        assertThat(second.lookup(id(2))).isEqualTo(new DedupSet.Seen(-1L, 0, 0));
        assertThat(second.lookup(id(3))).as("added without a digest").isEqualTo(DedupSet.Seen.UNKNOWN);
        assertThat(second.lookup(id(4))).isNull();
    }

    @Test
    void batchesWrittenBeforeDigestsWereKeptAreReadAsIdsWithoutOne() {
        SortedBatchStoreTest.SortedMapStore batches = new SortedBatchStoreTest.SortedMapStore();
        byte[] key = java.util.Arrays.copyOf(RUN, RUN.length + 8);
        key[key.length - 1] = 1;
        byte[] id = id(9);
        byte[] old = java.nio.ByteBuffer.allocate(2 + id.length).putShort((short) id.length).put(id).array();
        batches.put(Bytes.wrap(key), old);

        DedupSet set = new DedupSet(batches, new SortedBatchStoreTest.SortedMapStore(), RUN, 1_000);
        assertThat(set.loaded()).isEqualTo(1);
        assertThat(set.lookup(id(9))).as("a copy can still be skipped; its content cannot be compared").isEqualTo(DedupSet.Seen.UNKNOWN);
        set.add(id(10), new DedupSet.Seen(7L, 0, 5));
        set.writeBatch();
        assertThat(new DedupSet(batches, new SortedBatchStoreTest.SortedMapStore(), RUN, 1_000).lookup(id(10)))
                .as("the batch numbers of both formats go on").isEqualTo(new DedupSet.Seen(7L, 0, 5));
    }

    /** What keeping a digest and a place costs per id: printed for the sizing in docs/capacity.md, bounded here. */
    @Test
    void aDigestAndAPlaceCostAbout13BytesPerIdOnDiskAndInTheChangelog() {
        int n = 100_000;
        long[] withSeen = {0, 0};
        long[] without = {0, 0};
        for (long[] bytes : new long[][] {withSeen, without}) {
            SortedBatchStoreTest.SortedMapStore batches = new SortedBatchStoreTest.SortedMapStore();
            SortedBatchStoreTest.SortedMapStore ids = new SortedBatchStoreTest.SortedMapStore();
            DedupSet set = new DedupSet(batches, ids, RUN, n);
            java.util.Random random = new java.util.Random(1);
            for (int i = 0; i < n; i++) {
                byte[] uuid = DedupSet.idOf(new java.util.UUID(random.nextLong(), random.nextLong()).toString());
                // Offsets in the millions of a partition among 12: the common case.
                set.add(uuid, bytes == withSeen ? new DedupSet.Seen(random.nextLong(), i % 12, 5_000_000L + i) : DedupSet.Seen.UNKNOWN);
            }
            set.writeBatch();
            bytes[0] = ids.map.entrySet().stream().mapToLong(e -> e.getKey().get().length + e.getValue().length).sum();
            bytes[1] = batches.map.values().stream().mapToLong(v -> v.length).sum();
        }
        double disk = (double) (withSeen[0] - without[0]) / n;
        double changelog = (double) (withSeen[1] - without[1]) / n;
        System.out.printf("dedup set, per UUID id: lookup store %.1f -> %.1f bytes (+%.1f), changelog %.1f -> %.1f bytes (+%.1f); heap unchanged%n",
                (double) without[0] / n, (double) withSeen[0] / n, disk, (double) without[1] / n, (double) withSeen[1] / n, changelog);
        assertThat(disk).isBetween(12.0, 15.0);
        assertThat(changelog).isBetween(13.0, 16.0);
    }
}
