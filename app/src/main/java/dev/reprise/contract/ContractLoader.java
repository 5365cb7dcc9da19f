package dev.reprise.contract;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonStreamContext;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import org.yaml.snakeyaml.error.MarkedYAMLException;

import java.io.IOException;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Reads a Recovery Contract from YAML and validates every field up front. Relative paths in the
 * contract are resolved against the directory of the contract file.
 *
 * <p>Over 300 lines: the loader reads every section of the contract, each with its own checks and messages; the contract's records are in Contract.
 */
public final class ContractLoader {
    /** Strict about keys given twice: YAML parsers keep the last one without a word. */
    private static final ObjectMapper YAML = new ObjectMapper(YAMLFactory.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION).build());

    private static final String DUPLICATE = "Duplicate field '";

    private ContractLoader() {
    }

    public static Contract load(Path file) {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw new ContractException("contract", "file not found: " + file + "; pass --contract with a path to a contract such as config/inventory.yaml");
        } catch (IOException e) {
            throw new ContractException("contract", "cannot read " + file + ": " + e.getMessage());
        }
        Path base = file.toAbsolutePath().getParent();
        return parse(bytes, base, file.toAbsolutePath());
    }

    public static Contract parse(byte[] yaml, Path baseDirectory, Path source) {
        JsonNode tree = readTree(yaml);
        if (tree == null || tree.isNull() || tree.isMissingNode()) {
            throw new ContractException("contract", "the file is empty; start from config/inventory.yaml");
        }
        if (!tree.isObject()) {
            throw new ContractException("contract", "expected a YAML mapping with name, application_id, history, ordering, idempotency, "
                    + "projection, evidence, dead_letter and allowed_write_topics, got " + Node.describe(tree));
        }
        Node root = new Node(tree, "");
        root.onlyFields(Set.of("name", "application_id", "history", "ordering", "idempotency", "projection", "scope",
                "reconciliation", "evidence", "dead_letter", "processing", "promote", "allowed_write_topics", "description"));

        String name = root.requiredText("name", "give the contract a short name, e.g. name: inventory");
        String applicationId = root.requiredText("application_id", "the Kafka Streams application id, e.g. application_id: reprise-inventory");

        Node history = root.section("history");
        history.onlyFields(Set.of("topics", "encoding", "schemas", "keyed_by_ordering_key"));
        List<String> topics = history.textList("topics", true, "list the topics that hold the authoritative history, e.g. topics: [inventory-events]");
        Contract.Encoding encoding = Contract.Encoding.parse(history);
        // Read before the schema source: a Confluent-encoded output needs schema ids as much as a Confluent history does.
        Contract.ValueEncoding outputDefault = Contract.ValueEncoding.following(encoding);
        Contract.ValueEncoding projectionEncoding = Contract.ValueEncoding.parse(root.section("projection"), outputDefault);
        Contract.ValueEncoding evidenceEncoding = Contract.ValueEncoding.parse(root.section("evidence"), outputDefault);
        Contract.SchemaSource schemas = schemaSource(history.section("schemas"), baseDirectory, encoding, projectionEncoding, evidenceEncoding);
        boolean keyed = history.bool("keyed_by_ordering_key", false);

        Node ordering = root.section("ordering");
        ordering.onlyFields(Set.of("key_field", "sequence_field"));
        Contract.Ordering ord = new Contract.Ordering(
                ordering.requiredText("key_field", "the event field whose value orders events, e.g. key_field: sku"),
                ordering.text("sequence_field", null));

        Node idem = root.section("idempotency");
        idem.onlyFields(Set.of("event_id_field"));
        Contract.Idempotency idempotency = new Contract.Idempotency(
                idem.requiredText("event_id_field", "the event field that identifies an event across copies, e.g. event_id_field: event_id"));

        Node proj = root.section("projection");
        proj.onlyFields(Set.of("name", "topic", "encoding"));
        Contract.ProjectionSpec projection = new Contract.ProjectionSpec(
                proj.requiredText("name", "the name of a registered projection, e.g. name: inventory-levels"),
                proj.requiredText("topic", "the compacted topic that receives the rebuilt projection"),
                projectionEncoding);

        Node scope = root.optionalSection("scope");
        scope.onlyFields(Set.of("from", "to", "event_types", "tenant_field", "tenants", "keys"));
        Position from = Position.parse(scope.get("from"), true, topics);
        Position to = Position.parse(scope.get("to"), false, topics);
        if (from instanceof Position.AtTime f && to instanceof Position.AtTime t && !f.time().isBefore(t.time())) {
            throw new ContractException("scope.to", "must be after scope.from (" + f.time() + "), got " + t.time());
        }
        if (from instanceof Position.AtOffsets f && to instanceof Position.AtOffsets t) {
            f.offsets().forEach((tp, start) -> {
                Long end = t.offsets().get(tp);
                if (end != null && start > end) {
                    throw new ContractException("scope.to." + tp.topic() + "." + tp.partition(), "offset " + end + " is before scope.from's "
                            + start + " for " + tp.topic() + " partition " + tp.partition() + ": the partition would replay nothing; "
                            + "make scope.to at least " + start + " or lower scope.from");
                }
            });
        }
        String tenantField = scope.text("tenant_field", null);
        List<String> tenants = scope.textList("tenants", false, "");
        if (!tenants.isEmpty() && tenantField == null) {
            throw new ContractException("scope.tenant_field", "required when scope.tenants is set; name the event field that holds the tenant");
        }
        Contract.Scope sc = new Contract.Scope(from, to,
                new LinkedHashSet<>(scope.textList("event_types", false, "")), tenantField,
                new LinkedHashSet<>(tenants), new LinkedHashSet<>(scope.textList("keys", false, "")));

        Node rec = root.optionalSection("reconciliation");
        rec.onlyFields(Set.of("reference_topic", "reference_must_match", "invariants", "totals", "thresholds"));
        Contract.Reconciliation reconciliation = new Contract.Reconciliation(
                rec.text("reference_topic", null), rec.bool("reference_must_match", false),
                checks(rec.get("invariants")), checks(rec.get("totals")), thresholds(rec.get("thresholds"), tenantField));

        Node ev = root.section("evidence");
        ev.onlyFields(Set.of("topic", "progress_interval", "max_dead_letter_ratio", "max_ordering_violations", "max_live_diff_ratio",
                "untrusted_dead_letter_ratio", "min_events_processed", "min_projection_keys", "encoding"));
        double maxDeadLetterRatio = ratio(ev, "max_dead_letter_ratio", 0.01);
        Integer maxViolations = ev.optionalInt("max_ordering_violations", 0);
        Integer minProcessed = ev.optionalInt("min_events_processed", 0);
        Integer minKeys = ev.optionalInt("min_projection_keys", 0);
        Contract.EvidenceSpec evidence = new Contract.EvidenceSpec(
                ev.requiredText("topic", "the topic that receives the recovery evidence, e.g. topic: reprise-evidence"),
                duration(ev, "progress_interval", Duration.ofSeconds(5)),
                maxDeadLetterRatio,
                maxViolations == null ? 0 : maxViolations,
                ratio(ev, "max_live_diff_ratio", 1.0),
                ratio(ev, "untrusted_dead_letter_ratio", Math.max(maxDeadLetterRatio, Contract.EvidenceSpec.DEFAULT_UNTRUSTED_DEAD_LETTER_RATIO)),
                minProcessed == null ? 1 : minProcessed,
                minKeys == null ? 1 : minKeys,
                evidenceEncoding);

        Node dl = root.section("dead_letter");
        dl.onlyFields(Set.of("topic"));
        Contract.DeadLetter deadLetter = new Contract.DeadLetter(
                dl.requiredText("topic", "the topic that receives poison records with their reason, e.g. topic: inventory-events-dlq"));

        Node processing = root.optionalSection("processing");
        processing.onlyFields(Set.of("mode", "guarantee", "repartition_partitions"));
        String mode = processing.text("mode", "bounded");
        if (!mode.equals("bounded") && !mode.equals("continuous")) {
            throw new ContractException("processing.mode", "expected bounded or continuous, got '" + mode + "'");
        }
        String guarantee = processing.text("guarantee", "exactly_once_v2");
        if (!guarantee.equals("exactly_once_v2") && !guarantee.equals("at_least_once")) {
            throw new ContractException("processing.guarantee", "expected exactly_once_v2 or at_least_once, got '" + guarantee + "'");
        }
        Integer repartitionPartitions = processing.optionalInt("repartition_partitions", 1);
        if (repartitionPartitions != null && keyed) {
            throw new ContractException("processing.repartition_partitions", "has no effect with history.keyed_by_ordering_key: true "
                    + "(nothing is repartitioned); remove it, or set keyed_by_ordering_key: false");
        }
        Contract.Processing proc = new Contract.Processing(mode.equals("bounded"), guarantee, repartitionPartitions);

        Node promoteNode = root.optionalSection("promote");
        promoteNode.onlyFields(Set.of("max_changed_ratio"));
        Contract.PromoteSpec promote = new Contract.PromoteSpec(ratio(promoteNode, "max_changed_ratio", Contract.PromoteSpec.DEFAULTS.maxChangedRatio()));

        List<String> allowed = root.textList("allowed_write_topics", true,
                "list every topic the app may write: the projection, evidence and dead-letter topics");

        return new Contract(name, applicationId, new Contract.History(topics, encoding, schemas, keyed), ord, idempotency,
                projection, sc, reconciliation, evidence, deadLetter, proc, promote, allowed, sha256(yaml), source);
    }

    /**
     * The YAML tree of a contract, refusing what a YAML parser would accept silently or report in its own
     * terms: bytes that are not UTF-8 text, a key given twice (the last would win), a second document.
     */
    private static JsonNode readTree(byte[] yaml) {
        requireText(yaml);
        try (JsonParser parser = YAML.createParser(yaml)) {
            try {
                JsonNode tree = YAML.readTree(parser);
                if (tree != null && parser.nextToken() != null) {
                    throw new ContractException("contract", "holds more than one YAML document (a second '---' before line "
                            + parser.currentLocation().getLineNr() + "); keep one contract per file");
                }
                return tree;
            } catch (JsonProcessingException e) {
                String where = e.getLocation() == null ? "" : " at line " + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr();
                String message = e.getOriginalMessage() == null ? "unreadable" : e.getOriginalMessage();
                if (message.startsWith(DUPLICATE)) {
                    String key = message.substring(DUPLICATE.length(), Math.max(DUPLICATE.length(), message.indexOf('\'', DUPLICATE.length())));
                    throw new ContractException(dottedPath(parser.getParsingContext(), key),
                            "given twice" + where + "; YAML would silently keep the last one. Keep one and delete the other");
                }
                if (e.getCause() instanceof MarkedYAMLException marked && marked.getProblemMark() != null) {
                    // The YAML parser's own mark is where the problem is; the stream position can be a line later.
                    where = " at line " + (marked.getProblemMark().getLine() + 1) + ", column " + (marked.getProblemMark().getColumn() + 1);
                    message = marked.getProblem() + (marked.getContext() == null ? "" : " (" + marked.getContext()
                            + (marked.getContextMark() == null ? "" : " at line " + (marked.getContextMark().getLine() + 1)) + ")");
                }
                throw new ContractException("contract", "not valid YAML" + where + ": " + message.replaceAll("\\s+", " ").trim()
                        + "; check the indentation and the quoting around that line");
            }
        } catch (IOException e) {
            throw new ContractException("contract", "cannot be read as YAML: " + e.getMessage());
        }
    }

    /** A binary or non-UTF-8 file is refused in plain words rather than with the parser's exception. */
    private static void requireText(byte[] bytes) {
        for (int i = 0; i < bytes.length; i++) {
            if (bytes[i] == 0) {
                throw new ContractException("contract", "is a binary file (a zero byte at byte " + i + "), not YAML text; pass the contract's .yaml file");
            }
        }
        try {
            StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes));
        } catch (CharacterCodingException e) {
            int at = firstMalformed(bytes);
            throw new ContractException("contract", "is not UTF-8 text (an invalid byte 0x" + String.format("%02x", bytes[at] & 0xff)
                    + " at line " + lineOf(bytes, at) + "); save the file as UTF-8");
        }
    }

    private static int firstMalformed(byte[] bytes) {
        java.nio.charset.CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT);
        ByteBuffer in = ByteBuffer.wrap(bytes);
        java.nio.CharBuffer out = java.nio.CharBuffer.allocate(bytes.length + 1);
        decoder.decode(in, out, true);
        return Math.min(in.position(), bytes.length - 1);
    }

    private static int lineOf(byte[] bytes, int offset) {
        int line = 1;
        for (int i = 0; i < offset; i++) {
            if (bytes[i] == '\n') {
                line++;
            }
        }
        return line;
    }

    /** The dotted path of {@code key} inside the mapping the parser is in, e.g. ordering.key_field. */
    private static String dottedPath(JsonStreamContext context, String key) {
        List<String> parts = new java.util.ArrayList<>(List.of(key));
        // The context of the duplicate is the mapping holding it; its parents name the sections above.
        for (JsonStreamContext c = context == null ? null : context.getParent(); c != null && !c.inRoot(); c = c.getParent()) {
            parts.add(0, c.inArray() ? "[" + c.getCurrentIndex() + "]" : c.getCurrentName());
        }
        StringBuilder out = new StringBuilder();
        for (String part : parts) {
            if (out.length() > 0 && !part.startsWith("[")) {
                out.append('.');
            }
            out.append(part);
        }
        return out.toString();
    }

    private static Contract.SchemaSource schemaSource(Node node, Path base, Contract.Encoding encoding,
                                                      Contract.ValueEncoding projectionEncoding, Contract.ValueEncoding evidenceEncoding) {
        node.onlyFields(Set.of("source", "directory", "id_map", "registry_url"));
        String kind = node.text("source", "local");
        Path directory = base.resolve(node.requiredText("directory", "the directory with the .avsc files of every event version, e.g. directory: ../schemas")).normalize();
        if (!Files.isDirectory(directory)) {
            throw new ContractException(node.get("directory").path(), "not a directory: " + directory + "; point it at the schemas/ directory");
        }
        switch (kind) {
            case "local" -> {
                if (!node.get("registry_url").isMissing()) {
                    throw new ContractException(node.get("registry_url").path(), "is read only with source: registry; add source: registry "
                            + "to resolve schema ids there, or remove registry_url");
                }
                Path idMap = null;
                String confluentOutput = projectionEncoding == Contract.ValueEncoding.CONFLUENT ? "projection.encoding"
                        : evidenceEncoding == Contract.ValueEncoding.CONFLUENT ? "evidence.encoding" : null;
                if (encoding == Contract.Encoding.CONFLUENT || confluentOutput != null) {
                    String hint = encoding == Contract.Encoding.CONFLUENT
                            ? "with source: local and the confluent encoding, name the file that maps schema ids to .avsc files"
                            : "with source: local and " + confluentOutput + ": confluent, name the file that maps schema ids to .avsc files "
                            + "(the ids your Schema Registry gives them), or set source: registry to register the schemas there, "
                            + "or choose " + confluentOutput + ": single-object or json";
                    idMap = base.resolve(node.requiredText("id_map", hint)).normalize();
                    if (!Files.isRegularFile(idMap)) {
                        throw new ContractException(node.get("id_map").path(), "file not found: " + idMap
                                + "; point id_map at the file that maps schema ids to .avsc files (relative to the contract's directory)");
                    }
                }
                return new Contract.SchemaSource(Contract.SchemaSource.Kind.LOCAL, directory, idMap, null);
            }
            case "registry" -> {
                if (!node.get("id_map").isMissing()) {
                    throw new ContractException(node.get("id_map").path(), "is read only with source: local; remove it, or set source: local");
                }
                String url = node.requiredText("registry_url", "the Schema Registry URL, e.g. registry_url: http://schema-registry:8081");
                URI uri;
                try {
                    uri = URI.create(url);
                } catch (IllegalArgumentException e) {
                    throw new ContractException(node.get("registry_url").path(), "not a URL: '" + url + "'");
                }
                if (uri.getScheme() == null || !(uri.getScheme().equals("http") || uri.getScheme().equals("https"))) {
                    throw new ContractException(node.get("registry_url").path(), "expected an http:// or https:// URL, got '" + url + "'");
                }
                return new Contract.SchemaSource(Contract.SchemaSource.Kind.REGISTRY, directory, null, uri);
            }
            default -> throw new ContractException(node.get("source").path(), "expected local or registry, got '" + kind + "'");
        }
    }

    private static Duration duration(Node parent, String name, Duration defaultValue) {
        String text = parent.text(name, null);
        if (text == null) {
            return defaultValue;
        }
        Duration value = null;
        try {
            if (text.endsWith("ms")) {
                value = Duration.ofMillis(Long.parseLong(text.substring(0, text.length() - 2).trim()));
            } else if (text.endsWith("s")) {
                value = Duration.ofSeconds(Long.parseLong(text.substring(0, text.length() - 1).trim()));
            } else if (text.endsWith("m")) {
                value = Duration.ofMinutes(Long.parseLong(text.substring(0, text.length() - 1).trim()));
            }
        } catch (NumberFormatException | ArithmeticException ignored) {
            // falls through to the error below
        }
        if (value == null) {
            throw new ContractException(parent.get(name).path(), "expected a duration such as 500ms, 5s or 1m, got '" + text + "'");
        }
        if (value.isNegative() || value.isZero()) {
            throw new ContractException(parent.get(name).path(), "must be positive, got '" + text + "'; use a duration such as 500ms, 5s or 1m");
        }
        return value;
    }

    private static List<Contract.Threshold> thresholds(Node list, String tenantField) {
        if (list.isMissing()) {
            return List.of();
        }
        if (!list.raw().isArray()) {
            throw new ContractException(list.path(), "expected a list of {name, metric, above, window, action}, got " + Node.describe(list.raw()));
        }
        List<Contract.Threshold> out = new java.util.ArrayList<>();
        Set<String> names = new java.util.HashSet<>();
        for (int i = 0; i < list.raw().size(); i++) {
            Node item = new Node(list.raw().get(i), list.path() + "[" + i + "]");
            if (item.isMissing() || !item.raw().isObject()) {
                throw new ContractException(item.path(), "expected {name: ..., metric: ..., action: ...}, got " + Node.describe(item.raw()));
            }
            item.onlyFields(Set.of("name", "metric", "above", "window", "action", "tenants"));
            String metric = item.requiredText("metric", "dead_letter_ratio or invariant_failures");
            if (!metric.equals("dead_letter_ratio") && !metric.equals("invariant_failures")) {
                throw new ContractException(item.get("metric").path(), "expected dead_letter_ratio or invariant_failures, got '" + metric + "'");
            }
            String action = item.text("action", "pause");
            if (!action.equals("pause") && !action.equals("abort")) {
                throw new ContractException(item.get("action").path(), "expected pause or abort, got '" + action + "'");
            }
            if (metric.equals("invariant_failures")) {
                for (String onlyForRatios : List.of("above", "window")) {
                    if (!item.get(onlyForRatios).isMissing()) {
                        throw new ContractException(item.get(onlyForRatios).path(), "applies to metric dead_letter_ratio only; "
                                + "invariant_failures acts on the first failure. Remove it");
                    }
                }
            } else if (!item.get("tenants").isMissing()) {
                throw new ContractException(item.get("tenants").path(), "applies to metric invariant_failures only; remove it");
            }
            double above = metric.equals("dead_letter_ratio") ? ratio(item, "above", 0.01) : 0;
            Integer window = item.optionalInt("window", 1);
            List<String> tenants = item.textList("tenants", false, "");
            if (!tenants.isEmpty() && tenantField == null) {
                throw new ContractException(item.get("tenants").path(), "needs scope.tenant_field to know an event's tenant");
            }
            String thresholdName = item.text("name", metric + "-" + action);
            if (!names.add(thresholdName)) {
                throw new ContractException(item.get("name").isMissing() ? item.path() : item.get("name").path(),
                        "two thresholds are named '" + thresholdName + "'; give each its own name");
            }
            out.add(new Contract.Threshold(thresholdName, metric, above, window == null ? 10_000 : window,
                    action, new java.util.LinkedHashSet<>(tenants)));
        }
        return out;
    }

    /** A list of {name, expression} maps; the expressions are compiled once the projection's schema is known. */
    private static List<Contract.Check> checks(Node list) {
        if (list.isMissing()) {
            return List.of();
        }
        if (!list.raw().isArray()) {
            throw new ContractException(list.path(), "expected a list of {name: ..., expression: ...}, got " + Node.describe(list.raw()));
        }
        List<Contract.Check> out = new java.util.ArrayList<>();
        Set<String> names = new java.util.HashSet<>();
        for (int i = 0; i < list.raw().size(); i++) {
            Node item = new Node(list.raw().get(i), list.path() + "[" + i + "]");
            if (item.isMissing() || !item.raw().isObject()) {
                throw new ContractException(item.path(), "expected {name: ..., expression: ...}, got " + Node.describe(item.raw()));
            }
            item.onlyFields(Set.of("name", "expression"));
            String name = item.requiredText("name", "name the check, e.g. name: sellable_not_negative");
            String expression = item.requiredText("expression", "a CEL expression that is true when the check holds, e.g. expression: sellable >= 0");
            if (!names.add(name)) {
                throw new ContractException(item.get("name").path(), "two checks are named '" + name + "'; give each its own name");
            }
            out.add(new Contract.Check(name, expression, item.get("expression").path()));
        }
        return out;
    }

    private static double ratio(Node parent, String name, double defaultValue) {
        Node child = parent.get(name);
        if (child.isMissing()) {
            return defaultValue;
        }
        if (!child.raw().isNumber() || child.raw().doubleValue() < 0 || child.raw().doubleValue() > 1) {
            throw new ContractException(child.path(), "expected a ratio between 0 and 1 (0.01 is 1%), got " + Node.describe(child.raw()));
        }
        return child.raw().doubleValue();
    }

    static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
