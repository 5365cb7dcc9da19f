package dev.reprise.counts;

import java.util.Optional;

/**
 * Counters named by a value: one counter per dead-letter reason, upcaster step, repartition partition, crossed
 * threshold or misplaced sample. The name is the family's prefix and the value; {@link #valueIn} reads it back, so
 * nobody splits counter names by hand.
 */
public enum CountFamily {
    /** {@code dlq:<reason code>}: records dead-lettered for that reason. */
    DEAD_LETTER_REASON("dlq:"),
    /** {@code upcast:<type>:<from>:<to>}: events upcast by that step ({@link UpcastStep}). */
    UPCAST("upcast:"),
    /** {@code sent:<partition>}: events a source partition sent to that repartition partition. */
    SENT_TO_PARTITION("sent:"),
    /** {@code threshold|<action>|<reason>}: a threshold crossed while the run went (1). */
    THRESHOLD("threshold|"),
    /** {@code misplaced_sample|<key>|<where read>|<key's partition>}: a misplaced event (1). */
    MISPLACED_SAMPLE("misplaced_sample|"),
    /** {@code gap|<from>|<to>|<reason>}: offsets of a source partition that the run neither read nor proved empty (1). */
    UNPROVEN_GAP("gap|"),
    /** {@code id_conflict|<first read>|<second read>|<id length>|<event id>|<key>}: an event id reused for another event (1). */
    ID_CONFLICT_SAMPLE("id_conflict|");

    private final String prefix;

    CountFamily(String prefix) {
        this.prefix = prefix;
    }

    /** The counter of this family for {@code value}. */
    public String name(String value) {
        return prefix + value;
    }

    /** The value of a counter of this family, or empty when the counter is of another. */
    public Optional<String> valueIn(String counterName) {
        return counterName.startsWith(prefix) ? Optional.of(counterName.substring(prefix.length())) : Optional.empty();
    }

    /** An upcaster step: the event type (which may hold ':'), its version before and after. */
    public record UpcastStep(String type, int from, int to) {
        public String counter() {
            return UPCAST.name(type + ":" + from + ":" + to);
        }

        /** The step of an {@link #UPCAST} counter's value: the last two fields are the versions, the rest the type. */
        public static UpcastStep parse(String value) {
            int second = value.lastIndexOf(':');
            int first = value.lastIndexOf(':', second - 1);
            return new UpcastStep(value.substring(0, first), Integer.parseInt(value.substring(first + 1, second)),
                    Integer.parseInt(value.substring(second + 1)));
        }
    }

    /** A crossed threshold: pause or abort, and why. */
    public record Crossed(String action, String reason) {
        /** At most 300 characters of reason: counter names are stored with every commit. */
        public String counter() {
            return THRESHOLD.name(action + "|" + (reason.length() > 300 ? reason.substring(0, 300) + "…" : reason));
        }

        public static Crossed parse(String value) {
            String[] parts = value.split("\\|", 2);
            return parts.length == 2 ? new Crossed(parts[0], parts[1]) : new Crossed("pause", value);
        }

        public boolean aborts() {
            return action.equals("abort");
        }
    }

    /** Offsets {@code from} to {@code to} of a source partition that the run neither read nor proved empty, and why. */
    public record UnprovenGap(long from, long to, String reason) {
        /** At most 200 characters of reason: counter names are stored with every commit. */
        public String counter() {
            return UNPROVEN_GAP.name(from + "|" + to + "|" + (reason.length() > 200 ? reason.substring(0, 200) + "…" : reason));
        }

        public static Optional<UnprovenGap> parse(String value) {
            String[] parts = value.split("\\|", 3);
            try {
                return parts.length == 3 ? Optional.of(new UnprovenGap(Long.parseLong(parts[0]), Long.parseLong(parts[1]), parts[2])) : Optional.empty();
            } catch (NumberFormatException e) {
                return Optional.empty();
            }
        }

        @Override
        public String toString() {
            return (from == to ? "offset " + from : "offsets " + from + " to " + to) + " " + reason;
        }
    }

    /** A misplaced event: its key, where it was read ({@code topic-partition@offset}), and its key's partition. */
    public record Misplaced(String key, String readFrom, int keyPartition) {
        public String counter() {
            return MISPLACED_SAMPLE.name(key + "|" + readFrom + "|" + keyPartition);
        }

        public static Optional<Misplaced> parse(String value) {
            int last = value.lastIndexOf('|');
            int middle = last < 0 ? -1 : value.lastIndexOf('|', last - 1);
            if (middle < 0) {
                return Optional.empty();
            }
            try {
                return Optional.of(new Misplaced(value.substring(0, middle), value.substring(middle + 1, last), Integer.parseInt(value.substring(last + 1))));
            } catch (NumberFormatException e) {
                return Optional.empty();
            }
        }

        @Override
        public String toString() {
            return "key " + key + " read from " + readFrom + ", belongs to partition " + keyPartition;
        }
    }

    /**
     * An event id reused for another event: the id, the ordering key of the event that was not applied, where the
     * applied event was read ({@code topic-partition@offset}, or "an unknown place" for an id kept without one) and
     * where the other was read.
     */
    public record Conflict(String eventId, String key, String firstRead, String secondRead) {
        private static final int MAX_TEXT = 200;

        /** The id and key cut to 200 characters each: counter names are stored with every commit. */
        public String counter() {
            String id = cut(eventId);
            return ID_CONFLICT_SAMPLE.name(firstRead + "|" + secondRead + "|" + id.length() + "|" + id + "|" + cut(key));
        }

        public static Optional<Conflict> parse(String value) {
            String[] head = value.split("\\|", 4);
            if (head.length < 4) {
                return Optional.empty();
            }
            try {
                int idLength = Integer.parseInt(head[2]);
                String rest = head[3];
                if (rest.length() < idLength + 1 || rest.charAt(idLength) != '|') {
                    return Optional.empty();
                }
                return Optional.of(new Conflict(rest.substring(0, idLength), rest.substring(idLength + 1), head[0], head[1]));
            } catch (NumberFormatException e) {
                return Optional.empty();
            }
        }

        private static String cut(String text) {
            return text.length() > MAX_TEXT ? text.substring(0, MAX_TEXT) + "…" : text;
        }

        @Override
        public String toString() {
            return "event id " + eventId + " applied from " + firstRead + ", reused by another event from " + secondRead + " (key " + key + ")";
        }
    }
}
