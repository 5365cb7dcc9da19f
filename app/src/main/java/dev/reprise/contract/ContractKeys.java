package dev.reprise.contract;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Every key of the Recovery Contract, declared once: its dotted path, type, whether it is required, its default, one
 * line of documentation and an example. Kafka's {@code ConfigDef} does this for flat properties; a contract is a nested
 * YAML document, so a key's path names its section ({@code evidence.max_dead_letter_ratio}) and, inside a list of
 * items, the list ({@code reconciliation.thresholds[].action}).
 *
 * <p>{@link ContractLoader} reads through these declarations: the fields a section allows, the defaults, the type checks
 * and the "required; ..." hints come from here. Rules between fields (scope.to after scope.from, tenants need
 * scope.tenant_field, ...) stay in the loader. {@code reprise reference contract} and docs/reference.md are
 * rendered from here too.
 *
 * <p>Over 300 lines: one declaration per key of the contract, each with its documentation, and their two renderings.
 */
public final class ContractKeys {
    /** The command that prints this reference; error messages point to it. */
    public static final String REFERENCE_COMMAND = "reprise reference contract";

    /** What a key holds, and so how it is checked and how its type reads in the reference. */
    public enum Type {
        /** A single value read as text: a name, a topic, a path, a CEL expression. */
        TEXT,
        /** true or false. */
        BOOLEAN,
        /** An integer of at least {@link Key#min()}. */
        WHOLE_NUMBER,
        /** A number from 0 to 1 (0.01 is 1%). */
        RATIO,
        /** 500ms, 5s, 1m: more than zero. */
        DURATION,
        /** A list of non-empty, distinct names; a single name reads as a list of one. */
        NAMES,
        /** One of {@link Key#choices()}. */
        CHOICE,
        /** A mapping of further keys. */
        SECTION,
        /** A list of mappings, each with the keys declared under {@code path[]}. */
        ITEMS,
        /** One end of the replay scope: the symbolic position in {@link Key#choices()}, an ISO-8601 time or offsets. */
        POSITION
    }

    /**
     * One key of the contract.
     *
     * @param path         dotted path; {@code []} marks the items of a list, e.g. {@code reconciliation.thresholds[].action}
     * @param required     true when the key must be given whenever its section (or list item) is
     * @param defaultValue the value the loader applies when the key is left out (and the keys its default depends on are
     *                     left out too); {@code null} when there is none
     * @param defaultText  how the default reads for a person when it is not just {@link #defaultValue()}, e.g. "as
     *                     history.encoding"; {@code null} to show the value
     * @param min          the least whole number accepted, for {@link Type#WHOLE_NUMBER}
     * @param choices      the values accepted, for {@link Type#CHOICE}; the symbolic position, for {@link Type#POSITION}
     * @param aliases      other spellings accepted for a choice, each with the choice it stands for
     * @param doc          one line saying what the key is for, without a final period
     * @param example      a value as written in YAML, or {@code null} for sections and lists of items
     * @param shape        for {@link Type#ITEMS}: how one item reads in an error message when it is not {@code {name: ...,
     *                     ...}} with every field; {@code null} for that
     */
    public record Key(String path, Type type, boolean required, Object defaultValue, String defaultText, int min,
                      List<String> choices, Map<String, String> aliases, String doc, String example, String shape) {
        public Key {
            Objects.requireNonNull(path, "path");
            Objects.requireNonNull(type, path);
            Objects.requireNonNull(doc, path + ": every key is documented");
            choices = List.copyOf(choices);
            aliases = Collections.unmodifiableMap(new LinkedHashMap<>(aliases));
        }

        /** The key's own name, e.g. {@code action} for {@code reconciliation.thresholds[].action}. */
        public String name() {
            return path.substring(path.lastIndexOf('.') + 1);
        }

        /** The path of the section or list item holding the key; "" at the top of the contract. */
        public String parent() {
            int dot = path.lastIndexOf('.');
            return dot < 0 ? "" : path.substring(0, dot);
        }

        /** The text after "required; " when the key is missing: the documentation and the example. */
        public String hint() {
            String line = decapitalized(doc);
            return example == null ? line : line + ", e.g. " + name() + ": " + example;
        }

        /** The type as the reference writes it, e.g. "whole number >= 0" or "one of: pause, abort". */
        public String typeText() {
            return switch (type) {
                case TEXT -> "text";
                case BOOLEAN -> "true or false";
                case WHOLE_NUMBER -> "whole number >= " + min;
                case RATIO -> "ratio 0..1";
                case DURATION -> "duration (500ms, 5s, 1m)";
                case NAMES -> "list of names";
                case CHOICE -> "one of: " + String.join(", ", choices)
                        + (aliases.isEmpty() ? "" : " (also " + String.join(", ", aliases.keySet()) + ")");
                case SECTION -> "section";
                case ITEMS -> "list of {" + String.join(", ", fieldsOf(path + "[]").stream().map(Key::name).toList()) + "}";
                case POSITION -> choices.get(0) + ", an ISO-8601 time or {topic: {partition: offset}}";
            };
        }

        /** The default as the reference writes it; "" for a required key or a section. */
        public String defaultShown() {
            if (required || type == Type.SECTION) {
                return "";
            }
            if (defaultText != null) {
                return defaultText;
            }
            if (defaultValue == null) {
                return "none";
            }
            if (defaultValue instanceof Duration d) {
                return durationText(d);
            }
            return String.valueOf(defaultValue);
        }

        /** How one item of a list of items reads in an error message, e.g. {name: ..., expression: ...}. */
        String itemShape() {
            if (shape != null) {
                return shape;
            }
            return "{" + String.join(", ", fieldsOf(path + "[]").stream().map(k -> k.name() + ": ...").toList()) + "}";
        }
    }

