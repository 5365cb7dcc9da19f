package dev.reprise.codec;

import org.apache.avro.Schema;

/**
 * Gives the schema id a Confluent-framed value of Reprise's own (evidence, projection states) carries: registered
 * in the Schema Registry under the subject, or looked up in the local id map.
 */
public interface SchemaIds {
    /**
     * @param subject the registry subject, {@code <topic>-value}
     * @throws IllegalArgumentException when the schema has no id and cannot get one (a local id map without it)
     * @throws IllegalStateException    when the registry is unreachable or refuses the schema
     */
    int idFor(String subject, Schema schema);

    /** True when {@link #idFor} answers without a network call, so a missing id can be reported before anything starts. */
    boolean isLocal();

    /** For contracts with no id source: every request is refused with the fix. */
    SchemaIds NONE = new SchemaIds() {
        @Override
        public int idFor(String subject, Schema schema) {
            throw new IllegalArgumentException("no schema id for " + schema.getFullName() + " (subject " + subject + "): the contract has no "
                    + "schema registry (history.schemas.source: registry) and no id map (history.schemas.id_map)");
        }

        @Override
        public boolean isLocal() {
            return true;
        }
    };
}
