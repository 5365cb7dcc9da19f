package dev.reprise.streams;

import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.TimeoutException;
import org.junit.jupiter.api.Test;

import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class WriteGuardTest {
    /** No broker listens here: a send that passes the guard fails later, waiting for metadata. */
    private static final Map<String, Object> CONFIG = Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, "127.0.0.1:1",
            ProducerConfig.MAX_BLOCK_MS_CONFIG, 200);

    @Test
    void refusesATopicOutsideTheContractBeforeSendingAnything() {
        try (Producer<byte[], byte[]> producer = WriteGuard.guard(CONFIG, Set.of("inventory-levels-rebuilt"), "reprise-inventory-")) {
            assertThatThrownBy(() -> producer.send(new ProducerRecord<>("inventory-levels", new byte[1])))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("refused to write to topic 'inventory-levels'")
                    .hasMessageContaining("allowed_write_topics")
                    .hasMessageContaining("reprise-inventory");
            assertThatThrownBy(() -> producer.send(new ProducerRecord<>("other-app-repartition", new byte[1]), (m, e) -> { }))
                    .isInstanceOf(IllegalStateException.class);
        }
    }

    @Test
    void passesAllowedAndInternalTopicsToKafka() {
        try (Producer<byte[], byte[]> producer = WriteGuard.guard(CONFIG, Set.of("inventory-levels-rebuilt"), "reprise-inventory-")) {
            for (String topic : new String[]{"inventory-levels-rebuilt", "reprise-inventory-reprise-dedup-changelog"}) {
                var sent = producer.send(new ProducerRecord<>(topic, new byte[1]));
                assertThatThrownBy(sent::get).isInstanceOf(ExecutionException.class).hasCauseInstanceOf(TimeoutException.class);
            }
            assertThat(producer.metrics()).isNotEmpty();
        }
    }
}