    private static final Map<String, Key> KEYS = new LinkedHashMap<>();

    // --- The top of the contract ---
    public static final Key NAME = text("name").required().doc("Give the contract a short name (written into the evidence)")
            .example("inventory").declare();
    public static final Key DESCRIPTION = text("description").doc("A sentence for people reading the contract; Reprise does not use it")
            .example("Stock on hand, reservations and sellable stock per SKU").declare();
    public static final Key APPLICATION_ID = text("application_id").required()
            .doc("The Kafka Streams application id: the consumer group and the prefix of internal topics and transactional ids")
            .example("reprise-inventory").declare();

    // --- H: the authoritative history ---
    public static final Key HISTORY = section("history").required().doc("H: the authoritative history: its topics, encoding and schemas").declare();
    public static final Key HISTORY_TOPICS = names("history.topics").required()
            .doc("The topics that hold the authoritative history; a replay never writes them").example("[inventory-events]").declare();
    public static final Key HISTORY_ENCODING = choice("history.encoding", "confluent", "single-object")
            .alias("confluent-avro", "confluent").alias("avro-single-object", "single-object").byDefault("confluent")
            .doc("How the history's values are framed: Confluent's wire format (0x00, 4-byte schema id, Avro) or Avro single-object encoding")
            .example("single-object").declare();
    public static final Key HISTORY_SCHEMAS = section("history.schemas").required().doc("Where the events' writer schemas come from").declare();
    public static final Key SCHEMAS_SOURCE = choice("history.schemas.source", "local", "registry").byDefault("local")
            .doc("local: the .avsc files of directory, with id_map for Confluent schema ids; registry: a Confluent-compatible Schema "
                    + "Registry at registry_url")
            .example("registry").declare();
    public static final Key SCHEMAS_DIRECTORY = text("history.schemas.directory")
            .byDefault(null, "none; required with source: local")
            .doc("The directory with the .avsc files of event versions, relative to the contract's directory; with source: registry "
                    + "it may be left out (writer schemas come from the registry)")
            .example("../schemas").declare();
    public static final Key SCHEMAS_ID_MAP = text("history.schemas.id_map")
            .byDefault(null, "none; required with source: local when history, projection or evidence encoding is confluent")
            .doc("The file that maps Confluent schema ids to .avsc files, relative to the contract's directory")
            .example("../schemas/registry-ids.yaml").declare();
    public static final Key SCHEMAS_REGISTRY_URL = text("history.schemas.registry_url").byDefault(null, "none; required with source: registry")
            .doc("The Schema Registry URL (http:// or https://), read with source: registry")
            .example("http://schema-registry:8081").declare();
    public static final Key SCHEMAS_CLIENT_PROPERTIES = text("history.schemas.client_properties")
            .byDefault(null, "none: the --command-config file's registry settings, if any")
            .doc("A properties file with the registry client's settings as Confluent's serializers take them (basic.auth.credentials.source, "
                    + "basic.auth.user.info, bearer.auth.credentials.source, bearer.auth.token, schema.registry.ssl.truststore.* and "
                    + ".keystore.*), relative to the contract's directory; secrets stay in that file, never in the contract")
            .example("registry-client.properties").declare();
    public static final Key SCHEMAS_EVENTS = items("history.schemas.events").byDefault(List.of(), "none: Reprise's conventions only")
            .shape("{type, version, schema_name, subject, subject_version, schema_file}")
            .doc("Writer schemas mapped to event types and versions, for schemas without Reprise's properties (a producer's plain schema); "
                    + "a schema no item matches is read by the conventions (schema property reprise.event_type, or a namespace ending in .vN)")
            .declare();
    public static final Key EVENT_TYPE = text("history.schemas.events[].type").required()
            .doc("The event type the matching writer schemas are events of (scope.event_types and upcasters name it)")
            .example("OrderPlaced").declare();
    public static final Key EVENT_VERSION = whole("history.schemas.events[].version", 1).byDefault(1)
            .doc("The version of the event type those writer schemas are; the highest version of a type is the one every event is upcast to")
            .example("2").declare();
    public static final Key EVENT_SCHEMA_NAME = text("history.schemas.events[].schema_name")
            .byDefault(null, "none: with no subject either, any schema whose simple name is type")
            .doc("The writer schema's full name (namespace.name)").example("com.acme.orders.OrderPlaced").declare();
    public static final Key EVENT_SUBJECT = text("history.schemas.events[].subject")
            .byDefault(null, "none: the schema's name decides")
            .doc("A registry subject whose schemas are these events: <topic>-value (TopicNameStrategy) or the record's full name "
                    + "(RecordNameStrategy); its latest version is the event's target schema unless schema_file names one; with source: registry")
            .example("orders-value").declare();
    public static final Key EVENT_SUBJECT_VERSION = whole("history.schemas.events[].subject_version", 1)
            .byDefault(null, "none: every version of the subject")
            .doc("Only this version of the subject (several event versions under one subject: one item each)").example("3").declare();
    public static final Key EVENT_SCHEMA_FILE = text("history.schemas.events[].schema_file")
            .byDefault(null, "none: from the subject, else the schemas directory")
            .doc("A local .avsc that is the event's schema at this version (the reader and upcast target), relative to the contract's directory")
            .example("schemas/order-placed.avsc").declare();
    public static final Key HISTORY_KEYED = bool("history.keyed_by_ordering_key").byDefault(false)
            .doc("true when the producers key every event by its ordering key with the default partitioner: nothing is repartitioned, "
                    + "and an event in another partition than its key's makes the run untrusted")
            .example("true").declare();

