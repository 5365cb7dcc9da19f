package dev.reprise.contract;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A YAML node that knows its dotted path, so every validation error names the field.
 * Hand-written on purpose: Jackson's data binding reports Java property names and stack positions,
 * while an operator needs {@code scope.from: expected ...}. It stays a thin reader over JsonNode.
 */
final class Node {
    private final JsonNode node;
    private final String path;
    /** The path of this node's declaration in {@link ContractKeys}: list items as {@code []}, e.g. reconciliation.thresholds[]. */
    private final String declared;

    private Node(JsonNode node, String path, String declared) {
        this.node = node;
        this.path = path;
        this.declared = declared;
    }

    /** The top of a contract, refusing keys it does not declare. */
    static Node root(JsonNode tree) {
        Node root = new Node(tree, "", "");
        root.onlyDeclared();
        return root;
    }

    String path() {
        return path;
    }

    /** Absent, null, or empty ({@code key:} with nothing after it reads as an empty text). */
    boolean isMissing() {
        return node == null || node.isNull() || node.isMissingNode() || node.isTextual() && node.asText().isEmpty();
    }

    JsonNode raw() {
        return node;
    }

    private String childPath(String name) {
        return path.isEmpty() ? name : path + "." + name;
    }

    Node get(String name) {
        JsonNode child = node == null ? null : node.get(name);
        return new Node(child, childPath(name), declared.isEmpty() ? name : declared + "." + name);
    }

    /** The value of a declared key of this section or list item. */
    Node get(ContractKeys.Key key) {
        if (!key.parent().equals(declared)) {
            throw new IllegalStateException(key.path() + " is not a key of " + (declared.isEmpty() ? "the contract's top" : declared));
        }
        return get(key.name());
    }

    /**
     * A declared section: required or optional as declared (an optional one absent or empty reads as an empty mapping),
     * refusing keys it does not declare.
     */
    Node section(ContractKeys.Key key) {
        requireType(key, ContractKeys.Type.SECTION);
        Node child = get(key);
        if (key.required() && (node == null || !node.has(key.name()))) {
            throw new ContractException(child.path, "missing section; add it (see config/inventory.yaml for an example)");
        }
        Node section = child.asMapping();
        section.onlyDeclared();
        return section;
    }

    /** A declared list of items, each a mapping of the keys declared under it; absent reads as no items. */
    List<Node> items(ContractKeys.Key key) {
        requireType(key, ContractKeys.Type.ITEMS);
        Node list = get(key);
        if (list.isMissing()) {
            return List.of();
        }
        if (!list.node.isArray()) {
            throw new ContractException(list.path, "expected a list of " + key.itemShape() + ", got " + describe(list.node));
        }
        List<Node> out = new ArrayList<>();
        for (int i = 0; i < list.node.size(); i++) {
            Node item = new Node(list.node.get(i), list.path + "[" + i + "]", key.path() + "[]");
            if (item.isMissing() || !item.node.isObject()) {
                throw new ContractException(item.path, "expected " + key.itemShape() + ", got " + describe(item.node));
            }
            item.onlyDeclared();
            out.add(item);
        }
        return out;
    }

    /** A declared text: required (with its hint) or its default. */
    String text(ContractKeys.Key key) {
        requireType(key, ContractKeys.Type.TEXT);
        get(key);
        return key.required() ? requiredText(key.name(), key.hint()) : text(key.name(), (String) key.defaultValue());
    }

    /** A declared text that another key's value makes required, e.g. registry_url with source: registry. */
    String require(ContractKeys.Key key) {
        return require(key, key.hint());
    }

    /** The same, with a hint that says why it is required here. */
    String require(ContractKeys.Key key, String hint) {
        get(key);
        return requiredText(key.name(), hint);
    }

    boolean bool(ContractKeys.Key key) {
        requireType(key, ContractKeys.Type.BOOLEAN);
        get(key);
        return bool(key.name(), (Boolean) key.defaultValue());
    }

