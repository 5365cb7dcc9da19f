package dev.reprise.contract;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;

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

    Node(JsonNode node, String path) {
        this.node = node;
        this.path = path;
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
        return new Node(child, childPath(name));
    }

    /**
     * A required mapping. A section that is present but empty ({@code ordering:} and nothing under it)
     * reads as an empty mapping, so the error names the first required field inside it.
     */
    Node section(String name) {
        Node child = get(name);
        if (node == null || !node.has(name)) {
            throw new ContractException(child.path, "missing section; add it (see config/inventory.yaml for an example)");
        }
        return child.asMapping();
    }

    /** An optional mapping; absent or empty reads as an empty mapping. */
    Node optionalSection(String name) {
        return get(name).asMapping();
    }

    /** This node as a mapping: nothing becomes an empty mapping, anything else but a mapping is refused. */
    Node asMapping() {
        if (isMissing()) {
            return new Node(JsonNodeFactory.instance.objectNode(), path);
        }
        if (!node.isObject()) {
            throw new ContractException(path, "expected a mapping of fields (name: value on lines of their own), got " + describe(node));
        }
        return this;
    }

    String requiredText(String name, String hint) {
        Node child = get(name);
        if (!child.isMissing() && !child.node.isValueNode()) {
            throw new ContractException(child.path, "expected a single value, got " + describe(child.node) + "; " + hint);
        }
        if (child.isMissing() || child.node.asText().isBlank()) {
            throw new ContractException(child.path, "required; " + hint);
        }
        return child.node.asText().trim();
    }

    String text(String name, String defaultValue) {
        Node child = get(name);
        if (child.isMissing()) {
            return defaultValue;
        }
        if (!child.node.isValueNode()) {
            throw new ContractException(child.path, "expected a single value, got " + describe(child.node));
        }
        return child.node.asText().trim();
    }

    boolean bool(String name, boolean defaultValue) {
        Node child = get(name);
        if (child.isMissing()) {
            return defaultValue;
        }
        if (!child.node.isBoolean()) {
            throw new ContractException(child.path, "expected true or false, got " + describe(child.node));
        }
        return child.node.booleanValue();
    }

    Integer optionalInt(String name, int min) {
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

    List<String> textList(String name, boolean required, String hint) {
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

    /** Rejects keys the contract does not define, so a typo is not silently ignored. */
    void onlyFields(Set<String> allowed) {
        if (node == null || !node.isObject()) {
            return;
        }
        Iterator<String> names = node.fieldNames();
        while (names.hasNext()) {
            String name = names.next();
            if (!allowed.contains(name)) {
                throw new ContractException(childPath(name), "unknown field; expected one of " + new java.util.TreeSet<>(allowed)
                        + closest(name, allowed));
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
