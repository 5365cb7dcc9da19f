package dev.reprise.verify;

import dev.reprise.contract.Contract;
import dev.reprise.evidence.avro.RecoveryEvidence;
import dev.reprise.plan.CompiledContract;
import dev.reprise.projection.Projection;
import dev.reprise.projection.StateCodec;
import dev.reprise.reconcile.Reconciliation;
import org.apache.avro.specific.SpecificRecord;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Re-runs a finished run's checks on what its projection topic holds now, without replaying: the
 * keys the run wrote, their checksum against the evidence, every invariant, and the comparison with
 * the reference projection; and whether another run wrote the same shadow topic while this one ran.
 */
public final class Verifier {
    /** One check's outcome. */
    public record Result(String name, boolean passed, String detail) {
    }

    /** The name of the check that fails when another run wrote the shadow topic during this one. */
    public static final String CONCURRENT_WRITERS = "no_other_run_wrote_since_start";
    private static final int SAMPLES = 5;

    private Verifier() {
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    public static List<Result> verify(Contract contract, CompiledContract codecs, RecoveryEvidence evidence, Map<String, TopicSnapshot.Entry> shadow,
                                      Map<String, TopicSnapshot.Entry> reference) {
        Projection projection = codecs.projection();
        StateCodec codec = new StateCodec(projection.stateClass(), codecs.resolver());
        // The same checks as the apply stage's when the run completed: one component for both.
        Reconciliation checks = new Reconciliation(codecs.invariants(), reference != null);
        long unreadable = 0;
        java.util.Set<String> rebuilt = new java.util.HashSet<>();
        for (Map.Entry<String, TopicSnapshot.Entry> e : shadow.entrySet()) {
            if (!evidence.getRunId().equals(e.getValue().runId())) {
                continue;
            }
            // The state's Avro binary whatever the encoding it was written in: what the checksum hashes.
            byte[] datum = codec.datum(e.getValue().value());
            SpecificRecord state = datum == null ? null : decode(codec, datum);
            if (state == null) {
                unreadable++;
                continue;
            }
            rebuilt.add(e.getKey());
            Reconciliation.Reference<SpecificRecord> ref = Reconciliation.Reference.absent();
            if (reference != null && reference.get(e.getKey()) != null) {
                ref = Reconciliation.Reference.of((SpecificRecord) codec.fromTopic(reference.get(e.getKey()).value()));
            }
            checks.rebuilt(e.getKey().getBytes(StandardCharsets.UTF_8), datum, state, ref);
        }
        if (reference != null) {
            reference.forEach((key, live) -> {
                if (!rebuilt.contains(key)) {
                    checks.missing(key.getBytes(StandardCharsets.UTF_8), (SpecificRecord) codec.fromTopic(live.value()));
                }
            });
        }
        List<Result> out = new ArrayList<>();
        out.add(new Result("keys_match_evidence", checks.keys() == evidence.getProjectionKeys() && unreadable == 0,
                checks.keys() + " keys of run " + evidence.getRunId() + " on " + contract.projection().topic() + ", the evidence says "
                        + evidence.getProjectionKeys() + (unreadable > 0 ? "; " + unreadable + " unreadable values" : "")));
        out.add(otherWriters(evidence.getRunId(), evidence.getStartedAt().toEpochMilli(), contract.projection().topic(), shadow));
        String sum = String.format("%016x", checks.checksum());
        out.add(new Result("checksum_matches_evidence", sum.equals(evidence.getChecksum()),
                "checksum " + sum + " of the projection topic, " + evidence.getChecksum() + " in the evidence"));
        Map<String, Long> failures = checks.invariantFailures();
        Map<String, String> examples = checks.invariantSamples();
        failures.forEach((name, n) -> out.add(new Result(name, n == 0, n == 0 ? "held on all " + checks.keys() + " keys"
                : "failed on " + n + " keys, e.g. " + examples.get(name))));
        if (reference != null) {
            long differences = checks.changed() + checks.missing() + checks.extra();
            String detail = checks.unchanged() + " unchanged, " + checks.changed() + " changed, " + checks.missing() + " missing, "
                    + checks.extra() + " extra compared with " + contract.reconciliation().referenceTopic();
            out.add(new Result(contract.reconciliation().referenceMustMatch() ? "matches_reference_projection" : "compared_with_live_projection",
                    !contract.reconciliation().referenceMustMatch() || differences == 0, detail));
        }
        return out;
    }

    @SuppressWarnings("rawtypes")
    private static SpecificRecord decode(StateCodec codec, byte[] datum) {
        try {
            return (SpecificRecord) codec.decode(datum);
        } catch (RuntimeException e) {
            return null;
        }
    }

    /**
     * Keys of the shadow topic whose latest value another run (or a writer that names no run) wrote.
     * Written at or after {@code startedAtMillis}: two runs wrote the topic at once, and the topic holds
     * a mix of both: the check fails. Written before: leftovers of an older run, reported only (a new
     * run does not delete keys it does not rebuild; promote tombstones them in the live topic).
     */
    public static Result otherWriters(String runId, long startedAtMillis, String topic, Map<String, TopicSnapshot.Entry> shadow) {
        Map<String, Long> concurrentByRun = new TreeMap<>();
        Map<String, Long> olderByRun = new TreeMap<>();
        List<String> samples = new ArrayList<>();
        long concurrent = 0;
        long older = 0;
        for (Map.Entry<String, TopicSnapshot.Entry> e : shadow.entrySet()) {
            String writer = e.getValue().runId();
            if (runId.equals(writer)) {
                continue;
            }
            String name = writer == null ? "no reprise.run_id header" : "run " + writer;
            if (e.getValue().timestamp() >= startedAtMillis) {
                concurrent++;
                concurrentByRun.merge(name, 1L, Long::sum);
                if (samples.size() < SAMPLES) {
                    samples.add(e.getKey());
                }
            } else {
                older++;
                olderByRun.merge(name, 1L, Long::sum);
            }
        }
        String since = Instant.ofEpochMilli(startedAtMillis).toString();
        String leftovers = older == 0 ? "" : "; " + older + " keys left by earlier runs " + olderByRun + " (written before " + since
                + ") are not this run's and do not count";
        if (concurrent == 0) {
            return new Result(CONCURRENT_WRITERS, true, "no key of " + topic + " was written by another run since run " + runId
                    + " started at " + since + leftovers);
        }
        return new Result(CONCURRENT_WRITERS, false, concurrent + " keys of " + topic + " were last written by another writer since run "
                + runId + " started at " + since + " " + concurrentByRun + ", e.g. " + String.join(", ", samples)
                + ": two runs wrote the shadow topic at once, so it holds neither run's projection; replay with one run at a time" + leftovers);
    }
}
