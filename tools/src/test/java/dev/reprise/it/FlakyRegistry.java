package dev.reprise.it;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A tiny schema registry in the test's JVM (the JDK's HttpServer) that speaks the two calls of Confluent's REST API
 * Reprise uses ({@code GET /schemas/ids/{id}}, {@code POST /subjects/{subject}/versions}) and fails schema lookups on
 * demand, as a registry in a blip or an outage does: answering 503 to the first lookup of each id, or to every lookup.
 * Registrations always succeed (the outage is one of the lookups, which the stream threads make).
 */
final class FlakyRegistry implements AutoCloseable {
    enum Mode {
        /** Every lookup answered. */
        UP,
        /** The first lookup of each schema id answered 503, the next ones answered. */
        FAILS_ONCE_PER_ID,
        /** Every lookup answered 503. */
        LOOKUPS_DOWN
    }

    private static final ObjectMapper JSON = new ObjectMapper();
    private final HttpServer server;
    private final Map<Integer, String> schemas = new ConcurrentHashMap<>();
    private final Map<String, Integer> ids = new ConcurrentHashMap<>();
    private final Set<Integer> failedOnce = ConcurrentHashMap.newKeySet();
    /** Lookups answered 503. */
    final AtomicInteger failedLookups = new AtomicInteger();
    volatile Mode mode = Mode.UP;

    FlakyRegistry() {
        try {
            server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        server.createContext("/schemas/ids/", this::lookup);
        server.createContext("/subjects/", this::register);
        server.start();
    }

    URI url() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/");
    }

    private void lookup(HttpExchange exchange) throws IOException {
        int id = Integer.parseInt(exchange.getRequestURI().getPath().substring("/schemas/ids/".length()));
        Mode now = mode;
        if (now == Mode.LOOKUPS_DOWN || now == Mode.FAILS_ONCE_PER_ID && failedOnce.add(id)) {
            failedLookups.incrementAndGet();
            reply(exchange, 503, "{\"error_code\":50301,\"message\":\"the registry's store is unavailable\"}");
        } else if (!schemas.containsKey(id)) {
            reply(exchange, 404, "{\"error_code\":40403,\"message\":\"Schema " + id + " not found\"}");
        } else {
            reply(exchange, 200, JSON.writeValueAsString(Map.of("schema", schemas.get(id))));
        }
    }

    private void register(HttpExchange exchange) throws IOException {
        String schema = JSON.readTree(exchange.getRequestBody().readAllBytes()).get("schema").asText();
        int id = ids.computeIfAbsent(schema, s -> {
            int next = ids.size() + 1;
            schemas.put(next, s);
            return next;
        });
        reply(exchange, 200, "{\"id\":" + id + "}");
    }

    private static void reply(HttpExchange exchange, int status, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().add("Content-Type", "application/vnd.schemaregistry.v1+json");
        exchange.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
