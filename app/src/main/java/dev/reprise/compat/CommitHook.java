package dev.reprise.compat;

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
 * that internal interface (checked in Kafka Streams 4.4.0: {@code StreamTask.prepareCommit} calls
 * {@code ProcessorStateManager.flushCache}, which calls {@code CachedStateStore.flushCache} on every store that
 * implements it, before the record collector's flush and the offset/transaction commit), so listeners run before
 * the producer flush: their writes and changelog records belong to the commit, exactly as the record cache's own.
 *
 * <p>That it really runs is checked at run time with a public callback: after a commit Kafka Streams calls
 * {@link #commit(Map)} on every store of the task. A stage marks work waiting for the hook ({@link #pending()});
 * if a commit completes while work is still waiting, Kafka Streams committed without calling the hook, and the run
 * stops with the version found instead of committing offsets past states it never wrote.
 *
 * <p>A store written by a listener must have no record cache: the caches are flushed in store order,
 * and a cache flushed before this store's turn would hold the listener's writes until the next commit.
 * {@code ReplayTopology} builds those stores without one.
 */
public final class CommitHook implements StateStore, CachedStateStore<Object, Object> {
    private final String name;
    private final List<Runnable> listeners = new ArrayList<>();
    private boolean open;
    /** Work waits for the next pre-commit call. */
    private boolean pending;
    private long preCommitCalls;

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

    /** Tells the hook that a listener has work to write at the next commit; cheap enough to call for every record. */
    public void pending() {
        pending = true;
    }

    /** How many times Kafka Streams called the hook before a commit, for tests on the real runtime. */
    public long preCommitCalls() {
        return preCommitCalls;
    }

    @Override
    public void flushCache() {
        preCommitCalls++;
        for (Runnable listener : listeners) {
            listener.run();
        }
        pending = false;
    }

    /**
     * Called by Kafka Streams after a commit of the task (public API; {@code ProcessorStateManager.commit}).
     *
     * @throws KafkaInternals.IncompatibleKafkaException when work marked {@link #pending()} was not handed to the listeners first
     */
    @Override
    public void commit(Map<org.apache.kafka.common.TopicPartition, Long> changelogOffsets) {
        if (pending) {
            throw new KafkaInternals.IncompatibleKafkaException("Kafka Streams " + KafkaInternals.streamsVersion() + " committed a task of "
                    + "store " + name + " without calling its pre-commit hook (CachedStateStore.flushCache): counters and states would not "
                    + "belong to the commit. Reprise was verified with Kafka Streams " + KafkaInternals.VERIFIED_STREAMS_VERSIONS
                    + "; run it with the Kafka jars it was built with. The run stops here; it resumes from its last good commit");
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
