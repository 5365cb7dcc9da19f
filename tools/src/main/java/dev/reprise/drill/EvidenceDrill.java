package dev.reprise.drill;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonUnwrapped;
import dev.reprise.cli.Json;
import dev.reprise.contract.Contract;
import dev.reprise.evidence.TaskSummary;
import dev.reprise.evidence.avro.CheckResult;
import dev.reprise.evidence.avro.RecoveryEvidence;
import dev.reprise.run.Control;
import dev.reprise.runner.ReplayRunner;
import dev.reprise.pipeline.ReplayTopology;
import dev.reprise.pipeline.repartition.Routed;
import dev.reprise.pipeline.repartition.RoutedSerde;
import dev.reprise.plan.CompiledContract;
import dev.reprise.plan.RunPlan;
import dev.reprise.projection.Projection;
import dev.reprise.sample.inventory.InventoryGenerator;
import dev.reprise.upcast.Upcaster;
import dev.reprise.upcast.UpcasterRegistry;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.ServiceLoader;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Mutants of the pipeline, each run on the base history: the evidence must not call a broken rebuild
 * {@code trusted}, and must name the check that failed. Where Reprise repairs or ignores the fault by design
 * (offsets moved past a partition's end are put back, records of another run on the internal topics are
 * ignored and counted), the mutant is caught when the run is identical to the clean run and says what it did.
 */
final class EvidenceDrill {
    private static final String REFERENCE = "matches_reference_projection";
    private static final String COVERAGE = "every_partition_read_from_its_first_to_its_last_record";
    private static final String TO_THE_END = "every_partition_replayed_to_its_end";

    private EvidenceDrill() {
    }

    /**
     * One mutant's outcome, as the evidence scenario's {@code outcomes} list it: what it broke, what was expected, whether it
     * was caught, and what its run said inline.
     *
     * @param mutant  the mutant's name
     * @param skipped why it was not run; absent when it was
     */
    record Mutant(String mutant, String fault, String expected, boolean caught, @JsonInclude(JsonInclude.Include.NON_NULL) String skipped,
                  @JsonUnwrapped Observed result) {
        Mutant(String mutant, String fault, String expected, Observed result, boolean caught) {
            this(mutant, fault, expected, caught, null, result);
        }

        /** A mutant that cannot run on this history or has nothing to break in it, and why. */
        static Mutant skip(String name, String fault, String why) {
            return new Mutant(name, fault, "(not run)", false, why, Observed.NOTHING);
        }
    }

    /**
     * What the drill saw of a mutant's run; each field absent where it does not apply to the mutant. The order is that of
     * every mutant's fields before they had a type: the verdict first, then what the mutant adds.
     *
     * @param eventsMishandledThatChangeState events the mutant projection dropped or applied twice that change a key's state
     * @param runSaid                 what the run said: the partitions whose offsets it put back (a list), or a message
     * @param injected                records of another run written to the internal topics
     * @param staleRecords            the run's count of records of another run it ignored
     * @param differences             the differences from the clean run
     * @param exitCode                the app process's exit code, when it ended by itself
     * @param appSaid                 the app's last line, when it ended with neither a verdict nor a refusal
     * @param offsetsOfTheRunInForceUntouched whether the group's offsets stayed where the run in force put them
     * @param abortedEventsApplied    whether the events of the aborted transaction changed the rebuild
     * @param abortedRecordsRead      whether the run read records of the aborted transaction
     * @param error                   why the drill could not finish the mutant
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record Observed(String confidenceStatus, List<String> failedChecks, List<String> confidenceReasons, Long eventsMishandledThatChangeState,
                    Object runSaid, Integer injected, Long staleRecords, Boolean identicalToCleanRun, List<String> differences,
                    Integer exitCode, String appSaid, Boolean offsetsOfTheRunInForceUntouched, Boolean abortedEventsApplied,
                    Boolean abortedRecordsRead, String error) {
        static final Observed NOTHING = new Builder().build();

        /** The run's verdict, its failed checks and its reasons. */
        static Builder of(RecoveryEvidence e) {
            return new Builder().verdict(e);
        }

        static Builder builder() {
            return new Builder();
        }

        static final class Builder {
            private String confidenceStatus;
            private List<String> failedChecks;
            private List<String> confidenceReasons;
            private Long eventsMishandledThatChangeState;
            private Object runSaid;
            private Integer injected;
            private Long staleRecords;
            private Boolean identicalToCleanRun;
            private List<String> differences;
            private Integer exitCode;
            private String appSaid;
            private Boolean offsetsOfTheRunInForceUntouched;
            private Boolean abortedEventsApplied;
            private Boolean abortedRecordsRead;
            private String error;

            Builder verdict(RecoveryEvidence e) {
                return verdict(e.getConfidenceStatus().toString(), failed(e), e.getConfidenceReasons().stream().map(Object::toString).toList());
            }

            Builder verdict(String confidenceStatus, List<String> failedChecks, List<String> confidenceReasons) {
                this.confidenceStatus = confidenceStatus;
                this.failedChecks = List.copyOf(failedChecks);
                this.confidenceReasons = List.copyOf(confidenceReasons);
                return this;
            }

            Builder eventsMishandledThatChangeState(long n) {
                eventsMishandledThatChangeState = n;
                return this;
            }

            Builder runSaid(String message) {
                runSaid = message;
                return this;
            }

            Builder runSaid(List<String> partitionsPutBack) {
                runSaid = List.copyOf(partitionsPutBack);
                return this;
            }

            Builder stale(int injected, long staleRecords) {
                this.injected = injected;
                this.staleRecords = staleRecords;
                return this;
            }

            Builder identicalToCleanRun(boolean identical) {
                identicalToCleanRun = identical;
                return this;
            }

            Builder differences(List<String> differences) {
                this.differences = List.copyOf(differences);
                return this;
            }

