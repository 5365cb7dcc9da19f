package dev.reprise.contract;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;

import java.io.IOException;
import java.net.URI;
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
 */
public final class ContractLoader {
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

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
        JsonNode tree;
        try {
            tree = YAML.readTree(yaml);
        } catch (JsonProcessingException e) {
            String where = e.getLocation() == null ? "" : " at line " + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr();
            throw new ContractException("contract", "not valid YAML" + where + ": " + e.getOriginalMessage());
        } catch (IOException e) {
            throw new ContractException("contract", "cannot parse: " + e.getMessage());
        }
        if (tree == null || !tree.isObject()) {
            throw new ContractException("contract", "expected a YAML mapping with name, application_id, history, ordering, idempotency, projection, evidence, dead_letter and allowed_write_topics");
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
        Contract.SchemaSource schemas = schemaSource(history.section("schemas"), baseDirectory, encoding);
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
        proj.onlyFields(Set.of("name", "topic"));
        Contract.ProjectionSpec projection = new Contract.ProjectionSpec(
                proj.requiredText("name", "the name of a registered projection, e.g. name: inventory-levels"),
                proj.requiredText("topic", "the compacted topic that receives the rebuilt projection"));

        Node scope = root.optionalSection("scope");
        scope.onlyFields(Set.of("from", "to", "event_types", "tenant_field", "tenants", "keys"));
        Position from = Position.parse(scope.get("from"), true, topics);
        Position to = Position.parse(scope.get("to"), false, topics);
        if (from instanceof Position.AtTime f && to instanceof Position.AtTime t && !f.time().isBefore(t.time())) {
            throw new ContractException("scope.to", "must be after scope.from (" + f.time() + "), got " + t.time());
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
                "untrusted_dead_letter_ratio", "min_events_processed", "min_projection_keys"));
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
                minKeys == null ? 1 : minKeys);

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
        Contract.Processing proc = new Contract.Processing(mode.equals("bounded"), guarantee,
                processing.optionalInt("repartition_partitions", 1));

        Node promoteNode = root.optionalSection("promote");
        promoteNode.onlyFields(Set.of("max_changed_ratio"));
        Contract.PromoteSpec promote = new Contract.PromoteSpec(ratio(promoteNode, "max_changed_ratio", Contract.PromoteSpec.DEFAULTS.maxChangedRatio()));

        List<String> allowed = root.textList("allowed_write_topics", true,
                "list every topic the app may write: the projection, evidence and dead-letter topics");

        return new Contract(name, applicationId, new Contract.History(topics, encoding, schemas, keyed), ord, idempotency,
                projection, sc, reconciliation, evidence, deadLetter, proc, promote, allowed, sha256(yaml), source);
    }

    private static Contract.SchemaSource schemaSource(Node node, Path base, Contract.Encoding encoding) {
        node.onlyFields(Set.of("source", "directory", "id_map", "registry_url"));
        String kind = node.text("source", "local");
        Path directory = base.resolve(node.requiredText("directory", "the directory with the .avsc files of every event version, e.g. directory: ../schemas")).normalize();
        if (!Files.isDirectory(directory)) {
            throw new ContractException(node.get("directory").path(), "not a directory: " + directory + "; point it at the schemas/ directory");
        }
        switch (kind) {
            case "local" -> {
                Path idMap = null;
                if (encoding == Contract.Encoding.CONFLUENT) {
                    idMap = base.resolve(node.requiredText("id_map",
                            "with source: local and the confluent encoding, name the file that maps schema ids to .avsc files")).normalize();
                    if (!Files.isRegularFile(idMap)) {
                        throw new ContractException(node.get("id_map").path(), "file not found: " + idMap);
                    }
                }
                return new Contract.SchemaSource(Contract.SchemaSource.Kind.LOCAL, directory, idMap, null);
            }
            case "registry" -> {
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
        try {
            if (text.endsWith("ms")) {
                return Duration.ofMillis(Long.parseLong(text.substring(0, text.length() - 2)));
            }
            if (text.endsWith("s")) {
                return Duration.ofSeconds(Long.parseLong(text.substring(0, text.length() - 1)));
            }
            if (text.endsWith("m")) {
                return Duration.ofMinutes(Long.parseLong(text.substring(0, text.length() - 1)));
            }
        } catch (NumberFormatException ignored) {
            // falls through to the error below
        }
        throw new ContractException(parent.get(name).path(), "expected a duration such as 500ms, 5s or 1m, got '" + text + "'");
    }

    private static List<Contract.Threshold> thresholds(Node list, String tenantField) {
        if (list.isMissing()) {
            return List.of();
        }
        if (!list.raw().isArray()) {
            throw new ContractException(list.path(), "expected a list of {name, metric, above, window, action}");
        }
        List<Contract.Threshold> out = new java.util.ArrayList<>();
        for (int i = 0; i < list.raw().size(); i++) {
            Node item = new Node(list.raw().get(i), list.path() + "[" + i + "]");
            item.onlyFields(Set.of("name", "metric", "above", "window", "action", "tenants"));
            String metric = item.requiredText("metric", "dead_letter_ratio or invariant_failures");
            if (!metric.equals("dead_letter_ratio") && !metric.equals("invariant_failures")) {
                throw new ContractException(item.get("metric").path(), "expected dead_letter_ratio or invariant_failures, got '" + metric + "'");
            }
            String action = item.text("action", "pause");
            if (!action.equals("pause") && !action.equals("abort")) {
                throw new ContractException(item.get("action").path(), "expected pause or abort, got '" + action + "'");
            }
            double above = metric.equals("dead_letter_ratio") ? ratio(item, "above", 0.01) : 0;
            Integer window = item.optionalInt("window", 1);
            List<String> tenants = item.textList("tenants", false, "");
            if (!tenants.isEmpty() && tenantField == null) {
                throw new ContractException(item.get("tenants").path(), "needs scope.tenant_field to know an event's tenant");
            }
            out.add(new Contract.Threshold(item.text("name", metric + "-" + action), metric, above, window == null ? 10_000 : window,
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
            throw new ContractException(list.path(), "expected a list of {name: ..., expression: ...}");
        }
        List<Contract.Check> out = new java.util.ArrayList<>();
        Set<String> names = new java.util.HashSet<>();
        for (int i = 0; i < list.raw().size(); i++) {
            Node item = new Node(list.raw().get(i), list.path() + "[" + i + "]");
            if (!item.raw().isObject()) {
                throw new ContractException(item.path(), "expected {name: ..., expression: ...}");
            }
            item.onlyFields(Set.of("name", "expression"));
            String name = item.requiredText("name", "name the check, e.g. name: sellable_not_negative");
            String expression = item.requiredText("expression", "a CEL expression that is true when the check holds, e.g. expression: sellable >= 0");
            if (!names.add(name)) {
                throw new ContractException(item.get("name").path(), "two checks are named '" + name + "'");
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
            throw new ContractException(child.path(), "expected a ratio between 0 and 1 (0.01 is 1%), got '" + child.raw().asText() + "'");
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
