package dev.reprise.upcast;

import dev.reprise.codec.PoisonRecordException;
import dev.reprise.codec.SchemaCatalog;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The upcasters found on the class path, arranged into chains that lead every version of an event type
 * to the latest version in the {@link SchemaCatalog}.
 */
public final class UpcasterRegistry {
    private final SchemaCatalog catalog;
    private final Map<String, Map<Integer, Upcaster>> byTypeAndFrom = new HashMap<>();
    private final Map<String, Map<Integer, Chain>> chains = new ConcurrentHashMap<>();

    public UpcasterRegistry(SchemaCatalog catalog, Iterable<Upcaster> upcasters) {
        this.catalog = catalog;
        for (Upcaster u : upcasters) {
            if (u.toVersion() <= u.fromVersion()) {
                throw new IllegalArgumentException(u.getClass().getName() + " goes from v" + u.fromVersion() + " to v" + u.toVersion() + "; an upcaster must go to a higher version");
            }
            Upcaster previous = byTypeAndFrom.computeIfAbsent(u.eventType(), t -> new TreeMap<>()).put(u.fromVersion(), u);
            if (previous != null) {
                throw new IllegalArgumentException("two upcasters for " + u.eventType() + " from v" + u.fromVersion() + ": "
                        + previous.getClass().getName() + " and " + u.getClass().getName());
            }
        }
    }

    /** The upcasters registered through {@code META-INF/services/dev.reprise.upcast.Upcaster}. */
    public static UpcasterRegistry fromServiceLoader(SchemaCatalog catalog) {
        List<Upcaster> found = new ArrayList<>();
        dev.reprise.plugin.Plugins.load(Upcaster.class).forEach(f -> found.add(f.provider()));
        return new UpcasterRegistry(catalog, found);
    }

    /** The steps from {@code version} to the latest version of {@code type}; empty when already latest. */
    public Chain chain(String type, int version) {
        return chains.computeIfAbsent(type, t -> new ConcurrentHashMap<>()).computeIfAbsent(version, v -> buildChain(type, v));
    }

    private Chain buildChain(String type, int version) {
        Integer latest = catalog.latestVersion(type).orElse(null);
        if (latest == null) {
            return Chain.broken(type, version, "event type " + type + " has no schema in the schemas directory");
        }
        if (version > latest) {
            return Chain.broken(type, version, type + " v" + version + " is newer than the latest local schema v" + latest + "; add its .avsc to schemas/");
        }
        List<Upcaster> steps = new ArrayList<>();
        List<Schema> targets = new ArrayList<>();
        int at = version;
        while (at < latest) {
            Upcaster next = byTypeAndFrom.getOrDefault(type, Map.of()).get(at);
            if (next == null) {
                return Chain.broken(type, version, "no upcaster path for " + type + " from v" + version + " to v" + latest
                        + ": nothing upcasts v" + at + "; register an Upcaster for " + type + " v" + at + " through ServiceLoader");
            }
            Schema target = catalog.event(type, next.toVersion()).orElse(null);
            if (target == null) {
                return Chain.broken(type, version, next.getClass().getSimpleName() + " upcasts " + type + " to v" + next.toVersion() + ", which has no local schema");
            }
            steps.add(next);
            targets.add(target);
            at = next.toVersion();
        }
        return new Chain(type, version, latest, List.copyOf(steps), List.copyOf(targets), null);
    }

    /** Every (type, version) in the catalog that has no path to its latest version, with the reason. */
    public Map<String, String> gaps() {
        Map<String, String> out = new TreeMap<>();
        catalog.eventTypes().forEach((type, versions) -> versions.forEach(v -> {
            Chain c = chain(type, v);
            if (c.brokenReason() != null) {
                out.put(type + " v" + v, c.brokenReason());
            }
        }));
        return out;
    }

    /**
     * A resolved chain of upcasters. {@code brokenReason} is non-null when no path exists; applying
     * a broken chain throws a {@link PoisonRecordException} so the record is dead-lettered with the reason.
     */
    public record Chain(String type, int fromVersion, int toVersion, List<Upcaster> steps, List<Schema> targets, String brokenReason) {
        static Chain broken(String type, int version, String reason) {
            return new Chain(type, version, version, List.of(), List.of(), reason);
        }

        public GenericRecord apply(GenericRecord event) {
            if (brokenReason != null) {
                throw new PoisonRecordException("no-upcast-path", brokenReason);
            }
            GenericRecord current = event;
            for (int i = 0; i < steps.size(); i++) {
                Upcaster step = steps.get(i);
                Schema target = targets.get(i);
                try {
                    current = step.upcast(current, target);
                } catch (RuntimeException | StackOverflowError | OutOfMemoryError e) {
                    // An upcaster's failure on one event, whatever it throws, is that event's: it is dead-lettered, the run goes on.
                    String cause = e instanceof IllegalArgumentException && e.getMessage() != null ? e.getMessage() : PoisonRecordException.describe(e);
                    throw new PoisonRecordException("upcast-failed", couldNot(step) + ": " + cause, e);
                }
                // A result that does not fit the target schema would fail later, when the event is encoded for the
                // repartition or the dead-letter topic, far from its cause: it is this event's poison here.
                if (current == null || current.getSchema() != target && !current.getSchema().equals(target)) {
                    throw new PoisonRecordException("upcast-failed", couldNot(step) + ": the upcaster returned "
                            + (current == null ? "null" : "a record of schema " + current.getSchema().getFullName()) + ", not one of the v" + step.toVersion() + " schema");
                }
                if (!GenericData.get().validate(target, current)) {
                    throw new PoisonRecordException("upcast-failed", couldNot(step) + ": the upcaster's result does not conform to the v"
                            + step.toVersion() + " schema (a missing field or a value of the wrong type)");
                }
            }
            return current;
        }

        private String couldNot(Upcaster step) {
            return step.getClass().getSimpleName() + " could not upcast " + type + " v" + step.fromVersion() + " to v" + step.toVersion();
        }
    }
}
