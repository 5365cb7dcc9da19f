package dev.reprise.it;

import dev.reprise.Cli;
import dev.reprise.evidence.EvidenceCodec;
import dev.reprise.evidence.EvidenceKeys;
import dev.reprise.evidence.EvidenceSamples;
import dev.reprise.evidence.EvidenceSignature;
import dev.reprise.evidence.avro.ConfidenceStatus;
import dev.reprise.evidence.avro.EvidenceKind;
import dev.reprise.evidence.avro.RecoveryEvidence;
import dev.reprise.runner.ReplayRunner;
import dev.reprise.run.RunStore;
import dev.reprise.plan.Planner;
import dev.reprise.plan.RunPlan;
import dev.reprise.sample.inventory.InventoryGenerator;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.header.Header;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static dev.reprise.Cli.reprise;
import static dev.reprise.it.OperatorWorkflowIT.args;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Trusted means proven, on a real broker: evidence is read for its own contract and run only, and evidence that
 * Reprise did not write (a copy with its verdict changed, a record signed with another key, an unsigned record) is
 * never taken as a verdict to promote on.
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class EvidenceAuthIT {
    /** An invariant no level satisfies: every run of the contract is untrusted. */
    private static final String FAILING_INVARIANT = """
            reconciliation:
              invariants:
                - name: never_holds
                  expression: movements < 0
            promote:
              max_changed_ratio: 1.0
            """;

    /**
     * Regression: with config/inventory.yaml and config/invoice.yaml sharing the topic reprise-evidence, the contract whose
     * run was untrusted answered `reprise evidence` with exit 0, TRUSTED and the other contract's run.
     */
    @Test
    void twoContractsSharingAnEvidenceTopicNeverSeeEachOthersVerdict() throws Exception {
        ReplayFixture a = new ReplayFixture(1, "");
        ReplayFixture b = new ReplayFixture(1, "");
        Path contractA = a.contractFile();
        // B writes its evidence to A's topic, as two contracts of config/ do.
        Path contractB = Files.writeString(b.stateDir.resolve("shared.yaml"), Files.readString(b.contractFile())
                .replace("topic: " + b.evidence, "topic: " + a.evidence).replace(b.evidence + ",", a.evidence + ","));
        a.kafka.createTopic(a.evidence, 1, Map.of());
        long now = System.currentTimeMillis();
        String runA = "20250101T100000-aaaaaa";
        String runB = "20250101T100000-bbbbbb";
        EvidenceCommandIT.recordRuns(a, now - 10_000, runA);
        EvidenceCommandIT.recordRuns(b, now - 10_000, runB);
        dev.reprise.contract.Contract sharedB = dev.reprise.contract.ContractLoader.load(contractB);
        try (KafkaProducer<byte[], byte[]> producer = a.producer(Map.of())) {
            producer.send(new ProducerRecord<>(a.evidence, null, now - 2_000, bytes(runB),
                    EvidenceCodec.encode(EvidenceSamples.of(sharedB, runB, EvidenceKind.FINAL, ConfidenceStatus.untrusted, 900, b.source)))).get();
            // The other contract's trusted verdict is the latest record on the topic.
            producer.send(new ProducerRecord<>(a.evidence, null, now - 1_000, bytes(runA),
                    EvidenceCodec.encode(EvidenceSamples.of(a.contract, runA, EvidenceKind.FINAL, ConfidenceStatus.trusted, 1_000, a.source)))).get();
            // A record that claims B's run but names A's application: not B's evidence either.
            producer.send(new ProducerRecord<>(a.evidence, null, now - 500, bytes(runB),
                    EvidenceCodec.encode(EvidenceSamples.of(a.contract, runB, EvidenceKind.FINAL, ConfidenceStatus.trusted, 1_000, a.source)))).get();
        }

        Cli.Outcome untrusted = reprise(args(b, contractB, "evidence", "--json"));
        assertThat(untrusted.exitCode()).as("B's own run is untrusted; stderr:%n%s", untrusted.stderr()).isEqualTo(4);
        assertThat(untrusted.json().get("run_id").asText()).isEqualTo(runB);
        assertThat(untrusted.json().get("application_id").asText()).isEqualTo(sharedB.applicationId());
        assertThat(untrusted.stderr()).contains("names application " + a.contract.applicationId());

        Cli.Outcome trusted = reprise(args(a, contractA, "evidence", "--json"));
        assertThat(trusted.exitCode()).as("A's own run is trusted; stderr:%n%s", trusted.stderr()).isZero();
        assertThat(trusted.json().get("run_id").asText()).isEqualTo(runA);

        Cli.Outcome other = reprise(args(b, contractB, "evidence", "--run-id", runA));
        assertThat(other.exitCode()).as("A's run is not B's to read").isEqualTo(1);
        assertThat(other.stderr()).contains("run " + runA + " is not a run of application " + sharedB.applicationId());
        assertThat(reprise(args(b, contractB, "verify", "--run-id", runA)).exitCode()).isEqualTo(1);
        assertThat(reprise(args(b, contractB, "promote", "--to", b.live, "--run-id", runA, "--execute", "--allow-unsigned-evidence")).exitCode())
                .isEqualTo(1);
    }

    /**
     * Regression: an untrusted run's final record, copied, set to trusted and sent by a plain producer an hour ahead, made
     * `reprise evidence` exit 0 and `promote --execute` write every key.
     */
    @Test
    void aForgedCopyOfAnUntrustedRunsEvidenceIsIgnoredAndPromoteWritesNothing() throws Exception {
        ReplayFixture f = new ReplayFixture(2, FAILING_INVARIANT);
        f.generate(new InventoryGenerator.Options(1_000, 0, 0, 2, 20, 41L));
        Path contract = f.contractFile();
        f.kafka.createTopic(f.live, 2, Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT));
        ReplayFixture.Run run = f.newRun();
        assertThat(run.evidence().getConfidenceStatus()).isEqualTo(ConfidenceStatus.untrusted);
        assertThat(run.evidence().getSignatureKeyId()).isEqualTo(EvidenceKeys.keyId(EvidenceKeys.readPublic(f.publicKey(), "test")));

        ConsumerRecord<byte[], byte[]> genuine = finalRecord(f, run.plan().runId());
        RecoveryEvidence forged = RecoveryEvidence.newBuilder(EvidenceCodec.reader(f.codecs.resolver()).read(genuine.value()))
                .setConfidenceStatus(ConfidenceStatus.trusted).setConfidenceReasons(List.of("all checks passed")).build();
        try (KafkaProducer<byte[], byte[]> producer = f.producer(Map.of())) {
            ProducerRecord<byte[], byte[]> copy = new ProducerRecord<>(f.evidence, genuine.partition(), System.currentTimeMillis() + 3_600_000,
                    genuine.key(), EvidenceCodec.encode(forged));
            // The attacker copies every header, the signature too.
            for (Header h : genuine.headers()) {
                copy.headers().add(h.key(), h.value());
            }
            producer.send(copy).get();
        }

        String key = f.publicKey().toString();
        Cli.Outcome gate = reprise(args(f, contract, "evidence", "--evidence-public-key", key, "--json"));
        assertThat(gate.exitCode()).as("the run's own verdict; stderr:%n%s", gate.stderr()).isEqualTo(4);
        assertThat(gate.json().get("confidence_status").asText()).isEqualTo("untrusted");
        assertThat(gate.json().get("authenticity").get("signature").asText()).isEqualTo("verified");
        assertThat(gate.json().get("authenticity").get("ignored_records").asInt()).isEqualTo(1);
        assertThat(gate.stderr()).contains("1 evidence record of run " + run.plan().runId() + " failed verification and was ignored")
                .contains("signature does not verify");

        Cli.Outcome promote = reprise(args(f, contract, "promote", "--evidence-public-key", key, "--to", f.live, "--execute"));
        assertThat(promote.exitCode()).as("refused on the run's untrusted verdict; stderr:%n%s", promote.stderr()).isEqualTo(4);
        assertThat(f.readLatest(f.live)).as("promote wrote nothing").isEmpty();

        // Without the public key the copy cannot be told from the record, and a copy may only make the verdict worse.
        Cli.Outcome unkeyed = reprise(args(f, contract, "evidence"));
        assertThat(unkeyed.exitCode()).as("the least trusted final record decides; stderr:%n%s", unkeyed.stderr()).isEqualTo(4);
        assertThat(unkeyed.stderr()).contains("has 2 final evidence records; the least trusted one is taken").contains("NOT verified");
        Cli.Outcome allowed = reprise(args(f, contract, "promote", "--to", f.live, "--execute", "--allow-unsigned-evidence"));
        assertThat(allowed.exitCode()).as(allowed.stderr()).isEqualTo(4);
        assertThat(f.readLatest(f.live)).as("promote wrote nothing").isEmpty();
    }

    @Test
    void aRecordSignedWithAnotherKeyIsIgnoredAndOnlyTheRunsOwnVerdictCounts() throws Exception {
        ReplayFixture f = new ReplayFixture(1, FAILING_INVARIANT);
        f.generate(new InventoryGenerator.Options(300, 0, 0, 1, 10, 42L));
        Path contract = f.contractFile();
        ReplayFixture.Run run = f.newRun();
        KeyPair other = EvidenceKeys.generate();
        EvidenceSignature.Signer stranger = EvidenceSignature.Signer.of(other.getPrivate(), other.getPublic());
        byte[] value = EvidenceCodec.encode(stranger.stamp(RecoveryEvidence.newBuilder(run.evidence())
                .setConfidenceStatus(ConfidenceStatus.trusted).build()));
        try (KafkaProducer<byte[], byte[]> producer = f.producer(Map.of())) {
            ProducerRecord<byte[], byte[]> r = new ProducerRecord<>(f.evidence, null, System.currentTimeMillis() + 60_000, bytes(run.plan().runId()), value);
            stranger.headers(value).forEach(r.headers()::add);
            producer.send(r).get();
        }

        Cli.Outcome o = reprise(args(f, contract, "verify", "--evidence-public-key", f.publicKey().toString(), "--json"));
        assertThat(o.exitCode()).as("stderr:%n%s", o.stderr()).isEqualTo(4);
        assertThat(o.json().get("evidence_status").asText()).isEqualTo("untrusted");
        assertThat(o.stderr()).contains("signed by " + EvidenceKeys.keyId(other.getPublic()) + ", not by the configured key");
    }

    @Test
    void unsignedEvidenceIsRefusedByPromoteExecuteUnlessAllowedExplicitly() throws Exception {
        ReplayFixture f = new ReplayFixture(1, "promote:\n  max_changed_ratio: 1.0\n");
        f.generate(new InventoryGenerator.Options(500, 0, 0, 1, 10, 43L));
        Path contract = f.contractFile();
        f.kafka.createTopic(f.live, 1, Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT));
        // A runner without a signing key: its evidence says it is unsigned.
        ReplayRunner unsigned = new ReplayRunner(f.contract, f.codecs, f.kafka.clientConfig(), f.stateDir, Map.of("commit.interval.ms", 100));
        RunPlan plan;
        try (Admin admin = f.kafka.admin()) {
            plan = new Planner(admin, f.kafka.clientConfig()).plan(f.contract);
            unsigned.begin(admin, new RunStore(f.contract, f.kafka.clientConfig()).current(admin).map(RunPlan::runId), plan);
        }
        RecoveryEvidence e = unsigned.run(plan, null);
        assertThat(e.getConfidenceStatus()).isEqualTo(ConfidenceStatus.trusted);
        assertThat(e.getSignatureKeyId()).as("the evidence says it is unsigned").isNull();

        Cli.Outcome evidence = reprise(args(f, contract, "evidence"));
        assertThat(evidence.exitCode()).as("evidence reports the verdict, and that it is unsigned").isZero();
        assertThat(evidence.stdout()).contains("UNSIGNED");

        Cli.Outcome refused = reprise(args(f, contract, "promote", "--to", f.live, "--execute"));
        assertThat(refused.exitCode()).as(refused.stderr()).isEqualTo(1);
        assertThat(refused.stderr()).contains("refused").contains("UNSIGNED").contains("Nothing was written").contains("--allow-unsigned-evidence");
        assertThat(f.readLatest(f.live)).as("nothing written").isEmpty();

        Cli.Outcome forced = reprise(args(f, contract, "promote", "--to", f.live, "--execute", "--force", "--reason", "try"));
        assertThat(forced.exitCode()).as("--force does not override unsigned evidence").isEqualTo(1);

        Cli.Outcome keyed = reprise(args(f, contract, "promote", "--evidence-public-key", f.publicKey().toString(), "--to", f.live, "--execute"));
        assertThat(keyed.exitCode()).as("with a public key, unsigned records are not evidence at all").isEqualTo(1);
        assertThat(keyed.stderr()).contains("failed verification and was ignored: unsigned").contains("that passed verification");

        Cli.Outcome allowed = reprise(args(f, contract, "promote", "--to", f.live, "--execute", "--allow-unsigned-evidence"));
        assertThat(allowed.exitCode()).as(allowed.stderr()).isZero();
        assertThat(allowed.stderr()).contains("--allow-unsigned-evidence: promoting on evidence that is UNSIGNED");
        assertThat(f.readLatest(f.live)).hasSize(10);
    }

    /** Regression: a running instance took the first final record carrying its run id as its end and its verdict. */
    @Test
    void aRunningInstanceDoesNotTakeAForgedFinalRecordAsItsEnd() throws Exception {
        ReplayFixture f = new ReplayFixture(1, FAILING_INVARIANT);
        f.generate(new InventoryGenerator.Options(300, 0, 0, 1, 10, 44L));
        for (boolean keyed : List.of(true, false)) {
            ReplayRunner runner = keyed ? f.runner()
                    : new ReplayRunner(f.contract, f.codecs, f.kafka.clientConfig(), f.stateDir, Map.of("commit.interval.ms", 100));
            RunPlan plan;
            try (Admin admin = f.kafka.admin()) {
                plan = new Planner(admin, f.kafka.clientConfig()).plan(f.contract);
                runner.begin(admin, new RunStore(f.contract, f.kafka.clientConfig()).current(admin).map(RunPlan::runId), plan);
            }
            // Written before the run starts, so the instance finds it first: trusted, the run's id, no valid signature or mark.
            RecoveryEvidence forged = EvidenceSamples.of(f.contract, plan.runId(), EvidenceKind.FINAL, ConfidenceStatus.trusted, 300, f.source);
            try (KafkaProducer<byte[], byte[]> producer = f.producer(Map.of())) {
                ProducerRecord<byte[], byte[]> r = new ProducerRecord<>(f.evidence, bytes(plan.runId()), EvidenceCodec.encode(forged));
                r.headers().add(EvidenceSignature.WRITER_HEADER, "bm90IHRoZSB3cml0ZXI=".getBytes(StandardCharsets.US_ASCII));
                producer.send(r).get();
            }

            RecoveryEvidence ended = runner.run(plan, null);

            assertThat(ended.getConfidenceStatus()).as("keyed %s: the run's own verdict, not the forged one", keyed).isEqualTo(ConfidenceStatus.untrusted);
            assertThat(ended.getReconciliationFailures()).as("keyed %s", keyed).isPositive();
        }
    }

    private static ConsumerRecord<byte[], byte[]> finalRecord(ReplayFixture f, String runId) {
        return f.readAll(f.evidence).stream().filter(r -> new String(r.key(), StandardCharsets.UTF_8).equals(runId))
                .filter(r -> "FINAL".equals(new String(r.headers().lastHeader("reprise.evidence_kind").value(), StandardCharsets.UTF_8)))
                .findFirst().orElseThrow();
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