    // --- O: the ordering boundary ---
    public static final Key ORDERING = section("ordering").required().doc("O: the ordering boundary").declare();
    public static final Key ORDERING_KEY_FIELD = text("ordering.key_field").byDefault(null, "none; required unless ordering.key is given")
            .doc("The event field whose value orders events: events with the same value are applied in order by one task "
                    + "(short for ordering.key.field)")
            .example("sku").declare();
    public static final Key ORDERING_KEY = section("ordering.key").byDefault(null, "none; required unless ordering.key_field is given")
            .doc("Where the ordering key is read: one of field, header or record_key").declare();
    public static final Key ORDERING_KEY_FROM_FIELD = text("ordering.key.field").byDefault(null, "none")
            .doc("The event field (after upcasting) that holds the ordering key").example("sku").declare();
    public static final Key ORDERING_KEY_FROM_HEADER = text("ordering.key.header").byDefault(null, "none")
            .doc("The record header whose value (UTF-8 text) is the ordering key").example("aggregate_id").declare();
    public static final Key ORDERING_KEY_FROM_RECORD_KEY = bool("ordering.key.record_key").byDefault(false)
            .doc("true: the record key (UTF-8 text) is the ordering key, e.g. the aggregate id Debezium's outbox event router writes there")
            .example("true").declare();
    public static final Key ORDERING_SEQUENCE_FIELD = text("ordering.sequence_field").byDefault(null, "none: the order is not checked")
            .doc("A number field that grows with each event of a key; events out of sequence are counted as ordering violations")
            .example("seq").declare();

