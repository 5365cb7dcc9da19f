package dev.reprise.runner;

import dev.reprise.streams.StreamsSettings;
import dev.reprise.streams.StopOnProcessingError;
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

    /**
     * Regression for defect B of "trusted means proven": under at_least_once Kafka Streams' consumers read uncommitted
     * records (it sets read_committed only under exactly_once_v2), and the 20 events of an aborted transaction were applied.
     */
    @Test
    void everyConsumerReadsCommittedRecordsOnlyWhateverTheGuarantee() {
        for (String guarantee : new String[]{"at_least_once", "exactly_once_v2"}) {
            java.util.Properties p = StreamsSettings.properties(inventory(guarantee), java.util.Map.of(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "localhost:9092"),
                    java.nio.file.Path.of("state"), java.util.Map.of());
            StreamsConfig config = new StreamsConfig(p);
            assertThat(config.getMainConsumerConfigs("g", "c", 0)).as(guarantee).containsEntry("isolation.level", "read_committed");
            assertThat(config.getRestoreConsumerConfigs("c")).as(guarantee).containsEntry("isolation.level", "read_committed");
            assertThat(config.getGlobalConsumerConfigs("c")).as(guarantee).containsEntry("isolation.level", "read_committed");
        }
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> StreamsSettings.properties(inventory("at_least_once"), java.util.Map.of(),
                        java.nio.file.Path.of("state"), java.util.Map.of("consumer.isolation.level", "read_uncommitted")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("consumer.isolation.level=read_uncommitted is not supported");
    }

    /**
     * Regression for defect A of "trusted means proven": a failure that escapes a stage (a registry that does not answer)
     * must stop the run; a processing exception handler that continues or dead-letters would drop a valid record.
     */
    @Test
    void aFailureThatEscapesAStageStopsTheRunAndNoOtherHandlerIsAccepted() {
        java.util.Properties p = StreamsSettings.properties(inventory("exactly_once_v2"), java.util.Map.of(), java.nio.file.Path.of("state"), java.util.Map.of());
        assertThat(p.get(StreamsConfig.PROCESSING_EXCEPTION_HANDLER_CLASS_CONFIG)).isEqualTo(StopOnProcessingError.class);
        assertThat(new StopOnProcessingError().handleError(null, null, new IllegalStateException("registry down")).result())
                .isEqualTo(org.apache.kafka.streams.errors.ProcessingExceptionHandler.Result.FAIL);
        assertThat(new StopOnProcessingError().handleError(null, null, new IllegalStateException("registry down")).deadLetterQueueRecords()).isEmpty();
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> StreamsSettings.properties(inventory("exactly_once_v2"), java.util.Map.of(),
                        java.nio.file.Path.of("state"), java.util.Map.of(StreamsConfig.PROCESSING_EXCEPTION_HANDLER_CLASS_CONFIG,
                                org.apache.kafka.streams.errors.LogAndContinueProcessingExceptionHandler.class.getName())))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("processing.exception.handler=").hasMessageContaining("is not supported");
    }

    private static dev.reprise.contract.Contract inventory(String guarantee) {
        try {
            String yaml = java.nio.file.Files.readString(java.nio.file.Path.of("..", "config", "inventory.yaml"))
                    .replace("guarantee: exactly_once_v2", "guarantee: " + guarantee);
            return dev.reprise.contract.ContractLoader.parse(yaml.getBytes(java.nio.charset.StandardCharsets.UTF_8),
                    java.nio.file.Path.of("..", "config").toAbsolutePath(), null);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static java.util.Map<String, Object> withRequired() {
        java.util.Map<String, Object> config = new java.util.HashMap<>(ReplayRunner.replayDefaults());
        config.put(StreamsConfig.APPLICATION_ID_CONFIG, "defaults-test");
        config.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "localhost:9092");
        return config;
    }
}
