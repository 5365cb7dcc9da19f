package dev.reprise.embedded.compat;

import dev.reprise.compat.KafkaInternals;
import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.utils.Time;
import org.apache.kafka.metadata.properties.MetaPropertiesEnsemble;
import org.apache.kafka.metadata.storage.Formatter;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The one door to the broker's non-public classes ({@code kafka_2.13}'s {@code KafkaConfig} and {@code KafkaRaftServer},
 * kafka-metadata's {@code Formatter} and {@code MetaPropertiesEnsemble}): what {@code kafka-storage format} and
 * {@code kafka-server-start.sh} do, for the embedded broker of the tools and tests. They were read in the sources of
 * the versions below; {@link #check()} refuses any other, naming what it found and what to do, never falling back.
 */
public final class BrokerInternals {
    /** kafka_2.13 (and kafka-metadata) versions whose classes this package was checked against. */
    public static final Set<String> VERIFIED_BROKER_VERSIONS = Set.of("4.4.0");
    /** The file a formatted log directory holds. */
    public static final String META_PROPERTIES_NAME = MetaPropertiesEnsemble.META_PROPERTIES_NAME;

    private BrokerInternals() {
    }

    /** The kafka_2.13 version on the class path, as its jar's manifest states it ({@code Version}). */
    public static String brokerVersion() {
        return jarVersion(KafkaRaftServer.class, "kafka_2.13");
    }

    /** The kafka-metadata version on the class path (the formatter's), as its jar's name states it (it has no version file). */
    public static String metadataVersion() {
        return jarVersion(Formatter.class, "kafka-metadata");
    }

    /** The version of the jar {@code type} was loaded from: its manifest's {@code Version}, else its Maven file name {@code artifact-VERSION.jar}. */
    static String jarVersion(Class<?> type, String artifact) {
        java.net.URL location = type.getProtectionDomain().getCodeSource().getLocation();
        try {
            Path jar = Path.of(location.toURI());
            try (java.util.jar.JarFile file = new java.util.jar.JarFile(jar.toFile())) {
                java.util.jar.Manifest manifest = file.getManifest();
                String version = manifest == null ? null : manifest.getMainAttributes().getValue("Version");
                if (version != null) {
                    return version;
                }
            }
            java.util.regex.Matcher m = java.util.regex.Pattern.compile(java.util.regex.Pattern.quote(artifact) + "-(.+)\\.jar").matcher(jar.getFileName().toString());
            return m.matches() ? m.group(1) : "unknown (" + jar.getFileName() + " states no version)";
        } catch (Exception e) {
            return "unknown (" + type.getName() + " from " + location + ": " + e.getMessage() + ")";
        }
    }

    /**
     * Checks that the broker's jars on the class path are versions this package was verified with.
     *
     * @throws KafkaInternals.IncompatibleKafkaException naming the version found and what to do
     */
    public static void check() {
        check(brokerVersion(), metadataVersion());
    }

    static void check(String broker, String metadata) {
        for (String[] jar : List.of(new String[]{"kafka_2.13", broker}, new String[]{"kafka-metadata", metadata})) {
            if (!VERIFIED_BROKER_VERSIONS.contains(jar[1])) {
                throw new KafkaInternals.IncompatibleKafkaException(jar[0] + " " + jar[1] + " is on the class path, but the embedded broker "
                        + "starts Kafka's own server through its non-public classes (KafkaConfig, KafkaRaftServer, Formatter), verified only "
                        + "with " + VERIFIED_BROKER_VERSIONS + ". Run the tools with the jars they were built with (tools/target/lib), or check "
                        + "dev.reprise.embedded.compat.BrokerInternals against the sources of " + jar[1]
                        + " and add it to BrokerInternals.VERIFIED_BROKER_VERSIONS");
            }
        }
    }

    /** A combined KRaft node (broker and controller) configured from {@code server.properties}-style settings. */
    public static Node node(Map<String, Object> properties) {
        return new Node(new KafkaConfig(properties, false));
    }

    public static final class Node {
        private final KafkaConfig config;

        private Node(KafkaConfig config) {
            this.config = config;
        }

        /** Formats {@code dir} as {@code kafka-storage format --cluster-id <new id> --config server.properties} does. */
        public void format(Path dir, String controllerListener, PrintStream out) throws Exception {
            new Formatter()
                    .setPrintStream(out)
                    .setNodeId(config.nodeId())
                    .setClusterId(Uuid.randomUuid().toString())
                    .setControllerListenerName(controllerListener)
                    .setMetadataLogDirectory(config.metadataLogDir())
                    .setDirectories(List.of(dir.toString()))
                    .run();
        }

        /** The server of this node, not started yet. */
        public Server server() {
            return new Server(new KafkaRaftServer(config, Time.SYSTEM));
        }
    }

    /** Kafka's own KRaft server: started, shut down and awaited as {@code kafka-server-start.sh} does. */
    public static final class Server {
        private final KafkaRaftServer server;

        private Server(KafkaRaftServer server) {
            this.server = server;
        }

        public void startup() {
            server.startup();
        }

        public void shutdown() {
            server.shutdown();
        }

        public void awaitShutdown() {
            server.awaitShutdown();
        }
    }
}
