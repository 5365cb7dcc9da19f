package dev.reprise.it;

import dev.reprise.Await;
import dev.reprise.embedded.EmbeddedKafka;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.TopicPartitionInfo;
import org.apache.kafka.common.serialization.ByteArraySerializer;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The producer every integration test writes its history with: one that rides out a busy broker on a shared
 * 2-core machine instead of losing records.
 *
 * <p>Why one request in flight: with the client's default of five, a broker stalled past the request timeout
 * made the producer resend its batches of a new partition out of order; the broker, which expects sequence 0
 * from a producer new to the partition, answered every later batch {@code OutOfOrderSequenceException} until
 * they expired (SecuredBrokerIT wrote no history for 120 s, twice). One request in flight cannot overtake the
 * first batch, idempotence stays on (no duplicates), and the long timeouts wait out the stall.
 */
final class TestProducers {
    private TestProducers() {
    }

    /** The settings, over the broker's client settings (security included). */
    static Map<String, Object> config(EmbeddedKafka kafka, Map<String, Object> extra) {
        Map<String, Object> config = new HashMap<>(kafka.clientConfig());
        config.put(ProducerConfig.LINGER_MS_CONFIG, 5);
        config.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        config.put(ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, 1);
        config.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 300_000);
        config.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 120_000);
        config.putAll(extra);
        return config;
    }

    static KafkaProducer<byte[], byte[]> bytes(EmbeddedKafka kafka) {
        return new KafkaProducer<>(config(kafka, Map.of()), new ByteArraySerializer(), new ByteArraySerializer());
    }

    /** Waits until every partition of the topics has a leader: a topic just created may not have one yet. */
    static void awaitLeaders(EmbeddedKafka kafka, List<String> topics) throws Exception {
        try (Admin admin = kafka.admin()) {
            Await.until(Duration.ofSeconds(60), "the partitions of " + topics + " have leaders", () ->
                    admin.describeTopics(topics).allTopicNames().get(30, TimeUnit.SECONDS).values().stream()
                            .allMatch(d -> d.partitions().stream().map(TopicPartitionInfo::leader).allMatch(l -> l != null && !l.isEmpty())));
        }
    }
}
