package dev.reprise.runbook;

import dev.reprise.config.RepriseConfig;
import dev.reprise.contract.Contract;
import dev.reprise.run.RunStore;
import dev.reprise.streams.StreamsSettings;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/** Section 5: the settings in force, the go step, starting the run, throttling, pausing and resuming it. */
final class PacingSection {
    private PacingSection() {
    }

    static void write(Doc doc, Facts f, List<Gaps.Gap> gaps) {
        Contract c = f.contract();
        Commands cmd = f.commands();
        doc.section(5, "Batch sizing, throttling, pause and resume");
        doc.subsection("Settings in force");
        doc.table(List.of("setting", "value", "from"), settings(f));
        doc.para("A Kafka Streams property in the `--command-config` file wins over Reprise's default (`enable.transactional.statestores=true` "
                + "is refused). The launcher runs the JVM with a 512 MiB heap; `REPRISE_JAVA_OPTS` replaces it.");
        Gaps.write(doc, gaps, 5);
        if (!c.reconciliation().thresholds().isEmpty()) {
            doc.para("The run also pauses or aborts by itself when a threshold of the contract is crossed (section 6); a paused run waits "
                    + "for `reprise resume`.");
        }

        doc.subsection("Go: start the run");
        doc.step("go", "record the plan and set the group's offsets to its start (the go point)", cmd.cluster("reset", "--execute"), 0,
                "Records the new plan in " + Doc.code(RunStore.topic(c)) + ". `1` when the group has active members or another command "
                        + "made a run at the same moment: nothing was changed; stop the instances and run the step again.", Step.When.NOW);
        doc.step("throttle", "start throttled", cmd.cluster("throttle", "--max-events-per-second", PreflightSection.rate(f)), 0,
                "Recorded on the control topic " + Doc.code(dev.reprise.run.Control.topic(c)) + ": every instance applies it when it "
                        + "starts, shared in proportion to its source partitions. `1` when no run has been planned.", Step.When.NOW);
        doc.step("run", "run the replay", cmd.cluster("run", "--state-dir", f.options().stateDir()), 0,
                "The verdict: `0` trusted, `3` degraded, `4` untrusted (the final evidence is printed on stdout); `1` when it could not run "
                        + "(stderr says why). A second instance started with the same command shares the partitions; a restarted one continues "
                        + "the same run from its last commit.", Step.When.BACKGROUND);

        doc.subsection("While it runs");
        doc.step(null, "see progress, rate, ETA and the operator's last command", cmd.cluster("status"), 0,
                "Percent per partition and in total, offsets/s, ETA, `paused` or `throttled`, and the verdict once complete. `1` when no run "
                        + "has been planned.", Step.When.DURING_RUN);
        doc.step("pause", "pause every instance (peak traffic, a question to answer)", cmd.cluster("pause", "--reason", "peak traffic on the cluster"), 0,
                "Every instance stops processing; offsets, counters and state stay exact. A paused run waits for `reprise resume`.",
                Step.When.DURING_RUN);
        doc.step("resume", "resume", cmd.cluster("resume"), 0, "Every instance reads again from where it paused.", Step.When.DURING_RUN);
        doc.step("unthrottle", "lift the throttle once the cluster has room", cmd.cluster("throttle", "--max-events-per-second", "0"), 0,
                "`0` removes the limit; another number sets a new one, at once on every instance.", Step.When.DURING_RUN);
        doc.para("To stop the run for good, `reprise abort` with a `--reason` (section 8): its evidence is untrusted, with the reason, so no "
                + "gate can promote it.");
    }

    private static List<List<String>> settings(Facts f) {
        Contract c = f.contract();
        List<List<String>> rows = new ArrayList<>();
        rows.add(List.of("`application.id`", Doc.code(c.applicationId()), "contract `application_id`: group, internal topics, transactional ids"));
        rows.add(List.of("`processing.guarantee`", Doc.code(c.processing().guarantee()), "contract `processing.guarantee`"));
        rows.add(List.of("mode", c.processing().bounded() ? "bounded: stops at the plan's end" : "continuous: keeps following", "contract `processing.mode`"));
        String partitions = f.cluster() != null ? Integer.toString(f.cluster().plan().repartitionPartitions())
                : c.processing().repartitionPartitions() != null ? c.processing().repartitionPartitions().toString() : "the largest source partition count";
        rows.add(List.of("repartition partitions (apply tasks)", f.viaRepartition() ? partitions : "none: no repartition",
                f.cluster() != null ? "the plan" : "contract `processing.repartition_partitions`"));
        if (f.viaRepartition()) {
            rows.add(List.of("repartition batch", "up to 256 events or 128 KiB per record", "Reprise (fixed)"));
        }
        rows.add(List.of("throttle at the start", String.format(Locale.ROOT, "%,.0f events/s", f.options().rate()), "this runbook (`--rate`): the throttle step below"));
        rows.add(List.of("progress records", "every " + ReplayLoop.humanDuration(c.evidence().progressInterval()), "contract `evidence.progress_interval`"));
        RepriseConfig defaultsOfReprise = RepriseConfig.of(Map.of());
        rows.add(List.of("`" + RepriseConfig.ROCKSDB_MEMORY_BYTES + "`", String.format(Locale.ROOT, "%d MiB", defaultsOfReprise.rocksDbMemoryBytes() / (1024 * 1024)),
                "Reprise default: one RocksDB budget per process"));
        rows.add(List.of("`" + RepriseConfig.APPLY_RECENT_STATES + "`", defaultsOfReprise.applyRecentStates() == 0 ? "0 (a tenth of the heap)"
                : String.format(Locale.ROOT, "%,d", defaultsOfReprise.applyRecentStates()),
                "Reprise default: projection states each apply task keeps in memory"));
        rows.add(List.of("state directory", Doc.code(f.options().stateDir()), "this runbook (`--state-dir`)"));
        Map<String, Object> defaults = new TreeMap<>(StreamsSettings.replayDefaults());
        defaults.forEach((k, v) -> rows.add(List.of(Doc.code(k), Doc.code(value(k, v)), k.equals("num.stream.threads")
                ? "Reprise default: one per core (this machine's count shown)" : "Reprise default (`StreamsSettings.replayDefaults`)")));
        return rows;
    }

    private static String value(String key, Object v) {
        return v instanceof Class<?> cls ? cls.getSimpleName() : String.valueOf(v);
    }
}
