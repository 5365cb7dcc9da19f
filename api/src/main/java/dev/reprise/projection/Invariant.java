package dev.reprise.projection;

import java.util.function.Predicate;

/**
 * A property every key of a finished projection must have, e.g. {@code sellable >= 0}. A key that
 * breaks it counts as a reconciliation failure, and the run is untrusted.
 */
public record Invariant<S>(String name, String expression, Predicate<S> holds) {
}
