package dev.reprise.contract;

import dev.reprise.contract.ContractKeys.Key;
import dev.reprise.contract.ContractKeys.Type;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/**
 * The declaration of the contract's keys is complete and true: every declared key is accepted and read with its declared
 * type, every key the loader accepts is declared (an undeclared one is refused everywhere), required keys are required,
 * and the defaults the reference shows are the ones the loader applies.
 */
class ContractKeysTest {
    static final Path CONFIG = Path.of("..", "config").toAbsolutePath().normalize();
    static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    /**
     * The smallest contract the loader takes: the required keys, plus history.schemas.id_map, which the default
     * history.encoding (confluent) with the default schema source (local) needs. The topics are the keys' examples, so
     * that giving one key its example leaves allowed_write_topics true.
     */
    static final String MINIMAL = """
            name: t
            application_id: reprise-t
            history:
              topics: [inventory-events]
              schemas:
                directory: ../schemas
                id_map: ../schemas/registry-ids.yaml
            ordering:
              key_field: sku
            idempotency:
              event_id_field: event_id
            projection:
              name: inventory-levels
              topic: inventory-levels-rebuilt
            evidence:
              topic: reprise-evidence
            dead_letter:
              topic: inventory-events-dlq
            allowed_write_topics: [inventory-levels-rebuilt, reprise-evidence, inventory-events-dlq]
            """;

    /**
     * What a loaded contract holds for each key, in the terms the declaration uses (choices as their names, sets as
     * lists), so that declared defaults and examples compare with what the loader made of them. Keys inside a list of
     * items read the first item.
     */
    static final Map<String, Function<Contract, Object>> READ = new LinkedHashMap<>();

