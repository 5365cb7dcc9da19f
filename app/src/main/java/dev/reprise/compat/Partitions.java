package dev.reprise.compat;

import org.apache.kafka.common.utils.Utils;

/**
 * The partition Kafka's default partitioner gives a key: the repartition by ordering key, the apply stage's
 * owner check and the check of a history declared keyed by the ordering key must all agree with the
 * producers of the history, so they use Kafka's own murmur2 (in {@code common.utils}, not a public API).
 */
public final class Partitions {
    private Partitions() {
    }

    /** The partition of {@code key} among {@code partitions}, as the default partitioner chooses it. */
    public static int ofKey(byte[] key, int partitions) {
        return Utils.toPositive(Utils.murmur2(key)) % partitions;
    }
}
