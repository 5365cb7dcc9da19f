package dev.reprise.contract;

import com.fasterxml.jackson.databind.JsonNode;

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

    boolean isMissing() {
        return node == null || node.isNull() || node.isMissingNode();
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

    Node section(String name) {
        Node child = get(name);
        if (child.isMissing()) {
            throw new ContractException(child.path, "missing section; add it (see config/inventory.yaml for an example)");
        }
        if (!child.node.isObject()) {
            throw new ContractException(child.path, "expected a mapping of fields, got '" + child.node.asText() + "'");
        }
        return child;
    }

    Node optionalSection(String name) {
        Node child = get(name);
        if (!child.isMissing() && !child.node.isObject()) {
            throw new ContractException(child.path, "expected a mapping of fields, got '" + child.node.asText() + "'");
        }
        return child;
    }

    String requiredText(String name, String hint) {
        Node child = get(name);
        if (child.isMissing() || child.node.asText().isBlank()) {
            throw new ContractException(child.path, "required; " + hint);
        }
        if (!child.node.isValueNode()) {
            throw new ContractException(child.path, "expected a single value, got a " + child.node.getNodeType().name().toLowerCase());
        }
        return child.node.asText().trim();
    }

    String text(String name, String defaultValue) {
        Node child = get(name);
        if (child.isMissing()) {
            return defaultValue;
        }
        if (!child.node.isValueNode()) {
            throw new ContractException(child.path, "expected a single value, got a " + child.node.getNodeType().name().toLowerCase());
        }
        return child.node.asText().trim();
    }

    boolean bool(String name, boolean defaultValue) {
        Node child = get(name);
        if (child.isMissing()) {
            return defaultValue;
        }
        if (!child.node.isBoolean()) {
            throw new ContractException(child.path, "expected true or false, got '" + child.node.asText() + "'");
        }
        return child.node.booleanValue();
    }

    Integer optionalInt(String name, int min) {
        Node child = get(name);
        if (child.isMissing()) {
            return null;
        }
        if (!child.node.canConvertToInt() || !child.node.isIntegralNumber()) {
            throw new ContractException(child.path, "expected a whole number, got '" + child.node.asText() + "'");
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
            throw new ContractException(child.path, "expected a list, e.g. [a, b]; " + hint);
        }
        List<String> out = new ArrayList<>();
        for (int i = 0; i < child.node.size(); i++) {
            JsonNode item = child.node.get(i);
            if (!item.isValueNode() || item.asText().isBlank()) {
                throw new ContractException(child.path + "[" + i + "]", "expected a non-empty name");
            }
            out.add(item.asText().trim());
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

    Map<String, Node> fields() {
        Map<String, Node> out = new LinkedHashMap<>();
        if (node != null && node.isObject()) {
            node.fieldNames().forEachRemaining(n -> out.put(n, get(n)));
        }
        return out;
    }

    private static String closest(String name, Set<String> allowed) {
        String best = null;
        int bestDistance = Integer.MAX_VALUE;
        for (String candidate : allowed) {
            int d = distance(name, candidate);
            if (d < bestDistance) {
                bestDistance = d;
                best = candidate;
            }
        }
        return best != null && bestDistance <= 3 ? " (did you mean '" + best + "'?)" : "";
    }

    private static int distance(String a, String b) {
        int[] prev = new int[b.length() + 1];
        int[] cur = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            prev[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            cur[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                cur[j] = Math.min(Math.min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + cost);
            }
            int[] t = prev;
            prev = cur;
            cur = t;
        }
        return prev[b.length()];
    }
}