    static {
        READ.put("name", Contract::name);
        READ.put("description", c -> null); // for people only: the loader checks it is one value and keeps nothing
        READ.put("application_id", Contract::applicationId);
        READ.put("history.topics", c -> c.history().topics());
        READ.put("history.encoding", c -> c.history().encoding() == Contract.Encoding.CONFLUENT ? "confluent" : "single-object");
        READ.put("history.schemas.source", c -> c.history().schemas().kind().name().toLowerCase());
        READ.put("history.schemas.directory", c -> c.history().schemas().directory());
        READ.put("history.schemas.id_map", c -> c.history().schemas().idMap());
        READ.put("history.schemas.registry_url", c -> c.history().schemas().registryUrl());
        READ.put("history.schemas.client_properties", c -> c.history().schemas().clientProperties());
        READ.put("history.schemas.events", c -> c.history().schemas().events());
        READ.put("history.schemas.events[].type", c -> c.history().schemas().events().get(0).type());
        READ.put("history.schemas.events[].version", c -> c.history().schemas().events().get(0).version());
        READ.put("history.schemas.events[].schema_name", c -> c.history().schemas().events().get(0).schemaName());
        READ.put("history.schemas.events[].subject", c -> c.history().schemas().events().get(0).subject());
        READ.put("history.schemas.events[].subject_version", c -> c.history().schemas().events().get(0).subjectVersion());
        READ.put("history.schemas.events[].schema_file", c -> c.history().schemas().events().get(0).schemaFile());
        READ.put("history.keyed_by_ordering_key", c -> c.history().keyedByOrderingKey());
        READ.put("ordering.key_field", c -> declared(c.ordering().key(), "ordering.key_field"));
        READ.put("ordering.key.field", c -> declared(c.ordering().key(), "ordering.key.field"));
        READ.put("ordering.key.header", c -> declared(c.ordering().key(), "ordering.key.header"));
        READ.put("ordering.key.record_key", c -> c.ordering().key().from() == Contract.Identity.From.RECORD_KEY);
        READ.put("ordering.sequence_field", c -> c.ordering().sequenceField());
        READ.put("idempotency.event_id_field", c -> declared(c.idempotency().eventId(), "idempotency.event_id_field"));
        READ.put("idempotency.event_id.field", c -> declared(c.idempotency().eventId(), "idempotency.event_id.field"));
        READ.put("idempotency.event_id.header", c -> declared(c.idempotency().eventId(), "idempotency.event_id.header"));
        READ.put("idempotency.event_id.record_key", c -> c.idempotency().eventId().from() == Contract.Identity.From.RECORD_KEY);
        READ.put("idempotency.on_conflict", c -> c.idempotency().onConflict().configName());
        READ.put("projection.name", c -> c.projection().name());
        READ.put("projection.topic", c -> c.projection().topic());
        READ.put("projection.encoding", c -> c.projection().encoding().configName());
        READ.put("scope.from", c -> c.scope().from().toString());
        READ.put("scope.to", c -> c.scope().to().toString());
        READ.put("scope.event_types", c -> sorted(c.scope().eventTypes()));
        READ.put("scope.tenant_field", c -> c.scope().tenantField());
        READ.put("scope.tenants", c -> sorted(c.scope().tenants()));
        READ.put("scope.keys", c -> sorted(c.scope().keys()));
        READ.put("reconciliation.reference_topic", c -> c.reconciliation().referenceTopic());
        READ.put("reconciliation.reference_must_match", c -> c.reconciliation().referenceMustMatch());
        READ.put("reconciliation.invariants", c -> c.reconciliation().invariants());
        READ.put("reconciliation.invariants[].name", c -> c.reconciliation().invariants().get(0).name());
        READ.put("reconciliation.invariants[].expression", c -> c.reconciliation().invariants().get(0).expression());
        READ.put("reconciliation.totals", c -> c.reconciliation().totals());
        READ.put("reconciliation.totals[].name", c -> c.reconciliation().totals().get(0).name());
        READ.put("reconciliation.totals[].expression", c -> c.reconciliation().totals().get(0).expression());
        READ.put("reconciliation.thresholds", c -> c.reconciliation().thresholds());
        READ.put("reconciliation.thresholds[].name", c -> c.reconciliation().thresholds().get(0).name());
        READ.put("reconciliation.thresholds[].metric", c -> c.reconciliation().thresholds().get(0).metric());
        READ.put("reconciliation.thresholds[].above", c -> c.reconciliation().thresholds().get(0).above());
        READ.put("reconciliation.thresholds[].window", c -> c.reconciliation().thresholds().get(0).window());
        READ.put("reconciliation.thresholds[].action", c -> c.reconciliation().thresholds().get(0).action());
        READ.put("reconciliation.thresholds[].tenants", c -> sorted(c.reconciliation().thresholds().get(0).tenants()));
        READ.put("evidence.topic", c -> c.evidence().topic());
        READ.put("evidence.encoding", c -> c.evidence().encoding().configName());
        READ.put("evidence.progress_interval", c -> c.evidence().progressInterval());
        READ.put("evidence.max_dead_letter_ratio", c -> c.evidence().maxDeadLetterRatio());
        READ.put("evidence.max_ordering_violations", c -> (int) c.evidence().maxOrderingViolations());
        READ.put("evidence.max_live_diff_ratio", c -> c.evidence().maxLiveDiffRatio());
        READ.put("evidence.untrusted_dead_letter_ratio", c -> c.evidence().untrustedDeadLetterRatio());
        READ.put("evidence.min_events_processed", c -> (int) c.evidence().minEventsProcessed());
        READ.put("evidence.min_projection_keys", c -> (int) c.evidence().minProjectionKeys());
        READ.put("dead_letter.topic", c -> c.deadLetter().topic());
        READ.put("processing.mode", c -> c.processing().bounded() ? "bounded" : "continuous");
        READ.put("processing.guarantee", c -> c.processing().guarantee());
        READ.put("processing.repartition_partitions", c -> c.processing().repartitionPartitions());
        READ.put("promote.max_changed_ratio", c -> c.promote().maxChangedRatio());
        READ.put("allowed_write_topics", Contract::allowedWriteTopics);
    }