    // --- I: the idempotency key ---
    public static final Key IDEMPOTENCY = section("idempotency").required().doc("I: what makes two records the same event").declare();
    public static final Key EVENT_ID_FIELD = text("idempotency.event_id_field").byDefault(null, "none; required unless idempotency.event_id is given")
            .doc("The event field that identifies an event across copies; copies after the first are skipped as duplicates "
                    + "(short for idempotency.event_id.field)")
            .example("event_id").declare();
    public static final Key EVENT_ID = section("idempotency.event_id").byDefault(null, "none; required unless idempotency.event_id_field is given")
            .doc("Where the event id is read: one of field, header or record_key").declare();
    public static final Key EVENT_ID_FROM_FIELD = text("idempotency.event_id.field").byDefault(null, "none")
            .doc("The event field (after upcasting) that holds the event id").example("event_id").declare();
    public static final Key EVENT_ID_FROM_HEADER = text("idempotency.event_id.header").byDefault(null, "none")
            .doc("The record header whose value (UTF-8 text) is the event id, e.g. id for Debezium's outbox event router").example("id").declare();
    public static final Key EVENT_ID_FROM_RECORD_KEY = bool("idempotency.event_id.record_key").byDefault(false)
            .doc("true: the record key (UTF-8 text) is the event id").example("true").declare();
    public static final Key ON_CONFLICT = choice("idempotency.on_conflict", "untrusted", "degraded", "first_wins").byDefault("untrusted")
            .doc("The verdict when an event id names two different events (other content or another ordering key): untrusted, "
                    + "degraded, or first_wins (the event applied first stands; the conflicts are listed as facts). Either way "
                    + "the later event is not applied, and the conflicts are counted and sampled in the evidence")
            .example("first_wins").declare();

    // --- F: the deterministic projection ---
    public static final Key PROJECTION = section("projection").required().doc("F: the projection to rebuild and where its states go").declare();
    public static final Key PROJECTION_NAME = text("projection.name").required()
            .doc("The name of a registered projection (ServiceLoader dev.reprise.projection.Projection)").example("inventory-levels").declare();
    public static final Key PROJECTION_TOPIC = text("projection.topic").required()
            .doc("The compacted topic that receives the rebuilt projection: a shadow of the live one").example("inventory-levels-rebuilt").declare();
    public static final Key PROJECTION_ENCODING = choice("projection.encoding", Contract.ValueEncoding.configNames())
            .byDefault("confluent", "as history.encoding").doc("How states are written to projection.topic").example("json").declare();

