package dev.reprise.state;

import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.Stores;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.Properties;

import static org.assertj.core.api.Assertions.assertThat;

/** The batches written to a real RocksDB store in RocksDB's serialized form read back as written. */
class SortedBatchStoreRocksDbTest {
    private static final int ENTRIES = SortedBatchStore.MAX_PENDING * 2 + 777;

    @Test
    void everyEntryOfEveryBatchReadsBackWithItsValue(@TempDir Path state) {
        StreamsBuilder builder = new StreamsBuilder();
        builder.addStateStore(Stores.keyValueStoreBuilder(SortedBatchStore.supplier(Stores.persistentKeyValueStore("ids")),
                Serdes.Bytes(), Serdes.ByteArray()).withLoggingDisabled());
        builder.stream("in", Consumed.with(Serdes.String(), Serdes.String())).process(Writer::new, "ids");
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, "sorted-batch-rocksdb");
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
        props.put(StreamsConfig.STATE_DIR_CONFIG, state.toString());
        try (TopologyTestDriver driver = new TopologyTestDriver(builder.build(), props)) {
            driver.createInputTopic("in", Serdes.String().serializer(), Serdes.String().serializer()).pipeInput("k", "go");
            KeyValueStore<Bytes, byte[]> ids = driver.getKeyValueStore("ids");
            int seen = 0;
            try (KeyValueIterator<Bytes, byte[]> it = ids.all()) {
                Bytes previous = null;
                while (it.hasNext()) {
                    KeyValue<Bytes, byte[]> kv = it.next();
                    int i = indexOf(kv.key.get());
                    assertThat(kv.key.get()).isEqualTo(key(i));
                    assertThat(kv.value).isEqualTo(value(i));
                    if (previous != null) {
                        assertThat(kv.key).isGreaterThan(previous);
                    }
                    previous = kv.key;
                    seen++;
                }
            }
            assertThat(seen).isEqualTo(ENTRIES);
            assertThat(ids.get(Bytes.wrap(key(12_345)))).isEqualTo(value(12_345));
            assertThat(ids.get(Bytes.wrap(new byte[]{9, 9, 9}))).isNull();
        }
    }

    /** Keys of 5 to 204 bytes and values of 0 to 299 bytes: lengths with one- and two-byte varints. */
    static byte[] key(int i) {
        byte[] k = new byte[5 + i % 200];
        k[0] = (byte) (i >>> 24);
        k[1] = (byte) (i >>> 16);
        k[2] = (byte) (i >>> 8);
        k[3] = (byte) i;
        Arrays.fill(k, 4, k.length, (byte) (i * 31));
        return k;
    }

    static int indexOf(byte[] key) {
        return ((key[0] & 0xFF) << 24) | ((key[1] & 0xFF) << 16) | ((key[2] & 0xFF) << 8) | (key[3] & 0xFF);
    }

    static byte[] value(int i) {
        byte[] v = new byte[i % 300];
        Arrays.fill(v, (byte) i);
        return v;
    }

    private static final class Writer implements Processor<String, String, Void, Void> {
        private KeyValueStore<Bytes, byte[]> ids;

        @Override
        public void init(ProcessorContext<Void, Void> context) {
            ids = context.getStateStore("ids");
        }

        @Override
        public void process(Record<String, String> record) {
            // Reverse order, so that each batch must be sorted before RocksDB takes it.
            for (int i = ENTRIES - 1; i >= 0; i--) {
                ids.put(Bytes.wrap(key(i)), value(i));
            }
        }
    }
}
