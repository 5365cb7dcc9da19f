package dev.reprise.projection;

import org.apache.avro.specific.SpecificRecord;

import java.util.List;

/**
 * A deterministic projection: folds the events of one ordering key into a state, an Avro record (a class generated from
 * the team's schema). Register an implementation with Java's ServiceLoader
 * ({@code META-INF/services/dev.reprise.projection.Projection}) in a jar on Reprise's plugin path; the contract names
 * it by {@link #name()}.
 *
 * <p>What Reprise guarantees a projection: the events of one ordering key reach it in the order of their history, on
 * one thread; each event (by the contract's event id) is applied once per run, copies are skipped; an event is applied
 * to the state Reprise kept for its key, and a failed event's changes are rolled back; every finished state is checked
 * against {@link #invariants()}.
 *
 * <p>What Reprise requires of it: determinism, the contract with Reprise: the same events for a key must give the same
 * state, on any instance, in any run (no clock, no randomness, no lookups outside the event and the state); no side
 * effects (no I/O, no writes anywhere: Reprise writes the state); a state that depends only on its own key's events.
 * Projections whose result depends on event order should declare a sequence field in the contract so ordering
 * violations are counted. An event that can never be applied is rejected with {@link InvalidEventException}; any other
 * exception on an event is an unexpected error that degrades the run.
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
