package dev.reprise.it;

import dev.reprise.Cli;
import dev.reprise.evidence.EvidenceCodec;
import dev.reprise.evidence.avro.ConfidenceStatus;
import dev.reprise.evidence.avro.EvidenceKind;
import dev.reprise.evidence.avro.PartitionRange;
import dev.reprise.evidence.avro.RecoveryEvidence;
import com.fasterxml.jackson.databind.JsonNode;
import dev.reprise.run.RunStore;
import dev.reprise.plan.RunPlan;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import static dev.reprise.Cli.reprise;
import static dev.reprise.it.OperatorWorkflowIT.args;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code reprise evidence} as a CD gate runs it against a real broker: an evidence topic of two
 * partitions holding a trusted run A, a later untrusted run B, a run C that only wrote progress, and
 * a record that is not evidence at all.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class EvidenceCommandIT {
    private static final String RUN_A = "20250101T100000-aaaaaa";
    private static final String RUN_B = "20250101T110000-bbbbbb";
    private static final String RUN_C = "20250101T120000-cccccc";

    private static ReplayFixture f;
    private static Path contract;

    @BeforeAll
    static void writeEvidence() throws Exception {
        f = new ReplayFixture(1, "");
        contract = f.contractFile();
        f.kafka.createTopic(f.evidence, 2, Map.of());
        long now = System.currentTimeMillis();
        // The runs as Reprise records them: A, then C, then B, the run in force.
        recordRuns(f, now - 10_000, RUN_A, RUN_C, RUN_B);
        try (KafkaProducer<byte[], byte[]> producer = f.producer(Map.of())) {
            // Run A's record is the latest on the topic, but B is the run in force: the run decides, never the latest record.
            producer.send(record(1, now - 1_000, evidence(RUN_B, EvidenceKind.FINAL, ConfidenceStatus.untrusted, 900))).get();
            producer.send(record(0, now - 800, evidence(RUN_A, EvidenceKind.FINAL, ConfidenceStatus.trusted, 1_000))).get();
            producer.send(new ProducerRecord<>(f.evidence, 0, now - 500, "garbage".getBytes(StandardCharsets.UTF_8),
                    "{\"not\": \"evidence\"}".getBytes(StandardCharsets.UTF_8))).get();
            producer.send(record(0, now, evidence(RUN_C, EvidenceKind.PROGRESS, null, 250))).get();
        }
    }

    /** Makes each run in turn the run in force of the fixture's application, as 'reprise run' and 'reset --execute' do. */
    static void recordRuns(ReplayFixture f, long createdAt, String... runIds) {
        try (Admin admin = f.kafka.admin()) {
            RunStore store = new RunStore(f.contract, f.kafka.clientConfig());
            Optional<String> previous = store.current(admin).map(RunPlan::runId);
            for (String runId : runIds) {
                RunPlan plan = new RunPlan(runId, f.contract.name(), f.contract.hash(), f.contract.applicationId(), createdAt,
                        List.of(new RunPlan.PartitionRange(f.source, 0, 0, 0, -1, -1)), 1);
                store.claim(admin, previous, plan, p -> { });
                previous = Optional.of(runId);
            }
        }
    }

    private static ProducerRecord<byte[], byte[]> record(int partition, long timestamp, RecoveryEvidence e) {
        return new ProducerRecord<>(f.evidence, partition, timestamp, e.getRunId().getBytes(StandardCharsets.UTF_8), EvidenceCodec.encode(e));
    }

    private static RecoveryEvidence evidence(String runId, EvidenceKind kind, ConfidenceStatus status, long processed) {
        return RecoveryEvidence.newBuilder()
                .setRunId(runId)
                .setKind(kind)
                .setContractName(f.contract.name())
                .setContractHash(f.contract.hash())
                .setApplicationId(f.contract.applicationId())
                .setProjection(f.contract.projection().name())
                .setProjectionTopic(f.contract.projection().topic())
                .setRanges(List.of(PartitionRange.newBuilder().setTopic(f.source).setPartition(0).setStartOffset(0L).setEndOffset(processed).setEventsRead(processed).build()))
                .setEventsRead(processed)
                .setEventsProcessed(processed)
                .setDuplicatesSkipped(0)
                .setFiltered(0)
                .setOutOfRange(0)
                .setDeadLettered(0)
                .setDeadLetterReasons(Map.of())
                .setUpcasts(List.of())
                .setProjectionKeys(processed / 10)
                .setReconciliationChecks(List.of())
                .setReconciliationFailures(status == ConfidenceStatus.untrusted ? 1 : 0)
                .setChecksum(kind == EvidenceKind.FINAL ? "00000000000000ff" : "")
                .setConfidenceStatus(status)
                .setConfidenceReasons(List.of(status == null ? "in progress" : "written by " + EvidenceCommandIT.class.getSimpleName()))
                .setStartedAt(Instant.parse("2025-01-01T10:00:00Z"))
                .setEndedAt(kind == EvidenceKind.FINAL ? Instant.parse("2025-01-01T10:05:00Z") : null)
                .setEventsPerSecond(100.0)
                .build();
    }

    @Test
    void aTrustedRunExitsZeroAndPrintsItsReport() {
        Cli.Outcome o = reprise(args(f, contract, "evidence", "--run-id", RUN_A));

        assertThat(o.exitCode()).as("exit code of trusted run A; stderr:%n%s", o.stderr()).isZero();
        assertThat(o.stdout()).as("the report names the run and its verdict").contains("for run " + RUN_A).containsPattern("verdict +TRUSTED\n");
    }

    @Test
    void withoutARunIdTheRunInForceDecidesNotTheLatestRecordAndBIsUntrusted() {
        Cli.Outcome o = reprise(args(f, contract, "evidence"));

        assertThat(o.exitCode()).as("exit code of the run in force (untrusted run B); stderr:%n%s", o.stderr()).isEqualTo(4);
        assertThat(o.stdout()).contains("for run " + RUN_B).containsPattern("verdict +UNTRUSTED\n").doesNotContain(RUN_A)
                .contains("UNSIGNED");
        assertThat(o.stderr()).as("unsigned evidence is said to be unsigned").contains("evidence of run " + RUN_B + " is UNSIGNED");
    }

    @Test
    void jsonIsOneObjectWithSnakeCaseFields() {
        Cli.Outcome o = reprise(args(f, contract, "evidence", "--run-id", RUN_A, "--json"));

        assertThat(o.exitCode()).as("exit code; stderr:%n%s", o.stderr()).isZero();
        assertThat(o.stdout().strip().lines()).as("one line of JSON on stdout").hasSize(1);
        JsonNode evidence = o.json();
        assertThat(evidence.isObject()).isTrue();
        assertThat(evidence.get("run_id").asText()).isEqualTo(RUN_A);
        assertThat(evidence.get("events_processed").asLong()).isEqualTo(1_000);
        assertThat(evidence.get("confidence_status").asText()).isEqualTo("trusted");
        assertThat(evidence.get("kind").asText()).isEqualTo("FINAL");
    }

    @Test
    void anUnknownRunExitsOneAndNamesTheRunAndTheRunStore() {
        Cli.Outcome o = reprise(args(f, contract, "evidence", "--run-id", "no-such-run"));

        assertThat(o.exitCode()).isEqualTo(1);
        assertThat(o.stdout()).isEmpty();
        assertThat(o.stderr()).contains("run no-such-run is not a run of application " + f.contract.applicationId())
                .contains(f.contract.applicationId() + "-reprise-runs");
    }

    @Test
    void aRunWithOnlyProgressIsStillGoingAndShowsItsProgressOnRequest() {
        Cli.Outcome plain = reprise(args(f, contract, "evidence", "--run-id", RUN_C));

        assertThat(plain.exitCode()).isEqualTo(1);
        assertThat(plain.stdout()).isEmpty();
        assertThat(plain.stderr()).contains("run " + RUN_C + " is still going (250 events read").contains("--include-progress");

        Cli.Outcome shown = reprise(args(f, contract, "evidence", "--run-id", RUN_C, "--include-progress", "--json"));

        assertThat(shown.exitCode()).as("progress is not a verdict").isEqualTo(1);
        JsonNode progress = shown.json();
        assertThat(progress.get("kind").asText()).isEqualTo("PROGRESS");
        assertThat(progress.get("run_id").asText()).isEqualTo(RUN_C);
    }
}
