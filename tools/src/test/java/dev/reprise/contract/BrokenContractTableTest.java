package dev.reprise.contract;

import dev.reprise.Cli;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Every broken contract is refused by the real command line, {@code reprise plan --offline}, with exit
 * code 2 and a message that names the field and says what to do, before anything starts. The first
 * variants are the ones a user found accepted (exit 0) or explained poorly; a regression of any of them
 * means a run that starts on a broken contract and fails (or silently does less) minutes later.
 */
class BrokenContractTableTest {
    static final Path SCHEMAS = Path.of("..", "schemas").toAbsolutePath().normalize();

    /** A valid contract for the inventory sample, every section present, so each variant breaks one thing. */
    static final String INVENTORY = """
            name: table
            description: a contract that every variant breaks in one place
            application_id: reprise-table
            history:
              topics: [events]
              encoding: confluent
              schemas:
                source: local
                directory: SCHEMAS
                id_map: SCHEMAS/registry-ids.yaml
              keyed_by_ordering_key: false
            ordering:
              key_field: sku
            idempotency:
              event_id_field: event_id
            projection:
              name: inventory-levels
              topic: out
            scope:
              from: earliest
              to: latest-at-start
              tenant_field: tenant
            reconciliation:
              reference_must_match: false
              invariants:
                - name: has_movements
                  expression: movements > 0
              totals:
                - name: keys_come_from_events
                  expression: projection_keys <= events_processed
              thresholds:
                - name: poison-flood
                  metric: dead_letter_ratio
                  above: 0.05
                  window: 1000
                  action: pause
            evidence:
              topic: evidence
              progress_interval: 5s
              max_dead_letter_ratio: 0.01
            dead_letter:
              topic: dlq
            processing:
              mode: bounded
              guarantee: exactly_once_v2
            promote:
              max_changed_ratio: 0.1
            allowed_write_topics: [out, evidence, dlq, live]
            """.replace("SCHEMAS", SCHEMAS.toString());

    /** Broken files a contract may point at: an id map that is binary or not YAML, a schemas directory with a bad schema. */
    static final Path BROKEN = brokenFiles();

