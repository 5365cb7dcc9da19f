package dev.reprise.ops;

import dev.reprise.codec.PoisonRecordException;
import dev.reprise.codec.SchemaResolver;
import dev.reprise.contract.Contract;
import dev.reprise.evidence.EvidenceCodec;
import dev.reprise.evidence.avro.EvidenceKind;
import dev.reprise.evidence.avro.RecoveryEvidence;
import dev.reprise.plan.Codecs;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

import java.time.Duration;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Reads a contract's evidence topic to its end and finds the latest record of a run. */
public final class EvidenceReader {
    private final Contract contract;
    private final Map<String, Object> clientConfig;
    private final EvidenceCodec codec;

    /** Reads evidence in any encoding; Confluent-framed evidence through the contract's registry or id map. */
    public EvidenceReader(Contract contract, Map<String, Object> clientConfig) {
        this(contract, clientConfig, Codecs.schemaSources(contract).resolver());
    }

    /** @param resolver finds the writer schema of Confluent-framed evidence by its id */
    public EvidenceReader(Contract contract, Map<String, Object> clientConfig, SchemaResolver resolver) {
        this.contract = contract;
        this.clientConfig = clientConfig;
        this.codec = EvidenceCodec.reader(resolver);
    }

    /**
     * @param runId    the run, or {@code null} for any run
     * @param kind     FINAL or PROGRESS
     * @return the last matching record in topic order, skipping records that are not evidence
     */
    public Optional<RecoveryEvidence> latest(String runId, EvidenceKind kind) {
        Latest found = read(runId);
        return Optional.ofNullable(kind == EvidenceKind.FINAL ? found.finalEvidence() : found.progress());
    }

    /**
     * The last record of a kind of a run planned at {@code plannedAtMillis}: read from a minute before that time on,
     * not from the topic's beginning (the evidence topic keeps every run's records forever).
     */
    public Optional<RecoveryEvidence> latest(String runId, EvidenceKind kind, long plannedAtMillis) {
        Latest found = read(runId, plannedAtMillis - 60_000);
        return Optional.ofNullable(kind == EvidenceKind.FINAL ? found.finalEvidence() : found.progress());
    }

    /**
     * The last final and the last progress record of a run, from one read of the topic.
     *
     * @param finalEvidence {@code null} when the run has no final evidence (yet)
     * @param progress      {@code null} when the run wrote no progress record
     */
    public record Latest(RecoveryEvidence finalEvidence, RecoveryEvidence progress) {
    }

    /**
     * Reads the evidence topic from its beginning to its read_committed end offsets, without a consumer
     * group. "Last" is by record timestamp, and by offset for equal timestamps.
     *
     * @param runId the run, or {@code null} for any run (the final and the progress record may then be of different runs)
     */
    public Latest read(String runId) {
        return read(runId, -1);
    }

    /** @param sinceMillis read from the first record at or after this time; -1: from the beginning */
    private Latest read(String runId, long sinceMillis) {
        Map<String, Object> config = new HashMap<>(clientConfig);
        config.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        config.remove(ConsumerConfig.GROUP_ID_CONFIG);
        Map<EvidenceKind, RecoveryEvidence> found = new EnumMap<>(EvidenceKind.class);
        Map<EvidenceKind, Long> foundTime = new EnumMap<>(EvidenceKind.class);
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(config, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> partitions = consumer.partitionsFor(contract.evidence().topic(), Duration.ofSeconds(30)).stream()
                    .map(p -> new TopicPartition(p.topic(), p.partition())).toList();
            if (partitions.isEmpty()) {
                return new Latest(null, null);
            }
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> ends = consumer.endOffsets(partitions);
            if (sinceMillis >= 0) {
                Map<TopicPartition, Long> times = new HashMap<>();
                partitions.forEach(tp -> times.put(tp, sinceMillis));
                consumer.offsetsForTimes(times).forEach((tp, o) -> consumer.seek(tp, o == null ? ends.get(tp) : o.offset()));
            }
            long deadline = System.currentTimeMillis() + 60_000;
            while (partitions.stream().anyMatch(tp -> consumer.position(tp) < ends.get(tp))) {
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    if (r.value() == null) {
                        continue;
                    }
                    RecoveryEvidence e;
                    try {
                        e = codec.read(r.value());
                    } catch (PoisonRecordException notEvidence) {
                        continue;
                    }
                    if ((runId == null || runId.equals(e.getRunId())) && r.timestamp() >= foundTime.getOrDefault(e.getKind(), Long.MIN_VALUE)) {
                        found.put(e.getKind(), e);
                        foundTime.put(e.getKind(), r.timestamp());
                    }
                }
                if (System.currentTimeMillis() > deadline) {
                    throw new IllegalStateException("could not read " + contract.evidence().topic() + " to its end within 60 s");
                }
            }
        } catch (org.apache.kafka.common.errors.TimeoutException e) {
            // Not "no evidence": a gate must not read an unreachable cluster as a run without a verdict.
            throw new ClusterUnreachableException("could not read the evidence topic " + contract.evidence().topic() + " from the cluster at "
                    + clientConfig.get(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG) + ": " + e.getMessage()
                    + ". Check that the cluster is up and reachable; --timeout gives it longer", e);
        }
        return new Latest(found.get(EvidenceKind.FINAL), found.get(EvidenceKind.PROGRESS));
    }
}
