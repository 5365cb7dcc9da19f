package dev.reprise.runbook;

import dev.reprise.contract.Contract;
import dev.reprise.plan.CompiledContract;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The replay loop as pseudocode, written for one contract: what the source stage, the apply stage and the evidence
 * stage of {@code pipeline/} do with each record, in their order, with the contract's fields, topics and limits in
 * place. A line appears only when the contract turns its step on (filters, sequence field, repartition, reference,
 * thresholds), so the loop an operator reads is the one that will run.
 */
final class ReplayLoop {
    private ReplayLoop() {
    }

    static String pseudocode(Facts f) {
        Contract c = f.contract();
        Contract.Scope scope = c.scope();
        boolean repartition = f.viaRepartition();
        String n = f.cluster() == null ? "N" : Integer.toString(f.cluster().plan().repartitionPartitions());
        String p = f.cluster() == null ? "P" : Integer.toString(f.cluster().plan().ranges().size());
        List<String> l = new ArrayList<>();
        l.add("plan ← for each partition p of " + c.history().topics() + ": [start, end) from scope " + scope.from() + " .. " + scope.to()
                + ",");
        l.add("       and the offsets of the first and last records a read_committed consumer sees in it");
        l.add("run_id ← new at `reprise reset --execute`; every state-store key starts with 8 bytes of sha256(run_id)");
        l.add("");
        l.add(repartition ? "SOURCE TASK, one per source partition p (" + p + ")                      # pipeline/source/SourceStage"
                : "TASK, one per source partition p (" + p + "); no repartition: history.keyed_by_ordering_key   # SourceStage + ApplyStage");
        l.add("  for each record r at offset o of p:");
        l.add("    if o < plan[p].start:                 out_of_range += 1; skip");
        l.add("    if o ≤ last offset this run read in p: redelivered += 1; skip      # offsets moved back: never applied twice");
        l.add("    if o ≥ plan[p].end:                   END(p); skip" + (c.processing().bounded() ? "                     # left for a later run"
                : "   (continuous mode: go on following)"));
        l.add("    wait for the throttle                                               # reprise throttle");
        l.add("    events_read += 1");
        l.add("    try:");
        l.add("      (type, version, avro) ← decode(r.value)     # " + (c.history().encoding() == Contract.Encoding.CONFLUENT
                ? "0x00 + schema id + Avro; ids from " + (c.history().schemas().kind() == Contract.SchemaSource.Kind.REGISTRY
                ? "the schema registry" : "the local id map")
                : "C3 01 + CRC-64-AVRO fingerprint + Avro"));
        l.add("      e ← upcast(type, version → latest)          # " + (f.cluster() == null ? "the chains of section 3" : chains(f)));
        if (!scope.eventTypes().isEmpty()) {
            l.add("      if type ∉ " + sorted(scope.eventTypes()) + ": filtered += 1; continue");
        }
        l.add("      key ← " + read(c.ordering().key()) + "; id ← " + read(c.idempotency().eventId())
                + "              # missing → dead letter (missing-field, missing-header, missing-key)");
        if (!scope.keys().isEmpty() || !scope.tenants().isEmpty()) {
            List<String> cond = new ArrayList<>();
            if (!scope.keys().isEmpty()) {
                cond.add("key ∉ scope.keys (" + scope.keys().size() + ")");
            }
            if (!scope.tenants().isEmpty()) {
                cond.add("e." + scope.tenantField() + " ∉ " + sorted(scope.tenants()));
            }
            l.add("      if " + String.join(" or ", cond) + ": filtered += 1; continue");
        }
        if (c.ordering().sequenceField() != null) {
            l.add("      seq ← e." + c.ordering().sequenceField() + "                                # not a number → dead letter (missing-field)");
        }
        l.add("      " + c.projection().name() + ".validate(e)                # rejected → dead letter with the projection's reason");
        if (repartition) {
            l.add("      add e to the batch of repartition partition murmur2(key) mod " + n + "   # 256 events or 128 KiB per batch");
            l.add("      send a batch when it is full, before an end marker and before every commit");
        } else {
            l.add("      if murmur2(key) mod " + p + " ≠ p: misplaced_events += 1 (with samples)   # the evidence is then untrusted");
            l.add("      APPLY(e)");
        }
        l.add("    on a poison record: dead letter to " + c.deadLetter().topic() + " (reason, topic/partition/offset, original bytes);"
                + " dead_lettered += 1");
        for (Contract.Threshold t : c.reconciliation().thresholds()) {
            if (t.metric().equals("dead_letter_ratio")) {
                l.add("    threshold " + t.name() + ": dead letters among the last " + t.window() + " records read > " + t.above() + " → " + t.action());
            }
        }
        l.add("    if o = plan[p].last_data_offset: END(p)     # a range without records ends from a 500 ms punctuation");
        l.add("  END(p): " + (repartition ? "send the batches left; send END(p, p's counters) to each of the " + n
                + " repartition partitions; commit" : "END(p, p's counters) to this task's apply stage; commit"));
        l.add("");
        if (repartition) {
            l.add("APPLY TASK, one per repartition partition (" + n + ")                     # pipeline/apply/ApplyStage");
            l.add("  for each event e of each batch of this run, in order: APPLY(e)   # batches of other runs: stale_records += 1");
        } else {
            l.add("APPLY, in the same task                                          # pipeline/apply/ApplyStage");
        }
        l.add("  APPLY(e):");
        l.add("    if e.id ∈ ids applied in this run: duplicates_skipped += 1; return   # RocksDB + Bloom filter, keys prefixed by the run");
        l.add("    state[key] ← " + c.projection().name() + ".apply(state[key], e)      # throws → state rolled back, dead letter (unexpected-error)");
        l.add("    remember e.id");
        if (c.ordering().sequenceField() != null) {
            l.add("    if seq ≤ last_seq[key]: ordering_violations += 1 else last_seq[key] ← seq");
        }
        for (Contract.Threshold t : c.reconciliation().thresholds()) {
            if (t.metric().equals("invariant_failures")) {
                l.add("    threshold " + t.name() + ": an invariant fails on key" + (t.tenants().isEmpty() ? "" : " of tenant " + sorted(t.tenants()))
                        + " → " + t.action());
            }
        }
        l.add("    events_processed += 1");
        if (!c.processing().bounded()) {
            l.add("    write state[key] to " + c.projection().topic() + "   # continuous mode: every change at once");
        }
        l.add("  commit hook: the batch of new ids, the changed states and the counters are written once per commit,");
        l.add("               in the same transaction as the offsets (" + c.processing().guarantee() + ")");
        l.add("  on END(p): keep p's counters; once the END of all " + p + " source partitions is in:");
        if (c.processing().bounded()) {
            l.add("    write every key's state to " + c.projection().topic() + "   # headers reprise.replay=true, reprise.run_id");
        }
        l.add("    check every invariant on every key; checksum ← Σ sha256(key, state) mod 2^64 (order-independent)");
        if (c.reconciliation().referenceTopic() != null) {
            l.add("    compare every key with " + c.reconciliation().referenceTopic() + ": unchanged, changed, missing, extra (50 samples)");
        }
        l.add("    send the task summary" + (repartition ? " (counters, events received per source partition)" : " (counters)")
                + " to the evidence task");
        l.add("");
        l.add("EVIDENCE TASK, one                                               # pipeline/evidence/EvidenceStage");
        l.add("  every " + humanDuration(c.evidence().progressInterval()) + ": a PROGRESS record with the apply tasks' counts so far");
        l.add("  once the summaries of all apply tasks are in: checks and verdict (EvidenceBuilder) → one FINAL record on " + c.evidence().topic());
        l.add("`reprise run` waits for the FINAL record, closes Kafka Streams and exits 0 trusted, 3 degraded, 4 untrusted");
        return String.join("\n", l);
    }

