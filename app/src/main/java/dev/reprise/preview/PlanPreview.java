package dev.reprise.preview;

import dev.reprise.codec.EventDecoder;
import dev.reprise.compat.Partitions;
import dev.reprise.contract.Contract;
import dev.reprise.contract.Position;
import dev.reprise.run.Control;
import dev.reprise.run.RunStore;
import dev.reprise.pipeline.ReplayTopology;
import dev.reprise.pipeline.apply.ApplyStage;
import dev.reprise.pipeline.evidence.EvidenceStage;
import dev.reprise.pipeline.idcheck.IdCheckStage;
import dev.reprise.pipeline.source.EventReader;
import dev.reprise.pipeline.source.SourceStage;
import dev.reprise.plan.CompiledContract;
import dev.reprise.plan.RunPlan;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListOffsetsOptions;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ExecutionException;

/**
 * The impact preview of a plan: what it reads, what it writes and creates, how long it should take,
 * whether the schemas and upcasters cover the event versions found in a sample of the range, and
 * warnings about a run that would prove nothing: a scope that selects nothing, filters that no sampled
 * event passes, events outside their key's partition in a history declared keyed, an evidence topic
 * that deletes its records.
 *
 * <p>Over 300 lines: the preview reads one sample of the range and derives every warning from it.
 */
public final class PlanPreview {
    private PlanPreview() {
    }

    /**
     * Every topic the run writes: the contract's outputs and the app's internal topics, named from the topology's own
     * constants (Kafka Streams names a repartition topic {@code <application.id>-<name>-repartition} and a store's
     * changelog {@code <application.id>-<store>-changelog}). The stores listed are those the topology logs.
     */
    public static List<String> writtenTopics(Contract c) {
        String app = c.applicationId();
        List<String> out = new ArrayList<>(c.outputTopics());
        if (!c.history().keyedByOrderingKey()) {
            out.add(app + "-" + ReplayTopology.BY_KEY + "-repartition");
        }
        out.add(app + "-" + ReplayTopology.EVIDENCE_PARTS + "-repartition");
        // The id check's topics exist when the run has more than one apply task (nearly always; the plan decides).
        out.add(app + "-" + ReplayTopology.BY_EVENT_ID + "-repartition");
        out.add(app + "-" + ReplayTopology.ID_CHECK_PARTS + "-repartition");
        List<String> stores = new ArrayList<>(List.of(SourceStage.COUNTERS_STORE, ApplyStage.DEDUP_STORE, ApplyStage.PROJECTION_STORE));
        if (c.ordering().sequenceField() != null) {
            stores.add(ApplyStage.SEQUENCE_STORE);
        }
        stores.addAll(List.of(ApplyStage.COUNTERS_STORE, EvidenceStage.STORE, IdCheckStage.IDS_STORE, IdCheckStage.COUNTERS_STORE));
        for (String store : stores) {
            out.add(app + "-" + store + "-changelog");
        }
        out.add(RunStore.topic(c));
        out.add(Control.topic(c));
        return out;
    }

    /**
     * The preview of a plan, as {@code reprise plan --json} prints it (snake_case field names).
     *
     * @param offsetsPerTopic           topic → offsets of the plan's ranges
     * @param estimatedSeconds          the run's duration at {@code estimateRateEventsPerSecond}
     * @param writes                    every topic the run writes ({@link #writtenTopics})
     * @param creates                   those of {@code writes} that do not exist yet
     * @param sampledVersions           "type vN" → records of that version in the sample (poison that decodes included)
     * @param sampledUndecodable        reason code → records of the sample that do not decode
     * @param upcasterGapsInSample      "type vN" found in the sample → why no upcaster chain leads it to its latest version
     * @param sampledEvents             events of the sample, in scope or filtered
     * @param sampledInScope            those that pass the scope's filters
     * @param warnings                  what makes the run unlikely to prove anything
     */
    public record Preview(String runId, String contract, String contractHash, String applicationId, Map<String, Long> offsetsPerTopic,
                          long totalOffsets, long estimatedSeconds, double estimateRateEventsPerSecond, List<String> writes, List<String> creates,
                          int repartitionPartitions, Map<String, Long> sampledVersions, Map<String, Long> sampledUndecodable,
                          Map<String, String> upcasterGapsInSample, long sampledEvents, long sampledInScope, List<Warning> warnings,
                          List<RunPlan.PartitionRange> ranges) {
        public Preview {
            offsetsPerTopic = Collections.unmodifiableMap(new TreeMap<>(offsetsPerTopic));
            writes = List.copyOf(writes);
            creates = List.copyOf(creates);
            sampledVersions = Collections.unmodifiableMap(new TreeMap<>(sampledVersions));
            sampledUndecodable = Collections.unmodifiableMap(new TreeMap<>(sampledUndecodable));
            upcasterGapsInSample = Collections.unmodifiableMap(new TreeMap<>(upcasterGapsInSample));
            warnings = List.copyOf(warnings);
            ranges = List.copyOf(ranges);
        }
    }

