package dev.reprise.reconcile;

import dev.reprise.projection.Invariant;
import org.apache.avro.specific.SpecificRecord;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The checks of a rebuilt projection, key by key: the checksum, every invariant, and the comparison with a
 * reference projection. The apply stage feeds it its share of the projection when the run is complete, and
 * {@code reprise verify} feeds it the shadow topic of a finished run, so both check the same way.
 *
 * @param <S> the projection's state
 */
public final class Reconciliation<S extends SpecificRecord> {
    /** Samples of differences kept per feed, for the operator. */
    public static final int MAX_SAMPLES = 20;

    private final List<Invariant<S>> invariants;
    private final boolean comparesWithReference;
    private final Map<String, Long> invariantFailures = new LinkedHashMap<>();
    private final Map<String, String> invariantSamples = new LinkedHashMap<>();
    private final List<Sample> samples = new ArrayList<>();
    private long keys;
    private long checksum;
    private long unchanged;
    private long changed;
    private long missing;
    private long extra;

    /**
     * @param invariants            the projection's own and the contract's ({@link CelChecks#invariants})
     * @param comparesWithReference whether a reference projection is configured
     */
    public Reconciliation(List<Invariant<S>> invariants, boolean comparesWithReference) {
        this.invariants = List.copyOf(invariants);
        this.comparesWithReference = comparesWithReference;
        invariants.forEach(i -> invariantFailures.put(i.name(), 0L));
    }

    /** A reference value: absent (the reference has no such key), or present and possibly unreadable ({@code state} null). */
    public record Reference<S>(boolean present, S state) {
        public static <S> Reference<S> absent() {
            return new Reference<>(false, null);
        }

        public static <S> Reference<S> of(S state) {
            return new Reference<>(true, state);
        }
    }

    /** One difference from the reference: changed, missing or extra. */
    public record Sample(String key, String status, String referenceValue, String rebuiltValue) {
    }

    /**
     * One key of the rebuilt projection.
     *
     * @param stateAvro the state's Avro binary, as the checksum hashes it
     * @param reference the reference's value for the key; ignored without a reference
     */
    public void rebuilt(byte[] key, byte[] stateAvro, S state, Reference<S> reference) {
        keys++;
        checksum += Checksum.keyHash(key, stateAvro);
        for (Invariant<S> invariant : invariants) {
            String failed = null;
            try {
                if (!invariant.holds().test(state)) {
                    failed = text(key) + ": " + state;
                }
            } catch (RuntimeException | StackOverflowError e) {
                // An invariant that throws proves nothing about the key: it fails there, with what it threw.
                failed = text(key) + ": the invariant threw " + dev.reprise.codec.PoisonRecordException.describe(e) + " on " + state;
            }
            if (failed != null) {
                invariantFailures.merge(invariant.name(), 1L, Long::sum);
                invariantSamples.putIfAbsent(invariant.name(), failed);
            }
        }
        if (!comparesWithReference) {
            return;
        }
        if (!reference.present()) {
            extra++;
            sample(key, "extra", null, state);
        } else if (state.equals(reference.state())) {
            unchanged++;
        } else {
            changed++;
            sample(key, "changed", reference.state() == null ? "unreadable value" : reference.state().toString(), state);
        }
    }

    /** A key of the reference that the rebuild does not have; {@code referenceState} null when unreadable. */
    public void missing(byte[] key, S referenceState) {
        missing++;
        if (samples.size() < MAX_SAMPLES) {
            samples.add(new Sample(text(key), "missing", referenceState == null ? "unreadable value" : referenceState.toString(), null));
        }
    }

    private void sample(byte[] key, String status, String reference, S rebuilt) {
        if (samples.size() < MAX_SAMPLES) {
            samples.add(new Sample(text(key), status, reference, rebuilt == null ? null : rebuilt.toString()));
        }
    }

    private static String text(byte[] key) {
        return new String(key, StandardCharsets.UTF_8);
    }

    public long keys() {
        return keys;
    }

    /** Sum modulo 2^64 of the per-key hashes ({@link Checksum}): independent of order and of how the keys were split. */
    public long checksum() {
        return checksum;
    }

    /** Failures per invariant, every invariant present (0 when it held). */
    public Map<String, Long> invariantFailures() {
        return java.util.Collections.unmodifiableMap(new LinkedHashMap<>(invariantFailures));
    }

    /** One failing key per invariant that failed. */
    public Map<String, String> invariantSamples() {
        return java.util.Collections.unmodifiableMap(new LinkedHashMap<>(invariantSamples));
    }

    public boolean comparesWithReference() {
        return comparesWithReference;
    }

    public long unchanged() {
        return unchanged;
    }

    public long changed() {
        return changed;
    }

    public long missing() {
        return missing;
    }

    public long extra() {
        return extra;
    }

    public List<Sample> samples() {
        return List.copyOf(samples);
    }
}
