package dev.reprise.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.reprise.Cli;
import dev.reprise.codec.ConfluentWireFormat;
import dev.reprise.codec.RegistryClient;
import dev.reprise.codec.RegistrySettings;
import dev.reprise.embedded.EmbeddedKafka;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.io.EncoderFactory;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

import static dev.reprise.Cli.reprise;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * A team's own events and registry, as a new team runs them: a registry over TLS with HTTP basic auth (Apicurio Registry
 * with Quarkus' settings), producers' plain schemas (no Reprise property) registered under {@code <topic>-value} the way
 * Confluent's serializer registers them, records in Confluent's wire format, and a contract that maps the schemas and
 * reads no local .avsc. Also a history shaped the way Debezium's outbox event router writes it: record key = aggregate id,
 * header {@code id} = event id, the payload alone in Avro.
 */
@Timeout(value = 600, unit = TimeUnit.SECONDS)
class TeamRegistryIT {
    static final ObjectMapper JSON = new ObjectMapper();
    static final String USER = "reprise";
    static final String PASSWORD = "Reg1stry-Pa55word";
    static final String TRUST_PASSWORD = "trust-Pa55";
    static final Schema ORDER_PLACED = new Schema.Parser().parse("""
            {"type": "record", "name": "OrderPlaced", "namespace": "com.acme.orders", "fields": [
              {"name": "order_id", "type": "string"}, {"name": "event_id", "type": "string"}, {"name": "sku", "type": "string"},
              {"name": "kind", "type": "string"}, {"name": "quantity", "type": "int"},
              {"name": "placed_at", "type": {"type": "long", "logicalType": "timestamp-millis"}}]}""");
    /** The outbox payload: no event id, no aggregate id; those are in the header and the key. */
    static final Schema STOCK_MOVED = new Schema.Parser().parse("""
            {"type": "record", "name": "StockMoved", "namespace": "com.acme.warehouse", "fields": [
              {"name": "kind", "type": "string"}, {"name": "quantity", "type": "int"}]}""");

    static Path keys;
    static SSLContext trust;
    static SchemaRegistry registry;

    final EmbeddedKafka kafka = SharedKafka.get();
    final String suffix = "team" + System.nanoTime() % 1_000_000;
    final String projection = "levels-" + suffix;
    final String evidence = "evidence-" + suffix;
    final String dlq = "dlq-" + suffix;

    @TempDir
    Path dir;

