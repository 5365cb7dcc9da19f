package dev.reprise.pipeline.apply;

import dev.reprise.compat.Partitions;
import dev.reprise.evidence.TaskSummary;
import dev.reprise.projection.Invariant;
import dev.reprise.projection.StateCodec;
import dev.reprise.reconcile.Reconciliation;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;

import java.util.Arrays;
import java.util.List;
import java.util.function.BiConsumer;

/**
 * An apply task's share of the rebuilt projection, checked once every source partition has ended for it: each of
 * its keys walked once through the {@link Reconciliation} (checksum, invariants, comparison with the reference),
 * and handed to {@code emit} on the way (the projection topic, in bounded runs).
 *
 * @param <S> the projection's state
 */
final class TaskCompletion<S extends SpecificRecord> {
    private final KeyValueStore<Bytes, byte[]> states;
    private final ReadOnlyKeyValueStore<Bytes, byte[]> reference;
    private final StateCodec<S> codec;
    private final byte[] prefix;
    private final int partition;
    private final int partitions;

    /**
     * @param reference the reference projection (keys without the run prefix), or null when none is configured
     * @param partitions the apply tasks' count: a reference key is this task's when its partition is {@code partition}
     */
    TaskCompletion(KeyValueStore<Bytes, byte[]> states, ReadOnlyKeyValueStore<Bytes, byte[]> reference, StateCodec<S> codec, byte[] prefix,
                   int partition, int partitions) {
        this.states = states;
        this.reference = reference;
        this.codec = codec;
        this.prefix = prefix;
        this.partition = partition;
        this.partitions = partitions;
    }

    /** Walks this task's keys; {@code emit} receives each key (without the run prefix) and its state's Avro binary. */
    Reconciliation<S> check(List<Invariant<S>> invariants, BiConsumer<byte[], byte[]> emit) {
        Reconciliation<S> checks = new Reconciliation<>(invariants, reference != null);
        Bytes from = Bytes.wrap(prefix);
        Bytes to = Bytes.increment(from);
        try (KeyValueIterator<Bytes, byte[]> it = states.range(from, to)) {
            while (it.hasNext()) {
                KeyValue<Bytes, byte[]> kv = it.next();
                if (kv.key.compareTo(to) >= 0) {
                    break;
                }
                byte[] key = Arrays.copyOfRange(kv.key.get(), prefix.length, kv.key.get().length);
                checks.rebuilt(key, kv.value, codec.decode(kv.value), referenceOf(key));
                emit.accept(key, kv.value);
            }
        }
        if (reference != null) {
            try (KeyValueIterator<Bytes, byte[]> it = reference.all()) {
                while (it.hasNext()) {
                    KeyValue<Bytes, byte[]> kv = it.next();
                    if (kv.value != null && Partitions.ofKey(kv.key.get(), partitions) == partition && states.get(prefixed(kv.key.get())) == null) {
                        checks.missing(kv.key.get(), codec.fromTopic(kv.value));
                    }
                }
            }
        }
        return checks;
    }

    private Reconciliation.Reference<S> referenceOf(byte[] key) {
        if (reference == null) {
            return Reconciliation.Reference.absent();
        }
        byte[] live = reference.get(Bytes.wrap(key));
        return live == null ? Reconciliation.Reference.absent() : Reconciliation.Reference.of(codec.fromTopic(live));
    }

    private Bytes prefixed(byte[] key) {
        byte[] out = Arrays.copyOf(prefix, prefix.length + key.length);
        System.arraycopy(key, 0, out, prefix.length, key.length);
        return Bytes.wrap(out);
    }

    /** The comparison part of a task summary, or null without a reference. */
    static TaskSummary.ReferenceComparison comparison(Reconciliation<?> checks) {
        if (!checks.comparesWithReference()) {
            return null;
        }
        return new TaskSummary.ReferenceComparison(checks.unchanged(), checks.changed(), checks.missing(), checks.extra(),
                checks.samples().stream().map(s -> new TaskSummary.Sample(s.key(), s.status(), s.referenceValue(), s.rebuiltValue())).toList());
    }
}
