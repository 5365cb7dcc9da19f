package dev.reprise.evidence;

import dev.reprise.evidence.avro.CheckResult;
import dev.reprise.evidence.avro.DifferenceSample;
import dev.reprise.evidence.avro.IdConflictSample;
import dev.reprise.evidence.avro.PartitionRange;
import dev.reprise.evidence.avro.RecoveryEvidence;
import dev.reprise.evidence.avro.UpcastCount;

import java.time.Duration;
import java.util.Locale;

/** Renders recovery evidence for a person at a terminal. */
public final class EvidenceReport {
    private EvidenceReport() {
    }

    public static String render(RecoveryEvidence e) {
        StringBuilder out = new StringBuilder();
        String status = e.getConfidenceStatus() == null ? "in progress" : e.getConfidenceStatus().toString().toUpperCase(Locale.ROOT);
        out.append("Recovery evidence for run ").append(e.getRunId()).append(" (contract ").append(e.getContractName())
                .append(", projection ").append(e.getProjection()).append(" → ").append(e.getProjectionTopic()).append(")\n");
        out.append("  verdict              ").append(status).append('\n');
        for (String reason : e.getConfidenceReasons()) {
            out.append("    - ").append(reason).append('\n');
        }
        long partitions = e.getRanges().size();
        long offsets = e.getRanges().stream().mapToLong(r -> r.getEndOffset() - r.getStartOffset()).sum();
        out.append(String.format("  source               %d partitions, %,d offsets in range%n", partitions, offsets));
        out.append(String.format("  events read          %,d%n", e.getEventsRead()));
        out.append(String.format("  events processed     %,d%n", e.getEventsProcessed()));
        out.append(String.format("  duplicates skipped   %,d%n", e.getDuplicatesSkipped()));
        if (e.getIdConflicts() > 0) {
            out.append(String.format("  id conflicts         %,d (ids reused for other events; not applied)%n", e.getIdConflicts()));
            for (IdConflictSample c : e.getIdConflictSamples()) {
                out.append("    event id ").append(c.getEventId()).append(": applied from ").append(c.getAppliedFrom()).append(", met again from ")
                        .append(c.getConflictingFrom()).append(" (key ").append(c.getOrderingKey()).append(")\n");
            }
        }
        out.append(String.format("  filtered             %,d%n", e.getFiltered()));
        out.append(String.format("  dead-lettered        %,d%s%n", e.getDeadLettered(),
                e.getDeadLetterReasons().isEmpty() ? "" : "  " + e.getDeadLetterReasons()));
        for (UpcastCount u : e.getUpcasts()) {
            out.append(String.format("  upcast %-13s v%d → v%d: %,d%n", u.getEventType(), u.getFromVersion(), u.getToVersion(), u.getCount()));
        }
        if (e.getStaleRecords() > 0 || e.getRedeliveredRecords() > 0) {
            out.append(String.format("  ignored              %,d records of other runs, %,d delivered again (none counted or applied)%n",
                    e.getStaleRecords(), e.getRedeliveredRecords()));
        }
        if (e.getMisplacedEvents() != null) {
            out.append(String.format("  misplaced events     %,d%s%n", e.getMisplacedEvents(),
                    e.getMisplacedSamples().isEmpty() ? "" : "  e.g. " + e.getMisplacedSamples().get(0)));
        }
        if (e.getOrderingViolations() != null) {
            out.append(String.format("  ordering violations  %,d%n", e.getOrderingViolations()));
        }
        out.append(String.format("  projection keys      %,d%n", e.getProjectionKeys()));
        if (e.getProjectionsChanged() != null) {
            out.append(String.format("  vs reference         %,d unchanged, %,d changed, %,d missing, %,d extra%n",
                    e.getProjectionsUnchanged(), e.getProjectionsChanged(), e.getProjectionsMissing(), e.getProjectionsExtra()));
            for (DifferenceSample s : e.getDifferenceSamples()) {
                out.append("    ").append(s.getStatus()).append(' ').append(s.getKey()).append(": reference ")
                        .append(s.getReferenceValue()).append(" → rebuilt ").append(s.getRebuiltValue()).append('\n');
            }
        }
        out.append("  checks\n");
        for (CheckResult c : e.getReconciliationChecks()) {
            String outcome = e.getChecksNotMade().contains(c.getName()) ? "n/a  " : c.getPassed() ? "pass " : "FAIL ";
            out.append("    ").append(outcome).append(c.getName()).append(": ").append(c.getDetail()).append('\n');
        }
        out.append("  checksum             ").append(e.getChecksum()).append('\n');
        if (e.getEndedAt() != null) {
            Duration d = Duration.between(e.getStartedAt(), e.getEndedAt());
            out.append(String.format("  duration             %d.%03d s, %,.0f events/s%n", d.toSeconds(), d.toMillisPart(), e.getEventsPerSecond()));
        }
        return out.toString();
    }

    public static String ranges(RecoveryEvidence e) {
        StringBuilder out = new StringBuilder();
        for (PartitionRange r : e.getRanges()) {
            out.append(String.format("  %s-%d [%d, %d) read %d%s%n", r.getTopic(), r.getPartition(), r.getStartOffset(), r.getEndOffset(), r.getEventsRead(),
                    r.getFirstOffsetRead() == null ? "" : ", offsets " + r.getFirstOffsetRead() + " to " + r.getLastOffsetRead()
                            + (r.getFirstDataOffset() == null ? "" : " (records " + r.getFirstDataOffset() + " to " + r.getLastDataOffset() + ")")));
        }
        return out.toString();
    }
}
