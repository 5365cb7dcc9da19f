package dev.reprise.it;

import dev.reprise.evidence.avro.CheckResult;
import dev.reprise.evidence.avro.ConfidenceStatus;
import dev.reprise.evidence.avro.RecoveryEvidence;
import dev.reprise.runner.ReplayRunner;
import dev.reprise.pipeline.support.DeadLetters;
import dev.reprise.plan.Planner;
import dev.reprise.plan.RunPlan;
import dev.reprise.projection.Event;
import dev.reprise.sample.inventory.InventoryGenerator;
import dev.reprise.sample.inventory.InventoryLevel;
import dev.reprise.sample.inventory.InventoryProjection;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static dev.reprise.it.ReplayIT.header;
import static dev.reprise.it.ReplayIT.send;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Runs that complete and balance but cannot be trusted, on a real broker: a projection that threw on an event, and a run
 * under at_least_once. Both were trusted before (the issue "trusted means proven").
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class DegradedVerdictIT {

    /** The inventory projection with a bug that throws on one event. */
    static final class ThrowsOnOneEvent extends InventoryProjection {
        @Override
        public InventoryLevel apply(InventoryLevel state, Event event) {
            if (event.eventId().equals("boom")) {
                throw new IllegalStateException("no price list for " + event.key());
            }
            return super.apply(state, event);
        }
    }

    @Test
    void aProjectionThatThrowsOnOneValidEventIsCountedAsAnUnexpectedErrorAndTheRunIsDegraded() {
        // Regression for defect A, part 2: a projection that threw on valid events lost them silently while the dead letters
        // stayed under max_dead_letter_ratio (1%): the run was trusted. Here 1 of 201 events (0.5%).
        ReplayFixture fixture = new ReplayFixture(2, "");
        InventoryGenerator gen = fixture.generator();
        try (KafkaProducer<byte[], byte[]> producer = fixture.producer(Map.of())) {
            for (int i = 0; i < 200; i++) {
                String sku = "SKU-" + (i % 10);
                send(producer, fixture.source, i % 2, sku, gen.encode(3, "ok-" + i, sku, "RECEIVED", 1, "WH1/A-1", 1000 + i));
            }
            send(producer, fixture.source, 1, "SKU-3", gen.encode(3, "boom", "SKU-3", "RECEIVED", 1, "WH1/A-1", 5000));
        }
        ReplayRunner runner = new ReplayRunner(fixture.contract, fixture.codecs.withProjection(new ThrowsOnOneEvent(), fixture.codecs.contractInvariants()),
                fixture.kafka.clientConfig(), fixture.stateDir, Map.of("commit.interval.ms", 100));
        RunPlan plan;
        try (Admin admin = fixture.kafka.admin()) {
            plan = new Planner(admin, fixture.kafka.clientConfig()).plan(fixture.contract);
            runner.prepareTopics(admin, plan);
            runner.resetOffsets(admin, plan);
        }
        RecoveryEvidence e = runner.run(plan, null);

        assertThat(e.getEventsProcessed()).isEqualTo(200);
        assertThat(e.getDeadLetterReasons()).isEqualTo(Map.of("unexpected-error", 1L));
        assertThat(e.getReconciliationChecks()).filteredOn(c -> c.getName().equals("no_unexpected_errors"))
                .singleElement().matches(c -> !c.getPassed() && c.getFailures() == 1, "failed once");
        assertThat(e.getConfidenceStatus()).as("0.5% dead letters is within the contract, but a plugin's error is not")
                .isEqualTo(ConfidenceStatus.degraded);
        assertThat(e.getConfidenceReasons()).anyMatch(r -> r.startsWith("1 events dead-lettered because a projection, upcaster or invariant threw"));
        List<ConsumerRecord<byte[], byte[]>> dead = fixture.readAll(fixture.dlq);
        assertThat(dead).hasSize(1);
        ConsumerRecord<byte[], byte[]> letter = dead.get(0);
        assertThat(header(letter, DeadLetters.REASON_CODE)).isEqualTo("unexpected-error");
        assertThat(header(letter, DeadLetters.TOPIC)).isEqualTo(fixture.source);
        assertThat(header(letter, DeadLetters.PARTITION)).isEqualTo("1");
        assertThat(header(letter, DeadLetters.OFFSET)).isEqualTo("100");
        assertThat(header(letter, DeadLetters.REASON)).contains("failed on StockMovement event boom", "no price list for SKU-3 (IllegalStateException)");
        assertThat(e.getReconciliationChecks()).as("every other check made passes (checks_not_made are said, not passed)")
                .filteredOn(c -> !c.getName().equals("no_unexpected_errors") && !e.getChecksNotMade().contains(c.getName()))
                .allMatch(CheckResult::getPassed);
    }

    @Test
    void anAtLeastOnceRunSkipsAbortedTransactionsAndIsDegradedBecauseOfItsGuarantee() {
        // Regression for defect B: under at_least_once the consumers read uncommitted records, so the 10 events of an aborted
        // transaction were applied, and the run was trusted although at_least_once cannot prove each event was applied once.
        ReplayFixture fixture = new ReplayFixture(2, "processing:\n  guarantee: at_least_once\n");
        InventoryGenerator gen = fixture.generator();
        int committed = 0;
        try (KafkaProducer<byte[], byte[]> producer = fixture.producer(Map.of(ProducerConfig.TRANSACTIONAL_ID_CONFIG, "it-alos-" + fixture.suffix))) {
            producer.initTransactions();
            for (int batch = 0; batch < 3; batch++) {
                producer.beginTransaction();
                for (int i = 0; i < 10; i++) {
                    String sku = "SKU-" + (i % 4);
                    send(producer, fixture.source, i % 2, sku, gen.encode(2, "b" + batch + "-" + i, sku, "RECEIVED", 1, "WH1/A-1", 1000 + i));
                }
                if (batch == 1) {
                    // On the broker before the abort: an abort drops the batches the producer has not sent yet.
                    producer.flush();
                    producer.abortTransaction();
                } else {
                    producer.commitTransaction();
                    committed += 10;
                }
            }
        }
        ReplayFixture.Run run = fixture.newRun();

        assertThat(run.evidence().getEventsRead()).as("aborted records are never read").isEqualTo(committed);
        assertThat(run.evidence().getEventsProcessed()).isEqualTo(committed);
        Map<String, InventoryLevel> projection = fixture.readProjection();
        for (int k = 0; k < 4; k++) {
            long expected = k < 2 ? 6 : 4;
            assertThat(projection.get("SKU-" + k).getReceived()).as("SKU-%d: the committed events only", k).isEqualTo(expected);
        }
        assertThat(run.evidence().getConfidenceStatus()).isEqualTo(ConfidenceStatus.degraded);
        assertThat(run.evidence().getConfidenceReasons()).anyMatch(r -> r.startsWith("processing.guarantee is at_least_once"));
    }
}
