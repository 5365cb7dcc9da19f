package dev.reprise.compat;

import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.errors.ProcessorStateException;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.internals.RocksDBStore;
import org.rocksdb.RocksDBException;
import org.rocksdb.WriteBatch;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

/**
 * Writing a sorted batch of entries to a store in one call. For Kafka Streams' RocksDB store the batch goes to
 * RocksDB in its own serialized form through {@code RocksDBStore#write(WriteBatchInterface)} (internal; checked
 * in Kafka Streams 4.4.0 with RocksDB 10.1.3): one JNI call per batch instead of one per entry
 * ({@code RocksDBStore.putAll}: 5% of the keyed pipeline's stream threads in a profile). That path bypasses the
 * buffer of KIP-892's transactional state stores, so Reprise keeps {@code enable.transactional.statestores} off.
 */
public final class RocksDbBatches {
    private RocksDbBatches() {
    }

    /** Writes entries, given as keys, values and the order to write them in. */
    public interface Writer {
        void write(Bytes[] keys, byte[][] values, int[] order);
    }

    /**
     * The writer for {@code store}: RocksDB's batch for a persistent store, {@code putAll} for an in-memory one.
     *
     * @throws KafkaInternals.IncompatibleKafkaException when a persistent store is not Kafka Streams' RocksDB store
     *                                                   (another Kafka Streams version): no slower path is taken silently
     */
    public static Writer writerFor(KeyValueStore<Bytes, byte[]> store) {
        if (store instanceof RocksDBStore rocks) {
            return (keys, values, order) -> writeSerialized(rocks, keys, values, order);
        }
        if (store.persistent()) {
            throw new KafkaInternals.IncompatibleKafkaException("the persistent store " + store.name() + " is a " + store.getClass().getName()
                    + ", not Kafka Streams' RocksDBStore: its writes cannot be batched as verified with Kafka Streams "
                    + KafkaInternals.VERIFIED_STREAMS_VERSIONS + " (found " + KafkaInternals.streamsVersion() + ")");
        }
        return (keys, values, order) -> {
            List<KeyValue<Bytes, byte[]>> batch = new ArrayList<>(keys.length);
            for (int i : order) {
                batch.add(KeyValue.pair(keys[i], values[i]));
            }
            store.putAll(batch);
        };
    }

    /**
     * The format is RocksDB's write-batch and write-ahead-log record format ({@code db/write_batch.cc}): a fixed64
     * sequence number (RocksDB assigns it), a fixed32 count, then per entry the type {@code kTypeValue} (1), the key
     * and the value as varint32-length-prefixed strings, in the default column family, which holds a Kafka Streams
     * store's data. RocksDB checks the count and every tag when it applies the batch, so a malformed batch fails loudly.
     */
    private static void writeSerialized(RocksDBStore rocks, Bytes[] keys, byte[][] values, int[] order) {
        int size = 12;
        for (int i = 0; i < keys.length; i++) {
            size += 1 + varint32Size(keys[i].get().length) + keys[i].get().length + varint32Size(values[i].length) + values[i].length;
        }
        ByteBuffer out = ByteBuffer.allocate(size).order(ByteOrder.LITTLE_ENDIAN);
        out.putLong(0).putInt(keys.length);
        for (int i : order) {
            byte[] key = keys[i].get();
            out.put((byte) 1);
            putVarint32(out, key.length);
            out.put(key);
            putVarint32(out, values[i].length);
            out.put(values[i]);
        }
        // Sized exactly: the array is the batch, no copy.
        try (WriteBatch batch = new WriteBatch(out.array())) {
            rocks.write(batch);
        } catch (RocksDBException e) {
            throw new ProcessorStateException("Error while writing a batch of " + keys.length + " entries to store " + rocks.name(), e);
        }
    }

    private static int varint32Size(int value) {
        int bytes = 1;
        while ((value & ~0x7F) != 0) {
            value >>>= 7;
            bytes++;
        }
        return bytes;
    }

    private static void putVarint32(ByteBuffer out, int value) {
        while ((value & ~0x7F) != 0) {
            out.put((byte) ((value & 0x7F) | 0x80));
            value >>>= 7;
        }
        out.put((byte) value);
    }
}
