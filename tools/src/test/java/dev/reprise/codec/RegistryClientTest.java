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
    /** GETs of a schema id answered 503 before the real answer. */
    final AtomicInteger failuresLeft = new AtomicInteger();

    @BeforeEach
    void start() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/schemas/ids/", exchange -> {
            gets.incrementAndGet();
            int id = Integer.parseInt(exchange.getRequestURI().getPath().substring("/schemas/ids/".length()));
            String schema = schemas.get(id);
            if (forcedStatus != 0 || failuresLeft.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
                reply(exchange, forcedStatus != 0 ? forcedStatus : 503, "{\"error_code\":50001,\"message\":\"store unavailable\"}");
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
        assertThatThrownBy(() -> client().byId(4243)).isInstanceOf(RegistryUnavailableException.class).hasMessageContaining("answered 500");
    }

    /** Regression for defect A of "trusted means proven": every answer but a 404 is the registry's, never the record's. */
    @Test
    void everyAnswerButNoSuchIdIsTheRegistrysAndNamesItWithoutCredentials() throws IOException {
        for (int status : new int[]{503, 429, 401, 403, 502}) {
            forcedStatus = status;
            assertThatThrownBy(() -> client().byId(7)).as("HTTP %d", status).isInstanceOf(RegistryUnavailableException.class)
                    .hasMessageContaining("answered " + status).hasMessageContaining("schema id 7");
        }
        forcedStatus = 0;
        URI withCredentials = URI.create("http://reprise:s3cret@127.0.0.1:" + server.getAddress().getPort() + "/");
        forcedStatus = 503;
        assertThatThrownBy(() -> new RegistryClient(withCredentials).byId(7)).isInstanceOf(RegistryUnavailableException.class)
                .hasMessageContaining("http://127.0.0.1:" + server.getAddress().getPort() + "/").hasMessageNotContaining("s3cret");
        int closed;
        try (java.net.ServerSocket s = new java.net.ServerSocket(0, 0, java.net.InetAddress.getLoopbackAddress())) {
            closed = s.getLocalPort();
        }
        assertThatThrownBy(() -> new RegistryClient(URI.create("http://127.0.0.1:" + closed)).byId(7)).as("connection refused")
                .isInstanceOf(RegistryUnavailableException.class).hasMessageContaining("is unreachable");
    }

    @Test
    void aSchemaThatIsNotAvroIsTheRecordsButAnAnswerThatIsNotASchemaIsTheRegistrys() {
        server.createContext("/schemas/ids/900", exchange -> reply(exchange, 200, "{\"schemaType\":\"PROTOBUF\",\"schema\":\"syntax = \\\"proto3\\\";\"}"));
        server.createContext("/schemas/ids/901", exchange -> reply(exchange, 200, "<html>maintenance</html>"));
        assertThatThrownBy(() -> client().byId(900)).isInstanceOf(PoisonRecordException.class).extracting("reasonCode").isEqualTo("not-an-avro-schema");
        assertThatThrownBy(() -> client().byId(901)).isInstanceOf(RegistryUnavailableException.class).hasMessageContaining("not a schema");
    }

    @Test
    void theDecoderAsksAgainWhileTheRegistryFailsAndStopsAfterItsLastAttempt() {
        int id = client().register("inventory-events-value", CATALOG.event("StockMovement", 3).orElseThrow());
        byte[] record = ConfluentWireFormat.frame(id, WireFormatTestSupport.datum(WireFormatTest.v3("e-1", "SKU-1", 4)));
        failuresLeft.set(2);
        gets.set(0);
        EventDecoder.Decoded d = new EventDecoder(Contract.Encoding.CONFLUENT, client(), CATALOG, new RegistryRetry(3, java.time.Duration.ofSeconds(10)))
                .decode(record);
        assertThat(d.version()).isEqualTo(3);
        assertThat(gets.get()).as("two 503s, then the schema").isEqualTo(3);

        forcedStatus = 503;
        gets.set(0);
        assertThatThrownBy(() -> new EventDecoder(Contract.Encoding.CONFLUENT, client(), CATALOG, new RegistryRetry(3, java.time.Duration.ofSeconds(10)))
                .decode(record)).isInstanceOf(RegistryUnavailableException.class)
                .hasMessageContaining("3 attempts").hasMessageContaining("nothing was dead-lettered").hasMessageContaining("schema id " + id);
        assertThat(gets.get()).isEqualTo(3);
        gets.set(0);
        assertThatThrownBy(() -> new EventDecoder(Contract.Encoding.CONFLUENT, client(), CATALOG, new RegistryRetry(10, java.time.Duration.ofMillis(1_000)))
                .decode(record)).as("no attempt starts after the timeout: waits of 250 and 500 ms fit in 1 s, one more of 1 s does not")
                .isInstanceOf(RegistryUnavailableException.class).hasMessageContaining("3 attempts");
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
