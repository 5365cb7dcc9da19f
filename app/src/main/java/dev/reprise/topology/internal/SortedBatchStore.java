package dev.reprise.topology.internal;

import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.StateStore;
import org.apache.kafka.streams.processor.StateStoreContext;
import org.apache.kafka.streams.query.Position;
import org.apache.kafka.streams.query.PositionBound;
import org.apache.kafka.streams.query.Query;
import org.apache.kafka.streams.query.QueryConfig;
import org.apache.kafka.streams.query.QueryResult;
import org.apache.kafka.streams.state.KeyValueBytesStoreSupplier;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.internals.RocksDBStore;
import org.apache.kafka.streams.errors.ProcessorStateException;
import org.rocksdb.RocksDBException;
import org.rocksdb.WriteBatch;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The innermost layer of a key-value store whose writes wait in memory and reach RocksDB as one batch,
 * in key order, every {@value #MAX_PENDING} writes (and when Kafka Streams commits the store itself:
 * on close and checkpoints; under exactly-once not at every task commit). RocksDB inserts keys that
 * arrive in order far more cheaply than random ones (its memtable resumes each insert where the last
 * ended), and the dedup lookup store receives one random key per event: in a profile, its RocksDB
 * writes were a third of the apply stage's CPU.
 *
 * <p>It sits below any changelog layer, so a logged store's writes still reach the changelog as they
 * happen. Reads see the pending writes; a range read writes them first. Kafka Streams has no such
 * option of its own, hence these few lines.
 */
public final class SortedBatchStore implements KeyValueStore<Bytes, byte[]> {
    /**
     * Pending writes outlive young collections and get copied and promoted; at 100,000 the collector's
     * work at 10 million events doubled and throughput fell by a third (measured with reprise bench).
     * Batches of 10,000 sorted keys keep nearly all of RocksDB's gain.
     */
    static final int MAX_PENDING = 10_000;
    private final KeyValueStore<Bytes, byte[]> inner;
    private final Map<Bytes, byte[]> pending = new HashMap<>();

    SortedBatchStore(KeyValueStore<Bytes, byte[]> inner) {
        this.inner = inner;
    }

    /** Wraps a store supplier (normally {@code Stores.persistentKeyValueStore(name)}). */
    public static KeyValueBytesStoreSupplier supplier(KeyValueBytesStoreSupplier inner) {
        return new KeyValueBytesStoreSupplier() {
            @Override
            public String name() {
                return inner.name();
            }

            @Override
            public KeyValueStore<Bytes, byte[]> get() {
                return new SortedBatchStore(inner.get());
            }

            @Override
            public String metricsScope() {
                return inner.metricsScope();
            }
        };
    }

    /** Writes the pending entries to the inner store, in key order, as one batch. */
    private void drain() {
        if (pending.isEmpty()) {
            return;
        }
        Bytes[] keys = pending.keySet().toArray(new Bytes[0]);
        int[] order = order(keys);
        if (inner instanceof RocksDBStore rocks) {
            writeSerialized(rocks, keys, order);
        } else {
            List<KeyValue<Bytes, byte[]>> batch = new ArrayList<>(keys.length);
            for (int i : order) {
                batch.add(KeyValue.pair(keys[i], pending.get(keys[i])));
            }
            inner.putAll(batch);
        }
        pending.clear();
    }

    /**
     * Hands RocksDB the whole batch in one call, in its own serialized form, instead of one JNI call per
     * entry ({@code RocksDBStore.putAll}: 5% of the keyed pipeline's stream threads in a profile, for the
     * dedup lookup store). The format is RocksDB's write-batch and write-ahead-log record format
     * ({@code db/write_batch.cc}): a fixed64 sequence number (RocksDB assigns it), a fixed32 count, then
     * per entry the type {@code kTypeValue} (1), the key and the value as varint32-length-prefixed
     * strings, in the default column family, which holds a Kafka Streams store's data. RocksDB checks the
     * count and every tag when it applies the batch, so a malformed batch fails loudly.
     */
    private void writeSerialized(RocksDBStore rocks, Bytes[] keys, int[] order) {
        byte[][] values = new byte[keys.length][];
        int size = 12;
        for (int i = 0; i < keys.length; i++) {
            values[i] = pending.get(keys[i]);
            size += 1 + varint32Size(keys[i].get().length) + keys[i].get().length + varint32Size(values[i].length) + values[i].length;
        }
        ByteBuffer out = ByteBuffer.allocate(size).order(ByteOrder.LITTLE_ENDIAN);
        out.putLong(0).putInt(keys.length);
        for (int i : order) {
            byte[] key = keys[i].get();
            out.put((byte) 1);
            putVarint32(out, key.length);
            out.put(key);
            putVarint32(out, values[i].length);
            out.put(values[i]);
        }
        // Sized exactly: the array is the batch, no copy.
        try (WriteBatch batch = new WriteBatch(out.array())) {
            rocks.write(batch);
        } catch (RocksDBException e) {
            throw new ProcessorStateException("Error while writing a batch of " + keys.length + " entries to store " + inner.name(), e);
        }
    }

