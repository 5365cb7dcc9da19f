package dev.reprise.topology.internal;

import org.apache.kafka.streams.processor.StateStore;
import org.apache.kafka.streams.processor.StateStoreContext;
import org.apache.kafka.streams.query.Position;
import org.apache.kafka.streams.state.StoreBuilder;
import org.apache.kafka.streams.state.internals.CacheFlushListener;
import org.apache.kafka.streams.state.internals.CachedStateStore;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A state store that stores nothing: it tells the processors of its task that Kafka Streams is about to
 * commit the task, so they can write what they keep in memory (projection states, counters) once per
 * commit instead of once per event, and still inside the commit.
 *
 * <p>Kafka Streams' public API has no such moment. Before each commit it flushes the record caches of
 * the task's stores ({@code ProcessorStateManager.flushCache()}, which calls
 * {@link CachedStateStore#flushCache()} on every store that implements it), then flushes the records
 * produced, then commits the offsets (in the transaction under exactly-once). This store implements
 * that internal interface (checked against Kafka Streams 4.3.1 and 4.4.0), so listeners run before the producer
 * flush: their writes and changelog records belong to the commit, exactly as the record cache's own.
 *
 * <p>A store written by a listener must have no record cache: the caches are flushed in store order,
 * and a cache flushed before this store's turn would hold the listener's writes until the next commit.
 * {@code ReplayTopology} builds those stores without one.
 */
public final class CommitHook implements StateStore, CachedStateStore<Object, Object> {
    private final String name;
    private final List<Runnable> listeners = new ArrayList<>();
    private boolean open;

    private CommitHook(String name) {
        this.name = name;
    }

    /** The store's builder, for {@code StreamsBuilder.addStateStore}; no changelog, nothing on disk. */
    public static StoreBuilder<CommitHook> builder(String name) {
        return new Builder(name);
    }

    /** Runs {@code listener} before every commit of this task, until the store is closed or initialised again. */
    public void beforeCommit(Runnable listener) {
        listeners.add(listener);
    }

    @Override
    public void flushCache() {
        for (Runnable listener : listeners) {
            listener.run();
        }
    }

    @Override
    public boolean setFlushListener(CacheFlushListener<Object, Object> listener, boolean sendOldValues) {
        return false;
    }

    @Override
    public void clearCache() {
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public void init(StateStoreContext context, StateStore root) {
        // A task revived after an error initialises its stores, then its processors, again: the
        // processors register anew.
        listeners.clear();
        context.register(root, (key, value) -> {
        });
        open = true;
    }

    @Override
    public void close() {
        listeners.clear();
        open = false;
    }

    @Override
    public boolean persistent() {
        return false;
    }

    @Override
    public boolean isOpen() {
        return open;
    }

    @Override
    public Position getPosition() {
        return Position.emptyPosition();
    }

    private record Builder(String name) implements StoreBuilder<CommitHook> {
        @Override
        public StoreBuilder<CommitHook> withCachingEnabled() {
            return this;
        }

        @Override
        public StoreBuilder<CommitHook> withCachingDisabled() {
            return this;
        }

        @Override
        public StoreBuilder<CommitHook> withLoggingEnabled(Map<String, String> config) {
            throw new UnsupportedOperationException("a commit hook stores nothing to log");
        }

        @Override
        public StoreBuilder<CommitHook> withLoggingDisabled() {
            return this;
        }

        @Override
        public CommitHook build() {
            return new CommitHook(name);
        }

        @Override
        public Map<String, String> logConfig() {
            return Map.of();
        }

        @Override
        public boolean loggingEnabled() {
            return false;
        }
    }
}
