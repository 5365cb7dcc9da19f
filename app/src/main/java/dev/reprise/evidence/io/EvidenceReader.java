package dev.reprise.evidence.io;

import dev.reprise.run.RunStore;
import dev.reprise.cluster.ClusterUnreachableException;
import dev.reprise.codec.PoisonRecordException;
import dev.reprise.codec.SchemaResolver;
import dev.reprise.contract.Contract;
import dev.reprise.evidence.EvidenceCodec;
import dev.reprise.evidence.EvidenceKeys;
import dev.reprise.evidence.EvidenceSignature;
import dev.reprise.evidence.avro.ConfidenceStatus;
import dev.reprise.evidence.avro.EvidenceKind;
import dev.reprise.evidence.avro.RecoveryEvidence;
import dev.reprise.plan.CompiledContract;
import dev.reprise.plan.RunPlan;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

import java.security.PublicKey;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/**
 * Finds the evidence of one run of one contract on its evidence topic, which other contracts may share.
 *
 * <p>A record is evidence of the run only when it names the run, the contract's application id and projection, and a
 * contract hash of this contract (as the file reads now, or as it read when the run was planned); the run is the one
 * given, which must be a run of this application recorded in its run store ({@link RunStore}), or else the run in force
 * there; never the latest record on the topic. When a public key is configured, a record whose signature does not
 * verify with it is ignored and counted ({@link Selection#ignored()}); without one, evidence is taken but reported
 * unsigned or unverified ({@link Selection#authenticity()}). When a run has more than one final record (an abort and a
 * completion that crossed, or a copy written by someone else), the least trusted one is its verdict: a record added to
 * the topic can make a verdict worse, never better.
 */
public final class EvidenceReader {
    private final Contract contract;
    private final Map<String, Object> clientConfig;
    private final EvidenceCodec codec;
    private final PublicKey publicKey;

    /**
     * Reads evidence in any encoding; Confluent-framed evidence through the contract's registry or id map. The public key
     * comes from {@code clientConfig}'s {@code reprise.evidence.public.key.file} or the environment ({@link EvidenceTrust}).
     */
    public EvidenceReader(Contract contract, Map<String, Object> clientConfig) {
        this(contract, clientConfig, CompiledContract.schemaSources(contract).resolver(), EvidenceTrust.publicKey(null, clientConfig, System.getenv()).orElse(null));
    }

    /**
     * @param resolver  finds the writer schema of Confluent-framed evidence by its id
     * @param publicKey the key evidence must be signed with, or {@code null} to take unsigned evidence (reported as such)
     */
    public EvidenceReader(Contract contract, Map<String, Object> clientConfig, SchemaResolver resolver, PublicKey publicKey) {
        this.contract = contract;
        this.clientConfig = clientConfig;
        this.codec = EvidenceCodec.reader(resolver);
        this.publicKey = publicKey;
    }

    /** The run asked for is not a run of this contract's application: nothing of it can be evidence for this contract. */
    public static final class UnknownRunException extends IllegalStateException {
        public UnknownRunException(String message) {
            super(message);
        }
    }