    private static int varint32Size(int value) {
        int bytes = 1;
        while ((value & ~0x7F) != 0) {
            value >>>= 7;
            bytes++;
        }
        return bytes;
    }

    private static void putVarint32(ByteBuffer out, int value) {
        while ((value & ~0x7F) != 0) {
            out.put((byte) ((value & 0x7F) | 0x80));
            value >>>= 7;
        }
        out.put((byte) value);
    }

    /**
     * The positions of {@code keys} in key order, near enough: by the six bytes that follow the prefix
     * all keys share (the run prefix, for the dedup store), ties in submission order. RocksDB needs no
     * order for correctness, only for speed, and a sort of packed longs (6 key bytes, 2 bytes of
     * position) cost a fraction of a comparator sort of byte arrays (6% of the apply stage in a profile).
     */
    public static int[] order(Bytes[] keys) {
        int n = keys.length;
        int[] out = new int[n];
        if (n > 1 << 16) {
            Integer[] boxed = new Integer[n];
            for (int i = 0; i < n; i++) {
                boxed[i] = i;
            }
            Arrays.sort(boxed, (a, b) -> Arrays.compareUnsigned(keys[a].get(), keys[b].get()));
            for (int i = 0; i < n; i++) {
                out[i] = boxed[i];
            }
            return out;
        }
        byte[] first = keys[0].get();
        int common = first.length;
        for (int i = 1; i < n && common > 0; i++) {
            int mismatch = Arrays.mismatch(first, 0, common, keys[i].get(), 0, Math.min(common, keys[i].get().length));
            if (mismatch >= 0) {
                common = mismatch;
            } else {
                common = Math.min(common, keys[i].get().length);
            }
        }
        long[] packed = new long[n];
        for (int i = 0; i < n; i++) {
            byte[] k = keys[i].get();
            long lead = 0;
            for (int b = 0; b < 6; b++) {
                lead = (lead << 8) | (common + b < k.length ? (k[common + b] & 0xFF) : 0);
            }
            // Flipping the sign bit makes the signed sort an unsigned one.
            packed[i] = ((lead << 16) | i) ^ Long.MIN_VALUE;
        }
        Arrays.sort(packed);
        for (int i = 0; i < n; i++) {
            out[i] = (int) (packed[i] & 0xFFFF);
        }
        return out;
    }

    @Override
    public void put(Bytes key, byte[] value) {
        if (value == null) {
            delete(key);
            return;
        }
        pending.put(key, value);
        if (pending.size() >= MAX_PENDING) {
            drain();
        }
    }

    @Override
    public byte[] putIfAbsent(Bytes key, byte[] value) {
        byte[] current = get(key);
        if (current == null) {
            put(key, value);
        }
        return current;
    }

    @Override
    public void putAll(List<KeyValue<Bytes, byte[]>> entries) {
        entries.forEach(e -> put(e.key, e.value));
    }

    @Override
    public byte[] delete(Bytes key) {
        drain();
        return inner.delete(key);
    }

    @Override
    public byte[] get(Bytes key) {
        byte[] value = pending.get(key);
        return value != null ? value : inner.get(key);
    }

    @Override
    public KeyValueIterator<Bytes, byte[]> range(Bytes from, Bytes to) {
        drain();
        return inner.range(from, to);
    }

    @Override
    public KeyValueIterator<Bytes, byte[]> reverseRange(Bytes from, Bytes to) {
        drain();
        return inner.reverseRange(from, to);
    }

    @Override
    public KeyValueIterator<Bytes, byte[]> all() {
        drain();
        return inner.all();
    }

    @Override
    public KeyValueIterator<Bytes, byte[]> reverseAll() {
        drain();
        return inner.reverseAll();
    }

    @Override
    public <PS extends Serializer<P>, P> KeyValueIterator<Bytes, byte[]> prefixScan(P prefix, PS prefixKeySerializer) {
        drain();
        return inner.prefixScan(prefix, prefixKeySerializer);
    }

    @Override
    public long approximateNumEntries() {
        return inner.approximateNumEntries() + pending.size();
    }

    @Override
    public String name() {
        return inner.name();
    }

    @Override
    public void init(StateStoreContext context, StateStore root) {
        inner.init(context, root);
    }

    @Override
    @SuppressWarnings("deprecation")
    public void flush() {
        drain();
        inner.flush();
    }

    @Override
    public void commit(Map<TopicPartition, Long> changelogOffsets) {
        drain();
        inner.commit(changelogOffsets);
    }

    @Override
    public Long committedOffset(TopicPartition partition) {
        return inner.committedOffset(partition);
    }

    @Override
    public boolean managesOffsets() {
        return inner.managesOffsets();
    }

    @Override
    public void close() {
        // Entries not yet committed are not kept: the changelog has them, as after a crash.
        pending.clear();
        inner.close();
    }

    @Override
    public boolean persistent() {
        return inner.persistent();
    }

    @Override
    public boolean isOpen() {
        return inner.isOpen();
    }

    @Override
    public <R> QueryResult<R> query(Query<R> query, PositionBound positionBound, QueryConfig config) {
        drain();
        return inner.query(query, positionBound, config);
    }

    @Override
    public Position getPosition() {
        return inner.getPosition();
    }
}
