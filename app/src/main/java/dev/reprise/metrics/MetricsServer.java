package dev.reprise.metrics;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.io.OutputStream;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * The HTTP endpoints of one instance, on one port (the JDK's own HTTP server: four read-only paths need no framework):
 * <ul>
 *   <li>{@code /metrics}: Prometheus text format ({@link ReplayMetrics});</li>
 *   <li>{@code /health/live}: 200 while the process runs;</li>
 *   <li>{@code /health/ready}: 200 while Kafka Streams is RUNNING or REBALANCING and the run has not failed, else 503;</li>
 *   <li>{@code /status}: the run as one JSON object ({@link RunStatus.Snapshot#toMap()}).</li>
 * </ul>
 */
public final class MetricsServer implements AutoCloseable {
    /** The port {@code reprise run} serves on unless told otherwise (Prometheus' own exporters start at 9100; 9464 is the OpenTelemetry convention). */
    public static final int DEFAULT_PORT = 9464;
    private static final ObjectMapper JSON = new ObjectMapper();

    private final HttpServer server;
    private final ExecutorService executor;

    private MetricsServer(HttpServer server, ExecutorService executor) {
        this.server = server;
        this.executor = executor;
    }

    /**
     * Serves on {@code port} of every address.
     *
     * @throws BindException when the port is taken
     */
    public static MetricsServer start(int port, ReplayMetrics metrics, RunStatus status) throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress(port), 0);
        server.createContext("/metrics", exchange -> {
            if (allowed(exchange)) {
                respond(exchange, 200, "text/plain; version=0.0.4; charset=utf-8", metrics.scrape());
            }
        });
        server.createContext("/health/live", exchange -> {
            if (allowed(exchange)) {
                respond(exchange, 200, "text/plain; charset=utf-8", "live\n");
            }
        });
        server.createContext("/health/ready", exchange -> {
            if (allowed(exchange)) {
                RunStatus.Snapshot s = status.snapshot();
                Map<String, Object> body = new LinkedHashMap<>();
                body.put("ready", s.ready());
                body.put("streams_state", s.streamsState());
                body.put("state", s.state());
                body.put("error", s.error());
                respond(exchange, s.ready() ? 200 : 503, "application/json", json(body));
            }
        });
        server.createContext("/status", exchange -> {
            if (allowed(exchange)) {
                respond(exchange, 200, "application/json", json(status.snapshot().toMap()));
            }
        });
        server.createContext("/", exchange -> {
            if (allowed(exchange)) {
                respond(exchange, 404, "text/plain; charset=utf-8", "not found; try /metrics, /health/live, /health/ready or /status\n");
            }
        });
        // One daemon thread: a scrape or a probe at a time is plenty, and the JVM never waits for it at exit.
        ExecutorService executor = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "reprise-metrics-http");
            t.setDaemon(true);
            return t;
        });
        server.setExecutor(executor);
        server.start();
        return new MetricsServer(server, executor);
    }

    /** The port served on (the one asked for, or the one chosen for port 0). */
    public int port() {
        return server.getAddress().getPort();
    }

    private static boolean allowed(HttpExchange exchange) throws IOException {
        String method = exchange.getRequestMethod();
        if (method.equals("GET") || method.equals("HEAD")) {
            return true;
        }
        exchange.getResponseHeaders().set("Allow", "GET, HEAD");
        respond(exchange, 405, "text/plain; charset=utf-8", "only GET and HEAD\n");
        return false;
    }

    private static void respond(HttpExchange exchange, int code, String contentType, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", contentType);
        boolean head = exchange.getRequestMethod().equals("HEAD");
        exchange.sendResponseHeaders(code, head ? -1 : bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            if (!head) {
                out.write(bytes);
            }
        }
    }

    private static String json(Map<String, Object> body) {
        try {
            return JSON.writeValueAsString(body) + "\n";
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }
}
