package dev.reprise.upcast;

import org.apache.avro.Schema;
import org.apache.avro.generic.GenericRecord;

/**
 * One step of a versioned upcaster chain for one event type: it turns an event written at
 * {@link #fromVersion()} into the same event at {@link #toVersion()}, carrying the semantic changes
 * (renamed fields, unit changes, split fields) that Avro schema resolution cannot. Additive changes
 * inside a version are left to Avro.
 *
 * <p>Register an implementation with Java's ServiceLoader: list its class name in
 * {@code META-INF/services/dev.reprise.upcast.Upcaster} of a jar on the class path. Implementations
 * must be deterministic and free of side effects: a replay applies them again to the same history.
 */
public interface Upcaster {
    /** The event type, as declared by the schema property {@code reprise.event_type}. */
    String eventType();

    int fromVersion();

    default int toVersion() {
        return fromVersion() + 1;
    }

    /**
     * @param event  the event at {@link #fromVersion()}, read with the local schema of that version
     * @param target the local schema of {@link #toVersion()}; the result must conform to it
     * @throws IllegalArgumentException when this event cannot be upcast (it is dead-lettered with the message)
     */
    GenericRecord upcast(GenericRecord event, Schema target);
}
