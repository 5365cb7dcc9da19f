package dev.reprise.cli;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.reprise.contract.Contract;
import dev.reprise.evidence.avro.RecoveryEvidence;
import dev.reprise.run.Control;
import dev.reprise.evidence.io.EvidenceReader;
import dev.reprise.cluster.GroupOffsets;
import dev.reprise.run.RunStore;
import dev.reprise.plan.RunPlan;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.common.TopicPartition;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;

@Command(name = "status", mixinStandardHelpOptions = true,
        description = "Progress of the run in force, seen from outside the app: committed offsets against the plan, per partition and "
                + "in total, with rate and ETA, the operator's last command, and the verdict once the run is complete.",
        footer = {"", "Examples:", "  reprise status --contract config/inventory.yaml --bootstrap-server localhost:9092",
                "  reprise status --contract config/inventory.yaml --bootstrap-server localhost:9092 --watch 5"})
public final class StatusCommand implements Callable<Integer> {
    @Mixin
    ClusterOptions cluster = new ClusterOptions();

    @Option(names = "--watch", arity = "0..1", fallbackValue = "2", paramLabel = "SECONDS",
            description = "Refresh every SECONDS (default 2) until the run is complete.")
    Integer watch;

    @Mixin
    EvidenceKeyOption key = new EvidenceKeyOption();

    @Option(names = "--json", description = "Print one JSON object per refresh on stdout.")
    boolean json;

    @Override
    public Integer call() throws InterruptedException {
        Contract contract = cluster.loadContract();
        Map<String, Object> clientConfig = cluster.clientConfig();
        try (Admin admin = Admin.create(clientConfig)) {
            Optional<RunPlan> current = new RunStore(contract, clientConfig).current(admin);
            if (current.isEmpty()) {
                System.err.println("reprise status: no run has been planned for " + contract.applicationId()
                        + "; start one with 'reprise reset --execute' or 'reprise run'");
                return ExitCodes.FAILURE;
            }
            RunPlan plan = current.get();
            GroupOffsets group = new GroupOffsets(admin, contract.applicationId());
            Map<TopicPartition, Long> before = group.committed();
            long beforeAt = System.nanoTime();
            int interval = watch == null ? 2 : Math.max(1, watch);
            try (Control.Follower control = new Control(contract, clientConfig).follow(plan.runId())) {
                while (true) {
                    Thread.sleep(interval * 1000L);
                    Map<TopicPartition, Long> now = group.committed();
                    long nowAt = System.nanoTime();
                    EvidenceReader.Selection evidence = key.reader(contract, clientConfig).forPlan(plan);
                    Optional<RecoveryEvidence> done = Optional.ofNullable(evidence.finalEvidence());
                    Control.State state = control.catchUp();
                    Report report = report(plan, before, now, (nowAt - beforeAt) / 1e9, state, done.orElse(null), group.activeMembers(),
                            done.isPresent() ? Authenticity.of(evidence) : null);
                    print(report);
                    if (watch == null || done.isPresent()) {
                        return ExitCodes.OK;
                    }
                    before = now;
                    beforeAt = nowAt;
                }
            }
        }
    }

    static Report report(RunPlan plan, Map<TopicPartition, Long> before, Map<TopicPartition, Long> now, double seconds,
                         Control.State state, RecoveryEvidence done, List<String> members, Authenticity authenticity) {
        long total = 0;
        long doneOffsets = 0;
        long advanced = 0;
        List<Row> rows = new ArrayList<>();
        for (RunPlan.PartitionRange r : plan.ranges()) {
            long position = clamp(now.get(r.topicPartition()), r);
            long previous = clamp(before.get(r.topicPartition()), r);
            total += r.size();
            doneOffsets += position - r.start();
            advanced += Math.max(0, position - previous);
            rows.add(new Row(r.topic(), r.partition(), r.start(), r.end(), now.get(r.topicPartition()),
                    r.size() == 0 ? 100.0 : 100.0 * (position - r.start()) / r.size()));
        }
        double rate = seconds > 0 ? advanced / seconds : 0;
        String runState = done != null ? "complete" : state.aborted() ? "aborting" : state.paused() ? "paused" : members.isEmpty() ? "not running" : "running";
        return new Report(plan.runId(), runState, members.size(), total == 0 ? 100.0 : 100.0 * doneOffsets / total, doneOffsets, total, rate,
                rate > 0 ? Long.valueOf((long) Math.ceil((total - doneOffsets) / rate)) : null,
                state.maxEventsPerSecond() > 0 ? Double.valueOf(state.maxEventsPerSecond()) : null,
                done == null || done.getConfidenceStatus() == null ? null : done.getConfidenceStatus().toString(), rows, authenticity);
    }

    private static long clamp(Long committed, RunPlan.PartitionRange r) {
        return committed == null ? r.start() : Math.max(r.start(), Math.min(r.end(), committed));
    }

    private void print(Report r) {
        if (json) {
            System.out.println(Json.of(r));
            return;
        }
        System.out.printf("Run %s: %s, %d instance(s), %.1f%% (%,d / %,d offsets), %,.0f offsets/s%s%s%s%n", r.runId(), r.state(),
                r.instances(), r.percent(), r.offsetsDone(), r.offsetsTotal(), r.offsetsPerSecond(),
                r.etaSeconds() == null ? "" : ", ETA " + r.etaSeconds() + " s",
                r.maxEventsPerSecond() == null ? "" : ", throttled to " + r.maxEventsPerSecond() + " events/s",
                r.confidenceStatus() == null ? "" : ", verdict " + r.confidenceStatus() + (r.evidenceAuthenticity() == null ? "" : r.evidenceAuthenticity().note()));
        for (Row row : r.partitions()) {
            System.out.printf("  %-32s %6.1f%%  committed %s of [%s, %s)%n", row.topic() + "-" + row.partition(),
                    row.percent(), row.committedOffset() == null ? "none" : row.committedOffset(), row.startOffset(), row.endOffset());
        }
    }

    /**
     * One refresh of {@code reprise status}, and its {@code --json} object.
     *
     * @param state                {@code running}, {@code paused}, {@code aborting}, {@code not running} or {@code complete}
     * @param etaSeconds           null until the run advances
     * @param maxEventsPerSecond   the throttle in force, null when none
     * @param confidenceStatus     the verdict, once the run is complete
     * @param evidenceAuthenticity how the final evidence was authenticated; absent from the JSON until the run is complete
     */
    public record Report(String runId, String state, int instances, double percent, long offsetsDone, long offsetsTotal, double offsetsPerSecond,
                         Long etaSeconds, Double maxEventsPerSecond, String confidenceStatus, List<Row> partitions,
                         @JsonInclude(JsonInclude.Include.NON_NULL) Authenticity evidenceAuthenticity) {
    }

    /** One partition: the run's range and the group's committed offset (null: none yet). */
    public record Row(String topic, int partition, long startOffset, long endOffset, Long committedOffset, double percent) {
    }
}
