package dev.reprise.codec;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import org.apache.avro.Schema;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.Collections;
import java.util.HashMap;
import java.util.Map;

/**
 * Schema ids resolved from a file kept in the repository, for clusters without a registry or for
 * replays that must not depend on one. The file maps each id to an .avsc path under the schemas directory:
 * <pre>
 * 1: inventory/stock-movement-v1.avsc
 * 2: inventory/stock-movement-v2.avsc
 * </pre>
 */
public final class LocalIdMap implements SchemaResolver, SchemaIds {
    private final Map<Integer, Schema> byId;
    private final Map<String, Integer> idByFullName = new HashMap<>();

    public LocalIdMap(Map<Integer, Schema> byId) {
        this.byId = Map.copyOf(byId);
        byId.forEach((id, schema) -> idByFullName.put(schema.getFullName(), id));
    }

    public static LocalIdMap load(Path idMapFile, SchemaCatalog catalog) {
        JsonNode tree;
        try {
            tree = new ObjectMapper(new YAMLFactory()).readTree(idMapFile.toFile());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the schema id map " + idMapFile, e);
        }
        Map<Integer, Schema> ids = new HashMap<>();
        if (tree != null) {
            for (Map.Entry<String, JsonNode> entry : (Iterable<Map.Entry<String, JsonNode>>) tree::fields) {
                int id;
                try {
                    id = Integer.parseInt(entry.getKey());
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException(idMapFile + ": '" + entry.getKey() + "' is not a schema id (a whole number)");
                }
                Path file = Path.of(entry.getValue().asText());
                Schema schema = catalog.byFile(file).orElseThrow(() -> new IllegalArgumentException(
                        idMapFile + ": schema id " + id + " names " + file + ", which is not in the schemas directory"));
                ids.put(id, schema);
            }
        }
        return new LocalIdMap(ids);
    }

    @Override
    public Schema byId(int id) {
        Schema schema = byId.get(id);
        if (schema == null) {
            throw new PoisonRecordException("unknown-schema-id", "schema id " + id + " is not in the local id map");
        }
        return schema;
    }

    /** The id of a schema by its full name, for producers of test and demo data. */
    public int idOf(Schema schema) {
        Integer id = idByFullName.get(schema.getFullName());
        if (id == null) {
            throw new IllegalArgumentException("schema " + schema.getFullName() + " has no id in the id map");
        }
        return id;
    }

    /**
     * The id the map gives this very schema (same full name and the same parsing fingerprint): the id a
     * Confluent-framed value of Reprise's own outputs carries when the contract has no registry.
     */
    @Override
    public int idFor(String subject, Schema schema) {
        Integer id = idByFullName.get(schema.getFullName());
        if (id == null) {
            throw new IllegalArgumentException("the schema id map has no id for " + schema.getFullName() + " (subject " + subject
                    + "); add a line 'ID: path/to/its.avsc' with the id your Schema Registry gives it under " + subject);
        }
        if (SingleObjectFormat.fingerprint(byId.get(id)) != SingleObjectFormat.fingerprint(schema)) {
            throw new IllegalArgumentException("the schema id map gives id " + id + " to another version of " + schema.getFullName()
                    + " than the one this build writes; map the .avsc file this build was made from, with the id your Schema Registry"
                    + " gives it under " + subject);
        }
        return id;
    }

    @Override
    public boolean isLocal() {
        return true;
    }

    public Map<Integer, Schema> all() {
        return Collections.unmodifiableMap(byId);
    }
}
