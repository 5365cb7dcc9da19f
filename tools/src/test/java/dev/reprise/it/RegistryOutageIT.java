package dev.reprise.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.reprise.Cli;
import dev.reprise.codec.LocalIdMap;
import dev.reprise.codec.RegistryClient;
import dev.reprise.codec.SchemaCatalog;
import dev.reprise.embedded.EmbeddedKafka;
import dev.reprise.projection.StateCodec;
import dev.reprise.sample.inventory.InventoryGenerator;
import dev.reprise.sample.inventory.InventoryLevel;
import org.apache.avro.Schema;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

import static dev.reprise.Cli.reprise;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * A schema registry that fails while a replay reads through it, on a real broker and through the command line. Regression
 * for defect A of "trusted means proven": with a registry answering 503 once for each of three schema ids, 3 valid events
 * were dead-lettered as unexpected-error and the run, 19,997 of 20,000 processed, was trusted. A registry's failure is
 * not the record's: it is asked again, then the run stops (exit 1) and resumes when started again; nothing is dead-lettered.
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class RegistryOutageIT {
    static final Path SCHEMAS = Path.of("..", "schemas").toAbsolutePath().normalize();
    static final ObjectMapper JSON = new ObjectMapper();

    final EmbeddedKafka kafka = SharedKafka.get();
    final FlakyRegistry registry = new FlakyRegistry();
    final String suffix = "outage" + System.nanoTime() % 1_000_000;
    final String source = "inventory-events-" + suffix;
    final String projection = "inventory-levels-" + suffix;
    final String evidence = "evidence-" + suffix;
    final String dlq = "dlq-" + suffix;

    @TempDir
    Path dir;

    @AfterEach
    void stopRegistry() {
        registry.close();
    }

    Path contract() throws IOException {
        return ContractYaml.inventory("inventory-registry-outage-it", "reprise-it-" + suffix).topics(source, projection, evidence, dlq)
                .registry(registry.url(), SCHEMAS.toString()).writeTo(dir.resolve("contract.yaml"));
    }

    Cli.Outcome run(Path contract) {
        return reprise("run", "--json", "--contract", contract.toString(), "--bootstrap-server", kafka.bootstrapServers(),
                "--state-dir", dir.resolve("state").toString(), "--metrics-port", "0");
    }

    /** A history of three schema versions, three ids, written as a Confluent producer writes it; no poison. */
    InventoryGenerator.Generated produceHistory(int events) {
        SchemaCatalog catalog = SchemaCatalog.load(SCHEMAS);
        RegistryClient producerSide = new RegistryClient(registry.url());
        Map<Integer, Schema> ids = new HashMap<>();
        for (int version = 1; version <= 3; version++) {
            Schema schema = catalog.event("StockMovement", version).orElseThrow();
            ids.put(producerSide.register(source + "-value", schema), schema);
        }
        assertThat(ids).as("three versions, three ids").hasSize(3);
        kafka.createTopic(source, 3, Map.of());
        Map<String, Object> config = new HashMap<>(kafka.clientConfig());
        config.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 300_000);
        config.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 120_000);
        // As ReplayFixture's producer: one request in flight, so that a slow shared broker cannot get batches out of order.
        config.put(ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, 1);
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(config, new ByteArraySerializer(), new ByteArraySerializer())) {
            return new InventoryGenerator(catalog, new LocalIdMap(ids)).write(producer, source, InventoryGenerator.Options.of(events, 0.05, 0, 3));
        }
    }

    @Test
    void aRegistryThatFailsOnceForEachSchemaIdDeadLettersNothingAndTheRunIsTrustedAndExact() throws Exception {
        InventoryGenerator.Generated generated = produceHistory(3_000);
        registry.mode = FlakyRegistry.Mode.FAILS_ONCE_PER_ID;

        Cli.Outcome run = run(contract());

        assertThat(run.exitCode()).as("trusted; stderr:%n%s", run.stderr()).isZero();
        assertThat(registry.failedLookups.get()).as("the lookups of the three event schemas each failed once").isGreaterThanOrEqualTo(3);
        JsonNode e = JSON.readTree(run.stdout());
        assertThat(e.get("dead_lettered").asLong()).as("a registry's 503 is not the record's fault").isZero();
        assertThat(e.get("events_processed").asLong()).isEqualTo(generated.events());
        assertThat(e.get("confidence_status").asText()).isEqualTo("trusted");
        assertThat(readAll(dlq)).as("the dead-letter topic").isEmpty();
        assertThat(projectionStates()).isEqualTo(generated.truth());
    }

    @Test
    void aRegistryThatStaysDownStopsTheRunWithoutDeadLettersAndTheRunResumesWhenItIsBack() throws Exception {
        InventoryGenerator.Generated generated = produceHistory(2_000);
        Path contract = contract();
        registry.mode = FlakyRegistry.Mode.LOOKUPS_DOWN;

        Cli.Outcome stopped = run(contract);

        assertThat(stopped.exitCode()).as("stdout:%n%s%nstderr:%n%s", stopped.stdout(), stopped.stderr()).isEqualTo(1);
        assertThat(stopped.stderr()).contains("reprise: the replay stopped: schema registry " + registry.url() + " answered 503", "for schema id ",
                "nothing was dead-lettered", "Start the run again once the registry answers: it resumes from its last commit");
        assertThat(readAll(dlq)).as("nothing dead-lettered while the registry was down").isEmpty();

        registry.mode = FlakyRegistry.Mode.UP;
        Cli.Outcome resumed = run(contract);

        assertThat(resumed.exitCode()).as("trusted; stderr:%n%s", resumed.stderr()).isZero();
        assertThat(resumed.stderr()).contains("Continuing run");
        JsonNode e = JSON.readTree(resumed.stdout());
        assertThat(e.get("dead_lettered").asLong()).isZero();
        assertThat(e.get("events_processed").asLong()).as("every event, once").isEqualTo(generated.events());
        assertThat(e.get("confidence_status").asText()).isEqualTo("trusted");
        assertThat(readAll(dlq)).isEmpty();
        assertThat(projectionStates()).as("the same projection as a run without an outage").isEqualTo(generated.truth());
    }

    /** The projection topic's states, read with the registry up (a lookup of the projection's schema id may fail otherwise). */
    Map<String, InventoryLevel> projectionStates() {
        registry.mode = FlakyRegistry.Mode.UP;
        StateCodec<InventoryLevel> codec = new StateCodec<>(InventoryLevel.class, new RegistryClient(registry.url()));
        Map<String, InventoryLevel> states = new TreeMap<>();
        for (ConsumerRecord<byte[], byte[]> r : readAll(projection)) {
            states.put(new String(r.key(), StandardCharsets.UTF_8), codec.fromTopic(r.value()));
        }
        return states;
    }

    List<ConsumerRecord<byte[], byte[]>> readAll(String topic) {
        return TestConsumers.readAll(kafka, topic);
    }
}
