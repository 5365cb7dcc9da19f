package dev.reprise.codec;

import org.apache.avro.AvroRuntimeException;
import org.apache.avro.Schema;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * Every Avro schema in the local {@code schemas/} directory, indexed by full name, fingerprint and, for
 * event schemas, by (event type, version). An event schema declares its type and version with the
 * schema properties {@code reprise.event_type} and {@code reprise.version}; without them the type is the
 * record's simple name and the version is taken from a namespace ending in {@code .v<N>} (else 1).
 */
public final class SchemaCatalog {
    public static final String EVENT_TYPE_PROP = "reprise.event_type";
    public static final String VERSION_PROP = "reprise.version";

    private final Map<Path, Schema> byFile = new HashMap<>();
    private final Map<Long, Schema> byFingerprint = new HashMap<>();
    private final Map<String, Schema> byFullName = new HashMap<>();
    private final Map<String, TreeMap<Integer, Schema>> eventVersions = new HashMap<>();
    /** The contract's mappings (history.schemas.events), in the contract's order: the first that matches a writer schema wins. */
    private final List<Mapping> mappings = new java.util.ArrayList<>();

    private SchemaCatalog() {
    }

    /** An event type and the version a writer schema is of. */
    public record EventOf(String type, int version) {
    }

    /**
     * A mapping of the contract: writer schemas that are events of {@code event.type()} at {@code event.version()}.
     *
     * @param ids the schema ids the registry holds under the mapping's subject (those it matches), or {@code null} when
     *            the mapping names no subject and any id of a matching name is one
     */
    public record Mapping(dev.reprise.contract.Contract.EventMapping event, java.util.Set<Integer> ids) {
        public Mapping {
            ids = ids == null ? null : java.util.Set.copyOf(ids);
        }

        boolean matches(int schemaId, Schema writer) {
            return writer.getType() == Schema.Type.RECORD && event.matchesName(writer.getFullName())
                    && (ids == null || schemaId >= 0 && ids.contains(schemaId));
        }
    }

    /**
     * This catalog with the contract's mappings, and with the schema of each mapped event type and version (its reader
     * schema and, for the highest version, the target of upcasting) taken from the registry or a local file. A mapped
     * schema replaces a local one of the same type and version.
     */
    public SchemaCatalog withEvents(List<Mapping> added, Map<EventOf, Schema> schemas) {
        SchemaCatalog out = new SchemaCatalog();
        out.byFile.putAll(byFile);
        out.byFingerprint.putAll(byFingerprint);
        out.byFullName.putAll(byFullName);
        eventVersions.forEach((type, versions) -> out.eventVersions.put(type, new TreeMap<>(versions)));
        out.mappings.addAll(mappings);
        out.mappings.addAll(added);
        schemas.forEach((event, schema) -> {
            out.byFingerprint.putIfAbsent(SingleObjectFormat.fingerprint(schema), schema);
            out.byFullName.putIfAbsent(schema.getFullName(), schema);
            out.eventVersions.computeIfAbsent(event.type(), t -> new TreeMap<>()).put(event.version(), schema);
        });
        return out;
    }

    /**
     * The event type and version of a writer schema: by the first of the contract's mappings that matches it, else by
     * Reprise's conventions ({@link #isEvent}); empty when it is neither.
     *
     * @param schemaId the id the record carries, or -1 (single-object encoding)
     */
    public java.util.Optional<EventOf> eventOf(int schemaId, Schema writer) {
        for (Mapping m : mappings) {
            if (m.matches(schemaId, writer)) {
                return java.util.Optional.of(new EventOf(m.event().type(), m.event().version()));
            }
        }
        return isEvent(writer) ? java.util.Optional.of(new EventOf(eventType(writer), version(writer))) : java.util.Optional.empty();
    }

    /** Whether the contract maps any writer schemas ({@code history.schemas.events}). */
    public boolean hasMappings() {
        return !mappings.isEmpty();
    }

