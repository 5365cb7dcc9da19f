package dev.reprise.runbook;

import dev.reprise.contract.Contract;

import java.util.List;

/** Section 4: how duplicates are found and what a duplicate, a side effect, a re-run and an offset reset do. */
final class IdempotencySection {
    private IdempotencySection() {
    }

    static void write(Doc doc, Facts f) {
        Contract c = f.contract();
        String id = Doc.code(c.idempotency().eventIdField());
        doc.section(4, "Idempotency and deduplication");
        doc.bullets(List.of(
                "**Key.** Copies of an event share its " + id + "; an event whose " + id + " is missing or empty is dead-lettered (missing-field).",
                "**Scope: this run.** The apply task keeps every " + id + " it has applied in this run, in RocksDB with a Bloom filter in front, "
                        + "every key prefixed by 8 bytes of the run id. A new run starts with an empty set, so the events of the last run are "
                        + "never taken for duplicates; the old run's entries are deleted in the background.",
                "**A duplicate** (an " + id + " already applied in this run, with the same content) is skipped and counted as "
                        + "`duplicates_skipped`: not applied, not written, not dead-lettered. Copies meet in one task because they share their "
                        + Doc.code(c.ordering().keyField()) + ".",
                "**A conflict** (an " + id + " already applied in this run for an event with other content or another "
                        + Doc.code(c.ordering().keyField()) + ", met in the same apply task) is not applied, counted as `id_conflicts` with "
                        + "samples naming both offsets, and makes the run " + conflictVerdict(c.idempotency().onConflict()) + " "
                        + "(`idempotency.on_conflict`). The same " + id + " under two keys of different apply tasks meets no common dedup set: "
                        + "every applied " + id + " is also sent to an id check keyed by the id, which counts such a reuse as "
                        + "`id_conflicts_across_tasks` (both events were applied: untrusted unless `idempotency.on_conflict: degraded`) "
                        + "and proves it received every applied id (rule `event_ids_checked_across_apply_tasks`).",
                "**External side effects: none.** The projection folds events into state; the run writes only the topics of section 2. "
                        + "Nothing outside Kafka is called, so nothing outside Kafka happens twice.",
                "**A crash** changes nothing: " + (c.processing().guarantee().equals("exactly_once_v2")
                        ? "offsets, counters, applied ids and states are committed in one transaction (exactly_once_v2), so `reprise run` "
                        + "started again continues and its evidence equals that of an uninterrupted run."
                        : "the contract runs at_least_once, so records read again after a crash are skipped by offset, but the counters "
                        + "and states are not committed with the offsets: the exact counts of the evidence are not guaranteed after a crash."),
                "**A re-run** (`reprise reset --execute`, then `reprise run`) is a new run over the same range: a new run id, an empty "
                        + "projection and an empty dedup set. The same history gives the same `checksum` in the evidence."));
        if (!c.processing().guarantee().equals("exactly_once_v2")) {
            doc.loud("AT-LEAST-ONCE", "processing.guarantee is at_least_once: after a crash the evidence of the run may count records twice, "
                    + "so its verdict is degraded at best; use exactly_once_v2 for a replay whose evidence gates a cut-over.");
        }
        doc.subsection("Offset resets: which are safe");
        doc.para("Reprise tags every record on its internal topics with its run and ignores (and counts) records of other runs, so no "
                + "reset makes one run complete on another's markers. What each kind of reset does:");
        String app = c.applicationId();
        doc.table(List.of("reset", "what Reprise does", "safe"), List.of(
                List.of("`reprise reset --execute`", "a new run from the contract's scope; the last run's records on the internal topics are "
                        + "stale to it", "yes: the way to start a run"),
                List.of("`kafka-consumer-groups --group " + app + " --reset-offsets --to-earliest --all-topics` (or the admin API) after a run",
                        "detected by `reprise run`: the source offsets are behind the run in force, so a new run starts from where they are; "
                                + "the old run's markers and summaries are ignored and counted (`stale_records`)", "yes, detected"),
                List.of("the same, to the middle of every topic", "a new run from those offsets, the same as a clean run with that `scope.from`",
                        "yes, detected"),
                List.of("source offsets moved back inside an unfinished run (not before its start)", "the run continues; records it read "
                        + "already are skipped and counted (`redelivered_records`), never applied twice", "yes, detected"),
                List.of("source offsets moved forward inside an unfinished run (`--to-latest`, `--shift-by`)", "detected before Kafka Streams "
                        + "starts: the offsets are put back after the last record read, with a warning; the run reads its whole range",
                        "undone: to replay less, change the scope and `reprise reset`"),
                List.of("repartition offsets moved back (`--all-topics` during a stopped run)", "records the apply tasks processed already "
                        + "are skipped by offset (`redelivered_records`)", "yes, detected"),
                List.of("source offsets moved below the run's start", "a new run from there", "yes, a new run")));
        doc.para("Whatever happened, the evidence proves the coverage: each source partition's first and last offsets read must equal the "
                + "first and last records of its planned range, or the run is untrusted. Every reset needs the group " + Doc.code(app)
                + " without active members: stop every `reprise run` first (`reprise reset --execute` refuses otherwise).");
    }

    private static String conflictVerdict(Contract.OnConflict policy) {
        return switch (policy) {
            case UNTRUSTED -> "untrusted";
            case DEGRADED -> "degraded";
            case FIRST_WINS -> "neither (first_wins: the event applied first stands; the conflicts are listed)";
        };
    }
}
