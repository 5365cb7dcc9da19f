package dev.reprise.streams;

import dev.reprise.contract.Contract;
import dev.reprise.pipeline.repartition.RoutedSerde;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.streams.StreamsConfig;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;

/** The Kafka Streams settings of a replay: Reprise's defaults, each with the measurement or reason behind it. */
public final class StreamsSettings {
    /** Kafka Streams' switch for KIP-892 transactional state stores (4.4+). */
    static final String TRANSACTIONAL_STATE_STORES = StreamsConfig.TRANSACTIONAL_STATE_STORES_CONFIG;

    private StreamsSettings() {
    }

    /**
     * Kafka Streams settings Reprise chooses for a replay, each measured with {@code reprise bench};
     * the client configuration and the caller's overrides win over them.
     */
    public static Map<String, Object> replayDefaults() {
        Map<String, Object> d = new HashMap<>();
        // 500 ms between commits instead of Kafka's exactly-once default of 100: fewer transactions and
        // fewer flushes of the store caches. Measured with reprise bench (1,000,000 events, CPU seconds per
        // million events, process and broker): keyed 13.4 at 100 ms, 11.6 at 500, 11.1 at 1000; with
        // repartition 25.8, 24.3, 22.2, at equal throughput for 500 and 1000. Longer is not better: the
        // apply stage reads repartitioned events only once the source stage's transaction commits.
        d.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, 500);
        // One stream thread per core: the source and apply stages run in parallel.
        d.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, Math.max(1, Runtime.getRuntime().availableProcessors()));
        // Repartition and changelog records are small and many: batch and compress them.
        d.put(StreamsConfig.producerPrefix(ProducerConfig.LINGER_MS_CONFIG), 20);
        d.put(StreamsConfig.producerPrefix(ProducerConfig.BATCH_SIZE_CONFIG), 256 * 1024);
        d.put(StreamsConfig.producerPrefix(ProducerConfig.COMPRESSION_TYPE_CONFIG), "lz4");
        // A history event may be as large as its topic allows: its repartition batch must fit (RoutedSerde.MAX_RECORD_BYTES);
        // larger events are dead-lettered by the source stage (event-too-large), never a failed send that stops the run.
        d.put(StreamsConfig.producerPrefix(ProducerConfig.MAX_REQUEST_SIZE_CONFIG), RoutedSerde.MAX_RECORD_BYTES + 64 * 1024);
        d.put(StreamsConfig.topicPrefix(TopicConfig.MAX_MESSAGE_BYTES_CONFIG), Integer.toString(RoutedSerde.MAX_RECORD_BYTES + 64 * 1024));
        d.put(StreamsConfig.consumerPrefix(ConsumerConfig.MAX_POLL_RECORDS_CONFIG), 2000);
        // A bounded replay is short, and its instances are few: a lost instance should be noticed in seconds, not after
        // the consumer's default 45 s, so its tasks move to the survivors (or to it again, restarted) quickly. Classic
        // groups only: a streams group's session timeout is the broker's group.streams.session.timeout.ms.
        d.put(StreamsConfig.consumerPrefix(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG), 10_000);
        d.put(StreamsConfig.consumerPrefix(ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG), 2_000);
        // Store caches absorb the sequence updates of hot keys between commits (projection states and
        // counters are kept by the stages themselves and written once per commit).
        d.put(StreamsConfig.STATESTORE_CACHE_MAX_BYTES_CONFIG, 64L * 1024 * 1024);
        // No waiting for empty input partitions to line records up by timestamp: Reprise orders events by
        // key (and sequence field), not across partitions. With the default (0), each idle task formatted
        // a log message on every loop of the stream thread (2% of its time with a repartition, in a profile).
        d.put(StreamsConfig.MAX_TASK_IDLE_MS_CONFIG, StreamsConfig.MAX_TASK_IDLE_MS_DISABLED);
        // All RocksDB stores of the process share one memory budget (reprise.rocksdb.memory.bytes).
        d.put(StreamsConfig.ROCKSDB_CONFIG_SETTER_CLASS_CONFIG, BoundedRocksDb.class);
        // KIP-892 transactional state stores stay off: the dedup lookup store writes RocksDB batches through
        // RocksDBStore.write (dev.reprise.compat.RocksDbBatches), which bypasses their buffer (checked in 4.4.0).
        d.put(TRANSACTIONAL_STATE_STORES, false);
        // The reference projection is a global store: Kafka Streams 4.4 warns on every start unless the processing
        // exception handler also covers the global thread, which becomes the default in Kafka 5.0.
        d.put(StreamsConfig.PROCESSING_EXCEPTION_HANDLER_GLOBAL_ENABLED_CONFIG, true);
        // Whatever escapes a stage is not the record's fault (the stages dead-letter poison themselves): it stops the run,
        // never becomes a dead letter or a skipped record (StopOnProcessingError).
        d.put(StreamsConfig.PROCESSING_EXCEPTION_HANDLER_CLASS_CONFIG, StopOnProcessingError.class);
        return d;
    }

    /** The properties of the replay's Kafka Streams instance. */
    public static Properties properties(Contract contract, Map<String, Object> clientConfig, Path stateDir, Map<String, Object> overrides) {
        Properties p = new Properties();
        p.putAll(replayDefaults());
        p.putAll(clientConfig);
        p.put(StreamsConfig.APPLICATION_ID_CONFIG, contract.applicationId());
        p.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, contract.processing().guarantee());
        p.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
        p.put(StreamsConfig.consumerPrefix(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG), "earliest");
        p.putAll(overrides);
        Object handler = p.get(StreamsConfig.PROCESSING_EXCEPTION_HANDLER_CLASS_CONFIG);
        if (handler != StopOnProcessingError.class && !StopOnProcessingError.class.getName().equals(String.valueOf(handler).trim())) {
            throw new IllegalArgumentException(StreamsConfig.PROCESSING_EXCEPTION_HANDLER_CLASS_CONFIG + "=" + handler + " is not supported: Reprise "
                    + "dead-letters poison records itself, and any other failure must stop the run rather than drop or dead-letter a valid "
                    + "record; remove it from --command-config");
        }
        readCommittedOnly(p);
        if (Boolean.parseBoolean(String.valueOf(p.getOrDefault(TRANSACTIONAL_STATE_STORES, "false")))) {
            throw new IllegalArgumentException(TRANSACTIONAL_STATE_STORES + "=true is not supported: Reprise writes RocksDB batches past "
                    + "the transactional stores' buffer (KIP-892); remove it from --command-config");
        }
        return p;
    }

    /**
     * Every consumer of the replay reads committed records only: an aborted transaction is not part of the history. Kafka
     * Streams sets {@code isolation.level=read_committed} itself only under exactly_once_v2; under at_least_once its
     * consumers would read aborted records and apply them. So it is set here for the main, restore and global consumers,
     * whatever the guarantee, and a {@code read_uncommitted} given in the configuration is refused.
     */
    private static void readCommittedOnly(Properties p) {
        String key = ConsumerConfig.ISOLATION_LEVEL_CONFIG;
        for (String name : new String[]{key, StreamsConfig.consumerPrefix(key), StreamsConfig.mainConsumerPrefix(key),
                StreamsConfig.restoreConsumerPrefix(key), StreamsConfig.globalConsumerPrefix(key)}) {
            Object value = p.get(name);
            if (value != null && !"read_committed".equals(String.valueOf(value).trim())) {
                throw new IllegalArgumentException(name + "=" + value + " is not supported: a replay reads committed records only (an aborted "
                        + "transaction is not part of the history); remove it from --command-config");
            }
        }
        p.put(StreamsConfig.mainConsumerPrefix(key), "read_committed");
        p.put(StreamsConfig.restoreConsumerPrefix(key), "read_committed");
        p.put(StreamsConfig.globalConsumerPrefix(key), "read_committed");
    }
}