    static Path brokenFiles() {
        try {
            Path dir = Files.createTempDirectory("reprise-broken-");
            Files.write(dir.resolve("binary-ids.yaml"), new byte[]{(byte) 0xca, (byte) 0xfe, (byte) 0xba, (byte) 0xbe, 0x01, (byte) 0xff});
            Files.writeString(dir.resolve("unclosed-ids.yaml"), "1: [inventory/stock-movement-v1.avsc\n");
            Path schemas = dir.resolve("schemas");
            try (var files = Files.walk(SCHEMAS)) {
                for (Path from : files.toList()) {
                    Files.copy(from, schemas.resolve(SCHEMAS.relativize(from).toString()));
                }
            }
            Files.writeString(schemas.resolve("broken.avsc"), "{\"type\": \"record\", \"name\": \"X\", \"fields\": [{\"name\": \"a\", \"type\": \"strin\"}]}");
            return dir;
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** The invoice sample: keyed by tenant, with a sequence field. */
    static final String INVOICE = INVENTORY.replace("key_field: sku", "key_field: tenant\n  sequence_field: seq")
            .replace("name: inventory-levels", "name: invoice-summary")
            .replace("keyed_by_ordering_key: false", "keyed_by_ordering_key: true")
            .replace("expression: movements > 0", "expression: outstanding_cents >= 0");

    /**
     * @param name   what is broken
     * @param bytes  the whole contract file
     * @param field  the field the message must name
     * @param fix    words of the fix (or of what is expected) the message must contain
     */
    record Variant(String name, byte[] bytes, String field, String fix) {
        @Override
        public String toString() {
            return name;
        }
    }

    static Variant inventory(String name, UnaryOperator<String> edit, String field, String fix) {
        String edited = edit.apply(INVENTORY);
        if (edited.equals(INVENTORY)) {
            throw new IllegalStateException("variant '" + name + "' does not change the contract: its edit no longer matches");
        }
        return new Variant(name, edited.getBytes(StandardCharsets.UTF_8), field, fix);
    }

    static Variant invoice(String name, UnaryOperator<String> edit, String field, String fix) {
        String edited = edit.apply(INVOICE);
        if (edited.equals(INVOICE)) {
            throw new IllegalStateException("variant '" + name + "' does not change the contract: its edit no longer matches");
        }
        return new Variant(name, edited.getBytes(StandardCharsets.UTF_8), field, fix);
    }

    static UnaryOperator<String> replace(String from, String to) {
        return s -> s.replace(from, to);
    }

    /** Replaces a whole top-level section, its name line and every indented line under it. */
    static UnaryOperator<String> section(String name, String replacement) {
        return s -> s.replaceFirst("(?m)^" + name + ":\\n(?:[ \\t].*\\n)*", java.util.regex.Matcher.quoteReplacement(replacement));
    }

    static UnaryOperator<String> scope(String lines) {
        return replace("  from: earliest\n  to: latest-at-start\n", lines);
    }

    static List<Variant> variants() {
        List<Variant> v = new ArrayList<>();
        // --- Accepted before (exit 0), each then failed or did less at run time ---
        v.add(inventory("totals: syntax error", replace("expression: projection_keys <= events_processed", "expression: projection_keys <= "),
                "reconciliation.totals[0].expression", "not valid CEL at line 1"));
        v.add(inventory("totals: unknown variable", replace("expression: projection_keys <= events_processed", "expression: projection_key <= events_processed"),
                "reconciliation.totals[0].expression", "it may use the totals [events_read"));
        v.add(inventory("totals: not true or false", replace("expression: projection_keys <= events_processed", "expression: events_read + 1"),
                "reconciliation.totals[0].expression", "must be true or false"));
        v.add(inventory("totals: compares a count with text", replace("expression: projection_keys <= events_processed", "expression: events_read == 'all'"),
                "reconciliation.totals[0].expression", "not valid CEL"));
        v.add(inventory("progress_interval negative", replace("progress_interval: 5s", "progress_interval: -5s"),
                "evidence.progress_interval", "must be positive"));
        v.add(inventory("progress_interval zero", replace("progress_interval: 5s", "progress_interval: 0ms"),
                "evidence.progress_interval", "must be positive"));
        v.add(inventory("scope offsets from after to", scope("  from: {events: {0: 100}}\n  to: {events: {0: 50}}\n"),
                "scope.to.events.0", "make scope.to at least 100"));
        v.add(inventory("scope partition -1", scope("  from: {events: {-1: 0}}\n  to: latest-at-start\n"),
                "scope.from.events.-1", "partition numbers start at 0"));
        v.add(inventory("scope.event_types names no event type", replace("  tenant_field: tenant\n", "  tenant_field: tenant\n  event_types: [StockMovment]\n"),
                "scope.event_types", "did you mean 'StockMovement'"));
        v.add(inventory("ordering.key_field no schema has", replace("key_field: sku", "key_field: skuu"),
                "ordering.key_field", "did you mean 'sku'"));
        v.add(inventory("idempotency.event_id_field no schema has", replace("event_id_field: event_id", "event_id_field: eventid"),
                "idempotency.event_id_field", "no event type has a field 'eventid'"));
        v.add(inventory("ordering.sequence_field no schema has", replace("key_field: sku", "key_field: sku\n  sequence_field: sequence"),
                "ordering.sequence_field", "no event type has a field 'sequence'"));
        v.add(inventory("duplicate key: the last would win", replace("  key_field: sku\n", "  key_field: sku\n  key_field: tenant\n"),
                "ordering.key_field", "given twice"));
        // --- Explained poorly before ---
        v.add(inventory("ordering section empty: names the missing field", replace("ordering:\n  key_field: sku\n", "ordering:\n"),
                "ordering.key_field", "required; the event field whose value orders events"));
        v.add(inventory("a list where a mapping belongs", replace("ordering:\n  key_field: sku\n", "ordering:\n  - key_field: sku\n"),
                "ordering", "expected a mapping of fields (name: value on lines of their own), got a list"));
        v.add(new Variant("a binary file", new byte[]{(byte) 0x89, 'P', 'N', 'G', 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0x0d, 'I', 'H', 'D', 'R'},
                "contract", "is a binary file"));
        v.add(new Variant("a Latin-1 file", INVENTORY.replace("a contract that every variant breaks", "caf\u00e9 contract")
                .getBytes(StandardCharsets.ISO_8859_1), "contract", "save the file as UTF-8"));
        // --- CEL invariants over the projection's state ---
        v.add(inventory("invariant: syntax error", replace("expression: movements > 0", "expression: movements >"),
                "reconciliation.invariants[0].expression", "not valid CEL"));
        v.add(inventory("invariant: unknown state field", replace("expression: movements > 0", "expression: movement > 0"),
                "reconciliation.invariants[0].expression", "undeclared reference to 'movement'"));
        v.add(inventory("invariant: not true or false", replace("expression: movements > 0", "expression: movements"),
                "reconciliation.invariants[0].expression", "must be true or false"));
        v.add(inventory("invariants: a text instead of a list", replace("  invariants:\n    - name: has_movements\n      expression: movements > 0\n",
                "  invariants: movements > 0\n"), "reconciliation.invariants", "expected a list of {name: ..., expression: ...}"));
        v.add(inventory("check without expression", replace("      expression: movements > 0\n", ""),
                "reconciliation.invariants[0].expression", "required; a CEL expression"));
        v.add(inventory("check as a bare text", replace("    - name: has_movements\n      expression: movements > 0\n", "    - movements > 0\n"),
                "reconciliation.invariants[0]", "expected {name: ..., expression: ...}, got 'movements > 0'"));
        v.add(inventory("two invariants with one name", replace("      expression: movements > 0\n",
                "      expression: movements > 0\n    - name: has_movements\n      expression: reserved >= 0\n"),
                "reconciliation.invariants[1].name", "give each its own name"));
        v.add(inventory("check with a misspelt key", replace("      expression: movements > 0", "      expresion: movements > 0"),
                "reconciliation.invariants[0].expresion", "did you mean 'expression'"));
        // --- Durations ---
        v.add(inventory("progress_interval in words", replace("progress_interval: 5s", "progress_interval: five seconds"),
                "evidence.progress_interval", "expected a duration such as 500ms, 5s or 1m"));
        v.add(inventory("progress_interval as a list", replace("progress_interval: 5s", "progress_interval: [5s]"),
                "evidence.progress_interval", "expected a single value, got a list"));
        // --- Scope positions ---
        v.add(inventory("scope offset negative", scope("  from: {events: {0: -3}}\n  to: latest-at-start\n"),
                "scope.from.events.0", "expected an offset >= 0, got -3"));
        v.add(inventory("scope partition not a number", scope("  from: {events: {first: 0}}\n  to: latest-at-start\n"),
                "scope.from.events.first", "expected a partition number"));
        v.add(inventory("scope offset as text", scope("  from: {events: {0: abc}}\n  to: latest-at-start\n"),
                "scope.from.events.0", "expected an offset >= 0, got 'abc'"));
        v.add(inventory("scope offsets of a topic not replayed", scope("  from: {event: {0: 5}}\n  to: latest-at-start\n"),
                "scope.from.event", "did you mean 'events'"));
        v.add(inventory("scope offsets of a topic without partitions", scope("  from: {events: }\n  to: latest-at-start\n"),
                "scope.from.events", "expected {partition: offset}"));
        v.add(inventory("scope.from latest-at-start", scope("  from: latest-at-start\n  to: latest-at-start\n"),
                "scope.from", "expected earliest, an ISO-8601 time"));
        v.add(inventory("scope.to earliest", scope("  from: earliest\n  to: earliest\n"),
                "scope.to", "expected latest-at-start, an ISO-8601 time"));
        v.add(inventory("scope.from as a list", scope("  from: [earliest]\n  to: latest-at-start\n"),
                "scope.from", "got a list"));
        v.add(inventory("scope times in the wrong order", scope("  from: 2026-02-01T00:00:00Z\n  to: 2026-01-01T00:00:00Z\n"),
                "scope.to", "must be after scope.from"));
        v.add(inventory("scope.tenants without tenant_field", replace("  tenant_field: tenant\n", "  tenants: [acme]\n"),
                "scope.tenant_field", "required when scope.tenants is set"));
        v.add(inventory("scope.keys as a mapping", replace("  tenant_field: tenant\n", "  tenant_field: tenant\n  keys: {SKU-1: yes}\n"),
                "scope.keys", "expected a list, e.g. [a, b], got a mapping"));
        // --- Fields against the events' schemas ---
        v.add(inventory("event_types lists a type without the key field", replace("  tenant_field: tenant\n",
                "  tenant_field: tenant\n  event_types: [StockMovement, InvoiceIssued]\n"),
                "ordering.key_field", "remove the type from scope.event_types"));
        v.add(inventory("scope.tenant_field no schema has", replace("tenant_field: tenant", "tenant_field: tennant"),
                "scope.tenant_field", "did you mean 'tenant'"));
        v.add(inventory("sequence_field is text", replace("key_field: sku", "key_field: sku\n  sequence_field: kind"),
                "ordering.sequence_field", "must be a number"));
        v.add(invoice("invoice: sequence_field is text", replace("sequence_field: seq", "sequence_field: invoice_id"),
                "ordering.sequence_field", "must be a number"));
        v.add(invoice("invoice: key_field no schema has", replace("key_field: tenant", "key_field: tenant_id"),
                "ordering.key_field", "no event type has a field 'tenant_id'"));
        // --- YAML structure ---
        v.add(inventory("duplicate section", s -> s + "evidence:\n  topic: evidence2\n", "evidence", "given twice"));
        v.add(inventory("duplicate key inside a list item", replace("      expression: movements > 0\n",
                "      expression: movements > 0\n      name: again\n"), "reconciliation.invariants[0].name", "given twice"));
        v.add(inventory("ordering section missing", replace("ordering:\n  key_field: sku\n", ""),
                "ordering", "missing section; add it"));
        v.add(inventory("history as a text", section("history", "history: events\n"), "history",
                "expected a mapping of fields (name: value on lines of their own), got 'events'"));
        v.add(inventory("evidence as a list", section("evidence", "evidence:\n  - topic: evidence\n"), "evidence", "got a list"));
        v.add(new Variant("an empty file", new byte[0], "contract", "the file is empty"));
        v.add(new Variant("a list instead of a contract", "- name: x\n- name: y\n".getBytes(StandardCharsets.UTF_8),
                "contract", "expected a YAML mapping with name, application_id"));
        v.add(inventory("unclosed bracket", replace("topics: [events]", "topics: [events"), "contract", "not valid YAML at line"));
        v.add(inventory("a tab in the indentation", replace("  key_field: sku", "\tkey_field: sku"), "contract", "not valid YAML"));
        v.add(inventory("two YAML documents", s -> s + "---\nname: other\n", "contract", "keep one contract per file"));
        // --- Unknown keys, in every section ---
        v.add(inventory("unknown top-level key", replace("description:", "descripton:"), "descripton", "did you mean 'description'"));
        v.add(inventory("unknown key in history", replace("  topics: [events]", "  topic: [events]"), "history.topic", "did you mean 'topics'"));
        v.add(inventory("unknown key in history.schemas", replace("    id_map:", "    idmap:"), "history.schemas.idmap", "did you mean 'id_map'"));
        v.add(inventory("unknown key in ordering", replace("  key_field: sku", "  key_field: sku\n  sequence: seq"),
                "ordering.sequence", "expected one of"));
        v.add(inventory("unknown key in idempotency", replace("  event_id_field: event_id", "  event_id: event_id"),
                "idempotency.event_id", "did you mean 'event_id_field'"));
        v.add(inventory("unknown key in projection", replace("  topic: out", "  topc: out"), "projection.topc", "did you mean 'topic'"));
        v.add(inventory("unknown key in scope", replace("  tenant_field: tenant\n", "  tenant_field: tenant\n  tenant: [acme]\n"),
                "scope.tenant", "did you mean 'tenants'"));
        v.add(inventory("unknown key in reconciliation", replace("  invariants:", "  invariant:"), "reconciliation.invariant",
                "did you mean 'invariants'"));
        v.add(inventory("unknown key in a threshold", replace("      action: pause", "      acton: pause"),
                "reconciliation.thresholds[0].acton", "did you mean 'action'"));
        v.add(inventory("unknown key in evidence", replace("  max_dead_letter_ratio: 0.01", "  max_deadletter_ratio: 0.01"),
                "evidence.max_deadletter_ratio", "did you mean 'max_dead_letter_ratio'"));
        v.add(inventory("unknown key in dead_letter", replace("  topic: dlq", "  topics: dlq"), "dead_letter.topics", "did you mean 'topic'"));
        v.add(inventory("unknown key in processing", replace("  guarantee: exactly_once_v2", "  guarntee: exactly_once_v2"),
                "processing.guarntee", "did you mean 'guarantee'"));
        v.add(inventory("unknown key in promote", replace("  max_changed_ratio: 0.1", "  max_change_ratio: 0.1"),
                "promote.max_change_ratio", "did you mean 'max_changed_ratio'"));
        // --- Values ---
        v.add(inventory("name missing", replace("name: table\n", ""), "name", "required; give the contract a short name"));
        v.add(inventory("name as a list", replace("name: table\n", "name: [table]\n"), "name", "expected a single value, got a list"));
        v.add(inventory("history.topics empty", replace("topics: [events]", "topics: []"), "history.topics", "must not be empty"));
        v.add(inventory("history topic listed twice", replace("topics: [events]", "topics: [events, events]"), "history.topics[1]", "listed twice"));
        v.add(inventory("history topic with a space", replace("topics: [events]", "topics: [my events]"), "history.topics",
                "not a valid Kafka topic name"));
        v.add(inventory("application_id with a space", replace("application_id: reprise-table", "application_id: reprise table"),
                "application_id", "not a valid Kafka topic name"));
        v.add(inventory("encoding unknown", replace("encoding: confluent", "encoding: protobuf"), "history.encoding", "expected confluent or single-object"));
        v.add(inventory("keyed_by_ordering_key as text", replace("keyed_by_ordering_key: false", "keyed_by_ordering_key: maybe"),
                "history.keyed_by_ordering_key", "expected true or false, got 'maybe'"));
        v.add(inventory("schemas directory missing", replace("directory: " + SCHEMAS, "directory: /nonexistent/schemas"),
                "history.schemas.directory", "not a directory"));
        v.add(inventory("id_map file missing", replace("registry-ids.yaml", "registry-id.yaml"), "history.schemas.id_map", "file not found"));
        v.add(inventory("id_map is a binary file", replace(SCHEMAS + "/registry-ids.yaml", BROKEN + "/binary-ids.yaml"),
                "history.schemas.id_map", "it is not UTF-8 text"));
        v.add(inventory("id_map is not YAML", replace(SCHEMAS + "/registry-ids.yaml", BROKEN + "/unclosed-ids.yaml"),
                "history.schemas.id_map", "it maps each schema id to an .avsc file"));
        v.add(inventory("a schema in the directory is not valid Avro", replace("directory: " + SCHEMAS, "directory: " + BROKEN + "/schemas"),
                "history.schemas.directory", "broken.avsc is not valid Avro: Undefined schema: strin; fix the schema"));
        v.add(inventory("registry source without url", replace("    source: local\n", "    source: registry\n").andThen(
                replace("    id_map: " + SCHEMAS + "/registry-ids.yaml\n", ""))::apply, "history.schemas.registry_url", "required; the Schema Registry URL"));
        v.add(inventory("registry_url with a local source", replace("    id_map:", "    registry_url: http://registry:8081\n    id_map:"),
                "history.schemas.registry_url", "add source: registry"));
        v.add(inventory("registry_url not http", replace("    source: local\n", "    source: registry\n    registry_url: ftp://registry\n").andThen(
                replace("    id_map: " + SCHEMAS + "/registry-ids.yaml\n", ""))::apply, "history.schemas.registry_url", "expected an http:// or https:// URL"));
        v.add(inventory("schema source unknown", replace("    source: local", "    source: git"), "history.schemas.source", "expected local or registry"));
        v.add(inventory("projection unknown", replace("name: inventory-levels", "name: inventory-level"), "projection.name", "no projection named"));
        v.add(inventory("projection topic is the history", replace("  topic: out", "  topic: events").andThen(replace("[out, evidence", "[events, evidence"))::apply,
                "projection.topic", "is a source topic"));
        v.add(inventory("output topic not allowed", replace("[out, evidence, dlq, live]", "[out, evidence, live]"),
                "allowed_write_topics", "add it to allowed_write_topics"));
        v.add(inventory("history topic allowed as a write target", replace("[out, evidence, dlq, live]", "[out, evidence, dlq, live, events]"),
                "allowed_write_topics", "Remove it from allowed_write_topics"));
        v.add(inventory("reference topic is the projection topic", replace("  reference_must_match: false", "  reference_topic: out\n  reference_must_match: false"),
                "reconciliation.reference_topic", "must not be the projection output topic"));
        v.add(inventory("reference_must_match as a number", replace("reference_must_match: false", "reference_must_match: 1"),
                "reconciliation.reference_must_match", "expected true or false"));
        v.add(inventory("processing.mode unknown", replace("mode: bounded", "mode: batch"), "processing.mode", "expected bounded or continuous"));
        v.add(inventory("processing.guarantee unknown", replace("guarantee: exactly_once_v2", "guarantee: exactly_once"),
                "processing.guarantee", "expected exactly_once_v2 or at_least_once"));
        v.add(inventory("repartition_partitions zero", replace("  guarantee: exactly_once_v2", "  guarantee: exactly_once_v2\n  repartition_partitions: 0"),
                "processing.repartition_partitions", ">= 1"));
        v.add(invoice("repartition_partitions on a keyed history", replace("  guarantee: exactly_once_v2", "  guarantee: exactly_once_v2\n  repartition_partitions: 4"),
                "processing.repartition_partitions", "remove it"));
        v.add(inventory("dead-letter ratio above one", replace("max_dead_letter_ratio: 0.01", "max_dead_letter_ratio: 5"),
                "evidence.max_dead_letter_ratio", "expected a ratio between 0 and 1"));
        v.add(inventory("dead-letter ratio as a percentage", replace("max_dead_letter_ratio: 0.01", "max_dead_letter_ratio: 1%"),
                "evidence.max_dead_letter_ratio", "0.01 is 1%"));
        v.add(inventory("ordering violations negative", replace("max_dead_letter_ratio: 0.01", "max_dead_letter_ratio: 0.01\n  max_ordering_violations: -1"),
                "evidence.max_ordering_violations", ">= 0"));
        v.add(inventory("min_events_processed fractional", replace("max_dead_letter_ratio: 0.01", "max_dead_letter_ratio: 0.01\n  min_events_processed: 1.5"),
                "evidence.min_events_processed", "expected a whole number"));
        v.add(inventory("untrusted ratio below the degraded one", replace("max_dead_letter_ratio: 0.01",
                "max_dead_letter_ratio: 0.2\n  untrusted_dead_letter_ratio: 0.1"), "evidence.untrusted_dead_letter_ratio", "must be at least"));
        v.add(inventory("evidence topic missing", replace("evidence:\n  topic: evidence\n", "evidence:\n"), "evidence.topic",
                "required; the topic that receives the recovery evidence"));
        v.add(inventory("promote ratio above one", replace("max_changed_ratio: 0.1", "max_changed_ratio: 1.5"),
                "promote.max_changed_ratio", "expected a ratio between 0 and 1"));
        // --- Thresholds ---
        v.add(inventory("threshold metric unknown", replace("metric: dead_letter_ratio", "metric: lag"),
                "reconciliation.thresholds[0].metric", "expected dead_letter_ratio or invariant_failures"));
        v.add(inventory("threshold action unknown", replace("action: pause", "action: stop"),
                "reconciliation.thresholds[0].action", "expected pause or abort"));
        v.add(inventory("threshold above out of range", replace("above: 0.05", "above: 2"),
                "reconciliation.thresholds[0].above", "expected a ratio between 0 and 1"));
        v.add(inventory("threshold window zero", replace("window: 1000", "window: 0"), "reconciliation.thresholds[0].window", ">= 1"));
        v.add(inventory("threshold above on invariant_failures", replace("metric: dead_letter_ratio", "metric: invariant_failures"),
                "reconciliation.thresholds[0].above", "applies to metric dead_letter_ratio only"));
        v.add(inventory("thresholds as a mapping", replace("  thresholds:\n    - name: poison-flood\n", "  thresholds:\n    name: poison-flood\n")
                .andThen(replace("      metric: dead_letter_ratio\n      above: 0.05\n      window: 1000\n      action: pause\n", ""))::apply,
                "reconciliation.thresholds", "expected a list of {name, metric, above, window, action}, got a mapping"));
        v.add(inventory("two thresholds with one name", replace("      action: pause\n",
                "      action: pause\n    - name: poison-flood\n      metric: dead_letter_ratio\n      action: abort\n"),
                "reconciliation.thresholds[1].name", "give each its own name"));
        return v;
    }

    @BeforeAll
    static void theBaseContractsAreValid(@TempDir Path dir) throws Exception {
        // Each variant must fail for the one thing it breaks, not because the base is broken.
        for (String base : List.of(INVENTORY, INVOICE)) {
            Path file = dir.resolve("base-" + base.hashCode() + ".yaml");
            Files.writeString(file, base);
            Result r = plan(file);
            assertThat(r.code()).as("plan --offline of the base contract, stderr: %s", r.err()).isZero();
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("variants")
    void aBrokenContractIsRefusedBeforeAnythingStarts(Variant variant, @TempDir Path dir) throws Exception {
        Path file = dir.resolve("contract.yaml");
        Files.write(file, variant.bytes());

        Result r = plan(file);

        assertThat(r.code()).as("exit code for '%s'; stderr: %s", variant.name(), r.err()).isEqualTo(2);
        assertThat(r.err()).as("the message names the field").contains("invalid contract: " + variant.field() + ":");
        assertThat(r.err()).as("the message says what to do").contains(variant.fix()).contains("Nothing was started");
        assertThat(r.err()).as("no Java exception or stack trace in the output")
                .doesNotContain("Exception").doesNotContain("java.").doesNotContain("\tat ").doesNotContain("REPRISE_DEBUG");
        assertThat(r.out()).as("nothing is reported valid").doesNotContain("is valid");
    }

    @Test
    void aFieldSomeEventTypesLackIsANoteNotAnError(@TempDir Path dir) throws Exception {
        // One schemas directory serves both samples: invoice events have no sku. They may not be in this
        // history at all, so plan says what would happen to them instead of refusing the contract.
        Path file = dir.resolve("contract.yaml");
        Files.writeString(file, INVENTORY);
        Result r = plan(file);
        assertThat(r.code()).isZero();
        assertThat(r.out()).contains("note         ordering.key_field 'sku' is not in the latest schema of InvoiceIssued v2, InvoiceVoided v1, "
                + "PaymentReceived v1: events of those types in the history would be dead-lettered");

        // Naming the history's types makes the note go away, and makes a missing field an error (see the table).
        Files.writeString(file, INVENTORY.replace("  tenant_field: tenant\n", "  tenant_field: tenant\n  event_types: [StockMovement]\n"));
        Result declared = plan(file);
        assertThat(declared.code()).isZero();
        assertThat(declared.out()).doesNotContain("note ");
    }

    @Test
    void theTableCoversTheReportedCasesAndMore() {
        assertThat(variants()).hasSizeGreaterThanOrEqualTo(60);
        assertThat(variants().stream().map(Variant::name).distinct().count()).isEqualTo(variants().size());
    }

    static Result plan(Path contract) {
        Cli.Outcome o = Cli.reprise("plan", "--offline", "--contract", contract.toString());
        return new Result(o.exitCode(), o.stdout(), o.stderr());
    }

    record Result(int code, String out, String err) {
    }
}