    /**
     * Rules between keys that a key's example must satisfy to be taken alone: what else the contract then needs.
     * Each is a rule of the loader that the key's own documentation states.
     */
    static final Map<String, Consumer<ObjectNode>> NEEDS = Map.ofEntries(
            Map.entry("history.schemas.source", ContractKeysTest::registrySource),
            Map.entry("history.schemas.registry_url", ContractKeysTest::registrySource),
            Map.entry("history.schemas.client_properties", ContractKeysTest::registrySource),
            Map.entry("history.schemas.events[].subject", ContractKeysTest::registrySource),
            Map.entry("history.schemas.events[].subject_version", tree -> {
                registrySource(tree);
                set(tree, ContractKeys.EVENT_SUBJECT, "orders-value");
            }),
            Map.entry("ordering.key.field", tree -> ((ObjectNode) tree.get("ordering")).remove("key_field")),
            Map.entry("ordering.key.header", tree -> ((ObjectNode) tree.get("ordering")).remove("key_field")),
            Map.entry("ordering.key.record_key", tree -> ((ObjectNode) tree.get("ordering")).remove("key_field")),
            Map.entry("idempotency.event_id.field", tree -> ((ObjectNode) tree.get("idempotency")).remove("event_id_field")),
            Map.entry("idempotency.event_id.header", tree -> ((ObjectNode) tree.get("idempotency")).remove("event_id_field")),
            Map.entry("idempotency.event_id.record_key", tree -> ((ObjectNode) tree.get("idempotency")).remove("event_id_field")),
            Map.entry("scope.tenants", tree -> set(tree, ContractKeys.SCOPE_TENANT_FIELD, "tenant")),
            Map.entry("reconciliation.thresholds[].tenants", tree -> {
                set(tree, ContractKeys.SCOPE_TENANT_FIELD, "tenant");
                set(tree, ContractKeys.THRESHOLD_METRIC, "invariant_failures");
            }));

    /** The identity's name when it was given with {@code key}, else null: which of the spellings the loader read. */
    static Object declared(Contract.Identity identity, String key) {
        return identity.declaredAt().equals(key) ? identity.name() : null;
    }

    static void registrySource(ObjectNode tree) {
        set(tree, ContractKeys.SCHEMAS_SOURCE, "registry");
        set(tree, ContractKeys.SCHEMAS_REGISTRY_URL, ContractKeys.SCHEMAS_REGISTRY_URL.example());
        ((ObjectNode) tree.at("/history/schemas")).remove("id_map");
    }

    /**
     * Keys of the minimal contract that are not required by themselves: id_map (needed by the default encoding), the
     * schemas directory (needed by the default source: local), and the short forms of the ordering key and the event id
     * (one of the two spellings of each is required).
     */
    static final List<Key> GIVEN_THOUGH_OPTIONAL = List.of(ContractKeys.SCHEMAS_ID_MAP, ContractKeys.SCHEMAS_DIRECTORY,
            ContractKeys.ORDERING_KEY_FIELD, ContractKeys.EVENT_ID_FIELD);

    static Stream<Key> keys() {
        return ContractKeys.all().stream();
    }

    static Stream<Key> values() {
        return keys().filter(k -> k.type() != Type.SECTION);
    }

    static Stream<Key> containers() {
        return Stream.concat(Stream.of((Key) null), keys().filter(k -> k.type() == Type.SECTION || k.type() == Type.ITEMS));
    }

