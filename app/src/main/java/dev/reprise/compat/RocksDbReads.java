package dev.reprise.compat;

import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.errors.InvalidStateStoreException;
import org.apache.kafka.streams.errors.ProcessorStateException;
import org.apache.kafka.streams.processor.StateStore;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.internals.RocksDBStore;
import org.apache.kafka.streams.state.internals.WrappedStateStore;
import org.rocksdb.ColumnFamilyHandle;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;

import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * Reading many keys of a store in one call. For Kafka Streams' RocksDB store the keys go to RocksDB's MultiGet
 * ({@code RocksDB#multiGetAsList}) on the store's data column family, reached through the store's fields {@code db}
 * and {@code cfAccessor} (internal; checked in Kafka Streams 4.4.0 with RocksDB 10.1.3): one JNI call per batch of
 * keys instead of one per key, and RocksDB looks the keys up together. It reads what {@code RocksDBStore#get} reads:
 * the store has no record cache in front (the apply stage's projection store must have none, see CommitHook), and
 * the layers above it (metrics, changelog) keep no values of their own.
 */
public final class RocksDbReads {
    private static final Field DB;
    private static final Field CF_ACCESSOR;
    private static final Method DATA_COLUMN_FAMILY;

    static {
        Field db = null;
        Field cfAccessor = null;
        Method dataColumnFamily = null;
        try {
            db = RocksDBStore.class.getDeclaredField("db");
            db.setAccessible(true);
            cfAccessor = RocksDBStore.class.getDeclaredField("cfAccessor");
            cfAccessor.setAccessible(true);
            dataColumnFamily = cfAccessor.getType().getDeclaredMethod("dataColumnFamily");
            dataColumnFamily.setAccessible(true);
        } catch (ReflectiveOperationException | RuntimeException e) {
            db = null;
        }
        DB = db;
        CF_ACCESSOR = cfAccessor;
        DATA_COLUMN_FAMILY = dataColumnFamily;
    }

    private RocksDbReads() {
    }

    /** Reads keys together; the values come in the keys' order, null for a key the store does not have. */
    public interface Reader {
        List<byte[]> getAll(List<Bytes> keys);
    }

    /**
     * The reader for {@code store} (as a processor gets it from its context, with Kafka Streams' layers around it):
     * RocksDB's MultiGet for a RocksDB store, one {@code get} per key for an in-memory one.
     *
     * @throws KafkaInternals.IncompatibleKafkaException when a persistent store is not Kafka Streams' RocksDB store as
     *                                                   verified (another Kafka Streams version): no slower path is taken silently
     */
    public static Reader readerFor(KeyValueStore<Bytes, byte[]> store) {
        StateStore inner = store;
        while (inner instanceof WrappedStateStore<?, ?, ?> wrapped) {
            inner = wrapped.wrapped();
        }
        if (inner instanceof RocksDBStore rocks && rocks.getClass() == RocksDBStore.class) {
            if (DB == null) {
                throw incompatible(store, "its fields db and cfAccessor are not there");
            }
            return keys -> multiGet(rocks, keys);
        }
        if (store.persistent()) {
            throw incompatible(store, "it is a " + inner.getClass().getName() + ", not Kafka Streams' RocksDBStore");
        }
        return keys -> {
            List<byte[]> values = new ArrayList<>(keys.size());
            for (Bytes key : keys) {
                values.add(store.get(key));
            }
            return values;
        };
    }

    private static List<byte[]> multiGet(RocksDBStore rocks, List<Bytes> keys) {
        if (!rocks.isOpen()) {
            throw new InvalidStateStoreException("Store " + rocks.name() + " is currently closed.");
        }
        List<byte[]> raw = new ArrayList<>(keys.size());
        for (Bytes key : keys) {
            raw.add(key.get());
        }
        try {
            RocksDB db = (RocksDB) DB.get(rocks);
            ColumnFamilyHandle data = (ColumnFamilyHandle) DATA_COLUMN_FAMILY.invoke(CF_ACCESSOR.get(rocks));
            return db.multiGetAsList(Collections.nCopies(keys.size(), data), raw);
        } catch (RocksDBException e) {
            throw new ProcessorStateException("Error while reading " + keys.size() + " keys together from store " + rocks.name(), e);
        } catch (ReflectiveOperationException e) {
            throw incompatible(rocks, "its RocksDB handle cannot be reached: " + e);
        }
    }

    private static KafkaInternals.IncompatibleKafkaException incompatible(StateStore store, String why) {
        return new KafkaInternals.IncompatibleKafkaException("the persistent store " + store.name() + " cannot be read with RocksDB's MultiGet as "
                + "verified with Kafka Streams " + KafkaInternals.VERIFIED_STREAMS_VERSIONS + " (found " + KafkaInternals.streamsVersion() + "): " + why);
    }
}
