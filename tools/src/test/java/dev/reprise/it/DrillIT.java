package dev.reprise.it;

import dev.reprise.Cli;
import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

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