    // --- S: the replay scope ---
    public static final Key SCOPE = section("scope").doc("S: what part of the history is replayed; all of it when left out").declare();
    public static final Key SCOPE_FROM = position("scope.from", "earliest")
            .doc("Where each partition's replay starts: its first record, the first record at or after a time, or an offset "
                    + "(partitions not listed: earliest)")
            .example("2026-01-31T00:00:00Z").declare();
    public static final Key SCOPE_TO = position("scope.to", "latest-at-start")
            .doc("Where each partition's replay stops, that position excluded: its end when the run is planned, the first record "
                    + "at or after a time, or an offset (partitions not listed: latest-at-start); not before scope.from")
            .example("{inventory-events: {0: 1200, 1: 980}}").declare();
    public static final Key SCOPE_EVENT_TYPES = names("scope.event_types").byDefault(List.of(), "every event type")
            .doc("Only events of these types are replayed").example("[StockMovement]").declare();
    public static final Key SCOPE_TENANT_FIELD = text("scope.tenant_field").byDefault(null, "none: events carry no tenant")
            .doc("The event field that holds an event's tenant; scope.tenants and the thresholds' tenants need it").example("tenant").declare();
    public static final Key SCOPE_TENANTS = names("scope.tenants").byDefault(List.of(), "every tenant")
            .doc("Only events of these tenants are replayed (needs scope.tenant_field)").example("[acme]").declare();
    public static final Key SCOPE_KEYS = names("scope.keys").byDefault(List.of(), "every key")
            .doc("Only events with these ordering keys are replayed").example("[SKU-00042]").declare();

    // --- Q: reconciliation ---
    public static final Key RECONCILIATION = section("reconciliation")
            .doc("Q: the checks a complete rebuild must pass, and limits that pause or abort a run").declare();
    public static final Key REFERENCE_TOPIC = text("reconciliation.reference_topic").byDefault(null, "none: no comparison")
            .doc("A compacted topic holding the projection to compare with key by key: the live projection or a ground truth")
            .example("inventory-levels").declare();
    public static final Key REFERENCE_MUST_MATCH = bool("reconciliation.reference_must_match").byDefault(false)
            .doc("true when the reference is ground truth: any difference makes the run untrusted").example("true").declare();
    public static final Key INVARIANTS = items("reconciliation.invariants").byDefault(List.of(), "none")
            .doc("CEL checks over each key's rebuilt state, besides the projection's own; one that fails makes the run untrusted").declare();
    public static final Key INVARIANT_NAME = text("reconciliation.invariants[].name").required()
            .doc("Name the check (each name once in its list)").example("stock_covers_reservations").declare();
    public static final Key INVARIANT_EXPRESSION = text("reconciliation.invariants[].expression").required()
            .doc("A CEL expression that is true when the check holds, over the state's fields").example("stock_on_hand >= reserved").declare();
    public static final Key TOTALS = items("reconciliation.totals").byDefault(List.of(), "none")
            .doc("CEL checks over the run's counts: events_read, events_processed, duplicates_skipped, filtered, dead_lettered, "
                    + "projection_keys, out_of_range").declare();
    public static final Key TOTAL_NAME = text("reconciliation.totals[].name").required()
            .doc("Name the check (each name once in its list)").example("keys_come_from_events").declare();
    public static final Key TOTAL_EXPRESSION = text("reconciliation.totals[].expression").required()
            .doc("A CEL expression that is true when the check holds, over the run's counts").example("projection_keys <= events_processed").declare();
    public static final Key THRESHOLDS = items("reconciliation.thresholds").byDefault(List.of(), "none")
            .shape("{name, metric, above, window, action}") // tenants left out: it is for invariant_failures only
            .doc("Limits checked while the run goes: past one, the run pauses or aborts by itself and says why").declare();
    public static final Key THRESHOLD_NAME = text("reconciliation.thresholds[].name")
            .byDefault("dead_letter_ratio-pause", "metric-action, e.g. dead_letter_ratio-pause")
            .doc("The threshold's name in messages and in the evidence (each name once)").example("poison-flood").declare();
    public static final Key THRESHOLD_METRIC = choice("reconciliation.thresholds[].metric", "dead_letter_ratio", "invariant_failures").required()
            .doc("What is watched: the dead-letter ratio over the last window records this instance read, or invariant failures "
                    + "(checked on the key after every event)").example("dead_letter_ratio").declare();
    public static final Key THRESHOLD_ABOVE = ratio("reconciliation.thresholds[].above").byDefault(0.01)
            .doc("For dead_letter_ratio: the ratio above which the action is taken").example("0.005").declare();
    public static final Key THRESHOLD_WINDOW = whole("reconciliation.thresholds[].window", 1).byDefault(10_000)
            .doc("For dead_letter_ratio: how many of the latest records the ratio is taken over").example("1000").declare();
    public static final Key THRESHOLD_ACTION = choice("reconciliation.thresholds[].action", "pause", "abort").byDefault("pause")
            .doc("pause ('reprise resume' continues the run) or abort (untrusted evidence with the reason)").example("abort").declare();
    public static final Key THRESHOLD_TENANTS = names("reconciliation.thresholds[].tenants").byDefault(List.of(), "every tenant")
            .doc("For invariant_failures: only keys of these tenants count (needs scope.tenant_field)").example("[acme]").declare();

