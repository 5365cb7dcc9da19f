package dev.reprise.runbook;

import dev.reprise.contract.Contract;
import dev.reprise.contract.Position;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Section 0: the contract's seven answers, the replay loop as it will run, and the verdict rules. */
final class AnswersSection {
    private AnswersSection() {
    }

    static void write(Doc doc, Facts f, List<Gaps.Gap> gaps) {
        Contract c = f.contract();
        doc.section(0, "The contract's answers and the replay loop");
        doc.para("Contract " + Doc.code(c.name()) + " answers the seven questions of a replay as follows." + (gaps.isEmpty() ? ""
                : " A question it leaves open is marked UNANSWERED here and explained, with its risk, in the section named."));
        List<List<String>> rows = new ArrayList<>();
        rows.add(List.of("H", "authoritative history", history(c), "`history`"));
        rows.add(List.of("O", "ordering boundary", "key " + Doc.code(c.ordering().keyField()) + "; "
                + (c.ordering().sequenceField() == null ? "**UNANSWERED**: no sequence field (section 3)"
                : "sequence field " + Doc.code(c.ordering().sequenceField()) + ": out-of-order events are counted"), "`ordering`"));
        rows.add(List.of("I", "idempotency key", Doc.code(c.idempotency().eventIdField()) + "; a second event with the same id in this run "
                + "is skipped and counted", "`idempotency`"));
        rows.add(List.of("F", "deterministic projection", "projection " + Doc.code(c.projection().name()) + " (Java SPI) into the shadow topic "
                + Doc.code(c.projection().topic()) + "; " + (f.liveTopics().isEmpty() ? "**UNANSWERED**: no live topic to promote into (section 1)"
                : "promoted into " + codes(f.liveTopics()) + " by `reprise promote`"), "`projection`, `allowed_write_topics`"));
        rows.add(List.of("S", "replay scope", scope(c), "`scope`"));
        rows.add(List.of("Q", "reconciliation", reconciliation(f), "`reconciliation`"));
        Contract.EvidenceSpec e = c.evidence();
        rows.add(List.of("E", "recovery evidence", "topic " + Doc.code(e.topic()) + "; degraded above " + ReplayLoop.percent(e.maxDeadLetterRatio())
                + " dead letters, untrusted above " + ReplayLoop.percent(e.untrustedDeadLetterRatio()) + "; untrusted below " + e.minEventsProcessed()
                + " events processed or " + e.minProjectionKeys() + " projection keys", "`evidence`"));
        rows.add(List.of("", "side-effect guard", "writes only " + codes(c.allowedWriteTopics()) + " and its internal topics "
                + Doc.code(c.applicationId() + "-*") + "; anything else is refused at start", "`allowed_write_topics`"));
        doc.table(List.of("", "question", "this contract's answer", "contract section"), rows);
        if (!gaps.isEmpty()) {
            doc.para("Unanswered: " + gaps.size() + " question" + (gaps.size() == 1 ? "" : "s") + " (see the list at the top).");
        }
        doc.subsection("The replay loop, as this contract runs it");
        doc.para("Pseudocode of what `reprise run` does with every record, written from the stages in `pipeline/` with this contract's "
                + "fields and topics. Counters are exact: they are committed in the same transaction as the offsets and outputs they count.");
        doc.fenced("text", ReplayLoop.pseudocode(f));
        doc.subsection("The verdict");
        doc.bullets(ReplayLoop.verdictRules(f));
    }

    private static String history(Contract c) {
        Contract.History h = c.history();
        Contract.SchemaSource s = h.schemas();
        String schemas = s.kind() == Contract.SchemaSource.Kind.REGISTRY ? "schemas from the registry " + Doc.code(String.valueOf(s.registryUrl()))
                : "schemas from " + Doc.code(relative(c, s.directory())) + (s.idMap() == null ? "" : ", ids mapped by " + Doc.code(relative(c, s.idMap())));
        return "topics " + codes(h.topics()) + ", " + (h.encoding() == Contract.Encoding.CONFLUENT ? "Confluent wire format" : "Avro single-object encoding")
                + ", " + schemas + "; " + (h.keyedByOrderingKey() ? "already keyed by the ordering key: no repartition"
                : "not keyed by the ordering key: repartitioned by it");
    }

    private static String scope(Contract c) {
        Contract.Scope s = c.scope();
        return "from " + position(s.from()) + " to " + position(s.to()) + "; event types: " + (s.eventTypes().isEmpty() ? "all" : ReplayLoop.sorted(s.eventTypes()))
                + "; tenants: " + (s.tenants().isEmpty() ? "all" : ReplayLoop.sorted(s.tenants()))
                + (s.tenantField() == null ? " (**UNANSWERED**: no tenant field, section 3)" : " (field " + Doc.code(s.tenantField()) + ")")
                + "; keys: " + (s.keys().isEmpty() ? "all" : s.keys().size() + " listed");
    }

    static String position(Position p) {
        return p instanceof Position.AtOffsets o ? "offsets " + o.offsets() : Doc.code(p.toString());
    }

    private static String reconciliation(Facts f) {
        Contract.Reconciliation r = f.contract().reconciliation();
        int own = f.codecs().projection().invariants().size();
        String invariants = own + " invariant" + (own == 1 ? "" : "s") + " of the projection, " + r.invariants().size() + " of the contract";
        if (own + r.invariants().size() == 0) {
            invariants = "**UNANSWERED**: no invariants (section 6)";
        }
        return invariants + "; " + r.totals().size() + " total check" + (r.totals().size() == 1 ? "" : "s") + "; "
                + (r.referenceTopic() == null ? "**UNANSWERED**: no reference topic (section 6)"
                : "compared with " + Doc.code(r.referenceTopic()) + (r.referenceMustMatch() ? ", which must match" : " (the live projection)"))
                + "; " + (r.thresholds().isEmpty() ? "**UNANSWERED**: no thresholds while running (section 5)" : r.thresholds().size() + " threshold"
                + (r.thresholds().size() == 1 ? "" : "s") + " while running");
    }

    static String codes(List<String> values) {
        return String.join(", ", values.stream().map(Doc::code).toList());
    }

    private static String relative(Contract c, Path p) {
        if (p == null) {
            return "";
        }
        if (c.source() != null && c.source().toAbsolutePath().getParent() != null) {
            try {
                return c.source().toAbsolutePath().getParent().relativize(p.toAbsolutePath()).toString();
            } catch (IllegalArgumentException differentRoot) {
                return p.toString();
            }
        }
        return p.toString();
    }
}
