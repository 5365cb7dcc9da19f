package dev.reprise.streams;

import dev.reprise.contract.Contract;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.Callback;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.streams.KafkaClientSupplier;

import java.util.Map;
import java.util.Set;
import java.util.concurrent.Future;

/**
 * The side-effect guard at the last moment: every producer Kafka Streams creates for the app refuses
 * to send to a topic that is neither on the contract's allow-list nor one of the app's own internal
 * topics ({@code <application.id>-...}). The contract is checked at load time too; this catches what
 * code could still get wrong.
 */
public final class WriteGuard {
    private WriteGuard() {
    }

    public static KafkaClientSupplier clientSupplier(Contract contract) {
        Set<String> allowed = Set.copyOf(contract.allowedWriteTopics());
        String internalPrefix = contract.applicationId() + "-";
        // The consumers and admin client are the ones Kafka Streams makes by default (byte arrays), built with the public API.
        return new KafkaClientSupplier() {
            @Override
            public Producer<byte[], byte[]> getProducer(Map<String, Object> config) {
                return guard(config, allowed, internalPrefix);
            }

            @Override
            public Consumer<byte[], byte[]> getConsumer(Map<String, Object> config) {
                return new KafkaConsumer<>(config, new ByteArrayDeserializer(), new ByteArrayDeserializer());
            }

            @Override
            public Consumer<byte[], byte[]> getRestoreConsumer(Map<String, Object> config) {
                return getConsumer(config);
            }

            @Override
            public Consumer<byte[], byte[]> getGlobalConsumer(Map<String, Object> config) {
                return getConsumer(config);
            }

            @Override
            public Admin getAdmin(Map<String, Object> config) {
                return Admin.create(config);
            }
        };
    }

    /** A producer for Kafka Streams (byte arrays, as its default supplier makes) that refuses other topics. */
    static Producer<byte[], byte[]> guard(Map<String, Object> config, Set<String> allowed, String internalPrefix) {
        return new GuardedProducer(config, allowed, internalPrefix);
    }

    /**
     * Kafka's own producer with the topic check in front of {@code send}: a subclass rather than a
     * wrapper or a proxy, so every other method stays Kafka's and a send costs one set lookup (a
     * dynamic proxy cost a reflective call per record in a profile).
     */
    static final class GuardedProducer extends KafkaProducer<byte[], byte[]> {
        private final Set<String> allowed;
        private final String internalPrefix;

        GuardedProducer(Map<String, Object> config, Set<String> allowed, String internalPrefix) {
            super(config, new ByteArraySerializer(), new ByteArraySerializer());
            this.allowed = allowed;
            this.internalPrefix = internalPrefix;
        }

        @Override
        public Future<RecordMetadata> send(ProducerRecord<byte[], byte[]> record) {
            return send(record, null);
        }

        @Override
        public Future<RecordMetadata> send(ProducerRecord<byte[], byte[]> record, Callback callback) {
            String topic = record.topic();
            if (!allowed.contains(topic) && !topic.startsWith(internalPrefix)) {
                throw new IllegalStateException("refused to write to topic '" + topic + "': it is not in the contract's allowed_write_topics "
                        + allowed + " and not an internal topic of " + internalPrefix.substring(0, internalPrefix.length() - 1));
            }
            return super.send(record, callback);
        }
    }
}
