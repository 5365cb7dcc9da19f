package dev.reprise.it;

import dev.reprise.Cli;
import dev.reprise.codec.LocalIdMap;
import dev.reprise.codec.RegistryClient;
import dev.reprise.codec.SchemaCatalog;
import dev.reprise.embedded.EmbeddedKafka;
import dev.reprise.sample.inventory.InventoryGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.DecoderFactory;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

import static dev.reprise.Cli.reprise;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Reprise against a real Confluent-compatible Schema Registry (Apicurio Registry) and a real broker, through the
 * command line: events produced with ids the registry gave, a contract with {@code schemas.source: registry}, and
 * the evidence and projection registered under {@code <topic>-value} and read back the way Confluent's
 * deserializer reads a record: the magic byte, the schema fetched by id, plain Avro.
 */
@Timeout(value = 420, unit = TimeUnit.SECONDS)
class SchemaRegistryIT {
    static final Path SCHEMAS = Path.of("..", "schemas").toAbsolutePath().normalize();
    static final ObjectMapper JSON = new ObjectMapper();

    final EmbeddedKafka kafka = SharedKafka.get();
    final SchemaRegistry registry = SchemaRegistry.get();
    final String suffix = "reg" + System.nanoTime() % 1_000_000;
    final String source = "inventory-events-" + suffix;
    final String projection = "inventory-levels-" + suffix;
    final String evidence = "evidence-" + suffix;
    final String dlq = "dlq-" + suffix;

    @TempDir
    Path dir;

    Path contract() throws IOException {
        return ContractYaml.inventory("inventory-registry-it", "reprise-it-" + suffix).topics(source, projection, evidence, dlq)
                .registry(registry.confluentApi(), SCHEMAS.toString()).writeTo(dir.resolve("contract.yaml"));
    }

    String[] args(Path contract, String... command) {
        List<String> all = new ArrayList<>(List.of(command));
        all.addAll(List.of("--contract", contract.toString(), "--bootstrap-server", kafka.bootstrapServers()));
        return all.toArray(String[]::new);
    }

    /** Writes a history whose records carry the ids the registry gave the event schemas (as a Confluent producer does). */
    InventoryGenerator.Generated produceHistory(int events, int poison) {
        SchemaCatalog catalog = SchemaCatalog.load(SCHEMAS);
        RegistryClient producerSide = new RegistryClient(registry.confluentApi());
        Map<Integer, Schema> ids = new HashMap<>();
        for (int version = 1; version <= 3; version++) {
            Schema schema = catalog.event("StockMovement", version).orElseThrow();
            ids.put(producerSide.register(source + "-value", schema), schema);
        }
        assertThat(ids).as("three versions, three ids").hasSize(3);
        kafka.createTopic(source, 3, Map.of());
        try (KafkaProducer<byte[], byte[]> producer = TestProducers.bytes(kafka)) {
            return new InventoryGenerator(catalog, new LocalIdMap(ids)).write(producer, source, InventoryGenerator.Options.of(events, 0.05, poison, 3));
        }
    }

    @Test
    void aReplayWithTheRegistryWritesEvidenceAndStatesThatAConfluentReaderDecodes() throws Exception {
        InventoryGenerator.Generated generated = produceHistory(3_000, 5);
        Path contract = contract();

        Cli.Outcome run = reprise(args(contract, "run", "--json", "--state-dir", dir.resolve("state").toString()));
        assertThat(run.exitCode()).as("run: trusted; stderr:%n%s", run.stderr()).isZero();
        JsonNode evidenceJson = JSON.readTree(run.stdout());
        assertThat(evidenceJson.get("events_processed").asLong()).isEqualTo(generated.events());
        assertThat(evidenceJson.get("dead_letter_reasons").get("unknown-schema-id").asLong())
                .as("the generator's record with schema id 999, which the registry does not know").isPositive();

        Cli.Outcome gate = reprise(args(contract, "evidence", "--json"));
        assertThat(gate.exitCode()).as("evidence reads the Confluent-framed evidence back; stderr:%n%s", gate.stderr()).isZero();
        assertThat(JSON.readTree(gate.stdout()).get("checksum")).isEqualTo(evidenceJson.get("checksum"));
        Cli.Outcome verify = reprise(args(contract, "verify"));
        assertThat(verify.exitCode()).as("verify reads the Confluent-framed projection; stdout:%n%s%nstderr:%n%s", verify.stdout(), verify.stderr())
                .isZero();

        assertThat(subjects()).as("Reprise registered its outputs under Confluent's subject names")
                .contains(source + "-value", evidence + "-value", projection + "-value");

        // Confluent's reader: magic byte 0, the writer schema by id from the registry, plain Avro. Nothing of Reprise's.
        GenericRecord last = null;
        for (ConsumerRecord<byte[], byte[]> r : readAll(evidence)) {
            GenericRecord e = readAsConfluentDeserializerDoes(r.value());
            if (e.get("kind").toString().equals("FINAL")) {
                last = e;
            }
        }
        assertThat(last).as("a FINAL evidence record").isNotNull();
        assertThat(last.get("run_id").toString()).isEqualTo(evidenceJson.get("run_id").asText());
        assertThat(last.get("confidence_status").toString()).isEqualTo("trusted");
        assertThat(last.get("checksum").toString()).isEqualTo(evidenceJson.get("checksum").asText());
        assertThat((Long) last.get("events_processed")).isEqualTo(generated.events());

        Map<String, GenericRecord> states = new TreeMap<>();
        for (ConsumerRecord<byte[], byte[]> r : readAll(projection)) {
            states.put(new String(r.key(), StandardCharsets.UTF_8), readAsConfluentDeserializerDoes(r.value()));
        }
        assertThat(states.keySet()).isEqualTo(generated.truth().keySet());
        generated.truth().forEach((sku, level) -> {
            GenericRecord state = states.get(sku);
            assertThat(state.get("sku").toString()).isEqualTo(sku);
            assertThat(state.get("stock_on_hand")).as(sku).isEqualTo(level.getStockOnHand());
            assertThat(state.get("movements")).as(sku).isEqualTo(level.getMovements());
        });
    }

