package dev.reprise.cluster;

import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.DescribeClusterOptions;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.errors.AuthenticationException;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.errors.SaslAuthenticationException;
import org.apache.kafka.common.errors.SslAuthenticationException;

import java.io.IOException;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NoRouteToHostException;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Fails fast, and says why, when the cluster cannot be reached: before a command does anything, every
 * bootstrap address is resolved and tried over TCP, then the cluster is asked to describe itself, all
 * within one timeout. Kafka's clients would otherwise retry for a minute and more and end with "timed
 * out waiting for a node assignment", naming neither the address nor the cause (connection refused,
 * unknown host, TLS handshake, SASL authentication), which they only log.
 */
public final class ClusterCheck {
    /** How long a command tries to reach the cluster unless told otherwise ({@code --timeout}). */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(15);

    private ClusterCheck() {
    }

    /**
     * The client settings with connection setup bounded by {@code timeout}, unless the operator chose
     * them (e.g. in --command-config). Only connection setup: request and API timeouts stay Kafka's, as
     * they also govern a long replay on a busy cluster.
     */
    public static Map<String, Object> withConnectTimeouts(Map<String, Object> config, Duration timeout) {
        Map<String, Object> out = new HashMap<>(config);
        long ms = timeout.toMillis();
        out.putIfAbsent(CommonClientConfigs.SOCKET_CONNECTION_SETUP_TIMEOUT_MS_CONFIG, Math.min(ms, 10_000L));
        out.putIfAbsent(CommonClientConfigs.SOCKET_CONNECTION_SETUP_TIMEOUT_MAX_MS_CONFIG, Math.max(ms, 1_000L));
        return out;
    }

    /**
     * Checks that the cluster of {@code config}'s bootstrap.servers answers within {@code timeout}.
     *
     * @throws ClusterUnreachableException naming the address and the cause when it does not
     * @throws IllegalArgumentException    when bootstrap.servers or a client setting is malformed
     */
    public static void requireReachable(Map<String, Object> config, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        List<String> servers = servers(config.get(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG));
        String bootstrap = String.join(",", servers);
        List<String> problems = new ArrayList<>();
        boolean connected = false;
        Object protocol = config.get(CommonClientConfigs.SECURITY_PROTOCOL_CONFIG);
        boolean plaintext = protocol == null || protocol.toString().trim().equalsIgnoreCase("PLAINTEXT");
        for (String server : servers) {
            String host = hostOf(server);
            Integer port = portOf(server);
            if (host == null || port == null || host.isEmpty() || port < 1 || port > 65535) {
                throw new IllegalArgumentException("--bootstrap-server: '" + server + "' is not HOST:PORT, e.g. localhost:9092");
            }
            InetAddress[] addresses;
            try {
                addresses = resolve(host, remaining(deadline));
            } catch (UnknownHostException e) {
                problems.add("cannot resolve host '" + host + "' (DNS lookup failed: no such host known here)");
                continue;
            } catch (TimeoutException e) {
                problems.add("cannot resolve host '" + host + "' (DNS lookup gave no answer within " + seconds(timeout) + ")");
                continue;
            }
            for (InetAddress address : addresses) {
                String problem = tcpConnect(address, port, remaining(deadline), plaintext);
                if (problem == null) {
                    connected = true;
                    break;
                }
                problems.add(problem);
            }
            if (connected) {
                break;
            }
        }
        if (!connected) {
            throw new ClusterUnreachableException("cannot reach the cluster at " + bootstrap + ": " + String.join("; ", problems)
                    + ". Check --bootstrap-server and that the brokers are up; nothing was read or changed");
        }
        askTheCluster(config, bootstrap, timeout, deadline);
    }

