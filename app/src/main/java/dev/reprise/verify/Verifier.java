package dev.reprise.verify;

import dev.reprise.codec.SingleObjectFormat;
import dev.reprise.contract.Contract;
import dev.reprise.evidence.avro.RecoveryEvidence;
import dev.reprise.projection.Invariant;
import dev.reprise.projection.Projection;
import dev.reprise.projection.StateCodec;
import dev.reprise.topology.Codecs;
import org.apache.avro.specific.SpecificRecord;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Re-runs a finished run's checks on what its projection topic holds now, without replaying: the
 * keys the run wrote, their checksum against the evidence, every invariant, and the comparison with
 * the reference projection.
 */
public final class Verifier {
    /** One check's outcome. */
    public record Result(String name, boolean passed, String detail) {
    }

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
            checksum += dev.reprise.evidence.Checksum.keyHash(e.getKey().getBytes(StandardCharsets.UTF_8), Arrays.copyOfRange(value, SingleObjectFormat.HEADER_LENGTH, value.length));
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
}
