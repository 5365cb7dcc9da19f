package dev.reprise.topology.internal;

import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

import java.util.Map;
import java.util.TreeMap;

/**
 * Counters of one run kept in a state store, so they are exact across a crash and restart: under
 * exactly-once they commit in the same transaction as the offsets and outputs they count. Keys are
 * {@code <run id>|<scope>|<name>}; a new run starts from zero without deleting anything.
 */
public final class Counters {
    private final KeyValueStore<String, Long> store;
    private final String runPrefix;

    public Counters(KeyValueStore<String, Long> store, String runId) {
        this.store = store;
        this.runPrefix = runId + "|";
    }

    public String key(String scope, String name) {
        return runPrefix + scope + "|" + name;
    }

    public long add(String key, long delta) {
        Long current = store.get(key);
        long next = (current == null ? 0 : current) + delta;
        store.put(key, next);
        return next;
    }

    public long get(String key) {
        Long v = store.get(key);
        return v == null ? 0 : v;
    }

    public void set(String key, long value) {
        store.put(key, value);
    }

    /** Every counter of a scope, by name. */
    public Map<String, Long> scope(String scope) {
        String from = runPrefix + scope + "|";
        // '}' sorts after '|', so this range covers exactly the keys that start with the prefix.
        String to = runPrefix + scope + "}";
        Map<String, Long> out = new TreeMap<>();
        try (KeyValueIterator<String, Long> it = store.range(from, to)) {
            while (it.hasNext()) {
                KeyValue<String, Long> kv = it.next();
                if (kv.key.startsWith(from)) {
                    out.put(kv.key.substring(from.length()), kv.value);
                }
            }
        }
        return out;
    }
}
