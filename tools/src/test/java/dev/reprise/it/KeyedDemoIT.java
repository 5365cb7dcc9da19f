package dev.reprise.it;

import dev.reprise.Cli;
import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.List;
import java.util.concurrent.TimeUnit;

import static dev.reprise.Cli.reprise;
import static org.assertj.core.api.Assertions.assertThat;

/** The demo on a history keyed by the ordering key: kept as promised, and broken. Real command line, embedded broker. */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class KeyedDemoIT {
    static final String[] DEMO = {"demo", "--events", "5000", "--duplicates", "0.05", "--poison", "5", "--partitions", "3",
            "--contract", "../config/inventory.yaml", "--json"};

    static String[] demo(String... extra) {
        List<String> all = new java.util.ArrayList<>(List.of(DEMO));
        all.addAll(List.of(extra));
        return all.toArray(String[]::new);
    }

    @Test
    void aKeyedHistoryReplayedWithoutRepartitionIsTrustedWithTheSameCountsAsTheNormalDemo() {
        Cli.Outcome normal = reprise(demo());
        Cli.Outcome keyed = reprise(demo("--keyed"));

        assertThat(normal.exitCode()).as(normal.stderr()).isZero();
        assertThat(keyed.exitCode()).as(keyed.stderr()).isZero();
        assertThat(keyed.stderr()).contains("--keyed");
        JsonNode a = normal.json();
        JsonNode b = keyed.json();
        assertThat(b.get("confidence_status").asText()).isEqualTo("trusted");
        for (String field : List.of("events_read", "events_processed", "duplicates_skipped", "filtered", "dead_lettered", "projection_keys",
                "projections_changed", "projections_missing", "projections_extra", "checksum")) {
            assertThat(b.get(field)).as(field).isEqualTo(a.get(field));
        }
        assertThat(b.get("events_processed").asLong()).isEqualTo(5000);
        assertThat(b.get("duplicates_skipped").asLong()).isEqualTo(250);
    }

    /*
     * Needs the run's own detection of misplaced events (source stage and evidence builder): without it
     * the run may still be untrusted through the comparison with the ground truth, but no reason names
     * the misplaced events.
     */
    @Test
    void aHistoryNotKeyedAsPromisedIsUntrustedAndTheReasonNamesTheMisplacedEvents() {
        Cli.Outcome o = reprise(demo("--keyed", "--scatter-keys", "20"));

        assertThat(o.exitCode()).as("exit code; stderr:%n%s", o.stderr()).isEqualTo(4);
        JsonNode evidence = o.json();
        assertThat(evidence.get("confidence_status").asText()).isEqualTo("untrusted");
        List<String> reasons = new java.util.ArrayList<>();
        evidence.get("confidence_reasons").forEach(r -> reasons.add(r.asText()));
        assertThat(reasons).as("a reason names the misplaced events").anyMatch(r -> r.toLowerCase().contains("misplaced"));
    }

    @Test
    void scatterKeysWithoutKeyedIsInvalidInput() {
        Cli.Outcome o = reprise("demo", "--scatter-keys", "5");

        assertThat(o.exitCode()).isEqualTo(2);
        assertThat(o.stderr()).contains("--scatter-keys needs --keyed");
    }
}
