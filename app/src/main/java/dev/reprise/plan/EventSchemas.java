package dev.reprise.plan;

import dev.reprise.codec.RegistryClient;
import dev.reprise.codec.SchemaCatalog;
import dev.reprise.contract.Contract;
import dev.reprise.contract.ContractException;
import org.apache.avro.AvroRuntimeException;
import org.apache.avro.Schema;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Resolves the contract's {@code history.schemas.events} before anything starts: which schema ids each item maps (the
 * ids the registry holds under its subject), and the schema of each event type and version, which is the reader schema
 * of its records and, for a type's highest version, what every event of the type is upcast to. That schema is, in this
 * order: the item's {@code schema_file}; the newest matching version of its subject; the schemas directory's schema of
 * that name; the newest matching version under the subject {@code schema_name} (RecordNameStrategy) or
 * {@code <topic>-value} (TopicNameStrategy). An unknown subject, version or name is refused naming the item.
 */
final class EventSchemas {
    private EventSchemas() {
    }

    /** @param registry the registry of a contract with {@code source: registry}, else {@code null} */
    static SchemaCatalog resolve(Contract contract, SchemaCatalog local, RegistryClient registry) {
        List<Contract.EventMapping> events = contract.history().schemas().events();
        if (events.isEmpty()) {
            return local;
        }
        List<SchemaCatalog.Mapping> mappings = new ArrayList<>();
        Map<SchemaCatalog.EventOf, Schema> schemas = new LinkedHashMap<>();
        // How sure each chosen schema is: a file beats a subject's newest id, which beats the directory.
        Map<SchemaCatalog.EventOf, Integer> rank = new HashMap<>();
        for (Contract.EventMapping e : events) {
            SchemaCatalog.EventOf event = new SchemaCatalog.EventOf(e.type(), e.version());
            Set<Integer> ids = null;
            Schema target = null;
            int targetRank = -1;
            if (e.subject() != null) {
                ids = new HashSet<>();
                List<Integer> versions = registry.versions(e.subject());
                if (versions.isEmpty()) {
                    throw new ContractException(e.field() + ".subject", "subject '" + e.subject() + "' is not in the schema registry at "
                            + contract.history().schemas().registryUrl() + "; producers with TopicNameStrategy register under <topic>-value (e.g. "
                            + contract.history().topics().get(0) + "-value), with RecordNameStrategy under the record's full name");
                }
                if (e.subjectVersion() != null && !versions.contains(e.subjectVersion())) {
                    throw new ContractException(e.field() + ".subject_version", "subject '" + e.subject() + "' has versions " + versions
                            + ", not " + e.subjectVersion());
                }
                Set<String> names = new TreeSet<>();
                for (int v : e.subjectVersion() == null ? versions : List.of(e.subjectVersion())) {
                    RegistryClient.SubjectSchema version = registry.version(e.subject(), v);
                    names.add(version.schema().getFullName());
                    if (e.matchesName(version.schema().getFullName())) {
                        ids.add(version.id());
                        if (version.id() > targetRank) {
                            target = version.schema();
                            targetRank = version.id();
                        }
                    }
                }
                if (ids.isEmpty()) {
                    throw new ContractException(e.field() + ".schema_name", "no version of subject '" + e.subject() + "' is a schema named '"
                            + e.schemaName() + "'; the subject holds " + names);
                }
            }
            if (e.schemaFile() != null) {
                target = parse(e);
                targetRank = Integer.MAX_VALUE;
            } else if (target == null) {
                target = local.all().stream().filter(s -> s.getType() == Schema.Type.RECORD && e.matchesName(s.getFullName()))
                        .findFirst().orElse(null);
                targetRank = 0;
                if (target == null && registry != null) {
                    target = fromRegistry(contract, e, registry);
                }
            }
            if (target == null) {
                throw new ContractException(e.field(), "no schema for " + e.type() + " v" + e.version() + " (writer schemas named "
                        + (e.schemaName() == null ? "*." + e.type() : e.schemaName()) + "): give schema_file (a local .avsc), or subject (its "
                        + "newest version is used), or put the .avsc in history.schemas.directory");
            }
            if (target.getType() != Schema.Type.RECORD) {
                throw new ContractException(e.field(), "the schema of " + e.type() + " v" + e.version() + " is a " + target.getType().getName()
                        + ", not a record; an event is an Avro record");
            }
            mappings.add(new SchemaCatalog.Mapping(e, ids));
            if (rank.getOrDefault(event, -2) < targetRank) {
                schemas.put(event, target);
                rank.put(event, targetRank);
            }
        }
        return local.withEvents(mappings, schemas);
    }

    private static Schema parse(Contract.EventMapping e) {
        try {
            return new Schema.Parser().parse(e.schemaFile().toFile());
        } catch (IOException ex) {
            throw new ContractException(e.field() + ".schema_file", "cannot read " + e.schemaFile() + ": " + ex.getMessage());
        } catch (AvroRuntimeException ex) {
            throw new ContractException(e.field() + ".schema_file", e.schemaFile() + " is not valid Avro: " + ex.getMessage());
        }
    }

    /** The newest version named like the item under the subject of its name (RecordNameStrategy) or of a history topic. */
    private static Schema fromRegistry(Contract contract, Contract.EventMapping e, RegistryClient registry) {
        List<String> subjects = new ArrayList<>();
        if (e.schemaName() != null) {
            subjects.add(e.schemaName());
        }
        contract.history().topics().forEach(t -> subjects.add(t + "-value"));
        for (String subject : subjects) {
            List<Integer> versions = registry.versions(subject);
            for (int i = versions.size() - 1; i >= 0; i--) {
                Schema schema = registry.version(subject, versions.get(i)).schema();
                if (e.matchesName(schema.getFullName())) {
                    return schema;
                }
            }
        }
        return null;
    }
}