    // --- E: the recovery evidence ---
    public static final Key EVIDENCE = section("evidence").required().doc("E: the recovery evidence and what it takes to be trusted").declare();
    public static final Key EVIDENCE_TOPIC = text("evidence.topic").required()
            .doc("The topic that receives the recovery evidence (created with retention.ms=-1)").example("reprise-evidence").declare();
    public static final Key EVIDENCE_ENCODING = choice("evidence.encoding", Contract.ValueEncoding.configNames())
            .byDefault("confluent", "as history.encoding").doc("How evidence records are written to evidence.topic").example("json").declare();
    public static final Key PROGRESS_INTERVAL = duration("evidence.progress_interval").byDefault(Duration.ofSeconds(5))
            .doc("How often a progress record is written while the run goes").example("10s").declare();
    public static final Key MAX_DEAD_LETTER_RATIO = ratio("evidence.max_dead_letter_ratio").byDefault(0.01)
            .doc("Dead-lettered records over records read above which the run is degraded").example("0.001").declare();
    public static final Key MAX_ORDERING_VIOLATIONS = whole("evidence.max_ordering_violations", 0).byDefault(0)
            .doc("Ordering violations (see ordering.sequence_field) above which the run is degraded").example("100").declare();
    public static final Key MAX_LIVE_DIFF_RATIO = ratio("evidence.max_live_diff_ratio").byDefault(1.0)
            .doc("Keys changed, missing or extra against a live reference, over the rebuilt keys, above which the run is degraded "
                    + "(1.0: any difference is accepted)").example("0.05").declare();
    public static final Key UNTRUSTED_DEAD_LETTER_RATIO = ratio("evidence.untrusted_dead_letter_ratio")
            .byDefault(0.5, "0.5, or evidence.max_dead_letter_ratio when higher")
            .doc("Dead-lettered records over records read above which the run is untrusted; at least evidence.max_dead_letter_ratio")
            .example("0.2").declare();
    public static final Key MIN_EVENTS_PROCESSED = whole("evidence.min_events_processed", 0).byDefault(1)
            .doc("Fewer events applied than this make the run untrusted: an empty rebuild proves nothing").example("1000").declare();
    public static final Key MIN_PROJECTION_KEYS = whole("evidence.min_projection_keys", 0).byDefault(1)
            .doc("Fewer keys in the rebuilt projection than this make the run untrusted").example("10").declare();

    // --- Poison records, processing, promotion, the side-effect guard ---
    public static final Key DEAD_LETTER = section("dead_letter").required().doc("Where poison records go").declare();
    public static final Key DEAD_LETTER_TOPIC = text("dead_letter.topic").required()
            .doc("The topic that receives poison records with their reason and coordinates").example("inventory-events-dlq").declare();
    public static final Key PROCESSING = section("processing").doc("How the run processes the history").declare();
    public static final Key MODE = choice("processing.mode", "bounded", "continuous").byDefault("bounded")
            .doc("bounded: stop when every partition reached the plan's end; continuous: keep following new events").example("continuous").declare();
    public static final Key GUARANTEE = choice("processing.guarantee", "exactly_once_v2", "at_least_once").byDefault("exactly_once_v2")
            .doc("Kafka Streams' processing guarantee; exactly_once_v2 commits counts, states and outputs in one transaction").example("at_least_once").declare();
    public static final Key REPARTITION_PARTITIONS = whole("processing.repartition_partitions", 1)
            .byDefault(null, "as many as the history topic with the most partitions")
            .doc("Partitions of the repartition topic; not with history.keyed_by_ordering_key: true").example("24").declare();
    public static final Key PROMOTE = section("promote").doc("Limits of 'reprise promote'").declare();
    public static final Key MAX_CHANGED_RATIO = ratio("promote.max_changed_ratio").byDefault(0.1)
            .doc("Live keys a promotion would change or tombstone, over the live keys, above which it is refused without --force")
            .example("0.25").declare();
    public static final Key ALLOWED_WRITE_TOPICS = names("allowed_write_topics").required()
            .doc("Every topic the app may write: the projection, evidence and dead-letter topics, and the live projection that "
                    + "'reprise promote' writes; never a history topic")
            .example("[inventory-levels-rebuilt, reprise-evidence, inventory-events-dlq]").declare();