    @Test
    void aRegistryThatRefusesTheEvidenceSchemaStopsTheRunBeforeItChangesAnything() throws Exception {
        produceHistory(200, 0);
        // Another writer's schema under the evidence topic's subject, and a rule that the evidence schema breaks.
        post("subjects/" + evidence + "-value/versions", "{\"schema\": \"{\\\"type\\\": \\\"record\\\", \\\"name\\\": \\\"Other\\\", "
                + "\\\"fields\\\": [{\\\"name\\\": \\\"x\\\", \\\"type\\\": \\\"int\\\"}]}\"}");
        put("config/" + evidence + "-value", "{\"compatibility\": \"BACKWARD\"}");

        Cli.Outcome run = reprise(args(contract(), "run", "--state-dir", dir.resolve("state").toString()));

        assertThat(run.exitCode()).as("stdout:%n%s", run.stdout()).isEqualTo(1);
        assertThat(run.stderr()).contains("refused to register dev.reprise.evidence.avro.RecoveryEvidence under " + evidence + "-value: 409",
                "compatibility rule");
        try (org.apache.kafka.clients.admin.Admin admin = kafka.admin()) {
            assertThat(admin.listTopics().names().get(30, TimeUnit.SECONDS)).as("nothing was changed: no output topic created, no run recorded")
                    .doesNotContain(projection, evidence, dlq, "reprise-it-" + suffix + "-reprise-runs");
        }
    }

    /** What io.confluent's KafkaAvroDeserializer does with a value, in a few lines of plain Avro. */
    GenericRecord readAsConfluentDeserializerDoes(byte[] value) throws Exception {
        ByteBuffer buffer = ByteBuffer.wrap(value);
        assertThat(buffer.get()).as("Confluent's magic byte").isZero();
        int id = buffer.getInt();
        JsonNode answer = JSON.readTree(get("schemas/ids/" + id));
        Schema writer = new Schema.Parser().parse(answer.get("schema").asText());
        return new GenericDatumReader<GenericRecord>(writer).read(null,
                DecoderFactory.get().binaryDecoder(value, 5, value.length - 5, null));
    }

    List<String> subjects() throws Exception {
        List<String> out = new ArrayList<>();
        JSON.readTree(get("subjects")).forEach(s -> out.add(s.asText()));
        return out;
    }

    private final HttpClient http = HttpClient.newHttpClient();

    String get(String path) throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(registry.confluentApi().resolve(path)).GET().build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as("GET %s: %s", path, r.body()).isEqualTo(200);
        return r.body();
    }

    void post(String path, String body) throws Exception {
        send(HttpRequest.newBuilder(registry.confluentApi().resolve(path)).POST(HttpRequest.BodyPublishers.ofString(body)), path);
    }

    void put(String path, String body) throws Exception {
        send(HttpRequest.newBuilder(registry.confluentApi().resolve(path)).PUT(HttpRequest.BodyPublishers.ofString(body)), path);
    }

    private void send(HttpRequest.Builder request, String path) throws Exception {
        HttpResponse<String> r = http.send(request.header("Content-Type", "application/vnd.schemaregistry.v1+json").build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as("%s: %s", path, r.body()).isEqualTo(200);
    }

    List<ConsumerRecord<byte[], byte[]>> readAll(String topic) {
        return TestConsumers.readAll(kafka, topic);
    }
}