    private static void askTheCluster(Map<String, Object> config, String bootstrap, Duration timeout, long deadline) {
        int left = (int) Math.max(1_000, remaining(deadline));
        Map<String, Object> probe = new HashMap<>(config);
        probe.put(AdminClientConfig.CLIENT_ID_CONFIG, "reprise-reachability");
        probe.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, left);
        probe.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, left);
        probe.put(AdminClientConfig.SOCKET_CONNECTION_SETUP_TIMEOUT_MS_CONFIG, Math.min(left, 10_000));
        probe.put(AdminClientConfig.SOCKET_CONNECTION_SETUP_TIMEOUT_MAX_MS_CONFIG, left);
        probe.put(AdminClientConfig.RECONNECT_BACKOFF_MAX_MS_CONFIG, 1_000);
        Admin admin;
        try {
            admin = Admin.create(probe);
        } catch (KafkaException e) {
            throw new IllegalArgumentException("the client settings are not valid: " + rootMessage(e)
                    + "; check --command-config", e);
        }
        try {
            admin.describeCluster(new DescribeClusterOptions().timeoutMs(left)).nodes().get(left + 2_000L, TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof SslAuthenticationException) {
                throw new ClusterUnreachableException("the TLS handshake with the cluster at " + bootstrap + " failed: " + rootMessage(cause)
                        + ". Check ssl.* in --command-config (trust store, host name) and that the listener speaks TLS", cause);
            }
            if (cause instanceof SaslAuthenticationException) {
                throw new ClusterUnreachableException("SASL authentication with the cluster at " + bootstrap + " failed: " + rootMessage(cause)
                        + ". Check sasl.mechanism and sasl.jaas.config (user, password) in --command-config", cause);
            }
            if (cause instanceof AuthenticationException) {
                throw new ClusterUnreachableException("the cluster at " + bootstrap + " refused the connection: " + rootMessage(cause)
                        + ". Check the security settings in --command-config", cause);
            }
            if (cause instanceof AuthorizationException) {
                return; // It answered: reachable. What the principal may do is each command's business.
            }
            if (cause instanceof org.apache.kafka.common.errors.TimeoutException) {
                throw noAnswer(bootstrap, timeout);
            }
            throw new ClusterUnreachableException("the cluster at " + bootstrap + " could not be asked for its brokers: " + rootMessage(cause), cause);
        } catch (TimeoutException e) {
            throw noAnswer(bootstrap, timeout);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ClusterUnreachableException("interrupted while reaching the cluster at " + bootstrap);
        } finally {
            admin.close(Duration.ofSeconds(1));
        }
    }

    private static ClusterUnreachableException noAnswer(String bootstrap, Duration timeout) {
        return new ClusterUnreachableException("reached " + bootstrap + " over TCP, but no Kafka broker answered within " + seconds(timeout)
                + ". Check that it is a Kafka listener and that security.protocol in --command-config matches it (PLAINTEXT, SSL, "
                + "SASL_PLAINTEXT, SASL_SSL); a busy cluster may need a longer --timeout");
    }

    private static List<String> servers(Object value) {
        List<String> out = new ArrayList<>();
        if (value instanceof List<?> list) {
            list.forEach(v -> out.addAll(Arrays.asList(String.valueOf(v).split(","))));
        } else if (value != null) {
            out.addAll(Arrays.asList(value.toString().split(",")));
        }
        List<String> trimmed = out.stream().map(String::trim).filter(s -> !s.isEmpty()).toList();
        if (trimmed.isEmpty()) {
            throw new IllegalArgumentException("--bootstrap-server is required (or bootstrap.servers in --command-config)");
        }
        return trimmed;
    }

    /** DNS lookups have no timeout of their own: run one on a daemon thread and stop waiting at the deadline. */
    private static InetAddress[] resolve(String host, long timeoutMs) throws UnknownHostException, TimeoutException {
        FutureTask<InetAddress[]> lookup = new FutureTask<>(() -> InetAddress.getAllByName(host));
        Thread thread = new Thread(lookup, "reprise-dns-" + host);
        thread.setDaemon(true);
        thread.start();
        try {
            return lookup.get(Math.max(1, timeoutMs), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof UnknownHostException u) {
                throw u;
            }
            throw new UnknownHostException(host);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new TimeoutException();
        }
    }

    /**
     * Null when a TCP connection to the address opens (and, for a plaintext client, a Kafka broker answers
     * on it), else what went wrong, in words.
     */
    private static String tcpConnect(InetAddress address, int port, long timeoutMs, boolean plaintext) {
        String where = address.getHostAddress() + ":" + port;
        if (timeoutMs <= 0) {
            return "no time left to try " + where;
        }
        long started = System.nanoTime();
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(address, port), (int) Math.min(Integer.MAX_VALUE, timeoutMs));
            long left = timeoutMs - TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
            return plaintext ? speaksKafka(socket, where, Math.max(1, left)) : null;
        } catch (ConnectException e) {
            return "connection refused at " + where + " (nothing listens on that port)";
        } catch (SocketTimeoutException e) {
            return "no answer from " + where + " within " + Math.max(1, timeoutMs / 1000) + " s (a firewall, or the wrong address)";
        } catch (NoRouteToHostException e) {
            return "no route to " + where;
        } catch (IOException e) {
            return "cannot connect to " + where + ": " + e.getMessage();
        }
    }

    /**
     * Sends an ApiVersions request (v0: the one request every broker answers before anything else, even
     * before authentication) and reads the size and correlation id of the answer. Needed because Kafka's
     * own client reads the first four bytes of whatever answers as a message size: an HTTP or TLS port
     * given as a bootstrap server makes it allocate about a gigabyte and die with an OutOfMemoryError.
     * Hand-written: a dozen bytes of a stable protocol, to avoid exactly that client.
     *
     * @return null when a Kafka broker answered, else what answered
     */
    private static String speaksKafka(Socket socket, String where, long timeoutMs) throws IOException {
        byte[] clientId = "reprise-reachability".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        int correlationId = 0x52455052;
        java.nio.ByteBuffer request = java.nio.ByteBuffer.allocate(4 + 2 + 2 + 4 + 2 + clientId.length);
        request.putInt(request.capacity() - 4).putShort((short) 18).putShort((short) 0).putInt(correlationId)
                .putShort((short) clientId.length).put(clientId);
        socket.setSoTimeout((int) Math.min(Integer.MAX_VALUE, timeoutMs));
        socket.getOutputStream().write(request.array());
        socket.getOutputStream().flush();
        byte[] head = new byte[8];
        int read = 0;
        try {
            while (read < head.length) {
                int n = socket.getInputStream().read(head, read, head.length - read);
                if (n < 0) {
                    break;
                }
                read += n;
            }
        } catch (SocketTimeoutException e) {
            return "no Kafka answer from " + where + " within " + Math.max(1, timeoutMs / 1000) + " s (a busy broker, or not a Kafka port)";
        }
        if (read >= 4 && head[0] == 'H' && head[1] == 'T' && head[2] == 'T' && head[3] == 'P') {
            return where + " answers HTTP, not Kafka (a Schema Registry, REST proxy or web port?)";
        }
        if (read >= 2 && (head[0] == 0x15 || head[0] == 0x16) && head[1] == 0x03) {
            return where + " speaks TLS: add security.protocol=SSL (or SASL_SSL) and the ssl.* settings to --command-config";
        }
        java.nio.ByteBuffer answer = java.nio.ByteBuffer.wrap(head);
        if (read < 8 || answer.getInt(0) < 4 || answer.getInt(0) > 1 << 20 || answer.getInt(4) != correlationId) {
            return where + " closed the connection or answered something that is not Kafka"
                    + " (a listener that needs SASL or TLS? set security.protocol in --command-config)";
        }
        return null;
    }

    private static long remaining(long deadline) {
        return Math.max(0, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime()));
    }

    private static String seconds(Duration d) {
        return d.toMillis() % 1000 == 0 ? d.toSeconds() + " s" : d.toMillis() + " ms";
    }

    /** The innermost message, without the Java class names some of them embed ("javax.net.ssl.SSLHandshakeException: ..."). */
    static String rootMessage(Throwable t) {
        Throwable root = t;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String message = root.getMessage() == null ? t.getMessage() : root.getMessage();
        return message == null ? "no detail given" : message.replaceAll("\\b(?:[a-z][a-z0-9_]*\\.)+[A-Z][A-Za-z0-9_$]*(?:Exception|Error): ?", "");
    }

    /** The host of HOST:PORT or [IPv6]:PORT, or null; as Kafka's clients read bootstrap.servers. */
    static String hostOf(String server) {
        java.util.regex.Matcher m = HOST_PORT.matcher(server.trim());
        return m.matches() ? m.group(1) : null;
    }

    /** The port of HOST:PORT or [IPv6]:PORT, or null. */
    static Integer portOf(String server) {
        java.util.regex.Matcher m = HOST_PORT.matcher(server.trim());
        return m.matches() ? Integer.valueOf(m.group(2)) : null;
    }

    /** HOST:PORT with an optional [IPv6] host; written out because Kafka's parser (common.utils.Utils) is not a public API. */
    private static final java.util.regex.Pattern HOST_PORT = java.util.regex.Pattern.compile("\\[?([0-9a-zA-Z\\-%._:]*)]?:([0-9]{1,5})");
}