            Builder exitCode(int code) {
                exitCode = code;
                return this;
            }

            Builder appSaid(String line) {
                appSaid = line;
                return this;
            }

            Builder offsetsOfTheRunInForceUntouched(boolean untouched) {
                offsetsOfTheRunInForceUntouched = untouched;
                return this;
            }

            Builder abortedEventsApplied(boolean applied) {
                abortedEventsApplied = applied;
                return this;
            }

            Builder abortedRecordsRead(boolean read) {
                abortedRecordsRead = read;
                return this;
            }

            Builder error(String why) {
                error = why;
                return this;
            }

            Observed build() {
                return new Observed(confidenceStatus, failedChecks, confidenceReasons, eventsMishandledThatChangeState, runSaid, injected,
                        staleRecords, identicalToCleanRun, differences, exitCode, appSaid, offsetsOfTheRunInForceUntouched,
                        abortedEventsApplied, abortedRecordsRead, error);
            }
        }
    }

    static void run(Drill.Base b, ScenarioReport r) {
        Map<String, java.util.function.Supplier<Mutant>> drills = new LinkedHashMap<>();
        AtomicLong dropped = new AtomicLong();
        AtomicLong twice = new AtomicLong();
        drills.put("drop-events", () -> wrongRebuild(b, "drop-events", "the projection ignores one event in " + Mutants.ONE_IN
                + " and counts it as processed", Mutants.dropping(b.wb().codecs.projection(), dropped), dropped, null));
        drills.put("apply-twice", () -> wrongRebuild(b, "apply-twice", "the projection applies one event in " + Mutants.ONE_IN + " twice",
                Mutants.applyingTwice(b.wb().codecs.projection(), twice), twice, null));
        drills.put("wrong-upcast", () -> b.sampled() ? Mutant.skip("wrong-upcast", "StockMovement v1 -> v2 forgets that v1 counts cases of 12",
                "made for the inventory sample's StockMovement upcaster; a wrong upcast of your events is caught like drop-events, "
                        + "by the comparison with the clean run's projection")
                : wrongRebuild(b, "wrong-upcast", "StockMovement v1 -> v2 forgets that v1 counts cases of 12", null, null, new Mutants.CasesAsUnits()));
        drills.put("skip-partition-end-by-offsets", () -> offsetsPastTheEnd(b));
        drills.put("skip-partition-end-undelivered", () -> undeliveredTail(b));
        drills.put("stale-records", () -> staleRecords(b));
        drills.put("mis-keyed-history", () -> misKeyed(b));
        drills.put("empty-scope", () -> emptyScope(b));
        drills.put("skip-inside-range", () -> skipInsideRange(b));
        drills.put("reused-event-id", () -> reusedEventId(b));
        drills.put("reused-event-id-across-tasks", () -> reusedEventIdAcrossTasks(b));
        drills.put("old-run-instance", () -> oldRunInstance(b));
        drills.put("at-least-once-aborted-transaction", () -> atLeastOnceAbortedTransaction(b));
        List<Mutant> mutants = new ArrayList<>();
        drills.forEach((name, drill) -> {
            try {
                mutants.add(drill.get());
            } catch (RuntimeException e) {
                mutants.add(new Mutant(name, "(see the error)", "an outcome", Observed.builder().error("the drill could not finish this mutant: "
                        + e.getMessage()).build(), false));
            }
        });
        long caught = mutants.stream().filter(Mutant::caught).count();
        r.facts(new Facts.Evidence(mutants.size(), caught, mutants.stream().filter(m -> m.skipped() != null).count(), List.copyOf(mutants)));
        for (Mutant m : mutants) {
            if (m.skipped() != null) {
                b.err().println("    " + m.mutant() + ": skipped — " + m.skipped());
                r.note("mutant " + m.mutant() + " not run: " + m.skipped());
                continue;
            }
            b.err().println("    " + m.mutant() + ": " + (m.caught() ? "caught" : "NOT CAUGHT") + " — "
                    + Objects.toString(m.result().confidenceStatus(), "") + " " + Objects.toString(m.result().failedChecks(), ""));
            if (!m.caught()) {
                r.fail("mutant " + m.mutant() + " (" + m.fault() + ") was not caught: expected " + m.expected() + "; got " + Json.of(m.result()));
            }
        }
    }

    /** A projection or upcaster that rebuilds the wrong state: the comparison with the ground truth must fail. */
    private static Mutant wrongRebuild(Drill.Base b, String name, String fault, Projection<?> projection, AtomicLong changing, Upcaster upcaster) {
        Workbench wb = b.wb();
        Contract contract = wb.contract(wb.yaml(wb.names(name), wb.history(), null, "", ""));
        CompiledContract codecs = wb.codecs;
        if (projection != null) {
            contract = contract.withProjectionName(projection.name());
            codecs = codecs.withProjection(projection, codecs.contractInvariants());
        }
        if (upcaster != null) {
            List<Upcaster> steps = new ArrayList<>();
            for (Upcaster u : ServiceLoader.load(Upcaster.class)) {
                steps.add(u.eventType().equals(upcaster.eventType()) && u.fromVersion() == upcaster.fromVersion() ? upcaster : u);
            }
            codecs = new CompiledContract(codecs.encoding(), codecs.catalog(), codecs.resolver(), new UpcasterRegistry(codecs.catalog(), steps),
                    codecs.projection(), codecs.contractInvariants(), codecs.schemaIds(), codecs.projectionEncoding(), codecs.projectionTopic());
        }
        RecoveryEvidence e = replay(b, contract, codecs, name, Map.of());
        if (changing != null && changing.get() == 0) {
            return Mutant.skip(name, fault, "none of the events it mishandled changes a key's state in this projection, which ignores or refuses them (" + e.getEventsProcessed()
                    + " events, one in " + Mutants.ONE_IN + " chosen): the fault is harmless here, there is nothing to catch");
        }
        Observed.Builder result = Observed.of(e);
        if (changing != null) {
            result.eventsMishandledThatChangeState(changing.get());
        }
        return verdictMutant(name, fault, e, REFERENCE, result.build());
    }

    /**
     * The group's offsets of one partition moved to its end after the run was planned (kafka-consumer-groups
     * --reset-offsets --to-latest on one partition): a run that started there would skip the partition's records.
     */
    private static Mutant offsetsPastTheEnd(Drill.Base b) {
        String name = "skip-partition-end-by-offsets";
        String fault = "the group's offsets of a partition moved to its end after the run was planned (as kafka-consumer-groups "
                + "--reset-offsets --to-latest would), before the run read it";
        Workbench wb = b.wb();
        Contract contract = wb.contract(wb.yaml(wb.names(name), wb.history(), null, "", ""));
        ReplayRunner runner = wb.runner(contract, wb.codecs, name, Map.of());
        RunPlan plan = wb.begin(runner, contract);
        RunPlan.PartitionRange range = plan.ranges().stream().filter(RunPlan.PartitionRange::hasData).findFirst().orElse(plan.ranges().get(0));
        ReplayRunner.Prepared prepared;
        try (Admin admin = wb.admin()) {
            admin.alterConsumerGroupOffsets(contract.applicationId(), Map.of(range.topicPartition(), new OffsetAndMetadata(range.end())))
                    .all().get(60, TimeUnit.SECONDS);
            // What 'reprise run' does first.
            prepared = runner.prepare(admin);
        } catch (Exception e) {
            throw new IllegalStateException("could not move the group's offsets: " + e.getMessage(), e);
        }
        RecoveryEvidence e = runUntilDone(b, contract, runner, prepared.plan());
        Comparison c = Comparison.of(b.clean(), b.outcome(contract, prepared.plan().runId()), Map.of());
        Observed result = Observed.of(e).runSaid(prepared.repaired()).identicalToCleanRun(c.identical()).build();
        boolean untrusted = !"trusted".equals(e.getConfidenceStatus().toString()) && failed(e).stream().anyMatch(f -> f.equals(COVERAGE) || f.equals(TO_THE_END));
        boolean repaired = !prepared.repaired().isEmpty() && c.identical();
        return new Mutant(name, fault, "the run puts the offsets back (and is identical to the clean run), or untrusted with " + COVERAGE,
                result, untrusted || repaired);
    }

    /** Records of one partition never delivered from some offset on: the run must not finish trusted without them. */
    private static Mutant undeliveredTail(Drill.Base b) {
        String name = "skip-partition-end-undelivered";
        Workbench wb = b.wb();
        Contract contract = wb.contract(wb.yaml(wb.names(name), wb.history(), null, "", ""));
        RunPlan probe;
        try (Admin admin = wb.admin()) {
            probe = new dev.reprise.plan.Planner(admin, wb.clientConfig()).plan(contract);
        }
        RunPlan.PartitionRange range = probe.ranges().stream().filter(p -> p.size() > 4).findFirst().orElseThrow();
        long from = range.start() + range.size() * 3 / 4;
        String fault = "the records of " + range.topicPartition() + " from offset " + from + " on (of " + range.start() + ".." + range.end()
                + ") are never delivered to the application (a consumer interceptor drops them)";
        ReplayRunner runner = wb.runner(contract, wb.codecs, name, Map.of());
        RunPlan plan = wb.begin(runner, contract);
        // In a process of its own: a run that never ends can be killed there.
        Map<String, String> settings = new java.util.HashMap<>();
        Mutants.UndeliveredTail.streamsSettings(range.topicPartition(), from).forEach((k, v) -> settings.put(k, String.valueOf(v)));
        settings.put(dev.reprise.config.RepriseConfig.STALL_TIMEOUT_MS, "5000");
        AppProcess app = AppProcess.start(wb, b.bootstrap(), wb.contractFile(wb.yaml(wb.names(name), wb.history(), null, "", "")),
                wb.dir.resolve(name), name, settings);
        // The run notices by itself that it has nothing left to read (here after 5 s of it, checked every 5 s).
        long waitSeconds = 90 + b.records() / 1_000;
        Observed.Builder result = Observed.builder();
        boolean ended = app.waitFor(waitSeconds, false);
        boolean aborted = false;
        if (!ended) {
            aborted = true;
            Control control = new Control(contract, wb.clientConfig());
            try (Admin admin = wb.admin()) {
                control.send(admin, new Control.Command(plan.runId(), Control.Action.ABORT, null,
                        "reprise drill: no final evidence after " + waitSeconds + " s", "reprise drill", System.currentTimeMillis()));
            }
            ended = app.waitFor(20, true);
        }
        Optional<RecoveryEvidence> evidence = wb.finalEvidence(contract, plan.runId());
        evidence.ifPresent(result::verdict);
        if (aborted) {
            result.runSaid("nothing: after " + waitSeconds + " s the run was still waiting for the partition's last records; the "
                    + "drill aborted it as an operator would ('reprise abort')" + (ended ? ", and it ended with the aborted evidence"
                    : ", and it did not end within 20 s of the abort either, so the drill killed it") + "; its last progress line: "
                    + app.stderr().lines().filter(l -> l.contains("% ")).reduce((x, y) -> y).orElse("none") + "; what it said of the abort: "
                    + app.stderr().lines().filter(l -> l.toLowerCase(java.util.Locale.ROOT).contains("abort")).toList());
        } else {
            result.exitCode(app.exitCode());
            if (app.exitCode() != 3 && app.exitCode() != 4) {
                // Neither a verdict nor a refusal of the mutant: what the app said, to tell why.
                result.appSaid(app.stderr().lines().filter(l -> !l.isBlank()).reduce((x, y) -> y).orElse(""));
            }
        }
        boolean caught = !aborted && evidence.isPresent() && !"trusted".equals(evidence.get().getConfidenceStatus().toString())
                && (failed(evidence.get()).stream().anyMatch(f -> f.equals(COVERAGE) || f.equals(TO_THE_END))
                || evidence.get().getAborted() && evidence.get().getConfidenceReasons().stream().anyMatch(r -> r.toString().contains("stalled")));
        return new Mutant(name, fault, "untrusted with " + COVERAGE + " or " + TO_THE_END + ", or the run aborts by itself as stalled "
                + "(nothing left to read and no end)", result.build(), caught);
    }

    /** Records of another run on the internal topics, where the next run reads: ignored and counted, the rebuild unchanged. */
    private static Mutant staleRecords(Drill.Base b) {
        String name = "stale-records";
        Workbench wb = b.wb();
        Workbench.Names clean = wb.names("clean");
        Workbench.Names own = wb.names(name);
        // The clean run's application, so its internal topics (and the clean run's records on them) are there.
        Workbench.Names names = new Workbench.Names(name, clean.applicationId(), own.projection(), own.evidence(), own.deadLetters());
        Contract contract = wb.contract(wb.yaml(names, wb.history(), null, "", ""));
        ReplayRunner runner = wb.runner(contract, wb.codecs, name, Map.of());
        RunPlan plan = wb.begin(runner, contract, Optional.of(b.cleanEvidence().getRunId().toString()));
        String repartition = contract.applicationId() + "-" + ReplayTopology.BY_KEY + "-repartition";
        String parts = contract.applicationId() + "-" + ReplayTopology.EVIDENCE_PARTS + "-repartition";
        byte[] otherRun = new RunPlan("an-earlier-run", "x", "x", "x", 0, List.of(), 1).statePrefix();
        var foreign = new RoutedSerde(otherRun).serializer();
        int injected = 0;
        try (KafkaProducer<byte[], byte[]> producer = wb.producer(); Admin admin = wb.admin()) {
            // A history keyed by the ordering key is not repartitioned: there is no by-key topic, only the evidence parts.
            int repartitions = admin.listTopics().names().get(60, TimeUnit.SECONDS).contains(repartition)
                    ? admin.describeTopics(List.of(repartition)).allTopicNames().get(60, TimeUnit.SECONDS).get(repartition).partitions().size() : 0;
            for (int p = 0; p < repartitions; p++) {
                for (RunPlan.PartitionRange source : plan.ranges()) {
                    // End markers of another run claiming every source partition ended: a run that took them would finish early.
                    producer.send(new ProducerRecord<>(repartition, p, new byte[]{0}, foreign.serialize(repartition,
                            new Routed.End(source.topic(), source.partition(), Map.of("events_read", 1L, "ended", 1L)))));
                    injected++;
                }
                producer.send(new ProducerRecord<>(repartition, p, new byte[]{1}, "not a record of any run".getBytes(StandardCharsets.UTF_8)));
                injected++;
            }
            TaskSummary summary = new TaskSummary("an-earlier-run", 0, Map.of(), Map.of("processed", 1L), 1, 1, Map.of(), Map.of(), null);
            producer.send(new ProducerRecord<>(parts, 0, new byte[]{2}, summary.toJson()));
            injected++;
            producer.flush();
        } catch (Exception e) {
            throw new IllegalStateException("could not write records of another run to the internal topics: " + e.getMessage(), e);
        }
        RecoveryEvidence e = runUntilDone(b, contract, runner, plan);
        Comparison c = Comparison.of(b.clean(), b.outcome(contract, plan.runId()), Map.of());
        Observed result = Observed.of(e).stale(injected, e.getStaleRecords()).identicalToCleanRun(c.identical()).differences(c.differences()).build();
        return new Mutant(name, "end markers, a task summary and unreadable bytes of an earlier run written to the internal topics where "
                + "the next run reads", "ignored and counted (stale_records = " + injected + "), the rebuild identical to the clean run",
                result, c.identical() && e.getStaleRecords() == injected);
    }

    /** A history declared keyed by the ordering key that is not: a replay without repartition would split keys between tasks. */
    private static Mutant misKeyed(Drill.Base b) {
        String name = "mis-keyed-history";
        Workbench wb = b.wb();
        if (b.sampled()) {
            return misKeyedSample(b, name);
        }
        String source = wb.prefix + "keyed";
        wb.createTopic(source, wb.partitions, false);
        int scatter = (int) Math.max(3, b.options().events() / 500);
        int skus = (int) Math.max(10, Math.min(2_000, b.options().events() / 20));
        InventoryGenerator.Options gen = new InventoryGenerator.Options(b.options().events(), 0.02, (int) Math.max(5, b.options().events() / 2_000),
                wb.partitions, skus, b.options().seed()).keyed(scatter);
        try (KafkaProducer<byte[], byte[]> producer = wb.producer()) {
            wb.generator().write(producer, source, gen);
        }
        Contract contract = wb.contract(wb.yaml(wb.names(name), source, true, "", ""));
        RecoveryEvidence e = replay(b, contract, wb.codecs, name, Map.of());
        return verdictMutant(name, "the history is declared keyed by the ordering key (no repartition) but " + scatter
                + " events sit in another partition than their SKU's", e, "history_keyed_by_ordering_key");
    }

    /** A scope that selects nothing: a rebuild of nothing must not pass for a rebuild. */
    private static Mutant emptyScope(Drill.Base b) {
        String name = "empty-scope";
        Workbench wb = b.wb();
        Contract contract = wb.contract(wb.yaml(wb.names(name), wb.history(), null, "",
                "scope:\n  from: earliest\n  to: latest-at-start\n  keys: [drill-no-such-sku]\n"));
        RecoveryEvidence e = replay(b, contract, wb.codecs, name, Map.of());
        return verdictMutant(name, "scope.keys names a SKU that no event has", e, "rebuild_is_not_empty");
    }

    /**
     * The group's offset of a partition moved forward inside the range, and the run started without the command's offset
     * repair (what an instance given a stale plan file did): the first and last records read still match the plan, so
     * only the proof of every offset in between can tell.
     */
    private static Mutant skipInsideRange(Drill.Base b) {
        String name = "skip-inside-range";
        Workbench wb = b.wb();
        Contract contract = wb.contract(wb.yaml(wb.names(name), wb.history(), null, "", ""));
        ReplayRunner runner = wb.runner(contract, wb.codecs, name, Map.of());
        RunPlan plan = wb.begin(runner, contract);
        RunPlan.PartitionRange range = plan.ranges().stream().filter(r -> r.hasData() && r.lastDataOffset() - r.firstDataOffset() > 4)
                .findFirst().orElseThrow(() -> new IllegalStateException("no partition of the history holds five records"));
        long middle = range.firstDataOffset() + (range.lastDataOffset() - range.firstDataOffset()) / 2;
        try (Admin admin = wb.admin()) {
            admin.alterConsumerGroupOffsets(contract.applicationId(), Map.of(range.topicPartition(), new OffsetAndMetadata(middle)))
                    .all().get(60, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException("could not move the group's offsets: " + e.getMessage(), e);
        }
        RecoveryEvidence e = runUntilDone(b, contract, runner, plan);
        return verdictMutant(name, "the group's offset of " + range.topicPartition() + " moved forward to " + middle
                + " inside the range, and the run started without the offset repair (a stale 'run --plan')", e, "every_offset_read_or_proven_empty");
    }

    /** Two events with one id and different content, for one SKU: a conflict, not a duplicate. */
    private static Mutant reusedEventId(Drill.Base b) {
        String name = "reused-event-id";
        if (b.sampled()) {
            return reusedEventIdSample(b, name, false);
        }
        return reusedIdOnGeneratedHistory(b, name, "reused-id", "SKU-00001", "SKU-00001", 5_000,
                "event id drill-" + name + " written twice for SKU-00001, with quantity 50 and then 5,000");
    }

    /**
     * One event id for two SKUs whose events go to different apply tasks: each task's dedup set meets it once, so only
     * the id check across tasks can see it.
     */
    private static Mutant reusedEventIdAcrossTasks(Drill.Base b) {
        String name = "reused-event-id-across-tasks";
        if (b.sampled()) {
            return reusedEventIdSample(b, name, true);
        }
        int tasks = b.wb().partitions;
        String first = "SKU-X0";
        String second = null;
        for (int i = 1; second == null; i++) {
            String sku = "SKU-X" + i;
            if (dev.reprise.compat.Partitions.ofKey(sku.getBytes(StandardCharsets.UTF_8), tasks)
                    != dev.reprise.compat.Partitions.ofKey(first.getBytes(StandardCharsets.UTF_8), tasks)) {
                second = sku;
            }
        }
        return reusedIdOnGeneratedHistory(b, name, "reused-id-tasks", first, second, 50, "event id drill-" + name + " written for " + first
                + " and for " + second + ", whose events go to different apply tasks");
    }

    /** The generated history, then one event id on two events: of {@code firstKey} (quantity 50) and of {@code secondKey}. */
    private static Mutant reusedIdOnGeneratedHistory(Drill.Base b, String name, String topic, String firstKey, String secondKey,
                                                     int secondQuantity, String fault) {
        Workbench wb = b.wb();
        String source = wb.prefix + topic;
        wb.createTopic(source, wb.partitions, false);
        InventoryGenerator.Options gen = new InventoryGenerator.Options(Math.min(b.options().events(), 5_000), 0.02, 0, wb.partitions,
                50, b.options().seed());
        String id = "drill-" + name;
        try (KafkaProducer<byte[], byte[]> producer = wb.producer()) {
            InventoryGenerator generator = wb.generator();
            generator.write(producer, source, gen);
            long now = System.currentTimeMillis();
            producer.send(new ProducerRecord<>(source, 0, now, firstKey.getBytes(StandardCharsets.UTF_8),
                    generator.encode(3, id, firstKey, "RECEIVED", 50, "WH1/A-1", now)));
            producer.send(new ProducerRecord<>(source, 0, now + 1, secondKey.getBytes(StandardCharsets.UTF_8),
                    generator.encode(3, id, secondKey, "RECEIVED", secondQuantity, "WH1/A-1", now + 1)));
            producer.flush();
        }
        Contract contract = wb.contract(wb.yaml(wb.names(name), source, false, "", ""));
        RecoveryEvidence e = replay(b, contract, wb.codecs, name, Map.of());
        return verdictMutant(name, fault, e, "event_ids_name_one_event");
    }

    /** An instance started with the plan of a run that another run has replaced: it must not read for the new run. */
    private static Mutant oldRunInstance(Drill.Base b) {
        String name = "old-run-instance";
        Workbench wb = b.wb();
        Contract contract = wb.contract(wb.yaml(wb.names(name), wb.history(), null, "", ""));
        ReplayRunner runner = wb.runner(contract, wb.codecs, name, Map.of());
        RunPlan old = wb.begin(runner, contract);
        RunPlan current = wb.begin(runner, contract, Optional.of(old.runId()));
        Observed.Builder result = Observed.builder();
        boolean refused;
        try {
            RecoveryEvidence e = runner.run(old, null);
            result.verdict(e);
            refused = false;
        } catch (RuntimeException e) {
            result.runSaid(e.getMessage());
            refused = e.getMessage() != null && e.getMessage().contains("run in force is " + current.runId());
        }
        boolean untouched;
        try (Admin admin = wb.admin()) {
            Map<org.apache.kafka.common.TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(contract.applicationId())
                    .partitionsToOffsetAndMetadata().get(60, TimeUnit.SECONDS);
            untouched = current.ranges().stream().allMatch(r -> committed.get(r.topicPartition()) != null
                    && committed.get(r.topicPartition()).offset() == r.start());
        } catch (Exception e) {
            throw new IllegalStateException("could not read the group's offsets: " + e.getMessage(), e);
        }
        result.offsetsOfTheRunInForceUntouched(untouched);
        return new Mutant(name, "an instance started with the plan of run " + old.runId() + " after run " + current.runId() + " replaced it",
                "the instance stops before processing anything, naming the run in force; the group's offsets stay where the new run put them",
                result.build(), refused && untouched);
    }

    /**
     * The history with an aborted transaction in it, replayed under at_least_once: the aborted events must never be applied
     * (every consumer reads read_committed), and a run that cannot prove each event was applied once is not trusted.
     */
    private static Mutant atLeastOnceAbortedTransaction(Drill.Base b) {
        String name = "at-least-once-aborted-transaction";
        Workbench wb = b.wb();
        if (b.sampled()) {
            return atLeastOnceSample(b, name);
        }
        String source = wb.prefix + "aborted";
        wb.createTopic(source, wb.partitions, false);
        Map<String, Object> transactional = new java.util.HashMap<>(wb.clientConfig());
        transactional.put(org.apache.kafka.clients.producer.ProducerConfig.TRANSACTIONAL_ID_CONFIG, wb.prefix + "aborting-writer");
        int aborted = 20;
        try (KafkaProducer<byte[], byte[]> producer = wb.producer()) {
            // The same history as the clean run's (same options, same seed): the ground truth is the same.
            wb.generator().write(producer, source, Drill.history(b.options()));
        }
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(transactional, new org.apache.kafka.common.serialization.ByteArraySerializer(),
                new org.apache.kafka.common.serialization.ByteArraySerializer())) {
            producer.initTransactions();
            producer.beginTransaction();
            InventoryGenerator generator = wb.generator();
            long now = System.currentTimeMillis();
            for (int i = 0; i < aborted; i++) {
                producer.send(new ProducerRecord<>(source, i % wb.partitions, now, "SKU-00001".getBytes(StandardCharsets.UTF_8),
                        generator.encode(3, "drill-aborted-" + i, "SKU-00001", "RECEIVED", 1_000, "WH1/A-1", now)));
            }
            producer.flush();
            producer.abortTransaction();
        }
        Contract contract = wb.contract(wb.yaml(wb.names(name), source, false, "", "processing:\n  guarantee: at_least_once\n"));
        RecoveryEvidence e = replay(b, contract, wb.codecs, name, Map.of());
        boolean matchesTruth = !failed(e).contains(REFERENCE);
        Observed result = Observed.of(e).abortedEventsApplied(!matchesTruth).build();
        boolean saysGuarantee = e.getConfidenceReasons().stream().anyMatch(r -> r.toString().contains("processing.guarantee is at_least_once"));
        return new Mutant(name, aborted + " events of an aborted transaction in the history, replayed under processing.guarantee: at_least_once",
                "the aborted events not applied (the rebuild matches the ground truth) and the run not trusted: degraded by its guarantee",
                result, matchesTruth && saysGuarantee && !"trusted".equals(e.getConfidenceStatus().toString()));
    }

    // ---- The mutants that write a history of their own, on a team's sample: made of the sample's records, nothing of a domain ----

    /** The sample's records (one history topic), partition by partition in offset order; {@code null} with several topics. */
    private static List<List<ConsumerRecord<byte[], byte[]>>> samplePartitions(Workbench wb) {
        if (wb.histories().size() > 1) {
            return null;
        }
        List<List<ConsumerRecord<byte[], byte[]>>> out = new ArrayList<>();
        for (int p = 0; p < wb.partitions; p++) {
            out.add(new ArrayList<>());
        }
        wb.readAll(wb.history()).forEach(r -> out.get(r.partition()).add(r));
        return out;
    }

    private static final String ONE_TOPIC = "the contract reads several history topics; this mutant writes a history of one";

    /** Writes records to {@code topic}, each in the partition given. */
    private static void write(Workbench wb, String topic, List<List<ConsumerRecord<byte[], byte[]>>> byPartition) {
        try (KafkaProducer<byte[], byte[]> producer = wb.producer()) {
            for (int p = 0; p < byPartition.size(); p++) {
                for (ConsumerRecord<byte[], byte[]> r : byPartition.get(p)) {
                    producer.send(new ProducerRecord<>(topic, p, r.timestamp(), r.key(), r.value(), r.headers()));
                }
            }
            producer.flush();
        }
    }

    /** The sample with one event of some keys moved to another partition, declared keyed by the ordering key. */
    private static Mutant misKeyedSample(Drill.Base b, String name) {
        Workbench wb = b.wb();
        String fault = "the history is declared keyed by the ordering key (no repartition) but one event of some keys sits in another "
                + "partition than the key's other events";
        List<List<ConsumerRecord<byte[], byte[]>>> parts = samplePartitions(wb);
        if (parts == null || wb.partitions < 2) {
            return Mutant.skip(name, fault, parts == null ? ONE_TOPIC : "the history has one partition: no event can sit in another");
        }
        SourceOracle oracle = new SourceOracle(wb.team, wb.codecs);
        // The last event of each key seen in a partition, moved to the next partition, for at most 'scatter' keys.
        int scatter = (int) Math.max(3, b.records() / 500);
        java.util.Set<String> moved = new java.util.HashSet<>();
        List<List<ConsumerRecord<byte[], byte[]>>> out = new ArrayList<>();
        parts.forEach(p -> out.add(new ArrayList<>()));
        for (int p = 0; p < parts.size(); p++) {
            Map<String, Integer> count = new java.util.HashMap<>();
            for (ConsumerRecord<byte[], byte[]> r : parts.get(p)) {
                if (oracle.classify(r.key(), r.headers(), r.value()).isEvent()) {
                    count.merge(oracle.orderingKey(r.key(), r.headers(), r.value()), 1, Integer::sum);
                }
            }
            Map<String, Integer> seen = new java.util.HashMap<>();
            for (ConsumerRecord<byte[], byte[]> r : parts.get(p)) {
                String key = oracle.classify(r.key(), r.headers(), r.value()).isEvent() ? oracle.orderingKey(r.key(), r.headers(), r.value()) : null;
                boolean last = key != null && seen.merge(key, 1, Integer::sum).equals(count.get(key)) && count.get(key) > 1;
                if (last && moved.size() < scatter && moved.add(key)) {
                    out.get((p + 1) % parts.size()).add(r);
                } else {
                    out.get(p).add(r);
                }
            }
        }
        if (moved.isEmpty()) {
            return Mutant.skip(name, fault, "no key of the sample has two events in one partition to split");
        }
        String source = wb.prefix + "keyed";
        wb.createTopic(source, wb.partitions, false);
        write(wb, source, out);
        Contract contract = wb.contract(wb.yaml(wb.names(name), source, true, "", ""));
        RecoveryEvidence e = replay(b, contract, wb.codecs, name, Map.of());
        return verdictMutant(name, fault + " (" + moved.size() + " keys)", e, "history_keyed_by_ordering_key");
    }

    /**
     * The sample with one more record: an event carrying the event id of another event, of the same key or (across tasks) of a
     * key of another apply task. Its value is its own, re-encoded with the id (a payload field) or its header replaced (a header).
     */
    private static Mutant reusedEventIdSample(Drill.Base b, String name, boolean acrossTasks) {
        Workbench wb = b.wb();
        String fault = acrossTasks ? "an event id written again on an event of a key of another apply task"
                : "an event id written twice for one key, on two events of different content";
        int tasks = wb.team.processing().repartitionPartitions() != null ? wb.team.processing().repartitionPartitions() : wb.partitions;
        boolean keyed = wb.team.history().keyedByOrderingKey();
        List<List<ConsumerRecord<byte[], byte[]>>> parts = samplePartitions(wb);
        Contract.Identity id = wb.team.idempotency().eventId();
        if (parts == null) {
            return Mutant.skip(name, fault, ONE_TOPIC);
        }
        if (id.from() == Contract.Identity.From.RECORD_KEY) {
            return Mutant.skip(name, fault, "the event id is the record key; the mutant gives an event another event's id in a field or header");
        }
        SourceOracle oracle = new SourceOracle(wb.team, wb.codecs);
        dev.reprise.codec.EventDecoder decoder = wb.codecs.newDecoder();
        // Across tasks: the first event of any key, then an event of a key whose apply task is another.
        ConsumerRecord<byte[], byte[]> firstOfAll = null;
        int firstTask = -1;
        for (int p = 0; p < parts.size(); p++) {
            Map<String, ConsumerRecord<byte[], byte[]>> firstOfKey = new java.util.HashMap<>();
            for (ConsumerRecord<byte[], byte[]> r : parts.get(p)) {
                if (!oracle.classify(r.key(), r.headers(), r.value()).isEvent()) {
                    continue;
                }
                String key = oracle.orderingKey(r.key(), r.headers(), r.value());
                ConsumerRecord<byte[], byte[]> first;
                if (acrossTasks) {
                    int task = keyed ? p : dev.reprise.compat.Partitions.ofKey(key.getBytes(StandardCharsets.UTF_8), tasks);
                    if (firstOfAll == null) {
                        firstOfAll = r;
                        firstTask = task;
                        continue;
                    }
                    if (task == firstTask) {
                        continue;
                    }
                    first = firstOfAll;
                } else {
                    first = firstOfKey.putIfAbsent(key, r);
                    if (first == null || java.util.Arrays.equals(first.value(), r.value())) {
                        continue;
                    }
                }
                String firstId = eventId(decoder, wb.team, first);
                ConsumerRecord<byte[], byte[]> reused = withEventId(decoder, id, r, firstId);
                if (reused == null || firstId == null || firstId.equals(eventId(decoder, wb.team, r))) {
                    continue;
                }
                if (acrossTasks) {
                    // In its place, not appended: the event keeps its position among its key's events (an order's status
                    // machine takes no event twice), and only its id is another key's.
                    parts.get(p).set(parts.get(p).indexOf(r), reused);
                } else {
                    parts.get(p).add(reused);
                }
                String source = wb.prefix + (acrossTasks ? "reused-id-tasks" : "reused-id");
                wb.createTopic(source, wb.partitions, false);
                write(wb, source, parts);
                Contract contract = wb.contract(wb.yaml(wb.names(name), source, null, "", ""));
                RecoveryEvidence e = replay(b, contract, wb.codecs, name, Map.of());
                return verdictMutant(name, "event id " + firstId + " written again on an event of key " + key
                        + (acrossTasks ? ", whose apply task is another" : ", of the same key, with that event's content"), e, "event_ids_name_one_event");
            }
        }
        return Mutant.skip(name, fault, acrossTasks ? "no two keys of the sample go to different apply tasks with an event whose id the "
                + "drill can rewrite (a payload field written in the local schema, or a header)"
                : "no key of the sample has two events of different content whose id the drill can rewrite "
                + "(a payload field written in the local schema, or a header)");
    }

    private static String eventId(dev.reprise.codec.EventDecoder decoder, Contract team, ConsumerRecord<byte[], byte[]> r) {
        try {
            var decoded = decoder.decode(r.value());
            return dev.reprise.codec.Identities.read(team.idempotency().eventId(), decoded.record(), r.key(), r.headers(), decoded.type());
        } catch (RuntimeException e) {
            return null;
        }
    }

    /** {@code r} with event id {@code id}: a header replaced, or the payload field re-encoded; {@code null} when it cannot be. */
    private static ConsumerRecord<byte[], byte[]> withEventId(dev.reprise.codec.EventDecoder decoder, Contract.Identity identity,
                                                             ConsumerRecord<byte[], byte[]> r, String id) {
        org.apache.kafka.common.header.Headers headers = dev.reprise.compat.NewHeaders.empty();
        r.headers().forEach(headers::add);
        byte[] value = r.value();
        if (identity.from() == Contract.Identity.From.HEADER) {
            headers.remove(identity.name());
            headers.add(identity.name(), id.getBytes(StandardCharsets.UTF_8));
        } else {
            var decoded = decoder.decode(r.value());
            org.apache.avro.Schema schema = decoded.record().getSchema();
            if (!decoded.asLocal() || schema.getField(identity.name()) == null) {
                return null;
            }
            org.apache.avro.generic.GenericRecord copy = org.apache.avro.generic.GenericData.get().deepCopy(schema, decoded.record());
            copy.put(identity.name(), id);
            java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
            out.write(r.value(), 0, decoded.avroOffset());
            try {
                var encoder = org.apache.avro.io.EncoderFactory.get().binaryEncoder(out, null);
                new org.apache.avro.generic.GenericDatumWriter<org.apache.avro.generic.GenericRecord>(schema).write(copy, encoder);
                encoder.flush();
            } catch (java.io.IOException | RuntimeException e) {
                return null;
            }
            value = out.toByteArray();
        }
        return new ConsumerRecord<>(r.topic(), r.partition(), r.offset(), r.timestamp(), r.timestampType(), r.serializedKeySize(),
                value.length, r.key(), value, headers, java.util.Optional.empty());
    }

    /**
     * The sample, then copies of some of its events in a transaction that is aborted, replayed under at_least_once: the aborted
     * records must never be read (the run reads exactly the clean run's records and skips no more duplicates), and a run that
     * cannot prove each event was applied once is not trusted.
     */
    private static Mutant atLeastOnceSample(Drill.Base b, String name) {
        Workbench wb = b.wb();
        String fault = "copies of 20 events in an aborted transaction after the history, replayed under processing.guarantee: at_least_once";
        List<List<ConsumerRecord<byte[], byte[]>>> parts = samplePartitions(wb);
        if (parts == null) {
            return Mutant.skip(name, fault, ONE_TOPIC);
        }
        String source = wb.prefix + "aborted";
        wb.createTopic(source, wb.partitions, false);
        write(wb, source, parts);
        Map<String, Object> transactional = new java.util.HashMap<>(wb.clientConfig());
        transactional.put(org.apache.kafka.clients.producer.ProducerConfig.TRANSACTIONAL_ID_CONFIG, wb.prefix + "aborting-writer");
        int aborted = 0;
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(transactional, new org.apache.kafka.common.serialization.ByteArraySerializer(),
                new org.apache.kafka.common.serialization.ByteArraySerializer())) {
            producer.initTransactions();
            producer.beginTransaction();
            for (List<ConsumerRecord<byte[], byte[]>> partition : parts) {
                for (ConsumerRecord<byte[], byte[]> r : partition.subList(0, Math.min(5, partition.size()))) {
                    if (aborted < 20) {
                        producer.send(new ProducerRecord<>(source, r.partition(), r.timestamp(), r.key(), r.value(), r.headers()));
                        aborted++;
                    }
                }
            }
            producer.flush();
            producer.abortTransaction();
        }
        Contract contract = wb.contract(wb.yaml(wb.names(name), source, null, "", "processing:\n  guarantee: at_least_once\n"));
        RecoveryEvidence e = replay(b, contract, wb.codecs, name, Map.of());
        boolean matchesTruth = !failed(e).contains(REFERENCE);
        boolean readNone = e.getEventsRead() == b.cleanEvidence().getEventsRead() && e.getDuplicatesSkipped() == b.cleanEvidence().getDuplicatesSkipped();
        Observed result = Observed.of(e).abortedRecordsRead(!readNone).build();
        boolean saysGuarantee = e.getConfidenceReasons().stream().anyMatch(r -> r.toString().contains("processing.guarantee is at_least_once"));
        return new Mutant(name, fault.replace("20", String.valueOf(aborted)), "no aborted record read (the clean run's records read and "
                + "duplicates skipped), the rebuild matches the reference, and the run not trusted: degraded by its guarantee",
                result, matchesTruth && readNone && saysGuarantee && !"trusted".equals(e.getConfidenceStatus().toString()));
    }

    private static Mutant verdictMutant(String name, String fault, RecoveryEvidence e, String check) {
        return verdictMutant(name, fault, e, check, Observed.of(e).build());
    }

    private static Mutant verdictMutant(String name, String fault, RecoveryEvidence e, String check, Observed result) {
        boolean caught = "untrusted".equals(e.getConfidenceStatus().toString()) && failed(e).contains(check);
        return new Mutant(name, fault, "untrusted with " + check + " failed", result, caught);
    }

    private static RecoveryEvidence replay(Drill.Base b, Contract contract, CompiledContract codecs, String label, Map<String, Object> streams) {
        ReplayRunner runner = b.wb().runner(contract, codecs, label, streams);
        return runUntilDone(b, contract, runner, b.wb().begin(runner, contract));
    }

    /** Runs to the final evidence, in this process. */
    private static RecoveryEvidence runUntilDone(Drill.Base b, Contract contract, ReplayRunner runner, RunPlan plan) {
        try {
            return runner.run(plan, null);
        } catch (RuntimeException e) {
            throw new IllegalStateException("run " + plan.runId() + " of " + contract.name() + " failed: " + e.getMessage(), e);
        }
    }

    private static List<String> failed(RecoveryEvidence e) {
        List<String> out = new ArrayList<>();
        for (CheckResult c : e.getReconciliationChecks()) {
            if (!c.getPassed() && !e.getChecksNotMade().contains(c.getName())) {
                out.add(c.getName().toString());
            }
        }
        return out;
    }
}
