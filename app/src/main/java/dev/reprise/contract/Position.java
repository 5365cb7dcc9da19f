package dev.reprise.contract;

import com.fasterxml.jackson.databind.JsonNode;
import org.apache.kafka.common.TopicPartition;

import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One end of the replay scope, before it is resolved against a cluster into offsets by the planner.
 */
public sealed interface Position {

    /** The log start offset of each partition. Only valid as {@code scope.from}. */
    record Earliest() implements Position {
        @Override
        public String toString() {
            return "earliest";
        }
    }

    /** The log end offset of each partition, read once when the run is planned. Only valid as {@code scope.to}. */
    record LatestAtStart() implements Position {
        @Override
        public String toString() {
            return "latest-at-start";
        }
    }

    /** The first offset whose record timestamp is at or after this instant. */
    record AtTime(Instant time) implements Position {
        @Override
        public String toString() {
            return time.toString();
        }
    }

    /**
     * Explicit offsets. Partitions not listed fall back to earliest (for from) or latest-at-start (for to).
     */
    record AtOffsets(Map<TopicPartition, Long> offsets) implements Position {
        public AtOffsets {
            offsets = Map.copyOf(offsets);
        }
    }

    /**
     * The position at {@code node}, declared by {@code key}: its symbolic position (earliest for scope.from,
     * latest-at-start for scope.to, also its default), an ISO-8601 time or explicit offsets of {@code topics}.
     */
    static Position parse(Node node, ContractKeys.Key key, java.util.List<String> topics) {
        String symbolic = key.choices().get(0);
        boolean isFrom = symbolic.equals("earliest");
        String expected = "expected " + symbolic + ", an ISO-8601 time (2026-01-31T00:00:00Z) or offsets ({topic: {partition: offset}})";
        if (node.isMissing()) {
            return symbolic((String) key.defaultValue());
        }
        if (node.raw().isObject()) {
            Map<TopicPartition, Long> offsets = new LinkedHashMap<>();
            for (Map.Entry<String, Node> topic : node.fields().entrySet()) {
                if (!topics.contains(topic.getKey())) {
                    throw new ContractException(topic.getValue().path(), "offsets given for a topic that is not in history.topics " + topics
                            + Node.closest(topic.getKey(), topics));
                }
                if (topic.getValue().isMissing() || !topic.getValue().raw().isObject() || topic.getValue().raw().isEmpty()) {
                    throw new ContractException(topic.getValue().path(), "expected {partition: offset}, e.g. {0: 1200, 1: 0}, got "
                            + Node.describe(topic.getValue().raw()));
                }
                for (Map.Entry<String, Node> partition : topic.getValue().fields().entrySet()) {
                    int p;
                    try {
                        p = Integer.parseInt(partition.getKey().trim());
                    } catch (NumberFormatException e) {
                        throw new ContractException(partition.getValue().path(), "expected a partition number, got '" + partition.getKey() + "'");
                    }
                    if (p < 0) {
                        throw new ContractException(partition.getValue().path(), "partition numbers start at 0, got " + p + "; name a partition of "
                                + topic.getKey());
                    }
                    JsonNode offset = partition.getValue().raw();
                    if (offset == null || !offset.isIntegralNumber() || !offset.canConvertToLong() || offset.longValue() < 0) {
                        throw new ContractException(partition.getValue().path(), "expected an offset >= 0, got " + Node.describe(offset));
                    }
                    offsets.put(new TopicPartition(topic.getKey(), p), partition.getValue().raw().longValue());
                }
            }
            return new AtOffsets(offsets);
        }
        if (!node.raw().isValueNode()) {
            throw new ContractException(node.path(), expected + ", got " + Node.describe(node.raw()));
        }
        String text = node.raw().asText().trim();
        if (text.equals(symbolic)) {
            return symbolic(symbolic);
        }
        try {
            return new AtTime(Instant.parse(text));
        } catch (DateTimeParseException e) {
            throw new ContractException(node.path(), expected + ", got '" + text + "'");
        }
    }

    private static Position symbolic(String name) {
        return switch (name) {
            case "earliest" -> new Earliest();
            case "latest-at-start" -> new LatestAtStart();
            default -> throw new IllegalStateException("no position is named " + name);
        };
    }
}