    /**
     * What was found of one run.
     *
     * @param runId         the run looked at
     * @param finalEvidence its final evidence (the least trusted if it has several), or {@code null}
     * @param progress      its latest progress record, or {@code null}
     * @param authenticity  of {@code finalEvidence} (of {@code progress} when there is no final): VERIFIED, UNSIGNED or
     *                      NOT_CHECKED; {@code null} when nothing was found
     * @param keyId         the key id the record was signed with, or {@code null} when unsigned
     * @param ignored       records of this run (or claiming to be) that were not taken, each with the reason
     * @param finals        how many final records of the run were taken (more than one: the least trusted decides)
     */
    public record Selection(String runId, RecoveryEvidence finalEvidence, RecoveryEvidence progress, EvidenceSignature.Check authenticity,
                            String keyId, List<String> ignored, int finals, boolean keyed) {
        /** Whether the evidence is signed and its signature verified with the configured public key. */
        public boolean verified() {
            return authenticity == EvidenceSignature.Check.VERIFIED;
        }

        /** One line for people: how far the evidence is proven to come from Reprise. */
        public String authenticityNote() {
            if (authenticity == null) {
                return "no evidence";
            }
            return switch (authenticity) {
                case VERIFIED -> "signed by " + keyId + ", signature verified";
                case NOT_CHECKED -> "signed by " + keyId + ", NOT verified: no public key given (--evidence-public-key, "
                        + "reprise.evidence.public.key.file or " + EvidenceTrust.PUBLIC_KEY_ENV + ")";
                default -> "UNSIGNED: the run had no signing key (reprise.evidence.signing.key.file), so nothing proves Reprise wrote it";
            };
        }

        /** "N evidence records … failed verification and were ignored: …", or {@code null} when none was. */
        public String ignoredNote() {
            if (ignored.isEmpty()) {
                return null;
            }
            return ignored.size() + " evidence record" + (ignored.size() == 1 ? "" : "s") + " of run " + runId
                    + " failed verification and " + (ignored.size() == 1 ? "was" : "were") + " ignored: " + String.join("; ", ignored);
        }

        /** Said when a run has several final records. */
        public String conflictNote() {
            return finals <= 1 ? null : "run " + runId + " has " + finals + " final evidence records; the least trusted one is taken";
        }
    }

    /**
     * The evidence of a run of this contract.
     *
     * @param runId the run, or {@code null} for the run in force recorded in the run store
     * @throws UnknownRunException when the run is not recorded for this application, or no run is
     */
    public Selection select(String runId) {
        RunStore.Recorded recorded = new RunStore(contract, clientConfig).read();
        RunPlan plan;
        if (runId == null) {
            plan = recorded.inForce().orElseThrow(() -> new UnknownRunException("no run of application " + contract.applicationId()
                    + " is recorded on " + RunStore.topic(contract) + ", so there is no evidence of this contract to read (evidence of other "
                    + "contracts on " + contract.evidence().topic() + " is never taken for this one's). Start a run with 'reprise run', or give "
                    + "--run-id of a run of this contract"));
        } else {
            plan = recorded.plans().get(runId);
            if (plan == null) {
                throw new UnknownRunException("run " + runId + " is not a run of application " + contract.applicationId() + ": no plan of it is "
                        + "recorded on " + RunStore.topic(contract) + "; its evidence, if any, belongs to another contract. 'reprise status' "
                        + "names this contract's run in force");
            }
        }
        return forPlan(plan);
    }

    /**
     * The evidence of a run whose plan the caller holds: read from a minute before the plan was made (the evidence topic
     * keeps every run's records forever).
     */
    public Selection forPlan(RunPlan plan) {
        return read(plan, plan.createdAtMillis() - 60_000);
    }

    /** The final evidence of a run, when it has some (the least trusted one if several). */
    public Optional<RecoveryEvidence> finalOf(String runId) {
        return Optional.ofNullable(select(runId).finalEvidence());
    }

    private record Candidate(RecoveryEvidence evidence, long timestamp, long offset, byte[] value, EvidenceSignature.Check check, String keyId) {
    }

