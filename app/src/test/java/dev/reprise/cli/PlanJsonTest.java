package dev.reprise.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.reprise.preview.PlanPreview;
import dev.reprise.plan.RunPlan;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code reprise plan --json} is read by scripts and CD gates: its field names are a contract. The golden list is the
 * output of the map the preview was before it became a record.
 */
class PlanJsonTest {
    static final List<String> GOLDEN = List.of("run_id", "contract", "contract_hash", "application_id", "offsets_per_topic", "total_offsets",
            "estimated_seconds", "estimate_rate_events_per_second", "writes", "creates", "repartition_partitions", "sampled_versions",
            "sampled_undecodable", "upcaster_gaps_in_sample", "sampled_events", "sampled_in_scope", "warnings", "ranges");

    static List<String> fieldNames(JsonNode node) {
        List<String> names = new ArrayList<>();
        node.fieldNames().forEachRemaining(names::add);
        return names;
    }

    @Test
    void theFieldNamesOfPlanJsonAreThoseScriptsRead() throws Exception {
        RunPlan.PartitionRange range = new RunPlan.PartitionRange("inventory-events", 0, 0, 10, 9);
        PlanPreview.Preview preview = new PlanPreview.Preview("run-1", "inventory", "h", "reprise-inventory", Map.of("inventory-events", 10L), 10,
                1, 50_000, List.of("reprise-evidence"), List.of(), 6, Map.of("StockMovement v1", 4L), Map.of("corrupt-avro", 1L),
                Map.of(), 4, 4, List.of(new PlanPreview.Warning(PlanPreview.EMPTY_SCOPE, "nothing")), List.of(range));

        JsonNode json = new ObjectMapper().readTree(Json.of(preview));

        assertThat(fieldNames(json)).as("the fields of plan --json, in order").containsExactlyElementsOf(GOLDEN);
        assertThat(fieldNames(json.get("warnings").get(0))).containsExactly("code", "message");
        assertThat(json.get("offsets_per_topic").get("inventory-events").asLong()).isEqualTo(10);
        assertThat(json.get("estimate_rate_events_per_second").isDouble()).as("a rate, as before: 50000.0").isTrue();
        assertThat(json.get("ranges").get(0).get("topic").asText()).isEqualTo("inventory-events");
    }
}
