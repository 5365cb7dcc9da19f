package dev.reprise.it;

import dev.reprise.Cli;
import dev.reprise.compat.Partitions;
import dev.reprise.preview.PlanPreview;
import dev.reprise.sample.inventory.InventoryGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static dev.reprise.Cli.reprise;
import static dev.reprise.it.OperatorWorkflowIT.args;
import static org.assertj.core.api.Assertions.assertThat;

/** reprise plan warns, before anything runs, about a run that would prove nothing. Real command line, real broker. */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class PlanWarningsIT {

    static List<JsonNode> warnings(Cli.Outcome plan) {
        assertThat(plan.exitCode()).as("plan; %s", plan.stderr()).isZero();
        List<JsonNode> out = new ArrayList<>();
        plan.json().get("warnings").forEach(out::add);
        return out;
    }

    static JsonNode warning(Cli.Outcome plan, String code) {
        return warnings(plan).stream().filter(w -> w.get("code").asText().equals(code)).findFirst()
                .orElseThrow(() -> new AssertionError("no warning " + code + " in " + plan.stdout()));
    }

    /** The fixture's contract, declaring its history keyed by the ordering key. */
    // Regression: scope.from in 2099 read nothing and the run was trusted.
    @Test
    void aScopeThatSelectsNothingIsNamedWithItsReason() throws Exception {
        ReplayFixture f = new ReplayFixture(2, "scope:\n  from: 2099-01-01T00:00:00Z\n");
        f.generate(new InventoryGenerator.Options(300, 0, 0, 2, 10, 41L));
        Path contract = f.contractFile();

        JsonNode w = warning(reprise(args(f, contract, "plan", "--json")), PlanPreview.EMPTY_SCOPE);
        assertThat(w.get("message").asText()).startsWith("the scope selects nothing: scope.from 2099-01-01T00:00:00Z is in the future");

        Cli.Outcome text = reprise(args(f, contract, "plan"));
        assertThat(text.stdout()).contains("WARNING  the scope selects nothing");
    }

    // Regression: a misspelt filter filtered every record and the run was trusted.
    @Test
    void aFilterThatNoSampledEventPassesIsNamed() throws Exception {
        ReplayFixture f = new ReplayFixture(2, "scope:\n  tenant_field: tenant\n  tenants: [acme-corp]\n");
        f.generate(new InventoryGenerator.Options(300, 0, 2, 2, 10, 42L));
        Path contract = f.contractFile();

        Cli.Outcome plan = reprise(args(f, contract, "plan", "--json"));
        JsonNode w = warning(plan, PlanPreview.FILTERS_MATCH_NOTHING);
        assertThat(w.get("message").asText()).startsWith("none of the ").contains("tenants [acme-corp] (field tenant; the sample holds [acme])");
        assertThat(plan.json().get("sampled_in_scope").asLong()).isZero();
        assertThat(plan.stderr()).as("said on stderr too").contains("warning: none of the");

        ReplayFixture right = new ReplayFixture(2, "scope:\n  tenant_field: tenant\n  tenants: [acme]\n");
        right.generate(new InventoryGenerator.Options(300, 0, 0, 2, 10, 42L));
        assertThat(warnings(reprise(args(right, right.contractFile(), "plan", "--json")))).as("a filter that matches").isEmpty();
    }

    // Regression: keyed_by_ordering_key: true was taken on trust; a history partitioned otherwise was not caught.
    @Test
    void eventsOutsideTheirKeysPartitionInAHistoryDeclaredKeyedAreCountedWithSamples() throws Exception {
        ReplayFixture f = new ReplayFixture(3, "", true);
        InventoryGenerator.Options keyed = new InventoryGenerator.Options(600, 0, 0, 3, 40, 43L).keyed(20);
        try (KafkaProducer<byte[], byte[]> producer = f.producer(Map.of())) {
            f.generator().write(producer, f.source, keyed);
        }
        long misplaced = 0;
        for (ConsumerRecord<byte[], byte[]> r : f.readAll(f.source)) {
            if (Partitions.ofKey(r.key(), 3) != r.partition()) {
                misplaced++;
            }
        }
        assertThat(misplaced).as("the generator scattered exactly 20 events").isEqualTo(20);

        JsonNode w = warning(reprise(args(f, f.contractFile(), "plan", "--json", "--sample", "1000")), PlanPreview.MISPLACED_EVENTS);
        assertThat(w.get("message").asText()).startsWith("20 of the 600 sampled events are not in their ordering key's partition, e.g. [SKU-")
                .contains("keyed_by_ordering_key: false");

        ReplayFixture clean = new ReplayFixture(3, "", true);
        try (KafkaProducer<byte[], byte[]> producer = clean.producer(Map.of())) {
            clean.generator().write(producer, clean.source, new InventoryGenerator.Options(600, 0.1, 3, 3, 40, 43L).keyed(0));
        }
        assertThat(warnings(reprise(args(clean, clean.contractFile(), "plan", "--json", "--sample", "1000"))))
                .as("a history keyed as promised, copies and poison records included").isEmpty();
    }

    @Test
    void anEvidenceTopicThatDeletesRecordsAfterSevenDaysIsNamedUntilItKeepsThem() throws Exception {
        ReplayFixture f = new ReplayFixture(2, "");
        f.generate(new InventoryGenerator.Options(300, 0, 0, 2, 10, 44L));
        Path contract = f.contractFile();
        assertThat(warnings(reprise(args(f, contract, "plan", "--json")))).as("no evidence topic yet: the run creates it").isEmpty();

        f.kafka.createTopic(f.evidence, 1, Map.of(TopicConfig.RETENTION_MS_CONFIG, "604800000"));
        JsonNode w = warning(reprise(args(f, contract, "plan", "--json")), PlanPreview.EVIDENCE_RETENTION);
        assertThat(w.get("message").asText()).contains(f.evidence + " deletes records after 7 days (retention.ms=604800000");

        try (Admin admin = f.kafka.admin()) {
            ConfigResource topic = new ConfigResource(ConfigResource.Type.TOPIC, f.evidence);
            admin.incrementalAlterConfigs(Map.of(topic, List.of(new AlterConfigOp(new ConfigEntry(TopicConfig.RETENTION_MS_CONFIG, "-1"),
                    AlterConfigOp.OpType.SET)))).all().get();
        }
        assertThat(warnings(reprise(args(f, contract, "plan", "--json")))).as("retention.ms=-1 keeps the evidence").isEmpty();
    }
}