    /** A declared whole number, at least its minimum, or its default ({@code null} when it has none). */
    Integer whole(ContractKeys.Key key) {
        requireType(key, ContractKeys.Type.WHOLE_NUMBER);
        get(key);
        Integer value = optionalInt(key.name(), key.min());
        return value != null ? value : (Integer) key.defaultValue();
    }

    /** A declared ratio from 0 to 1, or its default. */
    double ratio(ContractKeys.Key key) {
        requireType(key, ContractKeys.Type.RATIO);
        Node child = get(key);
        if (child.isMissing()) {
            return (Double) key.defaultValue();
        }
        if (!child.node.isNumber() || child.node.doubleValue() < 0 || child.node.doubleValue() > 1) {
            throw new ContractException(child.path, "expected a ratio between 0 and 1 (0.01 is 1%), got " + describe(child.node));
        }
        return child.node.doubleValue();
    }

    /** A declared duration (500ms, 5s, 1m), more than zero, or its default. */
    Duration duration(ContractKeys.Key key) {
        requireType(key, ContractKeys.Type.DURATION);
        Node child = get(key);
        String text = text(key.name(), null);
        if (text == null) {
            return (Duration) key.defaultValue();
        }
        Duration value = dev.reprise.contract.Durations.parse(text).orElse(null);
        if (value == null) {
            throw new ContractException(child.path, "expected a duration such as 500ms, 5s or 1m, got '" + text + "'");
        }
        if (value.isNegative() || value.isZero()) {
            throw new ContractException(child.path, "must be positive, got '" + text + "'; use a duration such as 500ms, 5s or 1m");
        }
        return value;
    }

    /** A declared list of names: required (with its hint) or empty when absent. */
    List<String> names(ContractKeys.Key key) {
        requireType(key, ContractKeys.Type.NAMES);
        get(key);
        return textList(key.name(), key.required(), key.required() ? key.hint() : "");
    }

    /** One of a declared key's choices (an alias read as its choice), or its default. */
    String choice(ContractKeys.Key key) {
        return choice(key, "");
    }

    /** The same, with {@code afterError} appended to the message for a value that is not a choice. */
    String choice(ContractKeys.Key key, String afterError) {
        requireType(key, ContractKeys.Type.CHOICE);
        Node child = get(key);
        String value = key.required() ? requiredText(key.name(), key.hint()) : text(key.name(), (String) key.defaultValue());
        if (value == null || key.choices().contains(value)) {
            return value;
        }
        if (key.aliases().containsKey(value)) {
            return key.aliases().get(value);
        }
        throw new ContractException(child.path, "expected " + ContractKeys.oneOf(key.choices()) + ", got '" + value + "'" + afterError);
    }

    private static void requireType(ContractKeys.Key key, ContractKeys.Type type) {
        if (key.type() != type) {
            throw new IllegalStateException(key.path() + " is declared as " + key.type() + ", read as " + type);
        }
    }

    /**
     * This node as a mapping: nothing becomes an empty mapping, anything else but a mapping is refused. */
    private Node asMapping() {
        if (isMissing()) {
            return new Node(JsonNodeFactory.instance.objectNode(), path, declared);
        }
        if (!node.isObject()) {
            throw new ContractException(path, "expected a mapping of fields (name: value on lines of their own), got " + describe(node));
        }
        return this;
    }

    private String requiredText(String name, String hint) {
        Node child = get(name);
        if (!child.isMissing() && !child.node.isValueNode()) {
            throw new ContractException(child.path, "expected a single value, got " + describe(child.node) + "; " + hint);
        }
        if (child.isMissing() || child.node.asText().isBlank()) {
            throw new ContractException(child.path, "required; " + hint);
        }
        return child.node.asText().trim();
    }

