package dev.reprise.contract;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * A Recovery Contract: everything one replay of one projection needs to know, loaded from YAML by
 * {@link ContractLoader} and validated before anything starts. Each section answers one of the
 * questions in DESIGN.md (history, ordering, idempotency, projection, scope, reconciliation, evidence)
 * plus the side-effect guard {@link #allowedWriteTopics()}.
 *
 * @param name              human name of the contract, used in the evidence
 * @param applicationId     Kafka Streams application id: consumer group, prefix of internal topics and transactional ids
 * @param hash              SHA-256 of the contract file, written into the evidence so a run names the exact contract
 * @param source            the file the contract was read from, or {@code null} when built in code
 *
 * <p>Over 300 lines: the contract is a handful of records, one per section, with their documentation.
 */
public record Contract(
        String name,
        String applicationId,
        History history,
        Ordering ordering,
        Idempotency idempotency,
        ProjectionSpec projection,
        Scope scope,
        Reconciliation reconciliation,
        EvidenceSpec evidence,
        DeadLetter deadLetter,
        Processing processing,
        PromoteSpec promote,
        List<String> allowedWriteTopics,
        String hash,
        Path source) {

    public Contract {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(applicationId, "application_id");
        allowedWriteTopics = List.copyOf(allowedWriteTopics);
        checkTopicName("application_id", applicationId);
        for (String t : history.topics()) {
            checkTopicName("history.topics", t);
        }
        checkWritable("projection.topic", projection.topic(), allowedWriteTopics, history.topics());
        checkWritable("evidence.topic", evidence.topic(), allowedWriteTopics, history.topics());
        checkWritable("dead_letter.topic", deadLetter.topic(), allowedWriteTopics, history.topics());
        for (String t : allowedWriteTopics) {
            checkTopicName("allowed_write_topics", t);
            if (history.topics().contains(t)) {
                throw new ContractException("allowed_write_topics", "'" + t + "' is a history topic (history.topics): the authoritative "
                        + "history is never written, not even by 'reprise promote'. Remove it from allowed_write_topics");
            }
            if (reconciliation.referenceMustMatch() && t.equals(reconciliation.referenceTopic())) {
                throw new ContractException("allowed_write_topics", "'" + t + "' is the ground-truth reference (reconciliation.reference_topic "
                        + "with reference_must_match: true): a run compared with it must not be able to overwrite it. Remove it from "
                        + "allowed_write_topics, or set reference_must_match: false if it is the live projection");
            }
        }
        if (evidence.untrustedDeadLetterRatio() < evidence.maxDeadLetterRatio()) {
            throw new ContractException("evidence.untrusted_dead_letter_ratio", "must be at least evidence.max_dead_letter_ratio ("
                    + evidence.maxDeadLetterRatio() + "), got " + evidence.untrustedDeadLetterRatio()
                    + ": above max_dead_letter_ratio a run is degraded, above untrusted_dead_letter_ratio untrusted");
        }
        if (reconciliation.referenceTopic() != null && allowedWriteTopics.contains(reconciliation.referenceTopic())
                && reconciliation.referenceTopic().equals(projection.topic())) {
            throw new ContractException("reconciliation.reference_topic",
                    "must not be the projection output topic '" + projection.topic() + "': the run would compare the rebuild with itself. "
                            + "Name the live projection or a ground-truth topic");
        }
    }

    /**
     * Kafka's rule for topic names: 1 to 249 of [a-zA-Z0-9._-], not "." or "..". Written out because Kafka's own
     * check ({@code common.internals.Topic}) is not a public API.
     */
    private static final java.util.regex.Pattern TOPIC_NAME = java.util.regex.Pattern.compile("[a-zA-Z0-9._-]{1,249}");

    private static void checkTopicName(String field, String topic) {
        if (topic == null || !TOPIC_NAME.matcher(topic).matches() || topic.equals(".") || topic.equals("..")) {
            throw new ContractException(field, "'" + topic + "' is not a valid Kafka topic name: use 1 to 249 letters, digits, '.', '_' or '-'"
                    + " (and not '.' or '..')");
        }
    }

    private static void checkWritable(String field, String topic, List<String> allowed, List<String> sources) {
        checkTopicName(field, topic);
        if (sources.contains(topic)) {
            throw new ContractException(field, "'" + topic + "' is a source topic in history.topics; a replay never writes its own history. Choose another topic");
        }
        if (!allowed.contains(topic)) {
            throw new ContractException("allowed_write_topics", "the app would write '" + topic + "' (" + field
                    + ") but it is not allowed; add it to allowed_write_topics or change " + field);
        }
    }

    /** This contract with other reconciliation settings, e.g. a reference topic chosen at run time. */
    public Contract withReconciliation(Reconciliation other) {
        return new Contract(name, applicationId, history, ordering, idempotency, projection, scope, other, evidence, deadLetter,
                processing, promote, allowedWriteTopics, hash, source);
    }

    /** This contract replaying from another position, e.g. the offsets an operator set with Kafka's own tools. */
    public Contract withScopeFrom(Position from) {
        Scope s = new Scope(from, scope.to(), scope.eventTypes(), scope.tenantField(), scope.tenants(), scope.keys());
        return new Contract(name, applicationId, history, ordering, idempotency, projection, s, reconciliation, evidence, deadLetter,
                processing, promote, allowedWriteTopics, hash, source);
    }

    /** This contract running another registered projection into the same topic. */
    public Contract withProjectionName(String projectionName) {
        return new Contract(name, applicationId, history, ordering, idempotency,
                new ProjectionSpec(projectionName, projection.topic(), projection.encoding()), scope,
                reconciliation, evidence, deadLetter, processing, promote, allowedWriteTopics, hash, source);
    }

    /** This contract reading its history as keyed by the ordering key (no repartition) or not. */
    public Contract withKeyedHistory(boolean keyed) {
        History h = new History(history.topics(), history.encoding(), history.schemas(), keyed);
        return new Contract(name, applicationId, h, ordering, idempotency, projection, scope, reconciliation, evidence, deadLetter,
                processing, promote, allowedWriteTopics, hash, source);
    }

    /**
     * This contract with the registry client's settings read from {@code file} (the {@code --command-config} file), when it
     * names none of its own ({@code history.schemas.client_properties}) and reads a registry; else this contract.
     */
    public Contract withRegistryClientProperties(Path file) {
        SchemaSource schemas = history.schemas();
        if (file == null || schemas.kind() != SchemaSource.Kind.REGISTRY || schemas.clientProperties() != null) {
            return this;
        }
        History h = new History(history.topics(), history.encoding(), schemas.withClientProperties(file), history.keyedByOrderingKey());
        return new Contract(name, applicationId, h, ordering, idempotency, projection, scope, reconciliation, evidence, deadLetter,
                processing, promote, allowedWriteTopics, hash, source);
    }

    /** Every topic the application writes, apart from its own internal topics (prefixed by the application id). */
    public Set<String> outputTopics() {
        Set<String> out = new LinkedHashSet<>();
        out.add(projection.topic());
        out.add(evidence.topic());
        out.add(deadLetter.topic());
        return out;
    }

    /** Where the authoritative history lives and how it is encoded. */
    public record History(List<String> topics, Encoding encoding, SchemaSource schemas, boolean keyedByOrderingKey) {
        public History {
            topics = List.copyOf(topics);
        }
    }

    public enum Encoding {
        /** 0x00, 4-byte big-endian schema id, Avro binary. */
        CONFLUENT,
        /** Avro single-object encoding: C3 01, 8-byte little-endian CRC-64-AVRO fingerprint, Avro binary. */
        SINGLE_OBJECT;

        static Encoding parse(Node history) {
            return switch (history.choice(ContractKeys.HISTORY_ENCODING)) {
                case "confluent" -> CONFLUENT;
                case "single-object" -> SINGLE_OBJECT;
                default -> throw new IllegalStateException("history.encoding declares a choice without an encoding");
            };
        }
    }

    /**
     * How Reprise writes the values it produces (evidence records, projection states) and what its readers
     * ({@code evidence}, {@code verify}, {@code promote}, the runner) accept: all three, told apart by the
     * first byte (0x00 Confluent, 0xC3 0x01 single-object, '{' JSON), so changing the setting never makes
     * older records unreadable. The projection's checksum hashes the state's Avro binary whatever the encoding.
     */
    public enum ValueEncoding {
        /** Confluent's wire format: 0x00, the 4-byte schema id under subject {@code <topic>-value}, Avro binary. */
        CONFLUENT("confluent"),
        /** Avro single-object encoding: C3 01, the schema's 8-byte fingerprint, Avro binary. */
        SINGLE_OBJECT("single-object"),
        /** One plain JSON object, field names as in the schema, times as ISO-8601 strings. */
        JSON("json");

        private final String configName;

        ValueEncoding(String configName) {
            this.configName = configName;
        }

        /** The name the contract uses. */
        public String configName() {
            return configName;
        }

        /** The default: the history's encoding, so a Confluent shop reads Reprise's outputs with the deserializers it has. */
        public static ValueEncoding following(Encoding history) {
            return history == Encoding.CONFLUENT ? CONFLUENT : SINGLE_OBJECT;
        }

        /** The names the contract uses, in declaration order: the choices of projection.encoding and evidence.encoding. */
        static List<String> configNames() {
            return java.util.Arrays.stream(values()).map(ValueEncoding::configName).toList();
        }

        /** The encoding {@code key} of {@code section}; left out, {@code defaultValue} (the history's, see {@link #following}). */
        static ValueEncoding parse(Node section, ContractKeys.Key key, ValueEncoding defaultValue) {
            if (section.get(key).isMissing()) {
                return defaultValue;
            }
            String value = section.choice(key, "; leave it out to follow history.encoding (" + defaultValue.configName + ")");
            for (ValueEncoding e : values()) {
                if (e.configName.equals(value)) {
                    return e;
                }
            }
            throw new IllegalStateException(key.path() + " declares a choice without an encoding");
        }
    }

    /**
     * Where writer schemas come from: the local schemas directory (with an id map for the Confluent format) or a
     * Confluent-compatible Schema Registry. With a registry the directory is optional: writer schemas come from the
     * registry by id, and the target version of each event type from the registry (by subject) or a local file.
     *
     * @param directory        the local .avsc files, or {@code null} (registry only)
     * @param events           writer schemas mapped to event types and versions without any property in the schema;
     *                         empty: only Reprise's conventions ({@code reprise.event_type}, a namespace ending in .vN)
     * @param clientProperties the registry client's properties file (credentials, TLS), or {@code null}: never in the contract
     */
    public record SchemaSource(Kind kind, Path directory, Path idMap, URI registryUrl, List<EventMapping> events, Path clientProperties) {
        public enum Kind { LOCAL, REGISTRY }

        public SchemaSource {
            events = events == null ? List.of() : List.copyOf(events);
        }

        public SchemaSource(Kind kind, Path directory, Path idMap, URI registryUrl) {
            this(kind, directory, idMap, registryUrl, List.of(), null);
        }

        /** This source with the registry client's properties read from {@code file}. */
        public SchemaSource withClientProperties(Path file) {
            return new SchemaSource(kind, directory, idMap, registryUrl, events, file);
        }
    }

    /**
     * One item of {@code history.schemas.events}: writer schemas that are events of {@code type} at {@code version}.
     * A writer schema matches when its full name is {@code schemaName} (or, with neither a name nor a subject, its simple
     * name is {@code type}) and, with a {@code subject}, its id is one the registry holds under that subject (at
     * {@code subjectVersion} only, when given).
     *
     * @param schemaName     the writer schema's full name, or {@code null}
     * @param subject        a registry subject ({@code <topic>-value} or the record's full name), or {@code null}
     * @param subjectVersion the subject's version, or {@code null} for every version
     * @param schemaFile     a local .avsc that is the event's schema at this version (its reader schema), or {@code null}
     * @param field          where the item is in the contract, e.g. history.schemas.events[0]
     */
    public record EventMapping(String type, int version, String schemaName, String subject, Integer subjectVersion, Path schemaFile,
                               String field) {
        /** Whether a writer schema of this full name can match (the subject is checked by id). */
        public boolean matchesName(String fullName) {
            if (schemaName != null) {
                return schemaName.equals(fullName);
            }
            return subject != null || fullName.equals(type) || fullName.endsWith("." + type);
        }

        /** How the item reads in messages. */
        public String describe() {
            return field + " (" + type + " v" + version + (schemaName == null ? "" : ", schema " + schemaName)
                    + (subject == null ? "" : ", subject " + subject + (subjectVersion == null ? "" : " version " + subjectVersion)) + ")";
        }
    }

    /**
     * Where an identity of an event is read: a payload field (after upcasting), a record header (its value as UTF-8
     * text), or the record key (as UTF-8 text).
     *
     * @param name       the field or header name; {@code null} for the record key
     * @param declaredAt the contract key it was given with, e.g. {@code idempotency.event_id.header}, for messages
     */
    public record Identity(From from, String name, String declaredAt) {
        public enum From { FIELD, HEADER, RECORD_KEY }

        public Identity {
            Objects.requireNonNull(from, "from");
            if (from != From.RECORD_KEY && (name == null || name.isBlank())) {
                throw new IllegalArgumentException(declaredAt + ": a field or header name is required");
            }
        }

        public static Identity field(String name, String declaredAt) {
            return new Identity(From.FIELD, name, declaredAt);
        }

        /** The payload field's name, or {@code null} when the identity is not read from the payload. */
        public String fieldName() {
            return from == From.FIELD ? name : null;
        }

        /** How the identity reads for a person: the field's name, {@code header 'id'} or {@code the record key}. */
        public String label() {
            return switch (from) {
                case FIELD -> name;
                case HEADER -> "header '" + name + "'";
                case RECORD_KEY -> "the record key";
            };
        }
    }

    /**
     * The ordering boundary: events with the same key are processed in order by one task.
     *
     * @param key where the ordering key is read
     */
    public record Ordering(Identity key, String sequenceField) {
        public Ordering(String keyField, String sequenceField) {
            this(Identity.field(keyField, "ordering.key_field"), sequenceField);
        }

        /** The ordering key as it reads for a person: the field's name, or the header or record key it comes from. */
        public String keyField() {
            return key.label();
        }
    }

    /**
     * What identifies an event across copies: duplicates share it.
     *
     * @param eventId    where the event id is read
     * @param onConflict what an event id reused for an event with other content or another ordering key does to the verdict
     */
    public record Idempotency(Identity eventId, OnConflict onConflict) {
        public Idempotency {
            onConflict = onConflict == null ? OnConflict.UNTRUSTED : onConflict;
        }

        public Idempotency(String eventIdField, OnConflict onConflict) {
            this(Identity.field(eventIdField, "idempotency.event_id_field"), onConflict);
        }

        public Idempotency(String eventIdField) {
            this(eventIdField, OnConflict.UNTRUSTED);
        }

        /** The event id as it reads for a person: the field's name, or the header or record key it comes from. */
        public String eventIdField() {
            return eventId.label();
        }
    }

    /** {@code idempotency.on_conflict}: the verdict of a run in which an event id named two different events. */
    public enum OnConflict {
        /** The run is untrusted: which of the two events belongs in the projection is unknown. */
        UNTRUSTED,
        /** The run is degraded: sound otherwise, but some events were not applied. */
        DEGRADED,
        /** The event applied first stands and the other is left out; the conflicts are reported as facts. */
        FIRST_WINS;

        public String configName() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }

        public static OnConflict fromConfig(String name) {
            return valueOf(name.toUpperCase(java.util.Locale.ROOT));
        }
    }

    /**
     * Which registered projection to run and where its rebuilt state goes.
     *
     * @param encoding how states are written to {@code topic}
     */
    public record ProjectionSpec(String name, String topic, ValueEncoding encoding) {
        public ProjectionSpec {
            java.util.Objects.requireNonNull(encoding, "projection.encoding");
        }
    }

    /**
     * What part of the history is replayed.
     *
     * @param eventTypes empty means every type
     * @param tenantField the event field holding the tenant, or {@code null} when events carry none
     * @param tenants empty means every tenant
     * @param keys empty means every ordering key
     */
    public record Scope(Position from, Position to, Set<String> eventTypes, String tenantField, Set<String> tenants, Set<String> keys) {
        public Scope {
            eventTypes = Set.copyOf(eventTypes);
            tenants = Set.copyOf(tenants);
            keys = Set.copyOf(keys);
        }

        public boolean hasFilters() {
            return !eventTypes.isEmpty() || !tenants.isEmpty() || !keys.isEmpty();
        }

        /**
         * Whether an event passes the scope's filters.
         *
         * @param tenant the value of the event's {@link #tenantField()}, or {@code null} when it has none
         */
        public boolean includes(String type, String key, Object tenant) {
            return (eventTypes.isEmpty() || eventTypes.contains(type))
                    && (keys.isEmpty() || keys.contains(key))
                    && (tenants.isEmpty() || tenant != null && tenants.contains(tenant.toString()));
        }
    }

    /**
     * Checks run when the rebuild is complete.
     *
     * @param referenceTopic a compacted topic holding the projection to compare with (keyed like the
     *                       projection, values in its encoding), or {@code null}
     * @param referenceMustMatch true when the reference is ground truth: any difference makes the run untrusted
     */
    public record Reconciliation(String referenceTopic, boolean referenceMustMatch, List<Check> invariants, List<Check> totals,
                                 List<Threshold> thresholds) {
        public Reconciliation {
            invariants = List.copyOf(invariants);
            totals = List.copyOf(totals);
            thresholds = List.copyOf(thresholds);
        }

        public Reconciliation(String referenceTopic, boolean referenceMustMatch) {
            this(referenceTopic, referenceMustMatch, List.of(), List.of(), List.of());
        }

        /** The same checks against another reference topic. */
        public Reconciliation withReference(String topic, boolean mustMatch) {
            return new Reconciliation(topic, mustMatch, invariants, totals, thresholds);
        }
    }

    /**
     * A limit checked while the run goes: when {@code metric} exceeds {@code above} (over the last
     * {@code window} records, for ratios) the run pauses or aborts by itself.
     *
     * @param metric  dead_letter_ratio or invariant_failures (checked on every key after each event)
     * @param action  pause or abort
     * @param tenants for invariant_failures: only keys of these tenants count; empty means all
     */
    public record Threshold(String name, String metric, double above, int window, String action, Set<String> tenants) {
        public Threshold {
            tenants = Set.copyOf(tenants);
        }
    }

    /**
     * A named CEL expression: over a projection state's fields (an invariant, checked on every key) or
     * over the run's totals (events_read, events_processed, duplicates_skipped, filtered, dead_lettered,
     * projection_keys). {@code field} is where it was declared, for error messages.
     */
    public record Check(String name, String expression, String field) {
    }

    /**
     * What the evidence says and when a run is trusted.
     *
     * @param maxDeadLetterRatio        dead-lettered / read above this makes the run degraded
     * @param maxOrderingViolations     ordering violations above this make the run degraded
     * @param maxLiveDiffRatio          keys changed, missing or extra against the live projection, as a share of the
     *                                  rebuilt keys, above this make the run degraded (1.0: any difference is accepted)
     * @param untrustedDeadLetterRatio  dead-lettered / read above this makes the run untrusted: a rebuild made of a
     *                                  fraction of its history proves nothing (default 0.5)
     * @param minEventsProcessed        fewer events applied than this makes the run untrusted: an empty rebuild (a
     *                                  filter that matched nothing, a scope in the future) is never trusted (default 1)
     * @param minProjectionKeys         fewer projection keys than this makes the run untrusted (default 1)
     * @param encoding                  how evidence records are written to {@code topic}
     */
    public record EvidenceSpec(String topic, Duration progressInterval, double maxDeadLetterRatio, long maxOrderingViolations,
                               double maxLiveDiffRatio, double untrustedDeadLetterRatio, long minEventsProcessed, long minProjectionKeys,
                               ValueEncoding encoding) {
        public static final double DEFAULT_UNTRUSTED_DEAD_LETTER_RATIO = (Double) ContractKeys.UNTRUSTED_DEAD_LETTER_RATIO.defaultValue();

        public EvidenceSpec {
            // Kafka Streams refuses a punctuation interval below 1 ms, and only once the run is under way.
            if (progressInterval == null || progressInterval.toMillis() < 1) {
                throw new ContractException("evidence.progress_interval", "must be at least 1ms, got " + progressInterval
                        + "; use a duration such as 500ms, 5s or 1m");
            }
            java.util.Objects.requireNonNull(encoding, "evidence.encoding");
        }

        public EvidenceSpec(String topic, Duration progressInterval, double maxDeadLetterRatio, long maxOrderingViolations) {
            this(topic, progressInterval, maxDeadLetterRatio, maxOrderingViolations, 1.0);
        }

        public EvidenceSpec(String topic, Duration progressInterval, double maxDeadLetterRatio, long maxOrderingViolations,
                            double maxLiveDiffRatio) {
            this(topic, progressInterval, maxDeadLetterRatio, maxOrderingViolations, maxLiveDiffRatio,
                    Math.max(maxDeadLetterRatio, DEFAULT_UNTRUSTED_DEAD_LETTER_RATIO), 1, 1, ValueEncoding.SINGLE_OBJECT);
        }
    }

    /**
     * How far {@code reprise promote} may change the live projection without {@code --force --reason}.
     *
     * @param maxChangedRatio live keys that a promotion would tombstone or change, as a share of the live keys, above
     *                        which it is refused (default 0.1); a live topic with no keys accepts any promotion
     */
    public record PromoteSpec(double maxChangedRatio) {
        public static final PromoteSpec DEFAULTS = new PromoteSpec((Double) ContractKeys.MAX_CHANGED_RATIO.defaultValue());
    }

    public record DeadLetter(String topic) {
    }

    /**
     * @param bounded true: stop when every partition reached the plan's end; false: keep following new events
     * @param guarantee exactly_once_v2 (default) or at_least_once
     * @param repartitionPartitions partitions of the repartition topic, or {@code null} for the largest source partition count
     */
    public record Processing(boolean bounded, String guarantee, Integer repartitionPartitions) {
    }
}
