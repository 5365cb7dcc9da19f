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

    private SchemaCatalog() {
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
