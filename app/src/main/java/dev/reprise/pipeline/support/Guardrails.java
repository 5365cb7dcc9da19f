package dev.reprise.pipeline.support;

import dev.reprise.contract.Contract;
import dev.reprise.counts.CountFamily;

import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Thresholds that stop a run going bad before it finishes: the contract's
 * {@code reconciliation.thresholds}, evaluated by this instance over a sliding window of the last
 * records it processed. The stages report each outcome; the first threshold exceeded is latched as a
 * {@link Trip}, which the runner turns into a pause or abort of the whole run through the control topic.
 * Windows are per instance: each instance watches what it processes.
 */
public final class Guardrails {
    /** Why and how the run must stop. */
    public record Trip(String action, String reason) {
        /** The counter a stage sets when this trip happens: the evidence builder reads it, whatever the timing of the pause or abort. */
        public String counter() {
            return new CountFamily.Crossed(action, reason).counter();
        }

        /** True for an abort threshold, false for a pause threshold. */
        public boolean aborts() {
            return action.equals("abort");
        }
    }

    private final List<Contract.Threshold> thresholds;
    private final Window deadLetters;
    private final AtomicReference<Trip> trip = new AtomicReference<>();
    /** Asked once per applied event: worked out once. */
    private final boolean watchesInvariants;

    public Guardrails(List<Contract.Threshold> thresholds) {
        this.thresholds = List.copyOf(thresholds);
        this.watchesInvariants = thresholds.stream().anyMatch(t -> t.metric().equals("invariant_failures"));
        int window = thresholds.stream().filter(t -> t.metric().equals("dead_letter_ratio")).mapToInt(Contract.Threshold::window).max().orElse(1);
        this.deadLetters = new Window(window);
    }

    public static Guardrails none() {
        return new Guardrails(List.of());
    }

    public boolean watchesInvariants() {
        return watchesInvariants;
    }

    /**
     * One record read by the source stage, dead-lettered or not.
     *
     * @return the trip when this record crossed a threshold first (the stage records it in the run's counters, so the
     *         evidence says so whatever the timing of the pause or abort), else null
     */
    public Trip recordRead(boolean deadLettered) {
        if (thresholds.isEmpty()) {
            return null;
        }
        double ratio = deadLetters.add(deadLettered);
        for (Contract.Threshold t : thresholds) {
            if (t.metric().equals("dead_letter_ratio") && deadLetters.count() >= t.window() && ratio > t.above()) {
                return trip(t, String.format("dead-letter ratio %.3f%% over the last %,d records is above %.3f%%", ratio * 100, t.window(), t.above() * 100));
            }
        }
        return null;
    }

    /**
     * An invariant broke on a key's state right after an event was applied.
     *
     * @return the trip when this failure crossed a threshold first, else null
     */
    public Trip recordInvariantFailure(String invariant, String key, String tenant) {
        for (Contract.Threshold t : thresholds) {
            if (t.metric().equals("invariant_failures") && (t.tenants().isEmpty() || tenant != null && t.tenants().contains(tenant))) {
                return trip(t, "invariant " + invariant + " failed for key " + key + (tenant == null ? "" : " of tenant " + tenant));
            }
        }
        return null;
    }

    private Trip trip(Contract.Threshold t, String reason) {
        Trip trip = new Trip(t.action(), "threshold " + t.name() + ": " + reason);
        return this.trip.compareAndSet(null, trip) ? trip : null;
    }



    /** The first threshold exceeded, or null. */
    public Trip tripped() {
        return trip.get();
    }

    /** A ring buffer of the last {@code size} outcomes with a running count of the true ones. */
    private static final class Window {
        private final boolean[] slots;
        private int next;
        private int filled;
        private int trues;

        Window(int size) {
            slots = new boolean[Math.max(1, size)];
        }

        synchronized double add(boolean value) {
            if (filled == slots.length) {
                if (slots[next]) {
                    trues--;
                }
            } else {
                filled++;
            }
            slots[next] = value;
            if (value) {
                trues++;
            }
            next = (next + 1) % slots.length;
            return (double) trues / filled;
        }

        synchronized int count() {
            return filled;
        }
    }

    static Set<String> metrics() {
        return Set.of("dead_letter_ratio", "invariant_failures");
    }
}
