package dev.reprise.evidence.io;

import dev.reprise.codec.HeaderNames;
import dev.reprise.contract.Contract;
import dev.reprise.evidence.EvidenceBuilder;
import dev.reprise.evidence.EvidenceCodec;
import dev.reprise.evidence.EvidenceSignature;
import dev.reprise.evidence.avro.ConfidenceStatus;
import dev.reprise.evidence.avro.EvidenceKind;
import dev.reprise.evidence.avro.RecoveryEvidence;
import dev.reprise.plan.RunPlan;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndTimestamp;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;

/**
 * The runner's side of the evidence topic: it follows the run's records (from a minute before the plan was made,
 * so it cannot miss them) to see the run's end, and writes the records the topology cannot write itself: the
 * untrusted FINAL record of an aborted run and the PROGRESS record that says a threshold paused it.
 */
public final class EvidenceChannel implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(EvidenceChannel.class);
    private final Contract contract;
    private final Map<String, Object> clientConfig;
    private final RunPlan plan;
    private final KafkaConsumer<byte[], byte[]> consumer;
    private final EvidenceCodec codec;
    private final EvidenceSignature.Signer signer;
    /** The last final record of this run that this process did not write (unsigned runs only), or null. */
    private RecoveryEvidence foreignFinal;
    /** Records of this run that the run did not write, already reported (each is logged once). */
    private final java.util.Set<String> refused = new java.util.HashSet<>();

    /** What one poll found of this run: its final evidence, its latest progress (either may be null). */
    public record Observed(RecoveryEvidence finalEvidence, RecoveryEvidence progress) {
    }

    public EvidenceChannel(Contract contract, Map<String, Object> clientConfig, RunPlan plan, EvidenceCodec codec) {
        this(contract, clientConfig, plan, codec, EvidenceSignature.Signer.unsigned());
    }

    /** @param signer signs what this channel writes, and recognises the run's own final records ({@link #poll}) */
    public EvidenceChannel(Contract contract, Map<String, Object> clientConfig, RunPlan plan, EvidenceCodec codec, EvidenceSignature.Signer signer) {
        this.contract = contract;
        this.codec = codec;
        this.signer = signer;
        this.clientConfig = clientConfig;
        this.plan = plan;
        Map<String, Object> p = new HashMap<>(clientConfig);
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        p.remove(ConsumerConfig.GROUP_ID_CONFIG);
        this.consumer = new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer());
        List<TopicPartition> partitions = new ArrayList<>();
        for (PartitionInfo info : consumer.partitionsFor(contract.evidence().topic(), Duration.ofSeconds(30))) {
            partitions.add(new TopicPartition(info.topic(), info.partition()));
        }
        consumer.assign(partitions);
        Map<TopicPartition, Long> since = new HashMap<>();
        partitions.forEach(tp -> since.put(tp, plan.createdAtMillis() - 60_000));
        Map<TopicPartition, OffsetAndTimestamp> offsets = consumer.offsetsForTimes(since, Duration.ofSeconds(30));
        for (TopicPartition tp : partitions) {
            OffsetAndTimestamp o = offsets.get(tp);
            if (o == null) {
                consumer.seekToEnd(List.of(tp));
            } else {
                consumer.seek(tp, o.offset());
            }
        }
    }

    /** As {@link #poll(BooleanSupplier)} for an instance that hosts the evidence task (or does not know). */
    public Observed poll() {
        return poll(() -> true);
    }

    /**
     * Reads what arrived (up to 250 ms); records of other runs and records that are not evidence are skipped, and so is a
     * final record of this run that the run did not write.
     *
     * <p>Which final record the run wrote itself: with a signing key, one whose Ed25519 signature verifies with the run's
     * public key (every instance of the run holds the same key pair, so each recognises the record whichever instance wrote
     * it). Without a key, nothing a reader sees can prove who wrote a record: headers and value are copied as easily as
     * read. So the writer marks its records with an HMAC of their value under a secret that exists only in this process's
     * memory ({@link EvidenceSignature.Signer#writtenHere}); a copy carries a mark that does not match its changed value, and
     * a new record cannot get one. Another process's records carry another secret's mark, so an instance that hosts the
     * evidence task, which writes the run's final record itself, takes only its own; one that does not host it cannot tell
     * another instance's record from a forged one and takes it as the end of the run, with a warning (a run of several
     * instances is authenticated only with a signing key; readers report its evidence unsigned either way).
     *
     * @param mayWriteFinal whether this instance runs the evidence task, or may (it has no tasks yet): then it writes the final
     *                      record itself and takes no other
     */
    public Observed poll(BooleanSupplier mayWriteFinal) {
        RecoveryEvidence progress = null;
        for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(250))) {
            if (r.value() == null) {
                continue;
            }
            try {
                RecoveryEvidence e = codec.read(r.value());
                if (!e.getRunId().equals(plan.runId()) || !contract.applicationId().equals(e.getApplicationId())) {
                    continue;
                }
                boolean own = signer.writtenHere(r.value(), name -> {
                    org.apache.kafka.common.header.Header h = r.headers().lastHeader(name);
                    return h == null ? null : h.value();
                });
                if (!own && signer.signs()) {
                    refuse(e, r, "its signature does not verify with " + signer.keyId());
                    continue;
                }
                if (!own && e.getKind() == EvidenceKind.FINAL) {
                    // Kept, not taken yet: taken only once this instance is known not to write the final record itself.
                    foreignFinal = e;
                    refuse(e, r, "it lacks this process's writer mark");
                    continue;
                }
                if (e.getKind() == EvidenceKind.FINAL) {
                    return new Observed(e, progress);
                }
                progress = e;
            } catch (dev.reprise.codec.PoisonRecordException notEvidence) {
                LOG.debug("skipping a record on the evidence topic that is not evidence: {}", notEvidence.getMessage());
            } catch (RuntimeException unreadable) {
                // A Confluent-framed record of another writer while the registry does not answer. This run's own records
                // never get here: their schema id was registered by this process and is cached.
                LOG.warn("skipping a record on the evidence topic that could not be read: {}", unreadable.getMessage());
            }
        }
        if (foreignFinal != null && !signer.signs() && !mayWriteFinal.getAsBoolean()) {
            LOG.warn("Run {} ended on another instance (unsigned evidence: this instance cannot authenticate it); configure "
                    + "reprise.evidence.signing.key.file on every instance so that each proves the final record is the run's", plan.runId());
            return new Observed(foreignFinal, progress);
        }
        return new Observed(null, progress);
    }

    private void refuse(RecoveryEvidence e, ConsumerRecord<byte[], byte[]> r, String why) {
        String where = r.topic() + "-" + r.partition() + "@" + r.offset();
        if (refused.add(where)) {
            LOG.warn("Not taking the {} record of run {} at {} as this run's own: {}", e.getKind(), plan.runId(), where, why);
        }
    }

    /** Says in the evidence that a threshold paused the run: a PROGRESS record naming it. */
    public void writePaused(RecoveryEvidence lastProgress, String reason) {
        write(RecoveryEvidence.newBuilder(lastProgress != null ? lastProgress : EvidenceBuilder.progress(contract, plan, List.of(), System.currentTimeMillis()))
                .setConfidenceReasons(List.of("paused: " + reason + "; 'reprise resume' continues the run"))
                .build());
    }

    /**
     * Ends an aborted run with FINAL evidence: the counts of the last progress record, verdict untrusted, {@code aborted}
     * set, reason given. Written by the one instance that hosts the evidence task.
     */
    public void writeAborted(RecoveryEvidence lastProgress, String reason) {
        RecoveryEvidence base = lastProgress != null ? lastProgress : EvidenceBuilder.progress(contract, plan, List.of(), System.currentTimeMillis());
        write(RecoveryEvidence.newBuilder(base)
                .setKind(EvidenceKind.FINAL)
                .setAborted(true)
                .setConfidenceStatus(ConfidenceStatus.untrusted)
                .setConfidenceReasons(List.of("aborted: " + (reason == null || reason.isBlank() ? "the operator stopped the run" : reason)
                                + "; the run stopped before it was complete and the projection is partial",
                        "counts are those of the last progress record, before the abort"))
                .setEndedAt(Instant.now())
                .build());
        LOG.warn("Run {} aborted: untrusted evidence written to {}", plan.runId(), contract.evidence().topic());
    }

    private void write(RecoveryEvidence evidence) {
        Map<String, Object> config = new HashMap<>(clientConfig);
        config.put(ProducerConfig.ACKS_CONFIG, "all");
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(config, new ByteArraySerializer(), new ByteArraySerializer())) {
            byte[] value = codec.write(signer.stamp(evidence));
            ProducerRecord<byte[], byte[]> record = new ProducerRecord<>(contract.evidence().topic(), plan.runId().getBytes(StandardCharsets.UTF_8), value);
            record.headers().add(HeaderNames.RUN_ID, plan.runId().getBytes(StandardCharsets.UTF_8));
            record.headers().add(HeaderNames.EVIDENCE_KIND, evidence.getKind().toString().getBytes(StandardCharsets.UTF_8));
            signer.headers(value).forEach(record.headers()::add);
            producer.send(record);
            producer.flush();
        }
    }

    @Override
    public void close() {
        consumer.close();
    }
}
