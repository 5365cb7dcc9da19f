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
public final class LocalIdMap implements SchemaResolver {
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

    public Map<Integer, Schema> all() {
        return Collections.unmodifiableMap(byId);
    }
}
