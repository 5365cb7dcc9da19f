package dev.reprise.codec;

import org.apache.avro.Schema;

/**
 * Finds the writer schema of a Confluent-framed record by its schema id.
 * Implementations cache: a schema id never changes its schema.
 */
public interface SchemaResolver {
    /**
     * @throws PoisonRecordException with reason {@code unknown-schema-id} when no schema has that id
     * @throws RegistryUnavailableException when the registry did not say (down, overloaded, refusing): not the record's fault
     */
    Schema byId(int id);
}
