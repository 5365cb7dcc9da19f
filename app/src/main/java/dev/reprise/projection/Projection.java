package dev.reprise.projection;

import org.apache.avro.specific.SpecificRecord;

import java.util.List;

/**
 * A deterministic projection: folds the events of one ordering key into a state, an Avro record with a
 * schema in {@code schemas/}. Register an implementation with Java's ServiceLoader
 * ({@code META-INF/services/dev.reprise.projection.Projection}); the contract names it by {@link #name()}.
 *
 * <p>Determinism is the contract with Reprise: the same events for a key must give the same state, on
 * any instance, in any run. Projections whose result depends on event order should declare a sequence
 * field in the contract so ordering violations are counted.
 */
public interface Projection<S extends SpecificRecord> {
    String name();

    Class<S> stateClass();

    /** The state of a key before any event. */
    S initial(String key);

    /** Applies one event; may change {@code state} in place and return it. */
    S apply(S state, Event event);

    /**
     * Rejects an event that can never be applied (unknown kind, impossible quantity). Called before the
     * repartition, where the original bytes are still at hand for the dead-letter topic.
     *
     * @throws InvalidEventException with a reason code and a message naming the field
     */
    default void validate(Event event) {
    }

    /** Properties every finished state must have. */
    List<Invariant<S>> invariants();
}
