package dev.reprise.it;

import dev.reprise.Await;
import dev.reprise.evidence.avro.CheckResult;
import dev.reprise.evidence.avro.ConfidenceStatus;
import dev.reprise.evidence.avro.RecoveryEvidence;
import dev.reprise.run.Control;
import dev.reprise.runner.ReplayRunner;
import dev.reprise.plan.Planner;
import dev.reprise.plan.RunPlan;
import dev.reprise.sample.inventory.InventoryGenerator;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.RecordsToDelete;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Coverage is a proof: every offset of a planned range is read by the run or shown to hold no record. A gap cut into
 * a range while the run reads it makes the run untrusted, naming the partition and the offsets.
 */
@Timeout(value = 240, unit = TimeUnit.SECONDS)
class CoverageProofIT {

    @Test
    void recordsDeletedInsideTheRangeWhileTheRunReadsItMakeTheRunUntrustedNamingTheOffsets() throws Exception {
        // Regression: delete-records (or retention) during a run moved the consumer to the new log start; the records in between
        // were never read, the first and last records read matched the plan, and the accounting balanced what was read: trusted.
        ReplayFixture f = new ReplayFixture(1, "");
        // Enough records that the consumer has not fetched the deleted ones yet (it prefetches about a megabyte).
        f.generate(new InventoryGenerator.Options(60_000, 0, 0, 1, 50, 11L));
        ReplayRunner runner = f.runner();
        RunPlan plan;
        try (Admin admin = f.kafka.admin()) {
            plan = new Planner(admin, f.kafka.clientConfig()).plan(f.contract);
            runner.begin(admin, java.util.Optional.empty(), plan);
            new Control(f.contract, f.kafka.clientConfig()).send(admin, new Control.Command(plan.runId(), Control.Action.THROTTLE, 300.0,
                    "coverage test", "test", System.currentTimeMillis()));
        }
        AtomicLong reached = new AtomicLong();
        CompletableFuture<RecoveryEvidence> run = CompletableFuture.supplyAsync(() -> runner.run(plan, p -> reached.set(p.done())));
        Await.until(Duration.ofSeconds(120), "the run has read some of its range", () -> reached.get() >= 100);
        TopicPartition tp = new TopicPartition(f.source, 0);
        try (Admin admin = f.kafka.admin()) {
            admin.deleteRecords(Map.of(tp, RecordsToDelete.beforeOffset(50_000))).all().get(30, TimeUnit.SECONDS);
            new Control(f.contract, f.kafka.clientConfig()).send(admin, new Control.Command(plan.runId(), Control.Action.THROTTLE, 0.0,
                    "coverage test", "test", System.currentTimeMillis()));
        }
        // Either the expiry guard sees the deletion first and stops the run, or the run finishes and its coverage proof fails:
        // never a verdict that claims the deleted records were read.
        RecoveryEvidence e;
        try {
            e = run.get(180, TimeUnit.SECONDS);
        } catch (java.util.concurrent.ExecutionException stopped) {
            assertThat(stopped.getCause()).hasMessageContaining("of " + f.source + ":0 were deleted").hasMessageContaining("to 49999");
            return;
        }
        assertThat(e.getConfidenceStatus()).as(e.getConfidenceReasons().toString()).isEqualTo(ConfidenceStatus.untrusted);
        assertThat(failed(e, "every_offset_read_or_proven_empty")).isTrue();
        assertThat(e.getConfidenceReasons().get(0)).contains(f.source + ":0 offsets ").contains(" to 49999 ").contains("was deleted from the log");
    }

    @Test
    void aRunThatStartsPastUnreadRecordsOfItsRangeIsUntrustedNamingTheFirstRecordItMissed() throws Exception {
        // Regression: a run killed inside its range, its group offset moved forward with an Admin client, then continued without
        // the offset repair ('run --plan'): first and last records read matched the plan, 187 of 1,002 records read, trusted.
        ReplayFixture f = new ReplayFixture(1, "");
        f.generate(new InventoryGenerator.Options(1_000, 0, 0, 1, 40, 13L));
        ReplayRunner runner = f.runner();
        RunPlan plan;
        TopicPartition tp = new TopicPartition(f.source, 0);
        try (Admin admin = f.kafka.admin()) {
            plan = new Planner(admin, f.kafka.clientConfig()).plan(f.contract);
            runner.begin(admin, java.util.Optional.empty(), plan);
            admin.alterConsumerGroupOffsets(f.contract.applicationId(), Map.of(tp, new org.apache.kafka.clients.consumer.OffsetAndMetadata(600)))
                    .all().get(30, TimeUnit.SECONDS);
        }
        // The run itself, without the command's checks: what an instance started with a stale plan file did.
        RecoveryEvidence e = runner.run(plan, null);

        assertThat(e.getConfidenceStatus()).isEqualTo(ConfidenceStatus.untrusted);
        assertThat(failed(e, "every_offset_read_or_proven_empty")).as(e.getConfidenceReasons().toString()).isTrue();
        assertThat(e.getConfidenceReasons()).anyMatch(r -> r.contains(f.source + ":0 offsets 0 to 599 holds a record at offset 0 that the run did not read"));
        assertThat(e.getRanges().get(0).getOffsetsUnproven()).isEqualTo(600L);
    }

