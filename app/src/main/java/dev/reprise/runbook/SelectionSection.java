package dev.reprise.runbook;

import dev.reprise.contract.Contract;
import dev.reprise.plan.RunPlan;
import dev.reprise.upcast.Upcaster;
import dev.reprise.upcast.UpcasterRegistry;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** Section 3: which events the run selects, how they are ordered, which versions it meets and how they are upcast. */
final class SelectionSection {
    /** Partitions listed one per row; a larger plan is summarised per topic. */
    private static final int MAX_PARTITION_ROWS = 64;

    private SelectionSection() {
    }

    static void write(Doc doc, Facts f, List<Gaps.Gap> gaps) {
        Contract c = f.contract();
        doc.section(3, "Event selection");
        ranges(doc, f);
        doc.subsection("Filters");
        Contract.Scope s = c.scope();
        if (!s.hasFilters()) {
            doc.para("None: every event in range is applied.");
        } else {
            List<String> filters = new ArrayList<>();
            if (!s.eventTypes().isEmpty()) {
                filters.add("event types " + ReplayLoop.sorted(s.eventTypes()) + " (checked right after the upcast, before the key and id are read)");
            }
            if (!s.tenants().isEmpty()) {
                filters.add("tenants " + ReplayLoop.sorted(s.tenants()) + " by field " + Doc.code(s.tenantField()));
            }
            if (!s.keys().isEmpty()) {
                filters.add(s.keys().size() + " ordering keys, e.g. " + s.keys().stream().sorted().limit(5).toList());
            }
            doc.bullets(filters);
            doc.para("An event outside the filters is read and counted as `filtered`; it is never applied and never dead-lettered.");
        }

        doc.subsection("The ordering key: the correctness boundary");
        String key = Doc.code(c.ordering().keyField());
        doc.para("Every event of one " + key + " is applied by one task, one at a time, to that key's state alone"
                + (f.viaRepartition() ? ": the source stage sends it to repartition partition murmur2(" + c.ordering().keyField() + ") mod "
                + (f.cluster() == null ? "N" : f.cluster().plan().repartitionPartitions()) + ", whatever source partition it came from."
                : ": the history is already partitioned by it (history.keyed_by_ordering_key), so the task of a source partition applies its events; "
                + "the run counts every event found in another partition than its key's, and is then untrusted.")
                + " A key's state therefore depends only on its own events, in the order its task receives them: two keys never race, "
                + "and an event whose " + key + " is wrong lands in the wrong state, which no later check can tell apart from a real one.");
        if (c.ordering().sequenceField() != null) {
            doc.para("Within a key, " + Doc.code(c.ordering().sequenceField()) + " must increase: an event whose sequence is not above the last "
                    + "one applied for its key counts as an ordering violation (more than " + c.evidence().maxOrderingViolations()
                    + " make the run degraded). It is still applied.");
        }
        Gaps.write(doc, gaps, 3);

        versions(doc, f);

        doc.subsection("Tenant boundaries");
        if (s.tenantField() == null) {
            doc.para("The contract names no tenant field.");
        } else {
            List<String> lines = new ArrayList<>();
            lines.add("Tenant field " + Doc.code(s.tenantField()) + (s.tenants().isEmpty() ? "; every tenant is replayed." : "; replayed: "
                    + ReplayLoop.sorted(s.tenants()) + "."));
            if (s.tenantField().equals(c.ordering().keyField())) {
                lines.add("The ordering key is the tenant: each tenant is one key, rebuilt by one task, and no state mixes tenants.");
            } else {
                lines.add("The ordering key is not the tenant: a tenant's keys are spread over the tasks; a key's state holds one "
                        + "tenant's events only as long as no " + key + " is shared between tenants.");
            }
            c.reconciliation().thresholds().stream().filter(t -> !t.tenants().isEmpty()).forEach(t -> lines.add("Threshold "
                    + Doc.code(t.name()) + " watches the keys of " + ReplayLoop.sorted(t.tenants()) + " only."));
            doc.bullets(lines);
        }
    }

