package dev.reprise.pipeline.apply;

import dev.reprise.compat.RocksDbReads;
import dev.reprise.projection.StateCodec;
import dev.reprise.state.SortedBatchStore;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.state.KeyValueStore;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * The states of the keys applied most recently (least recently used first), so a hot key is not read and
 * decoded again for every event. A state changed since the last commit also carries its encoding, not yet in the
 * projection store: it is written once per key just before the commit (from the commit hook), or when it leaves
 * this map, in key order, as one batch. After a restart it starts empty again from the store, which holds what
 * was committed.
 *
 * <p>How many it keeps is a memory budget ({@link #forTask}): each state is charged an estimate of what it holds on
 * the heap (its decoded record, key and map entry), and the least recently used leave while the charges exceed the
 * budget. What this map holds never decides a result: a state that left it is read back from the store.
 *
 * @param <S> the projection's state
 */
final class RecentStates<S extends SpecificRecord> {
    /** The share of the maximum heap all apply tasks of a process may fill with recent states, by default. */
    static final int HEAP_PERCENT = 10;
    /**
     * Heap bytes charged per state besides its key and its Avro binary: map entry, key wrapper, entry, record header.
     * A decoded record is charged four times its binary (strings and boxed fields take more room than their encoding).
     */
    static final int ENTRY_OVERHEAD = 160;
    static final int DECODED_PER_ENCODED_BYTE = 4;
    /** Charged for a state never encoded yet (a key's first event), until its first change gives its size. */
    private static final int UNKNOWN_STATE_BYTES = 64;
    private final KeyValueStore<Bytes, byte[]> store;
    private RocksDbReads.Reader reader;
    private final StateCodec<S> codec;
    private final Map<Bytes, Entry<S>> recent = new LinkedHashMap<>(16, 0.75f, true);
    private final long budgetBytes;
    private final int maxEntries;
    private long chargedBytes;
    /** Entries of {@link #recent} with an encoding to write. */
    private final List<Map.Entry<Bytes, Entry<S>>> unwritten = new ArrayList<>();

    /**
     * A state in memory; {@code unwritten} is its encoding when the store does not have it yet; {@code charge} its heap
     * estimate while in the map (0 once it left). A null {@code state}: the store has none for the key (read ahead), the
     * projection's initial state is made when the key is first used.
     */
    static final class Entry<S> {
        S state;
        byte[] unwritten;
        int charge;

        Entry(S state) {
            this.state = state;
        }

        S state() {
            return state;
        }
    }

    /** Keeps at most {@code capacity} states, whatever their size. */
    RecentStates(KeyValueStore<Bytes, byte[]> store, StateCodec<S> codec, int capacity) {
        this(store, codec, Long.MAX_VALUE, capacity);
    }

    RecentStates(KeyValueStore<Bytes, byte[]> store, StateCodec<S> codec, long budgetBytes, int maxEntries) {
        if (budgetBytes < 1 || maxEntries < 1) {
            throw new IllegalArgumentException("expected a budget and a capacity of at least 1, got " + budgetBytes + " bytes and " + maxEntries);
        }
        this.store = store;
        this.codec = codec;
        this.budgetBytes = budgetBytes;
        this.maxEntries = maxEntries;
    }

    /**
     * The recent states of one apply task.
     *
     * @param maxEntries {@code reprise.apply.recent.states}: a fixed count per task, or 0 for a share of the heap
     * @param tasks      the apply tasks that may run in this process (all of them, when one instance runs the whole replay)
     * @param maxHeap    the process's maximum heap ({@code Runtime.maxMemory()})
     */
    static <S extends SpecificRecord> RecentStates<S> forTask(KeyValueStore<Bytes, byte[]> store, StateCodec<S> codec, int maxEntries,
                                                               int tasks, long maxHeap) {
        if (maxEntries > 0) {
            return new RecentStates<>(store, codec, maxEntries);
        }
        return new RecentStates<>(store, codec, budgetPerTask(tasks, maxHeap), Integer.MAX_VALUE);
    }

    /** {@value #HEAP_PERCENT}% of the heap shared by the apply tasks; 1 MiB per task at least. */
    static long budgetPerTask(int tasks, long maxHeap) {
        return Math.max(1L << 20, maxHeap / 100 * HEAP_PERCENT / Math.max(1, tasks));
    }

    /**
     * Reads ahead, in one call to the store, the states of those {@code keys} that are not in memory (the keys of a
     * repartition batch, before its events are applied): their events then find them here. Keys the store does not have
     * are remembered as such, so their first event does not ask again. Keeps to the budget as {@link #get} does.
     */
    void readAhead(List<Bytes> keys) {
        // A key twice in the batch is asked twice (RocksDB answers both) rather than checked against a set of the keys
        // asked: at a million keys nearly every key of a batch is a different one, and the set cost more than the copies.
        List<Bytes> missing = new ArrayList<>(keys.size());
        for (Bytes key : keys) {
            if (!recent.containsKey(key)) {
                missing.add(key);
            }
        }
        // One key is one get; more keys than the map may hold would leave it before their events come.
        if (missing.size() < 2 || missing.size() > maxEntries / 2) {
            return;
        }
        if (reader == null) {
            reader = RocksDbReads.readerFor(store);
        }
        List<byte[]> stored = reader.getAll(missing);
        for (int i = 0; i < missing.size(); i++) {
            byte[] bytes = stored.get(i);
            Entry<S> entry = new Entry<>(bytes == null ? null : codec.decode(bytes));
            // The second time a key of the batch comes, it is in the map already: the first entry stays.
            if (recent.putIfAbsent(missing.get(i), entry) == null) {
                entry.charge = charge(missing.get(i), bytes == null ? UNKNOWN_STATE_BYTES : bytes.length);
                chargedBytes += entry.charge;
            }
        }
        trim();
    }

    /** The state of a key: from memory, else from the store, else {@code initial}. */
    Entry<S> get(Bytes key, Supplier<S> initial) {
        Entry<S> entry = recent.get(key);
        if (entry != null && entry.state == null) {
            entry.state = initial.get();
        } else if (entry == null) {
            byte[] stored = store.get(key);
            entry = new Entry<>(stored == null ? initial.get() : codec.decode(stored));
            entry.charge = charge(key, stored == null ? UNKNOWN_STATE_BYTES : stored.length);
            chargedBytes += entry.charge;
            recent.put(key, entry);
            trim();
        }
        return entry;
    }

    /** Records a key's new state and its encoding, to be written at the next commit. */
    void changed(Bytes key, Entry<S> entry, S state, byte[] encoded) {
        entry.state = state;
        if (entry.unwritten == null) {
            unwritten.add(Map.entry(key, entry));
        }
        entry.unwritten = encoded;
        int charge = charge(key, encoded.length);
        // An entry that left the map has no charge left to adjust.
        if (entry.charge > 0 && charge != entry.charge) {
            chargedBytes += charge - entry.charge;
            entry.charge = charge;
        }
    }

    /** Undoes what a failed event did to a key's state in memory: back to the last good one. */
    void rollBack(Bytes key, Entry<S> entry) {
        if (entry.unwritten != null) {
            entry.state = codec.decode(entry.unwritten);
        } else if (recent.remove(key) != null) {
            chargedBytes -= entry.charge;
            entry.charge = 0;
        }
    }

    /** States held now (for tests and diagnostics). */
    int size() {
        return recent.size();
    }

    /** Heap bytes charged for the states held now (for tests). */
    long charged() {
        return chargedBytes;
    }

    /** Writes the changed states to the store, in key order, as one batch. */
    void writeAll() {
        if (unwritten.isEmpty()) {
            return;
        }
        Bytes[] keys = new Bytes[unwritten.size()];
        for (int i = 0; i < keys.length; i++) {
            keys[i] = unwritten.get(i).getKey();
        }
        List<KeyValue<Bytes, byte[]>> batch = new ArrayList<>(keys.length);
        for (int i : SortedBatchStore.order(keys)) {
            Entry<S> entry = unwritten.get(i).getValue();
            batch.add(KeyValue.pair(keys[i], entry.unwritten));
            entry.unwritten = null;
        }
        unwritten.clear();
        store.putAll(batch);
    }

    /**
     * The least recently used states leave while over the budget or the count; the one used last always stays. A state
     * not yet written is written first, with every other unwritten one (one batch), so the store always has what left.
     */
    private void trim() {
        if (chargedBytes <= budgetBytes && recent.size() <= maxEntries) {
            return;
        }
        Iterator<Entry<S>> eldest = recent.values().iterator();
        while ((chargedBytes > budgetBytes || recent.size() > maxEntries) && recent.size() > 1) {
            Entry<S> leaving = eldest.next();
            if (leaving.unwritten != null) {
                writeAll();
            }
            chargedBytes -= leaving.charge;
            leaving.charge = 0;
            eldest.remove();
        }
    }

    private static int charge(Bytes key, int encodedLength) {
        return ENTRY_OVERHEAD + key.get().length + DECODED_PER_ENCODED_BYTE * encodedLength;
    }
}
