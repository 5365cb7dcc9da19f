package dev.reprise.it;

import dev.reprise.Cli;
import dev.reprise.run.RunStore;
import dev.reprise.sample.inventory.InventoryGenerator;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.RecordsToDelete;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static dev.reprise.Cli.reprise;
import static dev.reprise.it.OperatorWorkflowIT.args;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The step-by-step workflow plans once: 'plan --out' writes the plan, 'reset --plan --execute' records that very plan
 * (no second planning), 'run' runs it. A plan file that no longer fits the contract or the cluster is refused, never
 * recorded. And 'replay --timings' tells where its seconds went without touching its JSON on stdout.
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class PlanOnceIT {
    @Test
    void resetRecordsThePlanFilePlannedOnceAndRunRunsIt() throws Exception {
        ReplayFixture f = new ReplayFixture(2, "");
        InventoryGenerator.Generated generated = f.generate(new InventoryGenerator.Options(2_000, 0.05, 2, 2, 40, 61L));
        Path contract = f.contractFile();
        Path planFile = f.stateDir.resolve("plan.json");

        Cli.Outcome plan = reprise(args(f, contract, "plan", "--json", "--out", planFile.toString()));
        assertThat(plan.exitCode()).as(plan.stderr()).isZero();
        String plannedRunId = plan.json().get("run_id").asText();
        Cli.Outcome reset = reprise(args(f, contract, "reset", "--plan", planFile.toString(), "--execute", "--json"));
        assertThat(reset.exitCode()).as(reset.stderr()).isZero();
        assertThat(reset.json().get("run_id").asText()).as("reset records the plan file's run, not a new plan").isEqualTo(plannedRunId);

        Cli.Outcome run = reprise(args(f, contract, "run", "--json", "--state-dir", f.stateDir.resolve("s").toString()));
        assertThat(run.exitCode()).as(run.stderr()).isZero();
        assertThat(run.json().get("run_id").asText()).isEqualTo(plannedRunId);
        assertThat(run.json().get("events_processed").asLong()).isEqualTo(generated.events());
        assertThat(run.json().get("confidence_status").asText()).isEqualTo("trusted");
    }

    @Test
    void aPlanFileOfAnotherContractVersionIsRefusedAndNothingIsRecorded() throws Exception {
        ReplayFixture f = new ReplayFixture(1, "");
        f.generate(new InventoryGenerator.Options(500, 0, 0, 1, 20, 62L));
        Path contract = f.contractFile();
        Path planFile = f.stateDir.resolve("plan.json");
        assertThat(reprise(args(f, contract, "plan", "--out", planFile.toString())).exitCode()).isZero();
        Path edited = f.stateDir.resolve("edited.yaml");
        Files.writeString(edited, Files.readString(contract) + "\n# edited after the plan was made\n");

        Cli.Outcome reset = reprise(args(f, edited, "reset", "--plan", planFile.toString(), "--execute"));

        assertThat(reset.exitCode()).as(reset.stderr()).isEqualTo(2);
        assertThat(reset.stderr()).contains("was planned from another version of the contract").contains("Nothing was changed");
        try (Admin admin = f.kafka.admin()) {
            assertThat(new RunStore(f.contract, f.kafka.clientConfig()).current(admin)).as("no run was recorded").isEmpty();
        }
    }

    @Test
    void aPlanFileWhoseRecordsWereDeletedSinceIsRefused() throws Exception {
        ReplayFixture f = new ReplayFixture(1, "");
        f.generate(new InventoryGenerator.Options(500, 0, 0, 1, 20, 63L));
        Path contract = f.contractFile();
        Path planFile = f.stateDir.resolve("plan.json");
        assertThat(reprise(args(f, contract, "plan", "--out", planFile.toString())).exitCode()).isZero();
        try (Admin admin = f.kafka.admin()) {
            admin.deleteRecords(Map.of(new TopicPartition(f.source, 0), RecordsToDelete.beforeOffset(100))).all().get(30, TimeUnit.SECONDS);
        }

        Cli.Outcome reset = reprise(args(f, contract, "reset", "--plan", planFile.toString(), "--execute"));

        assertThat(reset.exitCode()).as(reset.stderr()).isEqualTo(2);
        assertThat(reset.stderr()).contains("records of " + f.source + ":0 from offset 0 to 99 were deleted");
        try (Admin admin = f.kafka.admin()) {
            assertThat(new RunStore(f.contract, f.kafka.clientConfig()).current(admin)).as("no run was recorded").isEmpty();
        }
    }

    @Test
    void replayWithTimingsReportsItsPhasesOnStderrAndKeepsStdoutJson() throws Exception {
        ReplayFixture f = new ReplayFixture(2, "");
        f.generate(new InventoryGenerator.Options(1_000, 0, 0, 2, 20, 64L));
        Path contract = f.contractFile();

        Cli.Outcome o = reprise(args(f, contract, "replay", "--json", "--timings", "--state-dir", f.stateDir.resolve("s").toString()));

        assertThat(o.exitCode()).as(o.stderr()).isZero();
        assertThat(o.json().get("confidence_status").asText()).isEqualTo("trusted");
        assertThat(o.stderr()).contains("Timings (ms since the process started").contains("run planned")
                .contains("Kafka Streams closed").contains("fixed: command to first record");
        Cli.Outcome quiet = reprise(args(f, contract, "replay", "--json", "--state-dir", f.stateDir.resolve("s").toString()));
        assertThat(quiet.exitCode()).as(quiet.stderr()).isZero();
        assertThat(quiet.stderr()).as("no timings unless asked").doesNotContain("Timings");
    }
}
