package dev.reprise.cli;

import dev.reprise.contract.Contract;
import dev.reprise.evidence.avro.ConfidenceStatus;
import dev.reprise.evidence.avro.EvidenceKind;
import dev.reprise.evidence.avro.RecoveryEvidence;
import dev.reprise.ops.EvidenceReader;
import dev.reprise.verify.TopicSnapshot;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;

@Command(name = "promote", mixinStandardHelpOptions = true,
        description = {"Copies a run's rebuilt (shadow) projection into the live projection topic, with tombstones for live keys the "
                + "rebuild no longer has, in one transaction. Only when the run's evidence is trusted, or with --force and a --reason, "
                + "which is recorded on every record written. A dry run unless --execute. The live topic must be in the contract's "
                + "allowed_write_topics."},
        footer = {"", "Example:", "  reprise promote --contract config/inventory.yaml --bootstrap-server localhost:9092 --to inventory-levels --execute"})
final class PromoteCommand implements Callable<Integer> {
    @Mixin
    ClusterOptions cluster = new ClusterOptions();

    @Option(names = "--to", required = true, description = "The live projection topic.")
    String live;

    @Option(names = "--run-id", description = "The run (default: the latest with final evidence).")
    String runId;

    @Option(names = "--execute", description = "Write. Without it nothing changes.")
    boolean execute;

    @Option(names = "--force", description = "Promote a run that is not trusted; needs --reason.")
    boolean force;

    @Option(names = "--reason", description = "Why a run that is not trusted is promoted; written into the records' headers.")
    String reason;

    @Option(names = "--json", description = "Print the result as one JSON object on stdout.")
    boolean json;

    @Override
    public Integer call() {
        Contract contract = cluster.loadContract();
        if (!contract.allowedWriteTopics().contains(live)) {
            throw new IllegalArgumentException("--to " + live + " is not in the contract's allowed_write_topics " + contract.allowedWriteTopics()
                    + "; add it there to let Reprise write it");
        }
        if (live.equals(contract.projection().topic())) {
            throw new IllegalArgumentException("--to must be the live topic, not the shadow topic " + live);
        }
        if (force && (reason == null || reason.isBlank())) {
            throw new IllegalArgumentException("--force needs --reason: an override is recorded");
        }
        Map<String, Object> config = cluster.clientConfig();
        Optional<RecoveryEvidence> found = new EvidenceReader(contract, config).latest(runId, EvidenceKind.FINAL);
        if (found.isEmpty()) {
            System.err.println("reprise promote: no final evidence " + (runId == null ? "" : "for run " + runId + " ") + "on " + contract.evidence().topic());
            return ExitCodes.FAILURE;
        }
        RecoveryEvidence e = found.get();
        if (e.getConfidenceStatus() != ConfidenceStatus.trusted && !force) {
            System.err.println("reprise promote: run " + e.getRunId() + " is " + e.getConfidenceStatus() + ", not trusted: " + e.getConfidenceReasons()
                    + ". Nothing was written. Fix the cause and replay, or override with --force --reason \"...\".");
            return ExitCodes.forVerdict(e.getConfidenceStatus());
        }
        Map<String, TopicSnapshot.Entry> shadow = TopicSnapshot.read(config, contract.projection().topic());
        Map<String, TopicSnapshot.Entry> current = TopicSnapshot.read(config, live);
        Map<String, byte[]> upserts = new LinkedHashMap<>();
        shadow.forEach((k, v) -> {
            if (e.getRunId().equals(v.runId())) {
                TopicSnapshot.Entry now = current.get(k);
                if (now == null || !Arrays.equals(now.value(), v.value())) {
                    upserts.put(k, v.value());
                }
            }
        });
        long runKeys = shadow.values().stream().filter(v -> e.getRunId().equals(v.runId())).count();
        long tombstones = current.keySet().stream().filter(k -> shadow.get(k) == null || !e.getRunId().equals(shadow.get(k).runId())).count();
        if (execute) {
            Map<String, Object> p = new HashMap<>(config);
            p.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, contract.applicationId() + "-reprise-promote");
            try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer())) {
                producer.initTransactions();
                producer.beginTransaction();
                upserts.forEach((k, v) -> producer.send(record(k, v, e)));
                current.keySet().stream().filter(k -> shadow.get(k) == null || !e.getRunId().equals(shadow.get(k).runId()))
                        .forEach(k -> producer.send(record(k, null, e)));
                producer.commitTransaction();
            }
        }
        if (json) {
            Map<String, Object> out = new LinkedHashMap<>();
            out.put("run_id", e.getRunId());
            out.put("to", live);
            out.put("executed", execute);
            out.put("forced", force);
            out.put("keys_in_run", runKeys);
            out.put("upserts", upserts.size());
            out.put("unchanged", runKeys - upserts.size());
            out.put("tombstones", tombstones);
            System.out.println(Json.of(out));
        } else {
            System.out.printf("%s run %s (%s%s) into %s: %,d keys, %,d to write, %,d already equal, %,d tombstones%n",
                    execute ? "Promoted" : "Dry run: would promote", e.getRunId(), e.getConfidenceStatus(), force ? ", forced: " + reason : "",
                    live, runKeys, upserts.size(), runKeys - upserts.size(), tombstones);
            if (!execute) {
                System.out.println("Run again with --execute to write them in one transaction.");
            }
        }
        return ExitCodes.OK;
    }

    private ProducerRecord<byte[], byte[]> record(String key, byte[] value, RecoveryEvidence e) {
        ProducerRecord<byte[], byte[]> r = new ProducerRecord<>(live, key.getBytes(StandardCharsets.UTF_8), value);
        r.headers().add("reprise.promoted_from_run", e.getRunId().getBytes(StandardCharsets.UTF_8));
        if (force) {
            r.headers().add("reprise.promotion_override", reason.getBytes(StandardCharsets.UTF_8));
        }
        return r;
    }
}