    /**
     * @param eventsPerSecond the rate used for the estimate
     * @param samplePerPartition records read from the start and from the end of each range
     */
    public static Preview describe(Contract contract, CompiledContract codecs, RunPlan plan, Admin admin,
                                   Map<String, Object> clientConfig, double eventsPerSecond, int samplePerPartition) {
        Map<String, Long> perTopic = new TreeMap<>();
        plan.ranges().forEach(r -> perTopic.merge(r.topic(), r.size(), Long::sum));
        List<String> writes = writtenTopics(contract);
        Set<String> existing;
        try {
            existing = admin.listTopics().names().get();
        } catch (ExecutionException e) {
            throw new IllegalStateException("cannot list topics: " + e.getCause().getMessage(), e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
        Map<String, Long> versions = new TreeMap<>();
        Map<String, Long> undecodable = new TreeMap<>();
        Sample sample = new Sample();
        sample(contract, codecs, plan, clientConfig, samplePerPartition, versions, undecodable, sample);
        Map<String, String> gaps = new TreeMap<>();
        versions.keySet().forEach(tv -> {
            String[] parts = tv.split(" v");
            var chain = codecs.upcasters().chain(parts[0], Integer.parseInt(parts[1]));
            if (chain.brokenReason() != null) {
                gaps.put(tv, chain.brokenReason());
            }
        });
        List<Warning> warnings = new ArrayList<>();
        if (plan.ranges().stream().noneMatch(RunPlan.PartitionRange::hasData)) {
            warnings.add(emptyScope(contract, plan, logOffsets(admin, plan, OffsetSpec.earliest()), logOffsets(admin, plan, OffsetSpec.latest()),
                    Instant.now()));
        }
        filtersMatchNothing(contract.scope(), codecs.catalog().eventTypes().keySet(), sample).ifPresent(warnings::add);
        if (contract.history().keyedByOrderingKey()) {
            misplaced(contract, sample).ifPresent(warnings::add);
        }
        dev.reprise.evidence.io.EvidenceTopic.retentionWarning(admin, contract.evidence().topic())
                .ifPresent(w -> warnings.add(new Warning(EVIDENCE_RETENTION, w)));
        return new Preview(plan.runId(), contract.name(), contract.hash(), contract.applicationId(), perTopic, plan.totalOffsets(),
                Math.round(plan.totalOffsets() / Math.max(1, eventsPerSecond)), eventsPerSecond, writes,
                writes.stream().filter(t -> !existing.contains(t)).toList(), plan.repartitionPartitions(), versions, undecodable, gaps,
                sample.events, sample.inScope, warnings, plan.ranges());
    }

    /** Something that makes the planned run unlikely to prove anything, found before it starts. */
    public record Warning(String code, String message) {
    }

    public static final String EMPTY_SCOPE = "empty_scope";
    public static final String FILTERS_MATCH_NOTHING = "filters_match_nothing";
    public static final String MISPLACED_EVENTS = "misplaced_events";
    public static final String EVIDENCE_RETENTION = "evidence_retention";
    private static final int SAMPLES = 5;

    /** An event found in a partition that is not its ordering key's: where it is and where it belongs. */
    public record Misplaced(String key, String topic, int partition, long offset, int expectedPartition) {
        @Override
        public String toString() {
            return key + " at " + topic + "-" + partition + " offset " + offset + " (its key's partition is " + expectedPartition + ")";
        }
    }

    /** What the sample of the range showed, beyond the versions. */
    static final class Sample {
        long events;
        long inScope;
        final Set<String> types = new TreeSet<>();
        final Set<String> tenants = new TreeSet<>();
        long misplaced;
        final List<Misplaced> misplacedSamples = new ArrayList<>();

        void misplaced(Misplaced m) {
            misplaced++;
            if (misplacedSamples.size() < SAMPLES) {
                misplacedSamples.add(m);
            }
        }
    }

    /** Why a plan whose every range is empty selects nothing, from the log's own start and end offsets. */
    static Warning emptyScope(Contract contract, RunPlan plan, Map<TopicPartition, Long> earliest, Map<TopicPartition, Long> latest, Instant now) {
        Contract.Scope scope = contract.scope();
        String reason;
        if (plan.ranges().stream().allMatch(r -> earliest.getOrDefault(r.topicPartition(), 0L).equals(latest.getOrDefault(r.topicPartition(), 0L)))) {
            reason = "the history topics " + contract.history().topics() + " hold no records";
        } else if (scope.from() instanceof Position.AtTime t && t.time().isAfter(now)) {
            reason = "scope.from " + t + " is in the future, so no record is at or after it";
        } else if (scope.from() instanceof Position.AtTime t) {
            reason = "no record was written at or after scope.from " + t;
        } else if (plan.ranges().stream().allMatch(r -> r.size() == 0)) {
            reason = "scope.from (" + describe(scope.from()) + ") and scope.to (" + describe(scope.to()) + ") leave no offset to read in any partition";
        } else {
            reason = "the selected offsets hold only transaction markers or records of aborted transactions";
        }
        return new Warning(EMPTY_SCOPE, "the scope selects nothing: " + reason + ". The run would read no record and rebuild an empty "
                + "projection, which proves nothing; fix scope.from / scope.to in the contract (or write the history first)");
    }

    private static String describe(Position p) {
        return p instanceof Position.AtOffsets o ? "offsets " + o.offsets() : p.toString();
    }

    /** When the scope has filters and not one decodable event of the sample passes them. */
    static Optional<Warning> filtersMatchNothing(Contract.Scope scope, Set<String> knownTypes, Sample sample) {
        if (!scope.hasFilters() || sample.events == 0 || sample.inScope > 0) {
            return Optional.empty();
        }
        List<String> filters = new ArrayList<>();
        if (!scope.eventTypes().isEmpty()) {
            Set<String> unknown = new TreeSet<>(scope.eventTypes());
            unknown.removeAll(knownTypes);
            filters.add("event_types " + new TreeSet<>(scope.eventTypes()) + " (the sample holds " + sample.types + ")"
                    + (unknown.isEmpty() ? "" : "; " + unknown + " is no event type of the schemas " + new TreeSet<>(knownTypes)));
        }
        if (!scope.tenants().isEmpty()) {
            filters.add("tenants " + new TreeSet<>(scope.tenants()) + " (field " + scope.tenantField() + "; the sample holds "
                    + sample.tenants.stream().limit(20).toList() + ")");
        }
        if (!scope.keys().isEmpty()) {
            filters.add("keys " + scope.keys().stream().sorted().limit(20).toList() + " (none of them in the sample)");
        }
        return Optional.of(new Warning(FILTERS_MATCH_NOTHING, String.format("none of the %,d sampled events passes the scope's filters: %s. "
                + "If the filters are wrong, the run would filter out every event and rebuild an empty projection: check their spelling in "
                + "the contract's scope; if they are right, the events they select lie outside the sample (raise --sample)",
                sample.events, String.join("; ", filters))));
    }

    /** When the history is declared keyed by the ordering key and sampled events sit in another key's partition. */
    static Optional<Warning> misplaced(Contract contract, Sample sample) {
        if (sample.misplaced == 0) {
            return Optional.empty();
        }
        return Optional.of(new Warning(MISPLACED_EVENTS, String.format("%,d of the %,d sampled events are not in their ordering key's "
                        + "partition, e.g. %s. history.keyed_by_ordering_key: true promises that every event of a key is in the partition "
                        + "the default partitioner (murmur2 of the key) chooses; without a repartition the run would rebuild such a key in "
                        + "two tasks. Set keyed_by_ordering_key: false to repartition by %s, or fix how the history is written",
                sample.misplaced, sample.events, sample.misplacedSamples, contract.ordering().keyField())));
    }

    private static Map<TopicPartition, Long> logOffsets(Admin admin, RunPlan plan, OffsetSpec spec) {
        Map<TopicPartition, OffsetSpec> request = new HashMap<>();
        plan.ranges().forEach(r -> request.put(r.topicPartition(), spec));
        try {
            Map<TopicPartition, Long> out = new HashMap<>();
            admin.listOffsets(request, new ListOffsetsOptions(IsolationLevel.READ_COMMITTED)).all().get()
                    .forEach((tp, info) -> out.put(tp, info.offset()));
            return out;
        } catch (ExecutionException e) {
            throw new IllegalStateException("cannot list offsets: " + e.getCause().getMessage(), e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Reads up to {@code perPartition} records from the start and from the end of each range, with the run's own reader. */
    private static void sample(Contract contract, CompiledContract codecs, RunPlan plan, Map<String, Object> clientConfig, int perPartition,
                               Map<String, Long> versions, Map<String, Long> undecodable, Sample sample) {
        if (perPartition <= 0) {
            return;
        }
        Map<String, Object> config = new HashMap<>(clientConfig);
        config.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        config.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, Math.max(1, perPartition));
        config.remove(ConsumerConfig.GROUP_ID_CONFIG);
        EventReader reader = new EventReader(contract, codecs);
        Map<String, Integer> partitionCounts = new HashMap<>();
        plan.ranges().forEach(r -> partitionCounts.merge(r.topic(), 1, Integer::sum));
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(config, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            for (RunPlan.PartitionRange r : plan.ranges()) {
                if (!r.hasData()) {
                    continue;
                }
                TopicPartition tp = r.topicPartition();
                consumer.assign(List.of(tp));
                for (long from : new long[]{r.start(), Math.max(r.start() + perPartition, r.end() - perPartition)}) {
                    if (from >= r.end()) {
                        continue;
                    }
                    consumer.seek(tp, from);
                    int seen = 0;
                    long deadline = System.currentTimeMillis() + 10_000;
                    while (seen < perPartition && consumer.position(tp) < r.end() && System.currentTimeMillis() < deadline) {
                        for (ConsumerRecord<byte[], byte[]> rec : consumer.poll(Duration.ofMillis(200)).records(tp)) {
                            if (rec.offset() >= r.end() || seen >= perPartition) {
                                break;
                            }
                            seen++;
                            EventReader.Result result = reader.read(new EventReader.SourceRecord(rec.topic(), rec.partition(), rec.offset(),
                                    rec.key(), rec.value(), rec.headers(), rec.timestamp()));
                            look(contract, result, rec, partitionCounts.get(rec.topic()), versions, undecodable, sample);
                        }
                    }
                }
            }
        }
    }

    /**
     * Notes what the run's own reader made of a sampled record: its type and version, the reason of a record that does not
     * decode, and for an event (in scope or filtered) its type, tenant, whether it is in scope and whether it sits in its
     * key's partition. Poison that decodes is left to the versions and gaps: the run dead-letters it.
     */
    private static void look(Contract contract, EventReader.Result result, ConsumerRecord<byte[], byte[]> rec, int partitions,
                             Map<String, Long> versions, Map<String, Long> undecodable, Sample sample) {
        EventDecoder.Decoded d;
        String key;
        Object tenant;
        if (result instanceof EventReader.Poison poison) {
            if (poison.decoded() == null) {
                undecodable.merge(poison.reasonCode(), 1L, Long::sum);
            } else {
                versions.merge(poison.decoded().type() + " v" + poison.decoded().version(), 1L, Long::sum);
            }
            return;
        } else if (result instanceof EventReader.Ready ready) {
            d = ready.decoded();
            key = ready.orderingKey();
            tenant = ready.tenant();
            sample.inScope++;
        } else {
            EventReader.Filtered filtered = (EventReader.Filtered) result;
            d = filtered.decoded();
            key = filtered.orderingKey();
            tenant = filtered.tenant();
        }
        versions.merge(d.type() + " v" + d.version(), 1L, Long::sum);
        sample.events++;
        sample.types.add(d.type());
        if (tenant != null) {
            sample.tenants.add(tenant.toString());
        }
        if (key != null && contract.history().keyedByOrderingKey()) {
            int expected = Partitions.ofKey(key.getBytes(StandardCharsets.UTF_8), partitions);
            if (expected != rec.partition()) {
                sample.misplaced(new Misplaced(key, rec.topic(), rec.partition(), rec.offset(), expected));
            }
        }
    }
}
