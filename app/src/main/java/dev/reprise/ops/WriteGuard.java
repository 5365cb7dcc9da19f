package dev.reprise.ops;

import dev.reprise.contract.Contract;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.streams.KafkaClientSupplier;
import org.apache.kafka.streams.processor.internals.DefaultKafkaClientSupplier;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.util.Map;
import java.util.Set;

/**
 * The side-effect guard at the last moment: every producer Kafka Streams creates for the app refuses
 * to send to a topic that is neither on the contract's allow-list nor one of the app's own internal
 * topics ({@code <application.id>-...}). The contract is checked at load time too; this catches what
 * code could still get wrong. A dynamic proxy keeps it independent of the Producer interface's
 * methods, which grow with Kafka versions.
 */
public final class WriteGuard {
    private WriteGuard() {
    }

    public static KafkaClientSupplier clientSupplier(Contract contract) {
        Set<String> allowed = Set.copyOf(contract.allowedWriteTopics());
        String internalPrefix = contract.applicationId() + "-";
        DefaultKafkaClientSupplier delegate = new DefaultKafkaClientSupplier();
        return new KafkaClientSupplier() {
            @Override
            public Producer<byte[], byte[]> getProducer(Map<String, Object> config) {
                return guard(delegate.getProducer(config), allowed, internalPrefix);
            }

            @Override
            public org.apache.kafka.clients.consumer.Consumer<byte[], byte[]> getConsumer(Map<String, Object> config) {
                return delegate.getConsumer(config);
            }

            @Override
            public org.apache.kafka.clients.consumer.Consumer<byte[], byte[]> getRestoreConsumer(Map<String, Object> config) {
                return delegate.getRestoreConsumer(config);
            }

            @Override
            public org.apache.kafka.clients.consumer.Consumer<byte[], byte[]> getGlobalConsumer(Map<String, Object> config) {
                return delegate.getGlobalConsumer(config);
            }

            @Override
            public org.apache.kafka.clients.admin.Admin getAdmin(Map<String, Object> config) {
                return delegate.getAdmin(config);
            }
        };
    }

    @SuppressWarnings("unchecked")
    static Producer<byte[], byte[]> guard(Producer<byte[], byte[]> producer, Set<String> allowed, String internalPrefix) {
        return (Producer<byte[], byte[]>) Proxy.newProxyInstance(Producer.class.getClassLoader(), new Class<?>[]{Producer.class},
                (proxy, method, args) -> {
                    if (method.getName().equals("send") && args != null && args.length > 0 && args[0] instanceof ProducerRecord<?, ?> record) {
                        String topic = record.topic();
                        if (!allowed.contains(topic) && !topic.startsWith(internalPrefix)) {
                            throw new IllegalStateException("refused to write to topic '" + topic + "': it is not in the contract's allowed_write_topics "
                                    + allowed + " and not an internal topic of " + internalPrefix.substring(0, internalPrefix.length() - 1));
                        }
                    }
                    try {
                        return method.invoke(producer, args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
    }
}