    /** The schemas of the directory that are not events by the conventions: what a mapping may name. */
    public List<Schema> all() {
        return List.copyOf(byFullName.values());
    }

    public static SchemaCatalog load(Path directory) {
        SchemaCatalog catalog = new SchemaCatalog();
        try (Stream<Path> files = Files.walk(directory)) {
            for (Path file : files.filter(p -> p.toString().endsWith(".avsc")).sorted().toList()) {
                Schema schema;
                try {
                    schema = new Schema.Parser().parse(file.toFile());
                } catch (AvroRuntimeException | IOException e) {
                    // AvroRuntimeException: SchemaParseException, and AvroTypeException for an undefined type name.
                    throw new IllegalArgumentException("schema " + file + " is not valid Avro: " + e.getMessage(), e);
                }
                catalog.add(directory.relativize(file).normalize(), schema);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read schemas from " + directory, e);
        }
        return catalog;
    }

    /** A catalog of schemas given in code, for tests and tools. */
    public static SchemaCatalog of(List<Schema> schemas) {
        SchemaCatalog catalog = new SchemaCatalog();
        for (Schema s : schemas) {
            catalog.add(Path.of(s.getFullName() + ".avsc"), s);
        }
        return catalog;
    }

    private void add(Path relative, Schema schema) {
        byFile.put(relative, schema);
        byFingerprint.put(SingleObjectFormat.fingerprint(schema), schema);
        byFullName.put(schema.getFullName(), schema);
        if (isEvent(schema)) {
            Schema previous = eventVersions.computeIfAbsent(eventType(schema), t -> new TreeMap<>()).put(version(schema), schema);
            if (previous != null && !previous.getFullName().equals(schema.getFullName())) {
                throw new IllegalArgumentException("two schemas claim " + eventType(schema) + " v" + version(schema) + ": "
                        + previous.getFullName() + " and " + schema.getFullName() + " (" + relative + ")");
            }
        }
    }

    public static boolean isEvent(Schema schema) {
        return schema.getType() == Schema.Type.RECORD && (schema.getObjectProp(EVENT_TYPE_PROP) != null
                || schema.getNamespace() != null && schema.getNamespace().matches(".*\\.v\\d+"));
    }

    public static String eventType(Schema schema) {
        Object prop = schema.getObjectProp(EVENT_TYPE_PROP);
        return prop != null ? prop.toString() : schema.getName();
    }

    public static int version(Schema schema) {
        Object prop = schema.getObjectProp(VERSION_PROP);
        if (prop != null) {
            return Integer.parseInt(prop.toString());
        }
        String ns = schema.getNamespace();
        if (ns != null && ns.matches(".*\\.v\\d+")) {
            return Integer.parseInt(ns.substring(ns.lastIndexOf(".v") + 2));
        }
        return 1;
    }

    public Optional<Schema> byFile(Path relative) {
        return Optional.ofNullable(byFile.get(relative.normalize()));
    }

    public Optional<Schema> byFingerprint(long fingerprint) {
        return Optional.ofNullable(byFingerprint.get(fingerprint));
    }

    public Optional<Schema> byFullName(String fullName) {
        return Optional.ofNullable(byFullName.get(fullName));
    }

    /** The local schema of an event type at a version: the reader schema for records written at that version. */
    public Optional<Schema> event(String type, int version) {
        TreeMap<Integer, Schema> versions = eventVersions.get(type);
        return versions == null ? Optional.empty() : Optional.ofNullable(versions.get(version));
    }

    /** The highest version of an event type found locally; the version every event is upcast to. */
    public Optional<Integer> latestVersion(String type) {
        TreeMap<Integer, Schema> versions = eventVersions.get(type);
        return versions == null || versions.isEmpty() ? Optional.empty() : Optional.of(versions.lastKey());
    }

    public Map<String, List<Integer>> eventTypes() {
        Map<String, List<Integer>> out = new TreeMap<>();
        eventVersions.forEach((type, versions) -> out.put(type, List.copyOf(versions.keySet())));
        return out;
    }
}
