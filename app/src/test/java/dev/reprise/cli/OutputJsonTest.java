package dev.reprise.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.reprise.verify.Verifier;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static dev.reprise.cli.PlanJsonTest.fieldNames;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The {@code --json} objects of verify, promote, reset, status and {@code plan --offline} are read by scripts and CD gates: their field names are
 * a contract. Each golden list is the output of the map the object was before it became a record.
 */
class OutputJsonTest {
    private static final ObjectMapper READ = new ObjectMapper();
    private static final Authenticity SIGNED = new Authenticity("verified", "k1", 1, List.of("bad signature at offset 4"), 1);
    private static final List<String> AUTHENTICITY = List.of("signature", "key_id", "ignored_records", "ignored", "final_records");
    private static final List<String> CHECK = List.of("name", "passed", "detail");

    private static JsonNode json(Object value) throws Exception {
        return READ.readTree(Json.of(value));
    }

    @Test
    void verifyJson() throws Exception {
        JsonNode json = json(new VerifyCommand.Result("run-1", "trusted", SIGNED, false, List.of(new Verifier.Result("key_count", false, "3 != 4"))));

        assertThat(fieldNames(json)).containsExactly("run_id", "evidence_status", "authenticity", "all_passed", "checks");
        assertThat(fieldNames(json.get("authenticity"))).containsExactlyElementsOf(AUTHENTICITY);
        assertThat(fieldNames(json.get("checks").get(0))).containsExactlyElementsOf(CHECK);
        assertThat(json.get("checks").get(0).get("detail").asText()).isEqualTo("3 != 4");
        assertThat(json.get("authenticity").get("ignored_records").asInt()).isEqualTo(1);
    }

    @Test
    void offlinePlanCheckJson() throws Exception {
        JsonNode json = json(new PlanCommand.Check("inventory", "ab12", "inventory-levels", Map.of("StockMovement", List.of(1, 2, 3)),
                Map.of("StockMovement v1", "no upcaster to v2"), List.of("a note"), java.util.Set.of("inventory-rebuilt"), false));

        assertThat(fieldNames(json)).containsExactly("contract", "contract_hash", "projection", "event_types", "upcaster_gaps", "notes", "writes",
                "valid");
        assertThat(json.get("event_types").get("StockMovement").get(2).asInt()).isEqualTo(3);
        assertThat(json.get("upcaster_gaps").get("StockMovement v1").asText()).isEqualTo("no upcaster to v2");
        assertThat(json.get("writes").get(0).asText()).isEqualTo("inventory-rebuilt");
    }

    @Test
    void promoteJson() throws Exception {
        PromoteCommand.Result result = new PromoteCommand.Result("run-1", "trusted", SIGNED, "inventory-live", false, false, null,
                "2026-12-07T10:00:00Z", 10, 8, 3, 2, 1, 3, 1, 1, 1, 9, 5, 0.6, 0.5, Map.of("0", 12L),
                new PromoteCommand.Verification(true, List.of(new Verifier.Result("key_count", true, "10"))), true, false,
                List.of("changed ratio 0.6 above 0.5"), List.of(), List.of(new PromoteCommand.TombstoneKey("sku-9", "not in the run")),
                List.of(new PromoteCommand.LeftKey("sku-7", "outside_scope", "scope.keys does not list it")));

        JsonNode json = json(result);

        assertThat(fieldNames(json)).containsExactly("run_id", "evidence_status", "authenticity", "to", "executed", "forced", "reason",
                "plan_created_at", "keys_in_run", "upserts", "added", "unchanged", "tombstones", "left", "left_outside_scope",
                "left_scope_undecided", "left_written_after_plan", "live_keys", "live_keys_changed", "changed_ratio", "max_changed_ratio",
                "live_end_offsets", "verification", "refused", "live_topic_moved", "refusal_reasons", "overridden", "tombstone_keys", "left_keys");
        assertThat(json.get("reason").isNull()).as("reason is null without --force, not missing").isTrue();
        assertThat(fieldNames(json.get("verification"))).containsExactly("all_passed", "checks");
        assertThat(fieldNames(json.get("verification").get("checks").get(0))).containsExactlyElementsOf(CHECK);
        assertThat(fieldNames(json.get("tombstone_keys").get(0))).containsExactly("key", "reason");
        assertThat(fieldNames(json.get("left_keys").get(0))).containsExactly("key", "why", "reason");
        assertThat(json.get("live_end_offsets").get("0").asLong()).isEqualTo(12);
    }

    @Test
    void theLeftCountsOfPromoteJsonNameEveryReasonAKeyIsLeftAlone() throws Exception {
        // promote --json had one left_<why> per Promotion.Why: a new reason must get its count in the record too.
        List<String> names = fieldNames(json(new PromoteCommand.Result("r", "trusted", SIGNED, "t", false, false, null, "x", 0, 0, 0, 0, 0, 0,
                0, 0, 0, 0, 0, 0, 0, Map.of(), new PromoteCommand.Verification(true, List.of()), false, false, List.of(), List.of(), List.of(),
                List.of())));
        for (dev.reprise.verify.Promotion.Why why : dev.reprise.verify.Promotion.Why.values()) {
            assertThat(names).contains("left_" + why.name().toLowerCase(java.util.Locale.ROOT));
        }
    }

    @Test
    void resetJson() throws Exception {
        JsonNode json = json(new ResetCommand.Result("run-1", "reprise-inventory", "classic", List.of(), null, true,
                List.of(new ResetCommand.Row("inventory-events", 0, null, 0, 100))));

        assertThat(fieldNames(json)).containsExactly("run_id", "group", "group_type", "active_members", "replaces_run", "executed", "partitions");
        assertThat(fieldNames(json.get("partitions").get(0))).containsExactly("topic", "partition", "current_offset", "new_offset", "end_offset");
        assertThat(json.get("partitions").get(0).get("current_offset").isNull()).isTrue();
        assertThat(json.get("replaces_run").isNull()).isTrue();
    }

    @Test
    void statusJsonCarriesTheEvidencesAuthenticityOnlyOnceTheRunIsComplete() throws Exception {
        List<StatusCommand.Row> rows = List.of(new StatusCommand.Row("inventory-events", 0, 0, 100, null, 0.0));
        List<String> golden = List.of("run_id", "state", "instances", "percent", "offsets_done", "offsets_total", "offsets_per_second",
                "eta_seconds", "max_events_per_second", "confidence_status", "partitions");

        JsonNode running = json(new StatusCommand.Report("run-1", "running", 1, 0.0, 0, 100, 0.0, null, 1500.0, null, rows, null));
        JsonNode complete = json(new StatusCommand.Report("run-1", "complete", 0, 100.0, 100, 100, 50.0, 0L, null, "trusted", rows, SIGNED));

        assertThat(fieldNames(running)).containsExactlyElementsOf(golden);
        assertThat(running.get("eta_seconds").isNull()).as("unknown numbers are null, not missing").isTrue();
        assertThat(running.get("max_events_per_second").asDouble()).isEqualTo(1500.0);
        assertThat(fieldNames(complete)).containsSubsequence(golden).endsWith("evidence_authenticity");
        assertThat(fieldNames(complete.get("evidence_authenticity"))).containsExactlyElementsOf(AUTHENTICITY);
        assertThat(fieldNames(running.get("partitions").get(0)))
                .containsExactly("topic", "partition", "start_offset", "end_offset", "committed_offset", "percent");
    }
}
