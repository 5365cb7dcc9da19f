package dev.reprise.pipeline.apply;

import dev.reprise.projection.StateCodec;
import dev.reprise.state.SortedBatchStore;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.state.KeyValueStore;

import java.util.ArrayList;
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
 * @param <S> the projection's state
 */
final class RecentStates<S extends SpecificRecord> {
    private final KeyValueStore<Bytes, byte[]> store;
    private final StateCodec<S> codec;
    private final Map<Bytes, Entry<S>> recent;
    /** Entries of {@link #recent} with an encoding to write. */
    private final List<Map.Entry<Bytes, Entry<S>>> unwritten = new ArrayList<>();

    /** A state in memory; {@code unwritten} is its encoding when the store does not have it yet. */
    static final class Entry<S> {
        S state;
        byte[] unwritten;

        Entry(S state) {
            this.state = state;
        }

        S state() {
            return state;
        }
    }

    RecentStates(KeyValueStore<Bytes, byte[]> store, StateCodec<S> codec, int capacity) {
        this.store = store;
        this.codec = codec;
        this.recent = new LinkedHashMap<>(16, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<Bytes, Entry<S>> eldest) {
                if (size() <= capacity) {
                    return false;
                }
                if (eldest.getValue().unwritten != null) {
                    writeAll();
                }
                return true;
            }
        };
    }

    /** The state of a key: from memory, else from the store, else {@code initial}. */
    Entry<S> get(Bytes key, Supplier<S> initial) {
        Entry<S> entry = recent.get(key);
        if (entry == null) {
            byte[] stored = store.get(key);
            entry = new Entry<>(stored == null ? initial.get() : codec.decode(stored));
            recent.put(key, entry);
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
    }

    /** Undoes what a failed event did to a key's state in memory: back to the last good one. */
    void rollBack(Bytes key, Entry<S> entry) {
        if (entry.unwritten != null) {
            entry.state = codec.decode(entry.unwritten);
        } else {
            recent.remove(key);
        }
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
}