    private String text(String name, String defaultValue) {
        Node child = get(name);
        if (child.isMissing()) {
            return defaultValue;
        }
        if (!child.node.isValueNode()) {
            throw new ContractException(child.path, "expected a single value, got " + describe(child.node));
        }
        return child.node.asText().trim();
    }

    private boolean bool(String name, boolean defaultValue) {
        Node child = get(name);
        if (child.isMissing()) {
            return defaultValue;
        }
        if (!child.node.isBoolean()) {
            throw new ContractException(child.path, "expected true or false, got " + describe(child.node));
        }
        return child.node.booleanValue();
    }

    private Integer optionalInt(String name, int min) {
        Node child = get(name);
        if (child.isMissing()) {
            return null;
        }
        if (!child.node.canConvertToInt() || !child.node.isIntegralNumber()) {
            throw new ContractException(child.path, "expected a whole number" + (min > Integer.MIN_VALUE ? " >= " + min : "")
                    + ", got " + describe(child.node));
        }
        int value = child.node.intValue();
        if (value < min) {
            throw new ContractException(child.path, "expected a number >= " + min + ", got " + value);
        }
        return value;
    }

    private List<String> textList(String name, boolean required, String hint) {
        Node child = get(name);
        if (child.isMissing()) {
            if (required) {
                throw new ContractException(child.path, "required; " + hint);
            }
            return List.of();
        }
        if (child.node.isTextual()) {
            return List.of(child.node.asText().trim());
        }
        if (!child.node.isArray()) {
            throw new ContractException(child.path, "expected a list, e.g. [a, b], got " + describe(child.node) + (hint.isEmpty() ? "" : "; " + hint));
        }
        List<String> out = new ArrayList<>();
        Set<String> seen = new java.util.HashSet<>();
        for (int i = 0; i < child.node.size(); i++) {
            JsonNode item = child.node.get(i);
            if (item == null || !item.isValueNode() || item.isNull() || item.asText().isBlank()) {
                throw new ContractException(child.path + "[" + i + "]", "expected a non-empty name, got " + describe(item));
            }
            String value = item.asText().trim();
            if (!seen.add(value)) {
                throw new ContractException(child.path + "[" + i + "]", "'" + value + "' is listed twice; keep one");
            }
            out.add(value);
        }
        if (required && out.isEmpty()) {
            throw new ContractException(child.path, "must not be empty; " + hint);
        }
        return List.copyOf(out);
    }

    /** Rejects keys {@link ContractKeys} does not declare here, so a typo is not silently ignored. */
    void onlyDeclared() {
        if (node == null || !node.isObject()) {
            return;
        }
        List<String> allowed = ContractKeys.fieldsOf(declared).stream().map(ContractKeys.Key::name).toList();
        Iterator<String> names = node.fieldNames();
        while (names.hasNext()) {
            String name = names.next();
            if (!allowed.contains(name)) {
                throw new ContractException(childPath(name), "unknown field; expected one of " + new java.util.TreeSet<>(allowed)
                        + closest(name, allowed) + ". '" + ContractKeys.REFERENCE_COMMAND + "' lists every key with its type and default");
            }
        }
    }

    /** How a value reads to a person: a list, a mapping, nothing, or the value itself. */
    static String describe(JsonNode value) {
        if (value == null || value.isNull() || value.isMissingNode() || value.isTextual() && value.asText().isEmpty()) {
            return "nothing";
        }
        if (value.isArray()) {
            return "a list";
        }
        if (value.isObject()) {
            return "a mapping";
        }
        if (value.isTextual()) {
            return "'" + value.asText() + "'";
        }
        return value.asText();
    }

    Map<String, Node> fields() {
        Map<String, Node> out = new LinkedHashMap<>();
        if (node != null && node.isObject()) {
            node.fieldNames().forEachRemaining(n -> out.put(n, get(n)));
        }
        return out;
    }

    static String closest(String name, java.util.Collection<String> allowed) {
        return DidYouMean.suggest(name, allowed);
    }
}
