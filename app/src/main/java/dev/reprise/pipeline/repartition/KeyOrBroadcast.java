package dev.reprise.pipeline.repartition;

import dev.reprise.compat.Partitions;
import org.apache.kafka.streams.processor.StreamPartitioner;

import java.util.HashSet;
import java.util.Optional;
import java.util.Set;

/**
 * Events go to the partition of their ordering key, as the default partitioner would send them; end
 * markers go to every partition (KIP-837), after the events of their source partition; a batch goes to the
 * partition it was gathered for.
 */
public final class KeyOrBroadcast implements StreamPartitioner<byte[], Routed> {
    @Override
    public Optional<Set<Integer>> partitions(String topic, byte[] key, Routed value, int numPartitions) {
        if (value instanceof Routed.Batch batch) {
            return Optional.of(Set.of(batch.partition()));
        }
        if (value instanceof Routed.End) {
            Set<Integer> all = new HashSet<>();
            for (int p = 0; p < numPartitions; p++) {
                all.add(p);
            }
            return Optional.of(all);
        }
        return Optional.of(Set.of(Partitions.ofKey(key, numPartitions)));
    }
}