    private static void ranges(Doc doc, Facts f) {
        Contract c = f.contract();
        doc.subsection("Topics and ranges");
        if (f.cluster() == null) {
            doc.para("Topics " + AnswersSection.codes(c.history().topics()) + ". Written offline: the ranges per partition are printed by `reprise plan` "
                    + "(step " + doc.ref("plan") + ").");
            return;
        }
        RunPlan plan = f.cluster().plan();
        doc.para(String.format(Locale.ROOT, "From the plan made when this runbook was written (%s; run id %s, not recorded): %,d offsets in %d "
                        + "partitions. `first`/`last` are the first and last records a read_committed consumer sees in the range; the evidence must "
                        + "show the run read exactly from the one to the other.", plan.createdAt(), Doc.code(plan.runId()), plan.totalOffsets(),
                plan.ranges().size()));
        List<List<String>> rows = new ArrayList<>();
        if (plan.ranges().size() <= MAX_PARTITION_ROWS) {
            for (RunPlan.PartitionRange r : plan.ranges()) {
                rows.add(List.of(r.topic() + "-" + r.partition(), Long.toString(r.start()), Long.toString(r.end()), String.format(Locale.ROOT, "%,d", r.size()),
                        r.hasData() ? Long.toString(r.firstDataOffset()) : "none", r.hasData() ? Long.toString(r.lastDataOffset()) : "none"));
            }
            doc.table(List.of("partition", "start", "end", "offsets", "first", "last"), rows);
        } else {
            Map<String, Long> perTopic = new java.util.TreeMap<>();
            plan.ranges().forEach(r -> perTopic.merge(r.topic(), r.size(), Long::sum));
            perTopic.forEach((t, n) -> rows.add(List.of(Doc.code(t), String.format(Locale.ROOT, "%,d", n))));
            doc.table(List.of("topic", "offsets"), rows);
            doc.para("The " + plan.ranges().size() + " partitions are listed by `reprise plan` (step " + doc.ref("plan") + ").");
        }
    }

    private static void versions(Doc doc, Facts f) {
        UpcasterRegistry upcasters = f.codecs().upcasters();
        doc.subsection("Schema versions and upcasters");
        Map<String, Long> sampled = f.cluster() == null ? Map.of() : f.cluster().sampledVersions();
        List<List<String>> rows = new ArrayList<>();
        for (Map.Entry<String, List<Integer>> t : f.codecs().catalog().eventTypes().entrySet()) {
            for (int v : t.getValue()) {
                UpcasterRegistry.Chain chain = upcasters.chain(t.getKey(), v);
                String path = chain.brokenReason() != null ? "**GAP**: " + chain.brokenReason()
                        : chain.steps().isEmpty() ? "latest: none needed"
                        : String.join(" → ", chain.steps().stream().map(SelectionSection::step).toList());
                Long found = sampled.get(t.getKey() + " v" + v);
                rows.add(List.of(t.getKey(), "v" + v, path, f.cluster() == null ? "(offline)" : found == null ? "0" : String.format(Locale.ROOT, "%,d", found)));
            }
        }
        doc.table(List.of("event type", "version", "upcaster chain to the latest version", "in the sample"), rows);
        for (Map.Entry<String, String> gap : upcasters.gaps().entrySet()) {
            doc.loud("UPCASTER GAP", gap.getKey() + ": " + gap.getValue() + ". Such events are dead-lettered (no-upcast-path).");
        }
        if (f.cluster() != null) {
            f.cluster().sampleGaps().forEach((tv, reason) -> doc.loud("UPCASTER GAP IN THE SAMPLE", tv + " was found in the history: " + reason
                    + ". Every such event will be dead-lettered."));
            if (!f.cluster().sampledUndecodable().isEmpty()) {
                doc.para("Records of the sample that could not be decoded, by reason (the run dead-letters them): "
                        + f.cluster().sampledUndecodable() + ".");
            }
            doc.para(String.format(Locale.ROOT, "The sample held %,d decodable events, %,d of them in scope.", f.cluster().sampledEvents(),
                    f.cluster().sampledInScope()));
        }
    }

    private static String step(Upcaster u) {
        return "v" + u.fromVersion() + "→v" + u.toVersion() + " (" + Doc.code(u.getClass().getSimpleName()) + ")";
    }
}
