package dev.reprise.compat;

import org.rocksdb.RocksDB;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;
import java.util.Set;

/**
 * The one door to Kafka Streams, kafka-clients and RocksDB internals: every non-public API Reprise uses lives in this
 * package ({@link CommitHook}, {@link HookForwarding}, {@link RocksDbBatches}, {@link Partitions} (the clients'
 * murmur2 in {@code Utils}), {@link NewHeaders} (the clients' {@code RecordHeaders})), each behind a small interface
 * the stages use. They were read in the sources of the
 * versions below; {@link #check()} refuses to start on any other, naming what it found and what to do,
 * so a change in Kafka can never turn into a silently slower or weaker run.
 */
public final class KafkaInternals {
    /** Kafka Streams versions whose internals this package was checked against (their sources; Reprise ships the newest). */
    public static final Set<String> VERIFIED_STREAMS_VERSIONS = Set.of("4.4.0");
    /** kafka-clients versions whose internals ({@code Utils.murmur2}/{@code toPositive}, {@code RecordHeaders}) this package was checked against. */
    public static final Set<String> VERIFIED_CLIENTS_VERSIONS = Set.of("4.4.0");
    /** The RocksDB versions those Kafka Streams releases bring, whose write-batch format {@link RocksDbBatches} writes. */
    public static final Set<String> VERIFIED_ROCKSDB_VERSIONS = Set.of("10.1.3");

    private KafkaInternals() {
    }

    /** The Kafka Streams version on the class path, as the Kafka Streams jar states it. */
    public static String streamsVersion() {
        try (InputStream in = KafkaInternals.class.getClassLoader().getResourceAsStream("kafka/kafka-streams-version.properties")) {
            if (in == null) {
                return "unknown (no kafka/kafka-streams-version.properties on the class path)";
            }
            Properties p = new Properties();
            p.load(in);
            return p.getProperty("version", "unknown");
        } catch (IOException e) {
            return "unknown (" + e.getMessage() + ")";
        }
    }

    /**
     * The kafka-clients version on the class path, as the kafka-clients jar itself states it (read from the jar that
     * holds the producer, not by resource name: the broker's jars carry a file of the same name).
     */
    public static String clientsVersion() {
        return versionInJarOf(org.apache.kafka.clients.producer.KafkaProducer.class, "kafka/kafka-version.properties");
    }

    /**
     * The {@code version} of the properties file {@code resource} in the jar (or class directory) {@code type} was
     * loaded from; "unknown (...)" when there is none.
     */
    public static String versionInJarOf(Class<?> type, String resource) {
        try {
            URL location = type.getProtectionDomain().getCodeSource().getLocation();
            Path where = Path.of(location.toURI());
            URL file = Files.isDirectory(where) ? where.resolve(resource).toUri().toURL()
                    : URI.create("jar:" + where.toUri() + "!/" + resource).toURL();
            try (InputStream in = file.openStream()) {
                Properties p = new Properties();
                p.load(in);
                return p.getProperty("version", "unknown (no version in " + resource + ")");
            }
        } catch (Exception e) {
            return "unknown (no " + resource + " beside " + type.getName() + ": " + e.getMessage() + ")";
        }
    }

    /** The RocksDB version of the loaded native library. */
    public static String rocksDbVersion() {
        RocksDB.loadLibrary();
        return RocksDB.rocksdbVersion().toString();
    }

    /**
     * Checks that the Kafka Streams, kafka-clients and RocksDB on the class path are versions whose internals this
     * package was verified with.
     *
     * @throws IncompatibleKafkaException naming the version found and what to do
     */
    public static void check() {
        check(streamsVersion(), clientsVersion(), rocksDbVersion());
    }

    static void check(String streams, String clients, String rocks) {
        if (!VERIFIED_STREAMS_VERSIONS.contains(streams)) {
            throw new IncompatibleKafkaException("Kafka Streams " + streams + " is on the class path, but Reprise relies on Kafka Streams "
                    + "internals (the pre-commit hook, forwarding from it, RocksDB write batches) verified only with " + VERIFIED_STREAMS_VERSIONS
                    + ". Run Reprise with the Kafka jars it was built with (app/target/lib), or check dev.reprise.compat against the sources of "
                    + streams + " and add it to KafkaInternals.VERIFIED_STREAMS_VERSIONS");
        }
        if (!VERIFIED_CLIENTS_VERSIONS.contains(clients)) {
            throw new IncompatibleKafkaException("kafka-clients " + clients + " is on the class path, but Reprise relies on kafka-clients "
                    + "internals (the default partitioner's murmur2, RecordHeaders) verified only with " + VERIFIED_CLIENTS_VERSIONS
                    + ". Run Reprise with the Kafka jars it was built with (app/target/lib), or check dev.reprise.compat.Partitions and "
                    + "NewHeaders against the sources of kafka-clients " + clients + " and add it to KafkaInternals.VERIFIED_CLIENTS_VERSIONS");
        }
        if (!VERIFIED_ROCKSDB_VERSIONS.contains(rocks)) {
            throw new IncompatibleKafkaException("RocksDB " + rocks + " is loaded, but Reprise writes RocksDB's serialized write-batch "
                    + "format, verified only with " + VERIFIED_ROCKSDB_VERSIONS + ". Run Reprise with the rocksdbjni jar Kafka Streams "
                    + streams + " brings, or check dev.reprise.compat.RocksDbBatches against RocksDB " + rocks);
        }
    }

    /** Kafka Streams, kafka-clients or RocksDB are not versions Reprise's internals were verified with, or stopped behaving as verified. */
    public static final class IncompatibleKafkaException extends IllegalStateException {
        public IncompatibleKafkaException(String message) {
            super(message);
        }
    }
}