    @Test
    void runWithAPlanFileGoesThroughTheChecksOfARunAndPutsMovedOffsetsBack() throws Exception {
        ReplayFixture f = new ReplayFixture(1, "");
        InventoryGenerator.Generated generated = f.generate(new InventoryGenerator.Options(1_000, 0, 0, 1, 40, 14L));
        java.nio.file.Path contract = f.contractFile();
        assertThat(dev.reprise.Cli.reprise(OperatorWorkflowIT.args(f, contract, "reset", "--execute")).exitCode()).isZero();
        java.nio.file.Path planFile = f.stateDir.resolve("run-plan.json");
        TopicPartition tp = new TopicPartition(f.source, 0);
        try (Admin admin = f.kafka.admin()) {
            java.nio.file.Files.writeString(planFile, new dev.reprise.run.RunStore(f.contract, f.kafka.clientConfig()).current(admin).orElseThrow().toJson());
            admin.alterConsumerGroupOffsets(f.contract.applicationId(), Map.of(tp, new org.apache.kafka.clients.consumer.OffsetAndMetadata(600)))
                    .all().get(30, TimeUnit.SECONDS);
        }
        java.nio.file.Path stale = f.stateDir.resolve("stale-plan.json");
        java.nio.file.Files.writeString(stale, java.nio.file.Files.readString(planFile).replaceFirst("\"run_id\"\\s*:\\s*\"[^\"]+\"", "\"run_id\":\"r-stale\""));

        dev.reprise.Cli.Outcome refused = dev.reprise.Cli.reprise(OperatorWorkflowIT.args(f, contract, "run", "--plan", stale.toString(), "--json",
                "--state-dir", f.stateDir.resolve("s").toString()));
        assertThat(refused.exitCode()).as(refused.stderr()).isEqualTo(2);
        assertThat(refused.stderr()).contains("the plan file's run r-stale is not the run in force");

        dev.reprise.Cli.Outcome o = dev.reprise.Cli.reprise(OperatorWorkflowIT.args(f, contract, "run", "--plan", planFile.toString(), "--json",
                "--state-dir", f.stateDir.resolve("s").toString()));
        assertThat(o.exitCode()).as(o.stderr()).isZero();
        assertThat(o.stderr()).contains("moved forward with other tools").contains("put back at");
        assertThat(o.json().get("events_processed").asLong()).isEqualTo(generated.events());
        assertThat(o.json().get("confidence_status").asText()).isEqualTo("trusted");
    }

    static boolean failed(RecoveryEvidence e, String check) {
        CheckResult c = e.getReconciliationChecks().stream().filter(x -> x.getName().equals(check)).findFirst()
                .orElseThrow(() -> new AssertionError("no check " + check + " in " + e.getReconciliationChecks()));
        return !c.getPassed();
    }

    @Test
    void anInstanceStartedWithAPlanThatIsNoLongerInForceStopsBeforeProcessingAnything() throws Exception {
        // Regression: an instance of run A, stopped while run B was reset and started, resumed and joined B's group with A's plan,
        // consuming B's partitions. Every task now checks the run in force when it is assigned.
        ReplayFixture f = new ReplayFixture(2, "");
        InventoryGenerator.Generated generated = f.generate(new InventoryGenerator.Options(2_000, 0.05, 0, 2, 40, 12L));
        ReplayRunner runner = f.runner();
        RunPlan a;
        RunPlan b;
        try (Admin admin = f.kafka.admin()) {
            a = new Planner(admin, f.kafka.clientConfig()).plan(f.contract);
            runner.begin(admin, java.util.Optional.empty(), a);
            b = new Planner(admin, f.kafka.clientConfig()).plan(f.contract);
            runner.begin(admin, java.util.Optional.of(a.runId()), b);
        }

        assertThat(org.assertj.core.api.Assertions.catchThrowable(() -> runner.run(a, null)))
                .as("the instance of run A stops").hasMessageContaining("run in force is " + b.runId()).hasMessageContaining("nothing of it is committed");
        try (Admin admin = f.kafka.admin()) {
            Map<TopicPartition, org.apache.kafka.clients.consumer.OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(f.contract.applicationId())
                    .partitionsToOffsetAndMetadata().get(30, TimeUnit.SECONDS);
            b.ranges().forEach(r -> assertThat(committed.get(r.topicPartition()).offset()).as("the group's offset of " + r.id()
                    + " where run B's reset put it").isEqualTo(r.start()));
        }
        RecoveryEvidence e = f.runner().run(b, null);
        assertThat(e.getConfidenceStatus()).as(e.getConfidenceReasons().toString()).isEqualTo(ConfidenceStatus.trusted);
        assertThat(e.getEventsProcessed()).isEqualTo(generated.events());
    }
}