    private ContractKeys() {
    }

    /** Every key, in the order of a contract file. */
    public static List<Key> all() {
        return List.copyOf(KEYS.values());
    }

    /** The key at {@code path} (list items as {@code []}), or {@code null} when none is declared there. */
    public static Key find(String path) {
        return KEYS.get(path);
    }

    /** The keys directly inside the section or list item at {@code parent} ("" for the top of the contract). */
    public static List<Key> fieldsOf(String parent) {
        return KEYS.values().stream().filter(k -> k.parent().equals(parent)).toList();
    }

    /** The reference as a Markdown table: key, type, required, default, what it is, example. */
    public static String markdownTable() {
        StringBuilder out = new StringBuilder("| key | type | required | default | what it is | example |\n|---|---|---|---|---|---|\n");
        for (Key k : KEYS.values()) {
            out.append("| `").append(k.path()).append("` | ").append(cell(k.typeText())).append(" | ").append(k.required() ? "yes" : "no")
                    .append(" | ").append(k.defaultShown().isEmpty() ? "" : cell(k.defaultShown())).append(" | ").append(cell(k.doc()))
                    .append(" | ").append(k.example() == null ? "" : "`" + cell(k.name() + ": " + k.example()) + "`").append(" |\n");
        }
        return out.toString();
    }

    /** The reference as plain text for a terminal: one block per key. */
    public static String text(int width) {
        StringBuilder out = new StringBuilder();
        for (Key k : KEYS.values()) {
            String header = k.path() + "  (" + k.typeText();
            String status = k.required() ? "; required" : k.defaultShown().isEmpty() ? "" : "; default " + k.defaultShown();
            if (header.length() + 1 > width) {
                // A list of many fields: its type on lines of its own.
                out.append(k.path()).append('\n');
                wrap(out, "(" + k.typeText() + status + ")", "    ", width);
                wrap(out, k.doc(), "    ", width);
                out.append('\n');
                continue;
            }
            boolean defaultBelow = header.length() + status.length() + 1 > width && !k.required();
            out.append(header).append(defaultBelow ? "" : status).append(")\n");
            if (defaultBelow) {
                wrap(out, "Default: " + k.defaultShown() + ".", "    ", width);
            }
            wrap(out, k.doc(), "    ", width);
            if (k.example() != null) {
                out.append("    e.g. ").append(k.name()).append(": ").append(k.example()).append('\n');
            }
            out.append('\n');
        }
        return out.toString();
    }

    /** Words of {@code text} on lines of at most {@code width} characters, each starting with {@code indent}. */
    public static void wrap(StringBuilder out, String text, String indent, int width) {
        StringBuilder line = new StringBuilder(indent);
        for (String word : text.split(" ")) {
            if (line.length() > indent.length() && line.length() + 1 + word.length() > width) {
                out.append(line).append('\n');
                line = new StringBuilder(indent);
            }
            line.append(line.length() > indent.length() ? " " : "").append(word);
        }
        out.append(line).append('\n');
    }

    /** A Markdown table cell: a '|' would end the cell. */
    private static String cell(String text) {
        return text.replace("|", "\\|");
    }

