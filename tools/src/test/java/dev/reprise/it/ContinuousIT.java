package dev.reprise.it;

import dev.reprise.evidence.avro.ConfidenceStatus;
import dev.reprise.evidence.avro.RecoveryEvidence;
import dev.reprise.runner.ReplayRunner;
import dev.reprise.plan.Planner;
import dev.reprise.plan.RunPlan;
import dev.reprise.sample.inventory.InventoryGenerator;
import dev.reprise.sample.inventory.InventoryLevel;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** Continuous mode: catch up with the plan, write the evidence, then keep the projection current. */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class ContinuousIT {

    @Test
    void aContinuousRunCatchesUpThenAppliesNewEventsUntilStopped() throws Exception {
        ReplayFixture f = new ReplayFixture(2, """
                processing:
                  mode: continuous
                """);
        InventoryGenerator.Generated generated = f.generate(new InventoryGenerator.Options(1_000, 0, 0, 2, 10, 15L));
        ReplayRunner runner = f.runner();
        RunPlan plan;
        try (Admin admin = f.kafka.admin()) {
            plan = new Planner(admin, f.kafka.clientConfig()).plan(f.contract);
            runner.prepareTopics(admin, plan);
            runner.resetOffsets(admin, plan);
        }
        CompletableFuture<RecoveryEvidence> run = CompletableFuture.supplyAsync(() -> runner.run(plan, null));

        long deadline = System.currentTimeMillis() + 120_000;
        while (!f.readProjection().equals(generated.truth()) && System.currentTimeMillis() < deadline) {
            Thread.sleep(500);
        }
        assertThat(f.readProjection()).as("caught up").isEqualTo(generated.truth());
        InventoryLevel before = f.readProjection().get("SKU-00003");
        try (KafkaProducer<byte[], byte[]> producer = f.producer(Map.of())) {
            producer.send(new ProducerRecord<>(f.source, 0, "SKU-00003".getBytes(StandardCharsets.UTF_8),
                    f.generator().encode(3, "after-plan-1", "SKU-00003", "RECEIVED", 7, "WH1/A-1", System.currentTimeMillis())));
        }
        while (System.currentTimeMillis() < deadline && f.readProjection().get("SKU-00003").getReceived() == before.getReceived()) {
            Thread.sleep(500);
        }
        assertThat(f.readProjection().get("SKU-00003").getReceived()).as("an event after the plan's end is applied")
                .isEqualTo(before.getReceived() + 7);
        assertThat(run).as("a continuous run keeps going").isNotDone();

        runner.stop();
        RecoveryEvidence evidence = run.get(60, TimeUnit.SECONDS);
        assertThat(evidence.getEventsProcessed()).as("the evidence covers the planned range").isEqualTo(1_000);
        assertThat(evidence.getConfidenceStatus()).isEqualTo(ConfidenceStatus.trusted);
    }
}
