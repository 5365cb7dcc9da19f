package dev.reprise.codec;

import dev.reprise.contract.Contract;
import com.sun.net.httpserver.HttpServer;
import org.apache.avro.Schema;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The registry client against a small in-process server speaking the two calls of the Confluent
 * Schema Registry REST API it uses (GET /schemas/ids/{id}, POST /subjects/{subject}/versions).
 */
class RegistryClientTest {
    static final SchemaCatalog CATALOG = SchemaCatalog.load(Path.of("..", "schemas"));
    HttpServer server;
    final Map<Integer, String> schemas = new ConcurrentHashMap<>();
    final AtomicInteger gets = new AtomicInteger();
    volatile int forcedStatus;

    @BeforeEach
    void start() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/schemas/ids/", exchange -> {
            gets.incrementAndGet();
            int id = Integer.parseInt(exchange.getRequestURI().getPath().substring("/schemas/ids/".length()));
            String schema = schemas.get(id);
            if (forcedStatus != 0) {
                reply(exchange, forcedStatus, "{\"error_code\":50001,\"message\":\"store unavailable\"}");
            } else if (schema == null) {
                reply(exchange, 404, "{\"error_code\":40403,\"message\":\"Schema not found\"}");
            } else {
                reply(exchange, 200, "{\"schema\":" + new com.fasterxml.jackson.databind.ObjectMapper().writeValueAsString(schema) + "}");
            }
        });
        server.createContext("/subjects/", exchange -> {
            String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            String schema = new com.fasterxml.jackson.databind.ObjectMapper().readTree(body).get("schema").asText();
            int id = 100 + schemas.size();
            schemas.put(id, schema);
            reply(exchange, 200, "{\"id\":" + id + "}");
        });
        server.start();
    }

    @AfterEach
    void stop() {
        server.stop(0);
    }

    static void reply(com.sun.net.httpserver.HttpExchange exchange, int status, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().add("Content-Type", "application/vnd.schemaregistry.v1+json");
        exchange.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }

    RegistryClient client() {
        return new RegistryClient(URI.create("http://127.0.0.1:" + server.getAddress().getPort()));
    }

    @Test
    void registeredSchemasResolveByIdAndAreCached() {
        RegistryClient client = client();
        Schema v2 = CATALOG.event("StockMovement", 2).orElseThrow();
        int id = client.register("inventory-events-value", v2);

        RegistryClient fresh = client();
        assertThat(fresh.byId(id)).isEqualTo(v2);
        assertThat(fresh.byId(id)).isEqualTo(v2);
        assertThat(gets.get()).as("the second lookup is served from the cache").isEqualTo(1);
    }

    @Test
    void eventsFramedWithRegistryIdsDecode() {
        RegistryClient client = client();
        int id = client.register("inventory-events-value", CATALOG.event("StockMovement", 3).orElseThrow());
        byte[] datum = WireFormatTestSupport.datum(WireFormatTest.v3("e-1", "SKU-1", 4));

        EventDecoder.Decoded d = new EventDecoder(Contract.Encoding.CONFLUENT, client, CATALOG).decode(ConfluentWireFormat.frame(id, datum));

        assertThat(d.version()).isEqualTo(3);
        assertThat(d.record().get("quantity")).isEqualTo(4);
    }

    @Test
    void anUnknownIdIsPoisonButAnOutageFailsTheRun() {
        assertThatThrownBy(() -> client().byId(4242)).isInstanceOf(PoisonRecordException.class)
                .extracting("reasonCode").isEqualTo("unknown-schema-id");
        forcedStatus = 500;
        assertThatThrownBy(() -> client().byId(4243)).isInstanceOf(IllegalStateException.class).hasMessageContaining("answered 500");
    }

    @Test
    void singleObjectEncodedEventsDecodeByFingerprint() {
        Schema v3 = CATALOG.event("StockMovement", 3).orElseThrow();
        byte[] framed = SingleObjectFormat.frame(SingleObjectFormat.fingerprint(v3), WireFormatTestSupport.datum(WireFormatTest.v3("e-2", "SKU-2", 9)));

        EventDecoder.Decoded d = new EventDecoder(Contract.Encoding.SINGLE_OBJECT, id -> null, CATALOG).decode(framed);

        assertThat(d.record().get("event_id").toString()).isEqualTo("e-2");
        assertThatThrownBy(() -> new EventDecoder(Contract.Encoding.SINGLE_OBJECT, id -> null, CATALOG).decode(new byte[]{(byte) 0xC3, 1, 1, 2, 3, 4, 5, 6, 7, 8, 0}))
                .isInstanceOf(PoisonRecordException.class).extracting("reasonCode").isEqualTo("unknown-schema-fingerprint");
    }
}
