package dev.reprise.verify;

import dev.reprise.codec.SingleObjectFormat;
import dev.reprise.contract.Contract;
import dev.reprise.evidence.avro.RecoveryEvidence;
import dev.reprise.projection.Invariant;
import dev.reprise.projection.Projection;
import dev.reprise.projection.StateCodec;
import dev.reprise.plan.Codecs;
import org.apache.avro.specific.SpecificRecord;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
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
    public static List<Result> verify(Contract contract, Codecs codecs, RecoveryEvidence evidence, Map<String, TopicSnapshot.Entry> shadow,
                                      Map<String, TopicSnapshot.Entry> reference) {
        Projection projection = codecs.projection();
        StateCodec codec = new StateCodec(projection.stateClass());
        List<Invariant> invariants = new ArrayList<>(projection.invariants());
        invariants.addAll((List) codecs.contractInvariants());
        Map<String, Long> failures = new LinkedHashMap<>();
        Map<String, String> examples = new LinkedHashMap<>();
        invariants.forEach(i -> failures.put(i.name(), 0L));
        long keys = 0;
        long checksum = 0;
        long unreadable = 0;
        long changed = 0;
        long unchanged = 0;
        Map<String, SpecificRecord> states = new LinkedHashMap<>();
        for (Map.Entry<String, TopicSnapshot.Entry> e : shadow.entrySet()) {
            if (!evidence.getRunId().equals(e.getValue().runId())) {
                continue;
            }
            SpecificRecord state = (SpecificRecord) codec.fromSingleObject(e.getValue().value());
            if (state == null) {
                unreadable++;
                continue;
            }
            keys++;
            byte[] value = e.getValue().value();
            checksum += dev.reprise.reconcile.Checksum.keyHash(e.getKey().getBytes(StandardCharsets.UTF_8), Arrays.copyOfRange(value, SingleObjectFormat.HEADER_LENGTH, value.length));
            states.put(e.getKey(), state);
            for (Invariant i : invariants) {
                if (!i.holds().test(state)) {
                    failures.merge(i.name(), 1L, Long::sum);
                    examples.putIfAbsent(i.name(), e.getKey() + ": " + state);
                }
            }
        }
        List<Result> out = new ArrayList<>();
        out.add(new Result("keys_match_evidence", keys == evidence.getProjectionKeys() && unreadable == 0,
                keys + " keys of run " + evidence.getRunId() + " on " + contract.projection().topic() + ", the evidence says "
                        + evidence.getProjectionKeys() + (unreadable > 0 ? "; " + unreadable + " unreadable values" : "")));
        out.add(otherWriters(evidence.getRunId(), evidence.getStartedAt().toEpochMilli(), contract.projection().topic(), shadow));
        String sum = String.format("%016x", checksum);
        out.add(new Result("checksum_matches_evidence", sum.equals(evidence.getChecksum()),
                "checksum " + sum + " of the projection topic, " + evidence.getChecksum() + " in the evidence"));
        failures.forEach((name, n) -> out.add(new Result(name, n == 0, n == 0 ? "held on all " + states.size() + " keys"
                : "failed on " + n + " keys, e.g. " + examples.get(name))));
        if (reference != null) {
            long missing = reference.keySet().stream().filter(k -> !states.containsKey(k)).count();
            long extra = 0;
            for (Map.Entry<String, SpecificRecord> e : states.entrySet()) {
                TopicSnapshot.Entry live = reference.get(e.getKey());
                if (live == null) {
                    extra++;
                } else if (e.getValue().equals(codec.fromSingleObject(live.value()))) {
                    unchanged++;
                } else {
                    changed++;
                }
            }
            String detail = unchanged + " unchanged, " + changed + " changed, " + missing + " missing, " + extra + " extra compared with "
                    + contract.reconciliation().referenceTopic();
            out.add(new Result(contract.reconciliation().referenceMustMatch() ? "matches_reference_projection" : "compared_with_live_projection",
                    !contract.reconciliation().referenceMustMatch() || changed + missing + extra == 0, detail));
        }
        return out;
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