    static String durationText(Duration d) {
        if (d.toMillis() % 60_000 == 0) {
            return d.toMinutes() + "m";
        }
        return d.toMillis() % 1000 == 0 ? d.toSeconds() + "s" : d.toMillis() + "ms";
    }

    /** "The event field" becomes "the event field", after "required; "; "CEL checks" stays as it is. */
    private static String decapitalized(String text) {
        if (text.length() > 1 && Character.isUpperCase(text.charAt(0)) && !Character.isUpperCase(text.charAt(1))) {
            return Character.toLowerCase(text.charAt(0)) + text.substring(1);
        }
        return text;
    }

    private static Builder text(String path) {
        return new Builder(path, Type.TEXT);
    }

    private static Builder bool(String path) {
        return new Builder(path, Type.BOOLEAN);
    }

    private static Builder whole(String path, int min) {
        Builder b = new Builder(path, Type.WHOLE_NUMBER);
        b.min = min;
        return b;
    }

    private static Builder ratio(String path) {
        return new Builder(path, Type.RATIO);
    }

    private static Builder duration(String path) {
        return new Builder(path, Type.DURATION);
    }

    private static Builder names(String path) {
        return new Builder(path, Type.NAMES);
    }

    private static Builder choice(String path, String... choices) {
        Builder b = new Builder(path, Type.CHOICE);
        b.choices = Arrays.asList(choices);
        return b;
    }

    private static Builder choice(String path, List<String> choices) {
        return choice(path, choices.toArray(String[]::new));
    }

    private static Builder section(String path) {
        return new Builder(path, Type.SECTION);
    }

    private static Builder items(String path) {
        return new Builder(path, Type.ITEMS);
    }

    private static Builder position(String path, String symbolic) {
        Builder b = new Builder(path, Type.POSITION);
        b.choices = List.of(symbolic);
        b.defaultValue = symbolic;
        return b;
    }

    /** Collects one declaration; {@link #declare()} checks it and adds it to the contract's keys. */
    private static final class Builder {
        private final String path;
        private final Type type;
        private boolean required;
        private Object defaultValue;
        private String defaultText;
        private int min = Integer.MIN_VALUE;
        private List<String> choices = List.of();
        private final Map<String, String> aliases = new LinkedHashMap<>();
        private String doc;
        private String example;
        private String shape;

        Builder(String path, Type type) {
            this.path = path;
            this.type = type;
        }

        Builder required() {
            required = true;
            return this;
        }

        Builder byDefault(Object value) {
            defaultValue = value;
            return this;
        }

        /** A default that reads differently from its value, e.g. one that follows another key. */
        Builder byDefault(Object value, String howItReads) {
            defaultValue = value;
            defaultText = howItReads;
            return this;
        }

        Builder alias(String spelling, String choice) {
            aliases.put(spelling, choice);
            return this;
        }

        Builder doc(String line) {
            doc = line;
            return this;
        }

        Builder example(String yaml) {
            example = yaml;
            return this;
        }

        /** How one item of a list of items reads in an error message. */
        Builder shape(String itemShape) {
            shape = itemShape;
            return this;
        }

        Key declare() {
            Key key = new Key(path, type, required, defaultValue, defaultText, min, choices, aliases, doc, example, shape);
            String parent = key.parent();
            if (!parent.isEmpty() && !KEYS.containsKey(parent.endsWith("[]") ? parent.substring(0, parent.length() - 2) : parent)) {
                throw new IllegalStateException(path + " is declared before its section " + parent);
            }
            if (KEYS.putIfAbsent(path, key) != null) {
                throw new IllegalStateException(path + " is declared twice");
            }
            return key;
        }
    }

    /** The names of the keys in a list, as "a, b or c". */
    static String oneOf(List<String> names) {
        if (names.size() == 1) {
            return names.get(0);
        }
        List<String> head = new ArrayList<>(names.subList(0, names.size() - 1));
        return String.join(", ", head) + " or " + names.get(names.size() - 1);
    }
}
