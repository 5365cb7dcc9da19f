package dev.reprise.it;

import dev.reprise.Cli;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** The demo as a user runs it: the real command line, its own embedded broker, JSON on stdout. */
@Timeout(value = 240, unit = TimeUnit.SECONDS)
class DemoIT {

    @Test
    void demoReportsExactCountsAsOneJsonObjectAndExitsZeroWhenTrusted() throws Exception {
        Cli.Outcome o = Cli.reprise("demo", "--events", "6000", "--duplicates", "0.05", "--poison", "7", "--partitions", "3",
                "--contract", "../config/inventory.yaml", "--json");

        assertThat(o.exitCode()).as("exit code; stderr:%n%s", o.stderr()).isZero();
        JsonNode evidence = new ObjectMapper().readTree(o.stdout());
        assertThat(evidence.get("events_processed").asLong()).isEqualTo(6000);
        assertThat(evidence.get("duplicates_skipped").asLong()).isEqualTo(300);
        assertThat(evidence.get("dead_lettered").asLong()).isEqualTo(7);
        assertThat(evidence.get("confidence_status").asText()).isEqualTo("trusted");
        assertThat(evidence.get("kind").asText()).isEqualTo("FINAL");
        assertThat(evidence.get("projections_changed").asLong()).as("the rebuild equals the generator's ground truth").isZero();
        assertThat(o.stderr()).as("progress is shown on stderr").contains("Replaying run");
    }

    @Test
    void aDeliberatelyWrongProjectionIsCaughtAndTheDemoExitsUntrusted() throws Exception {
        Cli.Outcome o = Cli.reprise("demo", "--events", "5000", "--partitions", "3", "--inject-bug", "--contract", "../config/inventory.yaml", "--json");

        assertThat(o.exitCode()).as("exit code; stderr:%n%s", o.stderr()).isEqualTo(4);
        JsonNode evidence = new ObjectMapper().readTree(o.stdout());
        assertThat(evidence.get("confidence_status").asText()).isEqualTo("untrusted");
        assertThat(evidence.get("projections_changed").asLong()).as("the SKUs whose events were ignored").isPositive();
        assertThat(evidence.get("reconciliation_checks").findValuesAsText("name")).contains("matches_reference_projection");
        boolean failed = false;
        for (JsonNode check : evidence.get("reconciliation_checks")) {
            if (check.get("name").asText().equals("matches_reference_projection")) {
                failed = !check.get("passed").asBoolean();
            }
        }
        assertThat(failed).as("the comparison with the ground truth is the failing check").isTrue();
    }

    @Test
    void aTamperedLiveProjectionIsReportedKeyByKeyWhileTheRebuildIsTrusted() throws Exception {
        Cli.Outcome o = Cli.reprise("demo", "--events", "5000", "--partitions", "3", "--tamper-live", "25", "--contract", "../config/inventory.yaml", "--json");

        assertThat(o.exitCode()).as("exit code; stderr:%n%s", o.stderr()).isZero();
        JsonNode evidence = new ObjectMapper().readTree(o.stdout());
        assertThat(evidence.get("confidence_status").asText()).isEqualTo("trusted");
        assertThat(evidence.get("projections_changed").asLong()).isEqualTo(25);
        assertThat(evidence.get("difference_samples")).hasSize(25);
        JsonNode sample = evidence.get("difference_samples").get(0);
        assertThat(sample.get("reference_value").asText()).isNotEqualTo(sample.get("rebuilt_value").asText());
    }

    @Test
    void demoRejectsANegativeEventCountWithExitCodeTwo() {
        Cli.Outcome o = Cli.reprise("demo", "--events", "-5");

        assertThat(o.exitCode()).isEqualTo(2);
        assertThat(o.stderr()).contains("--events");
    }
}