    @BeforeAll
    static void securedRegistry(@TempDir Path tmp) throws Exception {
        keys = tmp;
        // A self-signed certificate for localhost and 127.0.0.1 in a PKCS12 key store for the registry, its certificate in a trust store.
        keytool("-genkeypair", "-alias", "registry", "-keyalg", "RSA", "-keysize", "2048", "-dname", "CN=localhost",
                "-ext", "SAN=dns:localhost,ip:127.0.0.1", "-validity", "3", "-storetype", "PKCS12",
                "-keystore", tmp.resolve("server.p12").toString(), "-storepass", "server-pass", "-keypass", "server-pass");
        keytool("-exportcert", "-rfc", "-alias", "registry", "-keystore", tmp.resolve("server.p12").toString(), "-storepass", "server-pass",
                "-file", tmp.resolve("registry-ca.pem").toString());
        keytool("-importcert", "-noprompt", "-alias", "registry", "-file", tmp.resolve("registry-ca.pem").toString(), "-storetype", "PKCS12",
                "-keystore", tmp.resolve("trust.p12").toString(), "-storepass", TRUST_PASSWORD);
        KeyStore store = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(tmp.resolve("trust.p12"))) {
            store.load(in, TRUST_PASSWORD.toCharArray());
        }
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(store);
        trust = SSLContext.getInstance("TLS");
        trust.init(null, tmf.getTrustManagers(), null);
        registry = SchemaRegistry.secured(tmp.resolve("server.p12"), "server-pass", USER, PASSWORD, trust);
    }

    static void keytool(String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "keytool").toString()));
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor()).as("keytool %s: %s", args[0], out).isZero();
    }

    /** The registry client's settings as a team keeps them beside its producers' (secrets only here, never in the contract). */
    Path clientProperties(String password, boolean withTrustStore) throws IOException {
        return clientProperties(password, withTrustStore ? "PKCS12" : null);
    }

    /** @param trustStoreType PKCS12 (the trust store made from the certificate), PEM (the certificate itself) or null for none */
    Path clientProperties(String password, String trustStoreType) throws IOException {
        Path file = dir.resolve("registry-" + password.hashCode() + "-" + trustStoreType + ".properties");
        String trustStore = trustStoreType == null ? "" : trustStoreType.equals("PEM")
                ? "schema.registry.ssl.truststore.location=" + keys.resolve("registry-ca.pem") + "\nschema.registry.ssl.truststore.type=PEM\n"
                : "schema.registry.ssl.truststore.location=" + keys.resolve("trust.p12") + "\n"
                + "schema.registry.ssl.truststore.password=" + TRUST_PASSWORD + "\nschema.registry.ssl.truststore.type=PKCS12\n";
        Files.writeString(file, "basic.auth.credentials.source=USER_INFO\nbasic.auth.user.info=" + USER + ":" + password + "\n" + trustStore);
        return file;
    }

    Path contract(String topic, Path clientProperties, String events, String ordering, String idempotency) throws IOException {
        String yaml = """
                name: team-events
                application_id: reprise-it-%s
                history:
                  topics: [%s]
                  encoding: confluent
                  schemas:
                    source: registry
                    registry_url: %s
                    client_properties: %s
                    events:
                %s
                ordering:
                  %s
                idempotency:
                  %s
                projection:
                  name: inventory-levels
                  topic: %s
                evidence:
                  topic: %s
                dead_letter:
                  topic: %s
                allowed_write_topics: [%s, %s, %s]
                """.formatted(suffix, topic, registry.confluentApi(), clientProperties.getFileName(), events.indent(6).stripTrailing(),
                ordering, idempotency, projection, evidence, dlq, projection, evidence, dlq);
        Path file = dir.resolve("contract.yaml");
        Files.writeString(file, yaml);
        return file;
    }

    String[] args(Path contract, String... command) {
        List<String> all = new ArrayList<>(List.of(command));
        all.addAll(List.of("--contract", contract.toString(), "--bootstrap-server", kafka.bootstrapServers()));
        return all.toArray(String[]::new);
    }

    /** What a Confluent serializer does when it first writes a schema: POST it under the subject (auto.register.schemas). */
    int register(String subject, Schema schema) throws Exception {
        HttpClient http = HttpClient.newBuilder().sslContext(trust).build();
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(registry.confluentApi().resolve("subjects/" + subject + "/versions"))
                .header("Authorization", "Basic " + Base64.getEncoder().encodeToString((USER + ":" + PASSWORD).getBytes(StandardCharsets.UTF_8)))
                .header("Content-Type", "application/vnd.schemaregistry.v1+json")
                .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(Map.of("schema", schema.toString())))).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as("register %s: %s", subject, r.body()).isEqualTo(200);
        return JSON.readTree(r.body()).get("id").asInt();
    }

    /** What KafkaAvroSerializer writes: 0x00, the 4-byte id, the Avro binary datum. */
    static byte[] confluent(int id, GenericRecord record) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        BinaryEncoder encoder = EncoderFactory.get().binaryEncoder(out, null);
        new GenericDatumWriter<GenericRecord>(record.getSchema()).write(record, encoder);
        encoder.flush();
        return ConfluentWireFormat.frame(id, out.toByteArray());
    }

    /** Stock on hand and movements per key that the history must rebuild. */
    record Level(long stockOnHand, long movements) {
        Level plus(int quantity) {
            return new Level(stockOnHand + quantity, movements + 1);
        }
    }

    @Test
    void aPlainSchemaFromARegistryOverTlsWithBasicAuthReplaysTrustedAndExactWithNoLocalSchemas() throws Exception {
        String topic = "orders-" + suffix;
        int id = register(topic + "-value", ORDER_PLACED);
        kafka.createTopic(topic, 3, Map.of());
        Map<String, Level> truth = new TreeMap<>();
        int events = 600;
        int copies = 40;
        try (KafkaProducer<byte[], byte[]> producer = TestProducers.bytes(kafka)) {
            List<ProducerRecord<byte[], byte[]>> sent = new ArrayList<>();
            for (int i = 0; i < events; i++) {
                String sku = "SKU-" + (i % 25);
                GenericRecord order = new GenericData.Record(ORDER_PLACED);
                order.put("order_id", "PO-" + i);
                order.put("event_id", "evt-" + i);
                order.put("sku", sku);
                order.put("kind", "RECEIVED");
                order.put("quantity", 1 + i % 7);
                order.put("placed_at", 1_700_000_000_000L + i);
                ProducerRecord<byte[], byte[]> r = new ProducerRecord<>(topic, sku.getBytes(StandardCharsets.UTF_8), confluent(id, order));
                producer.send(r);
                sent.add(r);
                truth.merge(sku, new Level(1 + i % 7, 1), (a, b) -> new Level(a.stockOnHand + b.stockOnHand, a.movements + 1));
            }
            // A producer's retries: the same events again. Only the event ids tell them apart.
            for (int i = 0; i < copies; i++) {
                producer.send(sent.get(i * 13 % events));
            }
            producer.flush();
        }
        Path contract = contract(topic, clientProperties(PASSWORD, true), "- {type: OrderPlaced, schema_name: com.acme.orders.OrderPlaced}",
                "key_field: sku", "event_id_field: event_id");
        assertThat(Files.list(dir).filter(f -> f.toString().endsWith(".avsc"))).as("no local schema").isEmpty();

        Cli.Outcome run = reprise(args(contract, "run", "--json", "--state-dir", dir.resolve("state").toString()));

        assertThat(run.exitCode()).as("run: trusted; stderr:%n%s", run.stderr()).isZero();
        JsonNode result = JSON.readTree(run.stdout());
        assertThat(result.get("events_processed").asLong()).isEqualTo(events);
        assertThat(result.get("duplicates_skipped").asLong()).isEqualTo(copies);
        assertThat(result.get("dead_lettered").asLong()).as("no plain record is dead-lettered as not-an-event-schema").isZero();
        assertThat(run.stdout() + run.stderr()).as("the password is never printed").doesNotContain(PASSWORD, TRUST_PASSWORD);
        assertThat(states()).as("the rebuilt projection is exactly the history's").isEqualTo(truth);

        // The readers of Reprise's Confluent-framed outputs go through the same secured registry with the same settings.
        Cli.Outcome gate = reprise(args(contract, "evidence", "--json"));
        assertThat(gate.exitCode()).as("evidence; stderr:%n%s", gate.stderr()).isZero();
        assertThat(JSON.readTree(gate.stdout()).get("checksum")).isEqualTo(result.get("checksum"));
        Cli.Outcome verify = reprise(args(contract, "verify"));
        assertThat(verify.exitCode()).as("verify; stdout:%n%s%nstderr:%n%s", verify.stdout(), verify.stderr()).isZero();
    }

    @Test
    void anOutboxHistoryWithTheIdInAHeaderAndTheAggregateIdAsKeyReplaysTrustedWithAContractOnly() throws Exception {
        String topic = "outbox.event.stock-" + suffix;
        int id = register(topic + "-value", STOCK_MOVED);
        kafka.createTopic(topic, 3, Map.of());
        Map<String, Level> truth = new TreeMap<>();
        int events = 500;
        int redelivered = 30;
        try (KafkaProducer<byte[], byte[]> producer = TestProducers.bytes(kafka)) {
            List<ProducerRecord<byte[], byte[]>> sent = new ArrayList<>();
            for (int i = 0; i < events; i++) {
                String aggregate = "SKU-" + (i % 15);
                GenericRecord payload = new GenericData.Record(STOCK_MOVED);
                payload.put("kind", "RECEIVED");
                payload.put("quantity", 1 + i % 5);
                // As the outbox event router writes it: key = aggregateid, header id = the outbox row's id, header eventType = its type.
                RecordHeaders headers = new RecordHeaders();
                headers.add("id", java.util.UUID.nameUUIDFromBytes(("row-" + i).getBytes(StandardCharsets.UTF_8)).toString()
                        .getBytes(StandardCharsets.UTF_8));
                headers.add("eventType", "StockMoved".getBytes(StandardCharsets.UTF_8));
                ProducerRecord<byte[], byte[]> r = new ProducerRecord<>(topic, null, aggregate.getBytes(StandardCharsets.UTF_8),
                        confluent(id, payload), headers);
                producer.send(r);
                sent.add(r);
                truth.merge(aggregate, new Level(1 + i % 5, 1), (a, b) -> new Level(a.stockOnHand + b.stockOnHand, a.movements + 1));
            }
            // Debezium delivers at least once: after a connector restart some rows come again, with the same id header.
            for (int i = 0; i < redelivered; i++) {
                producer.send(sent.get(i * 7 % events));
            }
            producer.flush();
        }
        // The registry's certificate as a PEM file this time, the way a team often gets its CA.
        Path contract = contract(topic, clientProperties(PASSWORD, "PEM"), "- {type: StockMoved, subject: " + topic + "-value}",
                "key: {record_key: true}", "event_id: {header: id}");

        Cli.Outcome plan = reprise(args(contract, "plan", "--json"));
        assertThat(plan.exitCode()).as("plan; stderr:%n%s", plan.stderr()).isZero();
        JsonNode preview = JSON.readTree(plan.stdout());
        assertThat(preview.get("sampled_versions").has("StockMoved v1")).as("the plain schema is StockMoved v1: %s", preview).isTrue();
        assertThat(preview.get("sampled_undecodable").size()).as("nothing undecodable in the sample: %s", preview).isZero();
        assertThat(preview.get("sampled_events").asLong()).as("the sample's keys are read from the record keys").isPositive();

        Cli.Outcome run = reprise(args(contract, "run", "--json", "--state-dir", dir.resolve("state").toString()));

        assertThat(run.exitCode()).as("run: trusted; stderr:%n%s", run.stderr()).isZero();
        JsonNode result = JSON.readTree(run.stdout());
        assertThat(result.get("events_processed").asLong()).isEqualTo(events);
        assertThat(result.get("duplicates_skipped").asLong()).as("redelivered rows, told apart by their id header").isEqualTo(redelivered);
        assertThat(states()).as("one state per aggregate id, exactly the history's").isEqualTo(truth);
    }

    @Test
    void aWrongPasswordIsRefusedBeforeAnythingIsWrittenNamingTheSetting() throws Exception {
        String topic = "orders-" + suffix;
        register(topic + "-value", ORDER_PLACED);
        kafka.createTopic(topic, 1, Map.of());
        Path properties = clientProperties("not-" + PASSWORD, true);
        Path contract = contract(topic, properties, "- {type: OrderPlaced, schema_name: com.acme.orders.OrderPlaced}", "key_field: sku",
                "event_id_field: event_id");

        Cli.Outcome run = reprise(args(contract, "run", "--state-dir", dir.resolve("state").toString()));

        assertThat(run.exitCode()).as("a configuration error; stdout:%n%s", run.stdout()).isEqualTo(2);
        assertThat(run.stderr()).contains("401", "basic.auth.user.info in " + properties).doesNotContain(PASSWORD);
        assertNothingWritten();
    }

    @Test
    void anUntrustedCertificateAndAnUnknownSubjectAreRefusedBeforeAnythingIsWritten() throws Exception {
        String topic = "orders-" + suffix;
        register(topic + "-value", ORDER_PLACED);
        kafka.createTopic(topic, 1, Map.of());

        Cli.Outcome untrusted = reprise(args(contract(topic, clientProperties(PASSWORD, false),
                "- {type: OrderPlaced, schema_name: com.acme.orders.OrderPlaced}", "key_field: sku", "event_id_field: event_id"), "run",
                "--state-dir", dir.resolve("state").toString()));
        assertThat(untrusted.exitCode()).as("stderr:%n%s", untrusted.stderr()).isEqualTo(2);
        assertThat(untrusted.stderr()).contains("TLS handshake", "schema.registry.ssl.truststore.location");

        Cli.Outcome unknown = reprise(args(contract(topic, clientProperties(PASSWORD, true), "- {type: OrderPlaced, subject: " + topic + "-valeu}",
                "key_field: sku", "event_id_field: event_id"), "run", "--state-dir", dir.resolve("state").toString()));
        assertThat(unknown.exitCode()).as("stderr:%n%s", unknown.stderr()).isEqualTo(2);
        assertThat(unknown.stderr()).contains("history.schemas.events[0].subject", "'" + topic + "-valeu' is not in the schema registry");
        assertNothingWritten();
    }

    void assertNothingWritten() throws Exception {
        try (org.apache.kafka.clients.admin.Admin admin = kafka.admin()) {
            assertThat(admin.listTopics().names().get(30, TimeUnit.SECONDS)).as("nothing was changed: no output topic created, no run recorded")
                    .doesNotContain(projection, evidence, dlq, "reprise-it-" + suffix + "-reprise-runs");
        }
    }

    /** The rebuilt projection, read as a Confluent deserializer reads it, through Reprise's registry client with the team's settings. */
    Map<String, Level> states() throws Exception {
        URI url = registry.confluentApi();
        RegistryClient client = new RegistryClient(url, RegistrySettings.load(clientProperties(PASSWORD, true), url));
        Map<String, Level> out = new TreeMap<>();
        for (ConsumerRecord<byte[], byte[]> r : readAll(projection)) {
            byte[] v = r.value();
            Schema writer = client.byId(ConfluentWireFormat.schemaId(v));
            GenericRecord state = new GenericDatumReader<GenericRecord>(writer).read(null,
                    DecoderFactory.get().binaryDecoder(v, ConfluentWireFormat.HEADER_LENGTH, v.length - ConfluentWireFormat.HEADER_LENGTH, null));
            out.put(new String(r.key(), StandardCharsets.UTF_8), new Level((Long) state.get("stock_on_hand"), (Long) state.get("movements")));
        }
        return out;
    }

    List<ConsumerRecord<byte[], byte[]>> readAll(String topic) {
        return TestConsumers.readAll(kafka, topic);
    }
}
