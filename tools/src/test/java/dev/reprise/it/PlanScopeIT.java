package dev.reprise.it;

import dev.reprise.Cli.Outcome;
import dev.reprise.sample.inventory.InventoryGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static dev.reprise.Cli.reprise;
import static dev.reprise.it.OperatorWorkflowIT.args;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Explicit scope offsets are checked against the cluster when the run is planned: a partition that does
 * not exist or an offset beyond the log is refused with exit 2 and the field, instead of a partition
 * silently replaying nothing.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class PlanScopeIT {
    static ReplayFixture f;
    static long endOfPartition0;

    @BeforeAll
    static void history() throws Exception {
        f = new ReplayFixture(2, "");
        f.generate(new InventoryGenerator.Options(400, 0, 0, 2, 20, 3L));
        Outcome plan = reprise(args(f, f.contractFile(), "plan", "--json"));
        assertThat(plan.exitCode()).as(plan.stderr()).isZero();
        for (JsonNode r : plan.json().get("ranges")) {
            if (r.get("partition").asInt() == 0) {
                endOfPartition0 = r.get("end").asLong();
            }
        }
        assertThat(endOfPartition0).isGreaterThan(20);
    }

    static Outcome planWithScope(String scope) throws Exception {
        Path contract = f.contractFile();
        Files.writeString(contract, Files.readString(contract) + "scope:\n" + scope.replace("SRC", f.source));
        return reprise(args(f, contract, "plan", "--json"));
    }

    @Test
    void aPartitionThatDoesNotExistIsNamed() throws Exception {
        Outcome o = planWithScope("  from: {SRC: {5: 0}}\n");

        assertThat(o.exitCode()).as(o.stderr()).isEqualTo(2);
        assertThat(o.stderr()).contains("scope.from." + f.source + ".5: partition 5 of " + f.source + " does not exist; the topic has 2 partitions (0 to 1)");
    }

    @Test
    void anOffsetBeyondTheLogIsRefused() throws Exception {
        Outcome from = planWithScope("  from: {SRC: {0: 999999}}\n");
        assertThat(from.exitCode()).as(from.stderr()).isEqualTo(2);
        assertThat(from.stderr()).contains("scope.from." + f.source + ".0: offset 999999").contains("beyond the log end offset " + endOfPartition0);

        Outcome to = planWithScope("  to: {SRC: {1: 999999}}\n");
        assertThat(to.exitCode()).as(to.stderr()).isEqualTo(2);
        assertThat(to.stderr()).contains("scope.to." + f.source + ".1: offset 999999").contains("or latest-at-start");
    }

    @Test
    void aValidExplicitRangeIsPlannedAsWritten() throws Exception {
        Outcome o = planWithScope("  from: {SRC: {0: 10}}\n  to: {SRC: {0: 20}}\n");

        assertThat(o.exitCode()).as(o.stderr()).isZero();
        JsonNode p0 = null;
        for (JsonNode r : o.json().get("ranges")) {
            if (r.get("partition").asInt() == 0) {
                p0 = r;
            }
        }
        assertThat(p0).isNotNull();
        assertThat(p0.get("start").asLong()).isEqualTo(10);
        assertThat(p0.get("end").asLong()).isEqualTo(20);
    }
}