    /** The verdict rules with this contract's limits, in EvidenceBuilder's order. */
    static List<String> verdictRules(Facts f) {
        Contract c = f.contract();
        Contract.EvidenceSpec e = c.evidence();
        List<String> untrusted = new ArrayList<>(List.of(
                "a source partition did not reach its planned end, or was not read from the first to the last record of its range",
                "records unaccounted for: `events_read ≠ events_processed + duplicates_skipped + filtered + dead_lettered`"));
        if (f.viaRepartition()) {
            untrusted.add("an apply task did not receive exactly the events a source partition sent it (lost or added between the stages)");
        }
        untrusted.add("an invariant fails on any key, or a `reconciliation.totals` check does not hold");
        if (c.reconciliation().referenceTopic() != null && c.reconciliation().referenceMustMatch()) {
            untrusted.add("any key differs from the ground-truth reference " + Doc.code(c.reconciliation().referenceTopic()));
        }
        untrusted.add("fewer than " + e.minEventsProcessed() + " events processed or fewer than " + e.minProjectionKeys() + " projection keys");
        untrusted.add("dead letters above " + percent(e.untrustedDeadLetterRatio()) + " of the records read");
        if (c.history().keyedByOrderingKey()) {
            untrusted.add("any event read from another partition than its ordering key's (`misplaced_events`)");
        }
        untrusted.add("an abort threshold was crossed, or the run was aborted");
        List<String> degraded = new ArrayList<>(List.of("dead letters above " + percent(e.maxDeadLetterRatio()) + " of the records read"));
        if (c.ordering().sequenceField() != null) {
            degraded.add("more than " + e.maxOrderingViolations() + " ordering violations on " + Doc.code(c.ordering().sequenceField()));
        }
        if (c.reconciliation().referenceTopic() != null && !c.reconciliation().referenceMustMatch()) {
            degraded.add("more than " + percent(e.maxLiveDiffRatio()) + " of the rebuilt keys differ from the live projection "
                    + Doc.code(c.reconciliation().referenceTopic()));
        }
        List<String> out = new ArrayList<>();
        out.add("**untrusted** (exit 4) when " + String.join("; or ", untrusted) + ".");
        out.add("**degraded** (exit 3) when none of that holds but " + String.join("; or ", degraded) + ".");
        out.add("**trusted** (exit 0) otherwise. Every fact behind the verdict is in the evidence's `confidence_reasons`.");
        return out;
    }

