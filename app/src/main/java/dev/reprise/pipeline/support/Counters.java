package dev.reprise.pipeline.support;

import dev.reprise.counts.Count;
import org.apache.kafka.streams.state.KeyValueStore;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * Counters of one run kept in a state store, so they are exact across a crash and restart: under
 * exactly-once they commit in the same transaction as the offsets and outputs they count.
 *
 * <p>Counters live in named scopes (a source partition, the apply task, …). A scope is one store entry,
 * {@code <run id>|<scope>}, holding all its counters; a new run starts from zero without deleting
 * anything. Increments change memory only; {@link #persist()} writes each changed scope once. Stages
 * call {@code persist()} from a {@link CommitHook}, just before Kafka Streams commits their task, so a
 * counter moved by every event costs one store write and one changelog record per commit.
 */
public final class Counters {
    private final KeyValueStore<String, byte[]> store;
    private final String runPrefix;
    private final Map<String, Scope> scopes = new HashMap<>();

    public Counters(KeyValueStore<String, byte[]> store, String runId) {
        this.store = store;
        this.runPrefix = runId + "|";
    }

    /** The counters of a scope, read from the store the first time they are asked for. */
    public Scope scope(String name) {
        Scope scope = scopes.get(name);
        if (scope == null) {
            scope = new Scope(runPrefix + name, decode(store.get(runPrefix + name)));
            scopes.put(name, scope);
        }
        return scope;
    }

    /**
     * The counters of a scope that also reports their growth to {@code feed} at each {@link #persist()}: what the
     * scope held when it was read from the store was counted before this task ran here, and is not reported.
     */
    public Scope scope(String name, CounterFeed feed) {
        Scope scope = scope(name);
        scope.feed = feed;
        return scope;
    }

    /** Writes every scope changed since the last call, and reports the growth of fed scopes. */
    public void persist() {
        for (Scope scope : scopes.values()) {
            if (scope.dirty) {
                store.put(scope.storeKey, encode(scope.values));
                scope.dirty = false;
                if (scope.feed != null) {
                    scope.reportGrowth();
                }
            }
        }
    }

    /** The counters of one scope, by name, in name order. */
    public static final class Scope {
        private final String storeKey;
        private final TreeMap<String, Cell> values;
        private boolean dirty;
        private CounterFeed feed;

        private Scope(String storeKey, TreeMap<String, Cell> values) {
            this.storeKey = storeKey;
            this.values = values;
        }

        public long add(Count count, long delta) {
            return add(count.key(), delta);
        }

        public void set(Count count, long value) {
            set(count.key(), value);
        }

        public long get(Count count) {
            return get(count.key());
        }

        public long add(String name, long delta) {
            Cell cell = values.computeIfAbsent(name, Cell::new);
            cell.value += delta;
            dirty = true;
            return cell.value;
        }

        public void set(String name, long value) {
            values.computeIfAbsent(name, Cell::new).value = value;
            dirty = true;
        }

        public long get(String name) {
            Cell cell = values.get(name);
            return cell == null ? 0 : cell.value;
        }

        public Map<String, Long> snapshot() {
            Map<String, Long> out = new TreeMap<>();
            values.forEach((name, cell) -> out.put(name, cell.value));
            return out;
        }

        private void reportGrowth() {
            for (Map.Entry<String, Cell> e : values.entrySet()) {
                Cell cell = e.getValue();
                if (cell.value > cell.reported) {
                    feed.grew(e.getKey(), cell.value - cell.reported);
                }
                cell.reported = cell.value;
            }
        }
    }

    /** A counter, with its name's UTF-8 bytes kept for the next write, and its value when last reported to a feed. */
    private static final class Cell {
        final byte[] utf8;
        long value;
        long reported;

        Cell(String name) {
            this.utf8 = name.getBytes(StandardCharsets.UTF_8);
        }
    }

    /** The store key of a scope of a run, as written by {@link #persist()}. */
    public static String storeKey(String runId, String scope) {
        return runId + "|" + scope;
    }

    /** The counters of one scope from its stored value (e.g. read from the store's changelog topic), by name. */
    public static Map<String, Long> read(byte[] stored) {
        Map<String, Long> out = new TreeMap<>();
        decode(stored).forEach((name, cell) -> out.put(name, cell.value));
        return out;
    }

    // A scope is stored as: count, then per counter its UTF-8 name (length-prefixed) and value.
    private static byte[] encode(TreeMap<String, Cell> values) {
        int size = 4;
        for (Cell cell : values.values()) {
            size += 2 + cell.utf8.length + 8;
        }
        ByteBuffer out = ByteBuffer.allocate(size);
        out.putInt(values.size());
        for (Cell cell : values.values()) {
            out.putShort((short) cell.utf8.length).put(cell.utf8).putLong(cell.value);
        }
        return out.array();
    }

    private static TreeMap<String, Cell> decode(byte[] bytes) {
        TreeMap<String, Cell> values = new TreeMap<>();
        if (bytes == null) {
            return values;
        }
        ByteBuffer in = ByteBuffer.wrap(bytes);
        int n = in.getInt();
        for (int i = 0; i < n; i++) {
            byte[] utf8 = new byte[in.getShort()];
            in.get(utf8);
            String name = new String(utf8, StandardCharsets.UTF_8);
            Cell cell = new Cell(name);
            cell.value = in.getLong();
            cell.reported = cell.value;
            values.put(name, cell);
        }
        return values;
    }
}
