package dev.reprise.it;

import dev.reprise.Cli;
import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Every drill of {@code reprise drill} at a small size: the process drills and the input drills on the shared
 * broker given with --bootstrap-server (as on a staging cluster: the drill's own topics and groups, deleted
 * afterwards), broker-restart on the drill's own broker, which it stops and starts.
 */
@Timeout(value = 400, unit = TimeUnit.SECONDS)
class DrillIT {
    static final String EVENTS = "1000";

    static Cli.Outcome drill(String scenario, boolean sharedBroker) {
        List<String> args = new ArrayList<>(List.of("drill", scenario, "--events", EVENTS, "--seed", "11", "--json", "--contract", "../config/inventory.yaml"));
        if (sharedBroker) {
            args.addAll(List.of("--bootstrap-server", SharedKafka.get().bootstrapServers()));
        }
        return Cli.reprise(args.toArray(String[]::new));
    }

    static JsonNode scenario(Cli.Outcome o) {
        JsonNode json = o.json();
        assertThat(json.get("scenarios")).hasSize(1);
        return json.get("scenarios").get(0);
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"crash", "instance-loss", "poison", "duplicate-storm"})
    void theDrilledRunIsIdenticalToTheCleanRun(String name) throws Exception {
        Cli.Outcome o = drill(name, true);
        JsonNode s = scenario(o);
        assertThat(s.get("identical").asBoolean()).as("%s: %s%nstderr:%n%s", name, s, o.stderr()).isTrue();
        assertThat(s.get("held").asBoolean()).as(s.toString()).isTrue();
        assertThat(o.exitCode()).as(o.stderr()).isZero();
        s.get("compared").fields().forEachRemaining(f -> assertThat(f.getValue().get("identical").asBoolean()).as(f.getKey()).isTrue());
        assertThat(s.get("compared").has("checksum")).isTrue();
        assertThat(s.get("compared").has("projection_topic")).isTrue();
        switch (name) {
            case "crash" -> {
                assertThat(s.get("kills").asInt()).isGreaterThanOrEqualTo(3);
                assertThat(s.get("state_dirs_deleted").asInt()).isGreaterThanOrEqualTo(1);
            }
            case "instance-loss" -> assertThat(s.get("kills").asInt()).isEqualTo(1);
            case "poison" -> {
                assertThat(s.get("poison_records").asInt()).as("thousands of fuzzed records at the default size, hundreds here").isGreaterThan(300);
                assertThat(s.get("decoder_escapes").asInt()).isZero();
            }
            default -> assertThat(s.get("copies").asInt()).isGreaterThan(1000);
        }
        try (var admin = SharedKafka.get().admin()) {
            String prefix = o.json().get("prefix").asText();
            assertThat(admin.listTopics().names().get()).as("the drill deleted its topics").noneMatch(t -> t.startsWith(prefix));
        }
    }

    @Test
    void aBrokerStoppedAndKilledUnderARunLeavesTheResultOfACleanRun() {
        Cli.Outcome o = drill("broker-restart", false);
        JsonNode s = scenario(o);
        assertThat(s.get("identical").asBoolean()).as("%s%nstderr:%n%s", s, o.stderr()).isTrue();
        assertThat(s.get("broker_stops")).hasSize(2);
        assertThat(o.exitCode()).isZero();
    }

    /**
     * A team's own contract and history, not the inventory sample: invoices keyed by tenant with a per-tenant sequence,
     * a few records that do not decode among them. The drill copies every record of 10 random tenants of 40 from the
     * team's topic into topics of its own and drills there; the team's topic is only read.
     */
    @Test
    void aTeamsOwnHistoryIsDrilledOnASampleOfItsKeys() throws Exception {
        Path contract = invoiceHistory("drill-sample-invoices-" + System.nanoTime(), 40, 2_000, 8);
        for (String scenario : List.of("crash", "evidence")) {
            Cli.Outcome o = Cli.reprise("drill", scenario, "--contract", contract.toString(), "--sample-keys", "10", "--seed", "7",
                    "--source-bootstrap-server", SharedKafka.get().bootstrapServers(), "--bootstrap-server", SharedKafka.get().bootstrapServers(),
                    "--json");
            JsonNode s = scenario(o);
            assertThat(o.exitCode()).as("%s: %s%nstderr:%n%s", scenario, s, o.stderr()).isZero();
            assertThat(s.get("held").asBoolean()).isTrue();
            JsonNode sample = o.json().get("sample");
            assertThat(sample.get("keys").asInt()).isEqualTo(40);
            assertThat(sample.get("keys_sampled").asInt()).isEqualTo(10);
            assertThat(sample.get("records_read").asInt()).isEqualTo(2_008);
            assertThat(sample.get("records_without_a_readable_key").asInt()).isEqualTo(8);
            assertThat(sample.get("records_copied").asInt()).isBetween(300, 800);
            assertThat(o.json().get("clean_run").get("confidence_status").asText()).isEqualTo("trusted");
            if (scenario.equals("crash")) {
                assertThat(s.get("identical").asBoolean()).isTrue();
                assertThat(s.get("kills").asInt()).isGreaterThanOrEqualTo(3);
                continue;
            }
            Map<String, JsonNode> byName = new HashMap<>();
            s.get("outcomes").forEach(m -> byName.put(m.get("mutant").asText(), m));
            assertThat(byName.get("wrong-upcast").get("skipped").asText()).contains("inventory");
            byName.forEach((name, m) -> {
                if (!name.equals("wrong-upcast")) {
                    assertThat(m.get("caught").asBoolean()).as("%s: %s", name, m).isTrue();
                }
            });
            assertThat(byName.get("drop-events").get("failed_checks").toString()).contains("matches_reference_projection");
            assertThat(byName.get("apply-twice").get("failed_checks").toString()).contains("matches_reference_projection");
            assertThat(byName.get("mis-keyed-history").get("failed_checks").toString()).contains("history_keyed_by_ordering_key");
            assertThat(byName.get("reused-event-id").get("failed_checks").toString()).contains("event_ids_name_one_event");
            assertThat(byName.get("reused-event-id-across-tasks").get("failed_checks").toString()).contains("event_ids_name_one_event");
            assertThat(byName.get("at-least-once-aborted-transaction").get("aborted_records_read").asBoolean()).isFalse();
            assertThat(s.get("caught").asInt()).isEqualTo(12);
        }
        try (var admin = SharedKafka.get().admin()) {
            assertThat(admin.listTopics().names().get()).as("the team's topic is untouched").contains(topicOf(contract));
        }
    }

    @Test
    void aSampleWhoseContractCannotLoadIsRefusedNamingTheField() throws Exception {
        Path contract = invoiceHistory("drill-sample-broken-" + System.nanoTime(), 2, 10, 0);
        Files.writeString(contract, Files.readString(contract).replace("  topic: invoice-summary-rebuilt\n", ""));
        Cli.Outcome o = Cli.reprise("drill", "crash", "--contract", contract.toString(), "--sample-keys", "5",
                "--source-bootstrap-server", SharedKafka.get().bootstrapServers());
        assertThat(o.exitCode()).as(o.stderr()).isEqualTo(2);
        assertThat(o.stderr()).contains("projection.topic");
    }

    /**
     * A copy of config/invoice.yaml reading {@code topic}, where {@code events} invoice events of {@code tenants} tenants are
     * written keyed by tenant (the default partitioner), each tenant's in sequence, and {@code undecodable} records that do not decode.
     */
    static Path invoiceHistory(String topic, int tenants, int events, int undecodable) throws Exception {
        Path schemas = Path.of("../schemas").toAbsolutePath().normalize();
        Path dir = Files.createTempDirectory("drill-sample");
        Path contract = dir.resolve("invoice.yaml");
        Files.writeString(contract, Files.readString(Path.of("../config/invoice.yaml"))
                .replace("invoice-events", topic)
                .replace("directory: ../schemas", "directory: " + schemas)
                .replace("id_map: ../schemas/registry-ids.yaml", "id_map: " + schemas.resolve("registry-ids.yaml"))
                .replace("max_dead_letter_ratio: 0.001", "max_dead_letter_ratio: 0.05"));
        try (var admin = SharedKafka.get().admin()) {
            admin.createTopics(List.of(new org.apache.kafka.clients.admin.NewTopic(topic, 4, (short) 1))).all().get(60, TimeUnit.SECONDS);
        }
        TestProducers.awaitLeaders(SharedKafka.get(), List.of(topic));
        org.apache.avro.Schema issued = new org.apache.avro.Schema.Parser().parse(schemas.resolve("invoice/invoice-issued-v2.avsc").toFile());
        org.apache.avro.Schema paid = new org.apache.avro.Schema.Parser().parse(schemas.resolve("invoice/payment-received-v1.avsc").toFile());
        java.util.Random random = new java.util.Random(3);
        long[] seq = new long[tenants];
        try (var producer = TestProducers.bytes(SharedKafka.get())) {
            for (int i = 0; i < events; i++) {
                int t = random.nextInt(tenants);
                String tenant = "tenant-" + t;
                boolean payment = seq[t] > 0 && random.nextInt(3) == 0;
                org.apache.avro.generic.GenericRecord r = new org.apache.avro.generic.GenericData.Record(payment ? paid : issued);
                r.put("event_id", "ev-" + i);
                r.put("tenant", tenant);
                r.put("seq", ++seq[t]);
                r.put("invoice_id", "inv-" + t + "-" + seq[t]);
                r.put("amount_cents", payment ? 100L + random.nextInt(400) : 1_000L + random.nextInt(4_000));
                if (!payment) {
                    r.put("currency", "EUR");
                }
                r.put("occurred_at", 1_700_000_000_000L + i);
                var out = new java.io.ByteArrayOutputStream();
                var encoder = org.apache.avro.io.EncoderFactory.get().binaryEncoder(out, null);
                new org.apache.avro.generic.GenericDatumWriter<org.apache.avro.generic.GenericRecord>(r.getSchema()).write(r, encoder);
                encoder.flush();
                producer.send(new org.apache.kafka.clients.producer.ProducerRecord<>(topic, tenant.getBytes(java.nio.charset.StandardCharsets.UTF_8),
                        dev.reprise.codec.ConfluentWireFormat.frame(payment ? 13 : 12, out.toByteArray())));
            }
            for (int i = 0; i < undecodable; i++) {
                producer.send(new org.apache.kafka.clients.producer.ProducerRecord<>(topic, i % 4, null,
                        ("not an event " + i).getBytes(java.nio.charset.StandardCharsets.UTF_8)));
            }
            producer.flush();
        }
        return contract;
    }

    private static String topicOf(Path contract) throws Exception {
        return dev.reprise.contract.ContractLoader.load(contract).history().topics().get(0);
    }

    @Test
    void everyMutantOfThePipelineIsCaught() {
        Cli.Outcome o = drill("evidence", true);
        JsonNode s = scenario(o);
        Map<String, JsonNode> byName = new HashMap<>();
        s.get("outcomes").forEach(m -> byName.put(m.get("mutant").asText(), m));
        assertThat(byName.keySet()).containsExactlyInAnyOrder("drop-events", "apply-twice", "wrong-upcast", "skip-partition-end-by-offsets",
                "skip-partition-end-undelivered", "stale-records", "mis-keyed-history", "empty-scope", "skip-inside-range", "reused-event-id",
                "reused-event-id-across-tasks", "old-run-instance", "at-least-once-aborted-transaction");
        byName.forEach((name, m) -> assertThat(m.get("caught").asBoolean()).as("%s: %s", name, m).isTrue());
        assertThat(byName.get("drop-events").get("failed_checks").toString()).contains("matches_reference_projection");
        assertThat(byName.get("mis-keyed-history").get("failed_checks").toString()).contains("history_keyed_by_ordering_key");
        assertThat(byName.get("empty-scope").get("failed_checks").toString()).contains("rebuild_is_not_empty");
        assertThat(byName.get("skip-inside-range").get("failed_checks").toString()).contains("every_offset_read_or_proven_empty");
        assertThat(byName.get("reused-event-id").get("failed_checks").toString()).contains("event_ids_name_one_event");
        assertThat(byName.get("reused-event-id-across-tasks").get("failed_checks").toString()).contains("event_ids_name_one_event");
        assertThat(byName.get("old-run-instance").get("run_said").asText()).contains("run in force is");
        assertThat(byName.get("at-least-once-aborted-transaction").get("confidence_status").asText()).isEqualTo("degraded");
        // A partition whose last records never reach the application: the run notices it has nothing left to read,
        // aborts by itself and ends untrusted, saying why.
        JsonNode undelivered = byName.get("skip-partition-end-undelivered");
        assertThat(undelivered.get("confidence_status").asText()).isEqualTo("untrusted");
        assertThat(undelivered.get("confidence_reasons").toString()).contains("stalled");
        assertThat(undelivered.get("exit_code").asInt()).as(undelivered.toString()).isEqualTo(4);
        assertThat(s.get("caught").asInt()).isEqualTo(13);
        assertThat(s.get("mutants").asInt()).isEqualTo(13);
        assertThat(o.exitCode()).as(o.stderr()).isZero();
    }
}