    private Selection read(RunPlan plan, long sinceMillis) {
        Map<String, Object> config = new HashMap<>(clientConfig);
        config.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        config.put(ConsumerConfig.ALLOW_AUTO_CREATE_TOPICS_CONFIG, "false");
        config.remove(ConsumerConfig.GROUP_ID_CONFIG);
        String runId = plan.runId();
        List<Candidate> finals = new ArrayList<>();
        Candidate progress = null;
        Map<String, Integer> ignored = new LinkedHashMap<>();
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(config, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            List<org.apache.kafka.common.PartitionInfo> info = consumer.partitionsFor(contract.evidence().topic(), Duration.ofSeconds(30));
            List<TopicPartition> partitions = info == null ? List.of() : info.stream().map(p -> new TopicPartition(p.topic(), p.partition())).toList();
            if (partitions.isEmpty()) {
                return new Selection(runId, null, null, null, null, List.of(), 0, publicKey != null);
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
                    if (!runId.equals(e.getRunId())) {
                        continue;
                    }
                    String where = r.topic() + "-" + r.partition() + "@" + r.offset();
                    String otherContract = otherContract(e, plan);
                    if (otherContract != null) {
                        ignored.merge(otherContract + " (" + where + ")", 1, Integer::sum);
                        continue;
                    }
                    Function<String, byte[]> header = name -> {
                        Header h = r.headers().lastHeader(name);
                        return h == null ? null : h.value();
                    };
                    EvidenceSignature.Check check = EvidenceSignature.check(publicKey, r.value(), header);
                    if (publicKey != null && !check.verified()) {
                        ignored.merge(rejection(check, header) + " (" + where + ", " + e.getKind() + ")", 1, Integer::sum);
                        continue;
                    }
                    Candidate c = new Candidate(e, r.timestamp(), r.offset(), r.value(), check, EvidenceSignature.keyIdOf(header));
                    if (e.getKind() == EvidenceKind.FINAL) {
                        finals.add(c);
                    } else if (progress == null || c.timestamp() >= progress.timestamp()) {
                        progress = c;
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
        List<String> reasons = new ArrayList<>();
        ignored.forEach((reason, n) -> reasons.add(n == 1 ? reason : reason + " ×" + n));
        // Copies of one record (the same bytes written twice) are one final record.
        List<Candidate> distinct = new ArrayList<>();
        for (Candidate c : finals) {
            if (distinct.stream().noneMatch(d -> Arrays.equals(d.value(), c.value()))) {
                distinct.add(c);
            }
        }
        Candidate worst = distinct.stream().min(Comparator.comparingInt((Candidate c) -> rank(c.evidence().getConfidenceStatus()))
                .thenComparingLong(Candidate::offset)).orElse(null);
        Candidate shown = worst != null ? worst : progress;
        EvidenceSignature.Check authenticity = shown == null ? null : shown.check();
        return new Selection(runId, worst == null ? null : worst.evidence(), progress == null ? null : progress.evidence(), authenticity,
                shown == null ? null : shown.keyId(), List.copyOf(reasons), distinct.size(), publicKey != null);
    }

    /** Why a record that names this run is not this contract's, or {@code null} when it is. */
    private String otherContract(RecoveryEvidence e, RunPlan plan) {
        if (!contract.applicationId().equals(e.getApplicationId())) {
            return "names application " + e.getApplicationId() + ", not " + contract.applicationId();
        }
        if (!contract.projection().name().equals(e.getProjection())) {
            return "names projection " + e.getProjection() + ", not " + contract.projection().name();
        }
        if (!e.getContractHash().equals(contract.hash()) && !e.getContractHash().equals(plan.contractHash())) {
            return "names contract hash " + e.getContractHash() + ", neither this contract's nor the run's plan's";
        }
        return null;
    }

    private String rejection(EvidenceSignature.Check check, Function<String, byte[]> header) {
        return switch (check) {
            case UNSIGNED -> "unsigned";
            case OTHER_KEY -> "signed by " + EvidenceSignature.keyIdOf(header) + ", not by the configured key " + EvidenceKeys.keyId(publicKey);
            case BAD_SIGNATURE -> "signature does not verify (the record was changed after it was signed, or the signature is not Reprise's)";
            default -> check.toString();
        };
    }

    /** Untrusted first: the least trusted final record decides. An unknown status counts as untrusted. */
    private static int rank(ConfidenceStatus status) {
        if (status == null) {
            return 0;
        }
        return switch (status) {
            case untrusted -> 0;
            case degraded -> 1;
            case trusted -> 2;
        };
    }
}