    /** "StockMovement v1→v2→v3; ..." for the event types found in the plan's sample (all of the catalog's when none was). */
    static String chains(Facts f) {
        CompiledContract codecs = f.codecs();
        java.util.Set<String> found = new java.util.TreeSet<>();
        f.cluster().sampledVersions().keySet().forEach(tv -> found.add(tv.substring(0, tv.lastIndexOf(" v"))));
        List<String> out = new ArrayList<>();
        for (Map.Entry<String, List<Integer>> t : codecs.catalog().eventTypes().entrySet()) {
            if (!found.isEmpty() && !found.contains(t.getKey())) {
                continue;
            }
            StringBuilder s = new StringBuilder(t.getKey()).append(' ');
            List<Integer> versions = t.getValue();
            if (versions.size() == 1) {
                s.append("v").append(versions.get(0)).append(" (latest, no upcast)");
            } else {
                s.append(String.join("→", versions.stream().map(v -> "v" + v).toList()));
            }
            out.add(s.toString());
        }
        return String.join("; ", out);
    }

    static String percent(double ratio) {
        String s = String.format(java.util.Locale.ROOT, "%.4f", ratio * 100).replaceAll("0+$", "").replaceAll("\\.$", "");
        return s + "%";
    }

    static String sorted(java.util.Collection<String> values) {
        return new java.util.TreeSet<>(values).toString();
    }

    static String humanDuration(java.time.Duration d) {
        long ms = d.toMillis();
        if (ms % 60_000 == 0) {
            return ms / 60_000 + " min";
        }
        return ms % 1000 == 0 ? ms / 1000 + " s" : ms + " ms";
    }

    /** Where the loop reads an identity: e.field, header("id") or the record key. */
    private static String read(Contract.Identity identity) {
        return switch (identity.from()) {
            case FIELD -> "e." + identity.name();
            case HEADER -> "header(\"" + identity.name() + "\")";
            case RECORD_KEY -> "record.key";
        };
    }
}
