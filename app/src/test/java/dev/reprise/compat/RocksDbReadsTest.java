package dev.reprise.compat;

import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.processor.api.MockProcessorContext;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.Stores;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;

import static org.assertj.core.api.Assertions.assertThat;

/** MultiGet through Kafka Streams' layers reads exactly what one get per key reads, written values and absent keys alike. */
class RocksDbReadsTest {
    static Bytes key(String k) {
        return Bytes.wrap(k.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void multiGetOfARocksDbStoreAnswersAsGetDoesKeyByKey(@TempDir Path dir) {
        Properties props = new Properties();
        props.put(StreamsConfig.STATE_DIR_CONFIG, dir.toString());
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, "reads");
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
        MockProcessorContext<Object, Object> context = new MockProcessorContext<>(props, new org.apache.kafka.streams.processor.TaskId(0, 0), dir.toFile());
        KeyValueStore<Bytes, byte[]> store = Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore("states"), Serdes.Bytes(), Serdes.ByteArray())
                .withLoggingDisabled().build();
        store.init(context.getStateStoreContext(), store);
        try {
            List<Bytes> keys = new ArrayList<>();
            for (int i = 0; i < 300; i++) {
                keys.add(key("k-" + i));
                if (i % 3 != 0) {
                    store.put(key("k-" + i), ("v-" + i).getBytes(StandardCharsets.UTF_8));
                }
            }
            store.flush();
            store.put(key("k-1"), "changed".getBytes(StandardCharsets.UTF_8));  // in the memtable only
            store.delete(key("k-2"));
            keys.add(key("k-1"));

            List<byte[]> read = RocksDbReads.readerFor(store).getAll(keys);

            assertThat(read).hasSize(keys.size());
            for (int i = 0; i < keys.size(); i++) {
                assertThat(read.get(i)).as("the value of %s, as get reads it", keys.get(i)).isEqualTo(store.get(keys.get(i)));
            }
            assertThat(new String(read.get(1), StandardCharsets.UTF_8)).isEqualTo("changed");
            assertThat(read.get(2)).as("deleted").isNull();
            assertThat(read.get(3)).as("never written").isNull();
        } finally {
            store.close();
        }
    }
}