    @Test
    void everyKeyIsDocumentedAndEveryValueHasAnExample() {
        for (Key k : ContractKeys.all()) {
            assertThat(k.doc()).as("%s: one line of documentation without a final period", k.path()).isNotBlank().doesNotEndWith(".")
                    .doesNotContain("\n");
            if (k.type() != Type.SECTION && k.type() != Type.ITEMS) {
                assertThat(k.example()).as("%s: an example", k.path()).isNotBlank();
            }
            if (k.type() != Type.SECTION) {
                assertThat(READ).as("%s: say in READ where a loaded contract holds it", k.path()).containsKey(k.path());
            }
        }
        assertThat(READ.keySet()).as("READ names no key that is not declared")
                .allSatisfy(p -> assertThat(ContractKeys.find(p)).as(p).isNotNull());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("values")
    void everyDeclaredKeyIsTakenAndReadByTheLoader(Key key) throws Exception {
        ObjectNode tree = minimal(key);
        boolean inMinimal = tree.at(pointer(concrete(key.parent()))).has(key.name());
        Object before = READ.get(key.path()).apply(load(tree));
        set(tree, key, example(key));
        NEEDS.getOrDefault(key.path(), t -> { }).accept(tree);

        Contract c = load(tree);

        if (!inMinimal && !key.path().equals("description")) {
            assertThat(READ.get(key.path()).apply(c)).as("%s: the example %s changes what the loader reads, or the key is ignored",
                    key.path(), key.example()).isNotEqualTo(before);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("keys")
    void everyDeclaredKeyIsCheckedAsItsType(Key key) throws Exception {
        ObjectNode tree = minimal(key);
        NEEDS.getOrDefault(key.path(), t -> { }).accept(tree);
        set(tree, key, wrongValue(key.type()));

        ContractException e = catchThrowableOfType(ContractException.class, () -> load(tree));

        assertThat(e).as("%s given %s (%s)", key.path(), wrongValue(key.type()), key.type()).isNotNull();
        assertThat(e.field()).as("the message names the key: %s", e.getMessage()).isEqualTo(concrete(key.path()));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("keys")
    void aRequiredKeyIsRequiredWithItsHintAndAnOptionalOneIsNot(Key key) throws Exception {
        ObjectNode tree = minimal(key);
        JsonNode parent = tree.at(pointer(concrete(key.parent())));
        boolean inMinimal = parent.has(key.name());
        assertThat(inMinimal).as("%s: the minimal contract holds exactly the required keys (and id_map)", key.path())
                .isEqualTo(key.required() || GIVEN_THOUGH_OPTIONAL.contains(key));
        if (!key.required()) {
            return;
        }
        ((ObjectNode) parent).remove(key.name());

        ContractException e = catchThrowableOfType(ContractException.class, () -> load(tree));

        assertThat(e).as("%s left out", key.path()).isNotNull();
        assertThat(e.field()).isEqualTo(concrete(key.path()));
        assertThat(e.getMessage()).contains(key.type() == Type.SECTION ? "missing section" : "required; " + key.hint());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("containers")
    void anUndeclaredKeyIsRefusedInEverySectionWithTheReference(Key container) throws Exception {
        ObjectNode tree = container == null ? minimal(null) : minimal(ContractKeys.fieldsOf(
                container.type() == Type.ITEMS ? container.path() + "[]" : container.path()).get(0));
        String path = container == null ? "" : concrete(container.type() == Type.ITEMS ? container.path() + "[]" : container.path());
        if (container != null && !tree.at(pointer(path)).isObject()) {
            set(tree, container, container.type() == Type.ITEMS ? YAML.createArrayNode().add(YAML.createObjectNode()) : YAML.createObjectNode());
        }
        ((ObjectNode) tree.at(pointer(path))).put("no_such_key", 1);

        ContractException e = catchThrowableOfType(ContractException.class, () -> load(tree));

        assertThat(e).as("no_such_key in %s", path.isEmpty() ? "the top" : path).isNotNull();
        assertThat(e.field()).isEqualTo(path.isEmpty() ? "no_such_key" : path + ".no_such_key");
        assertThat(e.getMessage()).contains("unknown field; expected one of")
                .contains("'reprise reference contract' lists every key");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("values")
    void theDefaultInTheReferenceIsTheDefaultTheLoaderApplies(Key key) throws Exception {
        ObjectNode tree = minimal(key);
        if (tree.at(pointer(concrete(key.parent()))).has(key.name())) {
            return; // given in the minimal contract: required, or needed there (id_map)
        }
        Object applied = READ.get(key.path()).apply(load(tree));
        assertThat(applied).as("%s: the loader's default (the reference says '%s')", key.path(), key.defaultShown())
                .isEqualTo(key.defaultValue());
    }

    @Test
    void theDefaultsThatFollowAnotherKeyFollowIt() throws Exception {
        // The reference says "as history.encoding" and "0.5, or evidence.max_dead_letter_ratio when higher".
        ObjectNode tree = minimal(null);
        set(tree, ContractKeys.HISTORY_ENCODING, "single-object");
        set(tree, ContractKeys.MAX_DEAD_LETTER_RATIO, 0.7);
        Contract c = load(tree);
        assertThat(c.projection().encoding()).isEqualTo(Contract.ValueEncoding.SINGLE_OBJECT);
        assertThat(c.evidence().encoding()).isEqualTo(Contract.ValueEncoding.SINGLE_OBJECT);
        assertThat(c.evidence().untrustedDeadLetterRatio()).isEqualTo(0.7);
        assertThat(ContractKeys.PROJECTION_ENCODING.defaultShown()).isEqualTo("as history.encoding");
    }

    /** Every contract shipped with Reprise: the examples of config/ and the contracts of the Kubernetes manifests. */
    static Stream<Path> shippedContracts() throws Exception {
        List<Path> contracts = new ArrayList<>();
        for (Path dir : List.of(CONFIG, CONFIG.resolveSibling("deploy"))) {
            try (Stream<Path> files = java.nio.file.Files.walk(dir)) {
                files.filter(f -> f.toString().endsWith(".yaml")).sorted().forEach(f -> {
                    try {
                        if (YAML.readTree(f.toFile()).has("application_id")) {
                            contracts.add(f);
                        }
                    } catch (java.io.IOException e) {
                        throw new java.io.UncheckedIOException(e); // a manifest with several documents is not a contract
                    }
                });
            }
        }
        return contracts.stream();
    }

    @Test
    void theShippedContractsAreFoundAndTheExamplesOfConfigAmongThem() throws Exception {
        assertThat(shippedContracts().map(f -> CONFIG.getParent().relativize(f).toString()))
                .contains("config/inventory.yaml", "config/invoice.yaml", "deploy/kubernetes/contract/contract.yaml");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("shippedContracts")
    void everyKeyOfAShippedContractIsDeclaredAndTheContractLoads(Path contract) throws Exception {
        List<String> undeclared = new ArrayList<>();
        collectPaths(YAML.readTree(contract.toFile()), "", undeclared);
        assertThat(undeclared).as("keys of %s that ContractKeys does not declare", contract).isEmpty();
        if (contract.startsWith(CONFIG)) {
            assertThat(ContractLoader.load(contract).name()).isNotBlank();
        }
    }

    /** A misspelt key is refused, not ignored, at any depth: the command names the field, the closest key and the reference. */
    @ParameterizedTest(name = "{0} for {1}")
    @org.junit.jupiter.params.provider.CsvSource({
            "max_dead_leter_ratio, max_dead_letter_ratio, evidence",
            "application_idd, application_id, ''",
            "keyed_by_ordering, keyed_by_ordering_key, history",
            "expresion, expression, reconciliation.invariants[0]"})
    void anUndeclaredKeyIsRefusedWithTheClosestDeclaredOne(String typo, String meant, String section) throws Exception {
        String yaml = java.nio.file.Files.readString(CONFIG.resolve("inventory.yaml"));
        String line = yaml.lines().filter(l -> l.trim().startsWith(meant + ":")).findFirst().orElseThrow();
        Path broken = java.nio.file.Files.createTempDirectory("reprise-typo").resolve("inventory.yaml");
        java.nio.file.Files.writeString(broken, yaml.replace(line, line.replace(meant + ":", typo + ":"))
                .replace("../schemas", CONFIG.resolveSibling("schemas").toString()));

        dev.reprise.Cli.Outcome o = dev.reprise.Cli.reprise("plan", "--offline", "--contract", broken.toString());

        assertThat(o.exitCode()).as(o.stderr()).isEqualTo(2);
        assertThat(o.stderr()).contains((section.isEmpty() ? "" : section + ".") + typo + ": unknown field; expected one of [")
                .contains("(did you mean '" + meant + "'?)").contains("'reprise reference contract' lists every key")
                .doesNotContain("Exception");
    }

    /** The counts are declared in counts.Total, which the contract cannot see: the documentation names each of them. */
    @Test
    void theTotalsDocumentationNamesEveryCountACheckCanUse() {
        assertThat(ContractKeys.TOTALS.doc()).endsWith(": " + String.join(", ", dev.reprise.counts.Total.variables()));
    }

    @Test
    void theChoicesOfTheOutputEncodingsAreTheEncodings() {
        assertThat(ContractKeys.PROJECTION_ENCODING.choices()).containsExactly("confluent", "single-object", "json");
        assertThat(ContractKeys.EVIDENCE_ENCODING.choices()).isEqualTo(ContractKeys.PROJECTION_ENCODING.choices());
    }

    @Test
    void aHistoryEncodingAliasIsReadAsItsChoice() throws Exception {
        ObjectNode tree = minimal(null);
        set(tree, ContractKeys.HISTORY_ENCODING, "avro-single-object");
        assertThat(load(tree).history().encoding()).isEqualTo(Contract.Encoding.SINGLE_OBJECT);
    }

    @Test
    void theReferenceTableHasARowPerKey() {
        List<String> rows = ContractKeys.markdownTable().lines().skip(2).toList();
        assertThat(rows).hasSize(ContractKeys.all().size());
        for (int i = 0; i < rows.size(); i++) {
            Key k = ContractKeys.all().get(i);
            assertThat(rows.get(i)).startsWith("| `" + k.path() + "` | " + k.typeText().replace("|", "\\|") + " | ")
                    .contains(k.doc());
        }
        assertThat(ContractKeys.text(100)).contains("evidence.max_dead_letter_ratio  (ratio 0..1; default 0.01)\n");
    }

    /** Walks a contract file: every mapping key outside scope positions must be declared. */
    private static void collectPaths(JsonNode node, String declared, List<String> undeclared) {
        node.fieldNames().forEachRemaining(name -> {
            String path = declared.isEmpty() ? name : declared + "." + name;
            Key key = ContractKeys.find(path);
            if (key == null) {
                undeclared.add(path);
            } else if (key.type() == Type.SECTION) {
                collectPaths(node.get(name), path, undeclared);
            } else if (key.type() == Type.ITEMS) {
                node.get(name).forEach(item -> collectPaths(item, path + "[]", undeclared));
            }
        });
    }

    /** The minimal contract, with one item of only required keys in the list that holds {@code key}, if any. */
    static ObjectNode minimal(Key key) throws Exception {
        ObjectNode tree = (ObjectNode) YAML.readTree(MINIMAL);
        if (key != null && key.path().contains("[]")) {
            Key list = ContractKeys.find(key.path().substring(0, key.path().indexOf("[]")));
            ObjectNode item = YAML.createObjectNode();
            for (Key field : ContractKeys.fieldsOf(list.path() + "[]")) {
                if (field.required()) {
                    item.set(field.name(), example(field));
                }
            }
            set(tree, list, YAML.createArrayNode().add(item));
        }
        return tree;
    }

    static Contract load(ObjectNode tree) throws Exception {
        return ContractLoader.parse(YAML.writeValueAsBytes(tree), CONFIG, null);
    }

    static JsonNode example(Key key) throws Exception {
        if (key.type() == Type.ITEMS) {
            ObjectNode item = YAML.createObjectNode();
            for (Key field : ContractKeys.fieldsOf(key.path() + "[]")) {
                if (field.required()) {
                    item.set(field.name(), example(field));
                }
            }
            return YAML.createArrayNode().add(item);
        }
        if (key.type() == Type.SECTION) {
            return YAML.createObjectNode();
        }
        // As a person writes it after "key: ", so the example in the reference is what is tested.
        return YAML.readTree("value: " + key.example()).get("value");
    }

    /** A value no key of that type accepts. */
    static JsonNode wrongValue(Type type) {
        return switch (type) {
            case TEXT, NAMES, ITEMS -> YAML.createObjectNode().put("a", 1);
            case BOOLEAN -> YAML.getNodeFactory().textNode("maybe");
            case WHOLE_NUMBER -> YAML.getNodeFactory().numberNode(1.5);
            case RATIO -> YAML.getNodeFactory().numberNode(2);
            case DURATION -> YAML.getNodeFactory().textNode("soon");
            case CHOICE -> YAML.getNodeFactory().textNode("no-such-choice");
            case SECTION, POSITION -> YAML.createArrayNode().add(1);
        };
    }

    static void set(ObjectNode tree, Key key, Object value) {
        JsonNode node = value instanceof JsonNode j ? j : YAML.valueToTree(value);
        ObjectNode parent = tree;
        for (String part : key.parent().isEmpty() ? new String[0] : key.parent().split("\\.")) {
            if (part.endsWith("[]")) {
                String name = part.substring(0, part.length() - 2);
                if (!(parent.get(name) instanceof ArrayNode)) {
                    parent.set(name, YAML.createArrayNode().add(YAML.createObjectNode()));
                }
                parent = (ObjectNode) parent.get(name).get(0);
            } else {
                if (!(parent.get(part) instanceof ObjectNode)) {
                    parent.set(part, YAML.createObjectNode());
                }
                parent = (ObjectNode) parent.get(part);
            }
        }
        parent.set(key.name(), node);
    }

    /** reconciliation.thresholds[].action → reconciliation.thresholds[0].action: the first item. */
    static String concrete(String declared) {
        return declared.replace("[]", "[0]");
    }

    static String pointer(String path) {
        return path.isEmpty() ? "" : "/" + path.replace("[0]", "/0").replace('.', '/');
    }

    static List<String> sorted(Set<String> names) {
        return List.copyOf(new TreeSet<>(names));
    }

    @Test
    void aKeyReadAsAnotherTypeIsAProgrammingError() {
        Node root = Node.root(YAML.createObjectNode());
        assertThatThrownBy(() -> root.text(ContractKeys.HISTORY)).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> root.text(ContractKeys.PROJECTION_NAME)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("projection.name is not a key of the contract's top");
    }
}
