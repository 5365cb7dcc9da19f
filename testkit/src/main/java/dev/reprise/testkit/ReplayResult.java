package dev.reprise.testkit;

import dev.reprise.evidence.EvidenceReport;
import dev.reprise.evidence.avro.CheckResult;
import dev.reprise.evidence.avro.ConfidenceStatus;
import dev.reprise.evidence.avro.RecoveryEvidence;
import org.apache.avro.Schema;
import org.apache.avro.specific.SpecificRecord;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What a replay gave: its final recovery evidence (the verdict and its reasons, every count, every check, as Reprise's
 * EvidenceBuilder and VerdictRules made it), the rebuilt projection key by key, and the dead-lettered records.
 *
 * @param evidence    the run's FINAL evidence record
 * @param projection  the rebuilt state of every key, as the projection topic holds it after the run (latest value per key
 *                    written by this run)
 * @param deadLetters the records of this run on the dead-letter topic, in order
 * @param guardrail   a {@code reconciliation.thresholds} limit the run passed (in memory only: in production the run would
 *                    have paused or aborted there), or empty
 */
public record ReplayResult<S extends SpecificRecord>(RecoveryEvidence evidence, Map<String, S> projection, List<DeadLetter> deadLetters,
                                                     Optional<String> guardrail) {

    /** A dead-lettered record: the reason code and message Reprise gave, and where the record was in the history. */
    public record DeadLetter(String reasonCode, String reason, String topic, int partition, long offset, byte[] value) {
    }

    public ReplayResult {
        projection = Map.copyOf(projection);
        deadLetters = List.copyOf(deadLetters);
    }

    /** trusted, degraded or untrusted. */
    public String verdict() {
        ConfidenceStatus status = evidence.getConfidenceStatus();
        return status == null ? "none" : status.name();
    }

    public boolean trusted() {
        return evidence.getConfidenceStatus() == ConfidenceStatus.trusted && guardrail.isEmpty();
    }

    /** Why the verdict is not trusted, one line per rule that fired (empty for a trusted run). */
    public List<String> reasons() {
        return List.copyOf(evidence.getConfidenceReasons());
    }

    /**
     * A count of the evidence by its field name in the evidence topic: {@code events_read}, {@code events_processed},
     * {@code duplicates_skipped}, {@code dead_lettered}, {@code ordering_violations}, {@code projection_keys},
     * {@code projections_changed}, {@code reconciliation_failures}, ... (docs/verdict.md lists them).
     *
     * @throws IllegalArgumentException naming the fields when there is no count of that name
     */
    public long count(String field) {
        Schema.Field f = evidence.getSchema().getField(field);
        Object value = f == null ? null : evidence.get(f.pos());
        if (!(value instanceof Number n)) {
            throw new IllegalArgumentException("the evidence has no count '" + field + "'" + (f != null && value == null ? " in this run (not measured)" : "")
                    + "; counts: " + evidence.getSchema().getFields().stream()
                    .filter(x -> x.schema().getType() == Schema.Type.LONG || x.schema().getType() == Schema.Type.UNION && x.schema().getTypes().stream()
                            .anyMatch(t -> t.getType() == Schema.Type.LONG)).map(Schema.Field::name).toList());
        }
        return n.longValue();
    }

    /** The dead-lettered records counted under each reason code. */
    public Map<String, Long> deadLetterReasons() {
        return Map.copyOf(evidence.getDeadLetterReasons());
    }

    /** Every reconciliation check of the run: invariants (the projection's own and the contract's) and totals. */
    public List<CheckResult> checks() {
        return List.copyOf(evidence.getReconciliationChecks());
    }

    /**
     * The check of this name.
     *
     * @throws IllegalArgumentException naming the checks the run made when there is none of that name
     */
    public CheckResult check(String name) {
        return evidence.getReconciliationChecks().stream().filter(c -> c.getName().equals(name)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("the run made no check named '" + name + "'; it made "
                        + evidence.getReconciliationChecks().stream().map(CheckResult::getName).toList()));
    }

    /**
     * The rebuilt state of a key.
     *
     * @throws IllegalArgumentException when the rebuild has no such key, naming the keys it has (up to 20)
     */
    public S state(String key) {
        S state = projection.get(key);
        if (state == null) {
            throw new IllegalArgumentException("the rebuilt projection has no key '" + key + "'; it has " + projection.size() + " keys: "
                    + projection.keySet().stream().sorted().limit(20).toList());
        }
        return state;
    }

    /** The evidence as {@code reprise replay} prints it. */
    public String report() {
        return EvidenceReport.render(evidence) + guardrail.map(g -> "guardrail: " + g + "\n").orElse("");
    }

    /** Fails (AssertionError with the evidence report) unless the run is trusted. */
    public ReplayResult<S> assertTrusted() {
        if (!trusted()) {
            throw new AssertionError("expected a trusted replay, got " + verdict() + ":\n" + report());
        }
        return this;
    }

    /** Fails (AssertionError with the evidence report) when the run is trusted: for tests where something is wrong on purpose. */
    public ReplayResult<S> assertNotTrusted() {
        if (trusted()) {
            throw new AssertionError("expected a replay that is not trusted, got trusted:\n" + report());
        }
        return this;
    }
}
