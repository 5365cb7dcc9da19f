package dev.reprise.state;

import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.StateStore;
import org.apache.kafka.streams.processor.StateStoreContext;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static org.assertj.core.api.Assertions.assertThat;

public class SortedBatchStoreTest {

    /** A plain sorted map standing in for RocksDB, recording the batches it receives. */
    public static final class SortedMapStore implements KeyValueStore<Bytes, byte[]> {
        public final TreeMap<Bytes, byte[]> map = new TreeMap<>();
        public final List<List<String>> batches = new ArrayList<>();
        public int commits;

        @Override public void put(Bytes key, byte[] value) { map.put(key, value); }
        @Override public byte[] putIfAbsent(Bytes key, byte[] value) { return map.putIfAbsent(key, value); }
        @Override public void putAll(List<KeyValue<Bytes, byte[]>> entries) {
            batches.add(entries.stream().map(e -> text(e.key)).toList());
            entries.forEach(e -> map.put(e.key, e.value));
        }
        @Override public byte[] delete(Bytes key) { return map.remove(key); }
        @Override public byte[] get(Bytes key) { return map.get(key); }
        @Override public KeyValueIterator<Bytes, byte[]> range(Bytes from, Bytes to) {
            return iterator(from == null ? (to == null ? map : map.headMap(to, true)) : to == null ? map.tailMap(from, true) : map.subMap(from, true, to, true));
        }
        @Override public KeyValueIterator<Bytes, byte[]> all() { return iterator(map); }
        @Override public long approximateNumEntries() { return map.size(); }
        @Override public String name() { return "test"; }
        @Override public void init(StateStoreContext context, StateStore root) { }
        @Override public void commit(Map<org.apache.kafka.common.TopicPartition, Long> offsets) { commits++; }
        @Override public void close() { }
        // A map in memory: written with putAll, not RocksDB batches.
        @Override public boolean persistent() { return false; }
        @Override public boolean isOpen() { return true; }

        private static KeyValueIterator<Bytes, byte[]> iterator(Map<Bytes, byte[]> entries) {
            Iterator<Map.Entry<Bytes, byte[]>> it = new ArrayList<>(entries.entrySet()).iterator();
            return new KeyValueIterator<>() {
                @Override public void close() { }
                @Override public Bytes peekNextKey() { throw new UnsupportedOperationException(); }
                @Override public boolean hasNext() { return it.hasNext(); }
                @Override public KeyValue<Bytes, byte[]> next() {
                    Map.Entry<Bytes, byte[]> e = it.next();
                    return KeyValue.pair(e.getKey(), e.getValue());
                }
            };
        }
    }

    private static Bytes key(String s) {
        return Bytes.wrap(s.getBytes(StandardCharsets.UTF_8));
    }

    private static String text(Bytes b) {
        return new String(b.get(), StandardCharsets.UTF_8);
    }

    @Test
    void writesWaitAndReachTheInnerStoreAsOneSortedBatchAtCommit() {
        SortedMapStore inner = new SortedMapStore();
        SortedBatchStore store = new SortedBatchStore(inner);
        store.put(key("c"), new byte[]{3});
        store.put(key("a"), new byte[]{1});
        store.put(key("b"), new byte[]{2});

        assertThat(inner.map).isEmpty();
        assertThat(store.get(key("a"))).containsExactly(1);
        assertThat(store.get(key("z"))).isNull();

        store.commit(Map.of());
        assertThat(inner.batches).containsExactly(List.of("a", "b", "c"));
        assertThat(inner.commits).isEqualTo(1);
        assertThat(store.get(key("c"))).containsExactly(3);
    }

    @Test
    void batchesAreOrderedByTheBytesAfterTheSharedPrefixAndLoseNoKey() {
        java.util.Random random = new java.util.Random(7);
        Bytes[] keys = new Bytes[5_000];
        for (int i = 0; i < keys.length; i++) {
            keys[i] = key("run-0042" + java.util.UUID.nameUUIDFromBytes(new byte[]{(byte) random.nextInt(), (byte) i, (byte) (i >> 8)}));
        }
        int[] order = SortedBatchStore.order(keys);

        assertThat(order).hasSize(keys.length);
        assertThat(java.util.Arrays.stream(order).distinct().count()).isEqualTo(keys.length);
        for (int i = 1; i < order.length; i++) {
            // Six bytes after the 8-byte prefix decide; keys equal there may come in either order.
            byte[] previous = java.util.Arrays.copyOfRange(keys[order[i - 1]].get(), 8, 14);
            byte[] next = java.util.Arrays.copyOfRange(keys[order[i]].get(), 8, 14);
            assertThat(java.util.Arrays.compareUnsigned(previous, next)).isLessThanOrEqualTo(0);
        }
        assertThat(SortedBatchStore.order(new Bytes[]{key("b\u00ff"), key("b"), key("a\u0001")}))
                .containsExactly(2, 1, 0);
    }

    @Test
    void rangeReadsAndDeletesSeeThePendingWrites() {
        SortedMapStore inner = new SortedMapStore();
        SortedBatchStore store = new SortedBatchStore(inner);
        store.put(key("b"), new byte[]{2});
        store.put(key("a"), new byte[]{1});
        List<String> seen = new ArrayList<>();
        try (KeyValueIterator<Bytes, byte[]> it = store.range(key("a"), key("b"))) {
            it.forEachRemaining(kv -> seen.add(text(kv.key)));
        }
        assertThat(seen).containsExactly("a", "b");

        store.put(key("c"), new byte[]{3});
        assertThat(store.delete(key("c"))).containsExactly(3);
        assertThat(store.get(key("c"))).isNull();
        store.put(key("a"), null);
        assertThat(store.get(key("a"))).isNull();
    }

    @Test
    void aLongStretchWithoutCommitIsWrittenInBoundedBatches() {
        SortedMapStore inner = new SortedMapStore();
        SortedBatchStore store = new SortedBatchStore(inner);
        for (int i = 0; i < SortedBatchStore.MAX_PENDING + 5; i++) {
            store.put(key(String.format("%08d", i)), new byte[0]);
        }
        assertThat(inner.batches).hasSize(1);
        assertThat(inner.batches.get(0)).hasSize(SortedBatchStore.MAX_PENDING);
        assertThat(store.approximateNumEntries()).isEqualTo(SortedBatchStore.MAX_PENDING + 5);
    }

    @Test
    void closingWithoutCommitKeepsNothingPending() {
        SortedMapStore inner = new SortedMapStore();
        SortedBatchStore store = new SortedBatchStore(inner);
        store.put(key("a"), new byte[]{1});
        store.close();
        assertThat(inner.map).isEmpty();
    }
}
