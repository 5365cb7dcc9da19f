package dev.reprise.ops;

import org.apache.kafka.streams.StreamsConfig;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class ReplayDefaultsTest {

    /**
     * Guards against turning on Kafka 4.4's transactional state stores (KIP-892) while SortedBatchStore
     * writes its batches with RocksDBStore.write, past their uncommitted-writes buffer: a failed commit would
     * leave those writes in the store.
     */
    @Test
    void transactionalStateStoresAreOff() {
        assertThat(ReplayRunner.replayDefaults()).containsEntry(StreamsConfig.TRANSACTIONAL_STATE_STORES_CONFIG, false);
        assertThat(new StreamsConfig(withRequired()).getBoolean(StreamsConfig.TRANSACTIONAL_STATE_STORES_CONFIG)).isFalse();
    }

    private static java.util.Map<String, Object> withRequired() {
        java.util.Map<String, Object> config = new java.util.HashMap<>(ReplayRunner.replayDefaults());
        config.put(StreamsConfig.APPLICATION_ID_CONFIG, "defaults-test");
        config.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "localhost:9092");
        return config;
    }
}
