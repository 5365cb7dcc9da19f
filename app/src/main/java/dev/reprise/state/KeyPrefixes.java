package dev.reprise.state;

import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

import java.util.ArrayList;
import java.util.List;

/** Store keys that start with a prefix (a run's, a generation's), and the rest. */
public final class KeyPrefixes {
    private KeyPrefixes() {
    }

    /**
     * Deletes up to {@code budget} entries of {@code store} whose keys do not start with {@code prefix};
     * returns how many it deleted. A bounded batch, so a store of stale entries is emptied over many
     * calls rather than in one long pause of the stream thread.
     */
    public static int deleteOutside(KeyValueStore<Bytes, ?> store, byte[] prefix, int budget) {
        Bytes from = Bytes.wrap(prefix);
        Bytes to = Bytes.increment(from);
        List<Bytes> doomed = new ArrayList<>();
        try (KeyValueIterator<Bytes, ?> before = store.range(null, from)) {
            while (before.hasNext() && doomed.size() < budget) {
                Bytes k = before.next().key;
                if (k.compareTo(from) < 0) {
                    doomed.add(k);
                }
            }
        }
        try (KeyValueIterator<Bytes, ?> after = store.range(to, null)) {
            while (after.hasNext() && doomed.size() < budget) {
                doomed.add(after.next().key);
            }
        }
        doomed.forEach(store::delete);
        return doomed.size();
    }
}
