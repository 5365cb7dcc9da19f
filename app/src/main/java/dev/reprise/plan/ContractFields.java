package dev.reprise.plan;

import dev.reprise.codec.SchemaCatalog;
import dev.reprise.contract.Contract;
import dev.reprise.contract.ContractException;
import dev.reprise.contract.DidYouMean;
import org.apache.avro.Schema;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Checks, before anything starts, that the event fields a contract names exist where the source stage
 * reads them: in the latest schema of each event type (every event is upcast to it before its key, id,
 * sequence and tenant are read), and that every type named in {@code scope.event_types} is an event type
 * of the schema catalog.
 *
 * <p>Which event types the history holds is only known once it is read, and one schemas directory may
 * serve several contracts. So: with {@code scope.event_types}, every listed type must carry every field;
 * without it, a field no event type carries is an error (nothing could be replayed) and a field some
 * types lack is a {@linkplain #check note}: events of those types would be dead-lettered.
 */
public final class ContractFields {
    private ContractFields() {
    }

    /**
     * @return notes for the operator (fields some event types lack); empty when every type carries every field
     * @throws ContractException when a field is missing from every type in scope, or from a type listed in
     *                           scope.event_types, when the sequence field is not a number, or when a listed
     *                           event type does not exist
     */
    public static List<String> check(Contract contract, SchemaCatalog catalog) {
        Map<String, List<Integer>> all = catalog.eventTypes();
        String directory = String.valueOf(contract.history().schemas().directory());
        if (all.isEmpty()) {
            throw new ContractException(contract.history().schemas().directory() == null ? "history.schemas.events" : "history.schemas.directory",
                    "no event schema" + (contract.history().schemas().directory() == null ? "" : " in " + directory) + ": an event schema is "
                    + "an Avro record with the property reprise.event_type (or a namespace ending in .v<N>), or one that an item of "
                    + "history.schemas.events maps, e.g. {type: OrderPlaced, schema_name: com.acme.orders.OrderPlaced}");
        }
        Set<String> listed = contract.scope().eventTypes();
        for (String type : new TreeSet<>(listed)) {
            if (!all.containsKey(type)) {
                throw new ContractException("scope.event_types", "'" + type + "' is not an event type of the schemas in " + directory
                        + "; the event types are " + all.keySet() + closest(type, all.keySet()) + ". Fix the name or remove it");
            }
        }
        Map<String, Schema> latest = new LinkedHashMap<>();
        for (String type : all.keySet()) {
            if (listed.isEmpty() || listed.contains(type)) {
                int version = catalog.latestVersion(type).orElseThrow();
                latest.put(type + " v" + version, catalog.event(type, version).orElseThrow());
            }
        }
        List<String> notes = new ArrayList<>();
        boolean explicit = !listed.isEmpty();
        // A key or id read from a header or the record key is checked per record (missing-header, missing-key), not here.
        if (contract.ordering().key().fieldName() != null) {
            requireEverywhere(contract.ordering().key().declaredAt(), contract.ordering().key().fieldName(), latest, explicit, notes, false);
        }
        if (contract.idempotency().eventId().fieldName() != null) {
            requireEverywhere(contract.idempotency().eventId().declaredAt(), contract.idempotency().eventId().fieldName(), latest, explicit,
                    notes, false);
        }
        if (contract.ordering().sequenceField() != null) {
            requireEverywhere("ordering.sequence_field", contract.ordering().sequenceField(), latest, explicit, notes, true);
        }
        if (contract.scope().tenantField() != null) {
            requireEverywhere("scope.tenant_field", contract.scope().tenantField(), latest, explicit, notes, false);
        }
        return notes;
    }

    private static void requireEverywhere(String contractField, String eventField, Map<String, Schema> latest, boolean explicit,
                                          List<String> notes, boolean numeric) {
        List<String> lacking = new ArrayList<>();
        Set<String> fieldsSeen = new TreeSet<>();
        for (Map.Entry<String, Schema> e : latest.entrySet()) {
            Schema schema = e.getValue();
            schema.getFields().forEach(f -> fieldsSeen.add(f.name()));
            Schema.Field f = schema.getField(eventField);
            if (f == null) {
                lacking.add(e.getKey());
                continue;
            }
            String problem = numeric ? notNumeric(f.schema()) : notSingleValue(f.schema());
            if (problem != null) {
                throw new ContractException(contractField, "'" + eventField + "' is " + problem + " in " + e.getKey()
                        + (numeric ? "; the sequence field must be a number (int or long) that grows per key. "
                        + "Name a numeric field or remove sequence_field" : "; it must be a single value (a string or a number). Name another field"));
            }
        }
        if (lacking.isEmpty()) {
            return;
        }
        if (lacking.size() == latest.size()) {
            throw new ContractException(contractField, "no event type has a field '" + eventField + "' in its latest schema, which every "
                    + "event is upcast to before it is read" + closest(eventField, fieldsSeen) + ". Name one of the fields of "
                    + (latest.size() == 1 ? "that schema " : "those schemas ") + fieldsSeen);
        }
        if (explicit) {
            throw new ContractException(contractField, "'" + eventField + "' is not in the latest schema of " + String.join(", ", lacking)
                    + ", listed in scope.event_types: every event of " + (lacking.size() == 1 ? "that type" : "those types")
                    + " would be dead-lettered. Name a field every listed type has, or remove the type from scope.event_types");
        }
        notes.add(contractField + " '" + eventField + "' is not in the latest schema of " + String.join(", ", lacking)
                + ": events of " + (lacking.size() == 1 ? "that type" : "those types") + " in the history would be dead-lettered "
                + "(missing-field). If the history holds none, list its types in scope.event_types");
    }

    /** Null when {@code schema} is a number (or a number that may be null), else what it is. */
    private static String notNumeric(Schema schema) {
        for (Schema branch : branches(schema)) {
            switch (branch.getType()) {
                case INT, LONG -> {
                    return null;
                }
                case NULL -> {
                }
                default -> {
                    return "of type " + branch.getType().getName();
                }
            }
        }
        return "always null";
    }

    /** Null when {@code schema} holds a single value (string, number, enum, possibly null), else what it is. */
    private static String notSingleValue(Schema schema) {
        for (Schema branch : branches(schema)) {
            switch (branch.getType()) {
                case RECORD, ARRAY, MAP -> {
                    return "a " + branch.getType().getName();
                }
                default -> {
                }
            }
        }
        return null;
    }

    private static List<Schema> branches(Schema schema) {
        return schema.getType() == Schema.Type.UNION ? schema.getTypes() : List.of(schema);
    }

    private static String closest(String name, Set<String> candidates) {
        return DidYouMean.suggest(name, candidates);
    }
}
