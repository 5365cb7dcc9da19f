package dev.reprise.embedded;

import dev.reprise.embedded.compat.BrokerInternals;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.BindException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.stream.Stream;

/**
 * A real one-node Kafka cluster in this JVM for the demo, {@code reprise broker}, the benchmark and the
 * integration tests: Apache Kafka's own server ({@code KafkaRaftServer}, what {@code kafka-server-start.sh}
 * runs) as a combined KRaft broker and controller on localhost, its directory formatted as
 * {@code kafka-storage format} does. Not for production: one replica, nothing expires, and no security unless a test asks for it ({@link Security}).
 *
 * <p>Started on a data directory of its own, it can be stopped (even killed) and started again on the same
 * directory: it keeps its topics, offsets and committed transactions. Started without one, its data lives
 * in a temporary directory deleted on {@link #close()}.
 *
 * <p>Over 300 lines: formatting, configuring, starting and stopping Kafka's own server are one lifecycle.
 */
public final class EmbeddedKafka implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(EmbeddedKafka.class);
    private static final int NODE_ID = 1;
    private static final String CONTROLLER_LISTENER = "CONTROLLER";
    /** Attempts at free ports: a port found free may be taken by another process before the server binds it. */
    private static final int PORT_ATTEMPTS = 3;
    /**
     * Ports are picked in this range, below the ports the OS hands out to outgoing connections (from 32768
     * on Linux, 49152 on macOS and Windows): between the check and the server's bind only another listener
     * could take one, not any client connection on the machine. That matters most for the controller's
     * port: a server that cannot bind it stops the JVM (Kafka's fatal-fault handler).
     */
    private static final int PORT_RANGE_START = 10_000;
    private static final int PORT_RANGE_END = 32_000;

    /** The listener of a secured broker (its clients' and, between broker and controller roles, its own). */
    static final String SECURED_LISTENER = "SECURED";

    /**
     * How a secured broker (for tests of authentication and authorization) listens: its listeners' security
     * protocol (e.g. SASL_PLAINTEXT, SASL_SSL) on the clients' and the controller's listener, server properties for
     * SASL and the authorizer (the broker and its controller authenticate as a super user through them), and the
     * client settings of that super user, which {@link #clientConfig()} then returns.
     */
    public record Security(String protocol, Map<String, String> serverProperties, Map<String, Object> superUserClientConfig) {
        public Security {
            serverProperties = Map.copyOf(serverProperties);
            superUserClientConfig = Map.copyOf(superUserClientConfig);
        }
    }

    private final BrokerInternals.Server server;
    private final Path dataDir;
    private final boolean temporary;
    private final String bootstrapServers;
    private final Map<String, Object> securityConfig;
    private boolean closed;

    private EmbeddedKafka(BrokerInternals.Server server, Path dataDir, boolean temporary, int port, Map<String, Object> securityConfig) {
        this.server = server;
        this.dataDir = dataDir;
        this.temporary = temporary;
        this.bootstrapServers = "localhost:" + port;
        this.securityConfig = securityConfig;
    }

    /** Starts a broker on a free port with its data in a temporary directory, deleted on {@link #close()}. */
    public static EmbeddedKafka start() {
        return start(null, 0);
    }

    /**
     * Starts a broker.
     *
     * @param dataDir its log and metadata directory: formatted when new or empty, reused as it is when it
     *                was formatted before; {@code null} for a temporary directory deleted on {@link #close()}
     * @param port    its port on localhost; 0 for a free one
     * @throws IllegalArgumentException when the directory cannot hold the broker's data or the port is invalid
     */
    public static EmbeddedKafka start(Path dataDir, int port) {
        return start(dataDir, port, null);
    }

    /**
     * Starts a broker whose listeners are secured as {@code security} says ({@code null}: plaintext, no authorizer).
     *
     * @see #start(Path, int)
     */
    public static EmbeddedKafka start(Path dataDir, int port, Security security) {
        if (port < 0 || port > 65_535) {
            throw new IllegalArgumentException("port " + port + " is not a TCP port (1-65535, or 0 for a free one)");
        }
        if (port != 0 && !isFree(port)) {
            throw new IllegalArgumentException("port " + port + " on localhost is in use; stop what listens there or choose another port");
        }
        BrokerInternals.check();
        boolean temporary = dataDir == null;
        Path dir = temporary ? createTempDirectory() : dataDir.toAbsolutePath().normalize();
        try {
            boolean formatted = isFormatted(dir);
            for (int attempt = 1; ; attempt++) {
                int brokerPort = port != 0 ? port : freePort(-1);
                int controllerPort = freePort(brokerPort);
                Map<String, Object> properties = serverProperties(dir, brokerPort, controllerPort);
                if (security != null) {
                    properties.put("listeners", SECURED_LISTENER + "://localhost:" + brokerPort + "," + CONTROLLER_LISTENER + "://localhost:" + controllerPort);
                    properties.put("advertised.listeners", SECURED_LISTENER + "://localhost:" + brokerPort);
                    properties.put("listener.security.protocol.map", SECURED_LISTENER + ":" + security.protocol() + "," + CONTROLLER_LISTENER + ":" + security.protocol());
                    properties.put("inter.broker.listener.name", SECURED_LISTENER);
                    properties.putAll(security.serverProperties());
                }
                BrokerInternals.Node node = BrokerInternals.node(properties);
                if (!formatted) {
                    format(node, dir);
                    formatted = true;
                }
                BrokerInternals.Server server = node.server();
                try {
                    server.startup();
                    return new EmbeddedKafka(server, dir, temporary, brokerPort, security == null ? Map.of() : security.superUserClientConfig());
                } catch (RuntimeException e) {
                    shutDownQuietly(server);
                    if (!isBindFailure(e) || attempt == PORT_ATTEMPTS) {
                        throw e;
                    }
                    LOG.info("a port taken meanwhile ({}); starting again on other ports", e.getMessage());
                }
            }
        } catch (RuntimeException e) {
            if (temporary) {
                Directories.deleteQuietly(dir, "the broker's temporary directory");
            }
            if (e instanceof IllegalArgumentException) {
                throw e;
            }
            throw new IllegalStateException("cannot start the embedded Kafka broker on " + dir + ": " + rootMessage(e), e);
        }
    }

    /**
     * The server's configuration, as a {@code server.properties} for a combined KRaft node would hold it.
     * Port 0 is not used even for the broker: the voters' list needs the controller's real port, and the
     * broker's bound port is not visible through {@code KafkaRaftServer}.
     */
    static Map<String, Object> serverProperties(Path dir, int brokerPort, int controllerPort) {
        Map<String, Object> p = new LinkedHashMap<>();
        p.put("process.roles", "broker,controller");
        p.put("node.id", NODE_ID);
        p.put("controller.quorum.voters", NODE_ID + "@localhost:" + controllerPort);
        p.put("listeners", "PLAINTEXT://localhost:" + brokerPort + "," + CONTROLLER_LISTENER + "://localhost:" + controllerPort);
        p.put("advertised.listeners", "PLAINTEXT://localhost:" + brokerPort);
        p.put("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT," + CONTROLLER_LISTENER + ":PLAINTEXT");
        p.put("inter.broker.listener.name", "PLAINTEXT");
        p.put("controller.listener.names", CONTROLLER_LISTENER);
        // One directory holds the metadata log and the topics' logs, as in Kafka's quickstart.
        p.put("log.dirs", dir.toString());
        // One node: every internal topic has one replica.
        p.put("offsets.topic.replication.factor", "1");
        p.put("offsets.topic.num.partitions", "5");
        p.put("transaction.state.log.replication.factor", "1");
        p.put("transaction.state.log.min.isr", "1");
        p.put("transaction.state.log.num.partitions", "5");
        p.put("share.coordinator.state.topic.replication.factor", "1");
        p.put("share.coordinator.state.topic.min.isr", "1");
        // A small machine: the log cleaner's offset map needs no more than 8 MiB here.
        p.put("log.cleaner.dedupe.buffer.size", Long.toString(8L * 1024 * 1024));
        // A topic the contract did not name must not appear because a client asked for it.
        p.put("auto.create.topics.enable", "false");
        // Nothing written for a demo or a test may expire while it runs.
        p.put("log.retention.ms", "-1");
        // One application instance per group: no reason to wait for others to join.
        p.put("group.initial.rebalance.delay.ms", "0");
        p.put("group.streams.initial.rebalance.delay.ms", "0");
        return p;
    }

    /** True when the directory holds a formatted Kafka node; refuses a directory holding something else. */
    static boolean isFormatted(Path dir) {
        if (Files.isRegularFile(dir.resolve(BrokerInternals.META_PROPERTIES_NAME))) {
            return true;
        }
        if (Files.exists(dir) && !Files.isDirectory(dir)) {
            throw new IllegalArgumentException("data directory " + dir + " is a file; name a new or empty directory");
        }
        if (Files.isDirectory(dir)) {
            try (Stream<Path> entries = Files.list(dir)) {
                if (entries.findAny().isPresent()) {
                    throw new IllegalArgumentException("data directory " + dir + " is not empty and holds no Kafka data ("
                            + BrokerInternals.META_PROPERTIES_NAME + " is missing); name a new or empty directory, "
                            + "or one a broker started by Reprise used before");
                }
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read data directory " + dir, e);
            }
        }
        return false;
    }

    /** Formats the directory as {@code kafka-storage format --cluster-id <new id> --config server.properties} does. */
    private static void format(BrokerInternals.Node node, Path dir) {
        // The formatter prints its bootstrap metadata; stdout is for Reprise's results, so it goes to the log.
        ByteArrayOutputStream printed = new ByteArrayOutputStream();
        try {
            Files.createDirectories(dir);
            node.format(dir, CONTROLLER_LISTENER, new PrintStream(printed, true, StandardCharsets.UTF_8));
        } catch (RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException("cannot format " + dir + ": " + e.getMessage(), e);
        }
        LOG.info("formatted {} for a new broker", dir);
        LOG.debug("formatter output: {}", printed.toString(StandardCharsets.UTF_8).trim());
    }

    public String bootstrapServers() {
        return bootstrapServers;
    }

    /** The directory holding the broker's data. */
    public Path dataDir() {
        return dataDir;
    }

    /** Settings for a client of this broker: its address and, for a secured broker, the super user's credentials. */
    public Map<String, Object> clientConfig() {
        Map<String, Object> config = new LinkedHashMap<>(securityConfig);
        config.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers());
        return Map.copyOf(config);
    }

    public Admin admin() {
        return Admin.create(clientConfig());
    }

    public void createTopic(String name, int partitions, Map<String, String> configs) {
        try (Admin admin = admin()) {
            admin.createTopics(List.of(new NewTopic(name, partitions, (short) 1).configs(configs))).all().get();
        } catch (ExecutionException e) {
            throw new IllegalStateException("cannot create topic " + name + ": " + e.getCause().getMessage(), e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Stops the broker (a controlled shutdown) and deletes its data if it lives in a temporary directory. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            server.shutdown();
            server.awaitShutdown();
        } catch (RuntimeException e) {
            throw new IllegalStateException("cannot stop the embedded Kafka broker cleanly: " + e.getMessage(), e);
        } finally {
            if (temporary) {
                Directories.deleteQuietly(dataDir, "the broker's temporary directory");
            }
        }
    }

    private static int freePort(int except) {
        for (int i = 0; i < 1_000; i++) {
            int candidate = ThreadLocalRandom.current().nextInt(PORT_RANGE_START, PORT_RANGE_END);
            if (candidate != except && isFree(candidate)) {
                return candidate;
            }
        }
        throw new IllegalStateException("no free port on localhost between " + PORT_RANGE_START + " and " + PORT_RANGE_END);
    }

    private static boolean isFree(int port) {
        try (ServerSocket socket = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static boolean isBindFailure(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof BindException) {
                return true;
            }
        }
        return false;
    }

    private static String rootMessage(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return root.getMessage() != null ? root.getMessage() : root.getClass().getSimpleName();
    }

    private static void shutDownQuietly(BrokerInternals.Server server) {
        try {
            server.shutdown();
        } catch (RuntimeException e) {
            LOG.debug("shutting down a server that did not start", e);
        }
    }

    private static Path createTempDirectory() {
        try {
            return Files.createTempDirectory("reprise-kafka-");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
