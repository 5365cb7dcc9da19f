package dev.reprise.cli;

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
import java.util.LinkedHashMap;
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
                    Map<String, Object> report = report(plan, before, now, (nowAt - beforeAt) / 1e9, state, done.orElse(null), group.activeMembers());
                    if (done.isPresent()) {
                        report.put("evidence_authenticity", EvidenceCommand.authenticity(evidence));
                    }
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

    static Map<String, Object> report(RunPlan plan, Map<TopicPartition, Long> before, Map<TopicPartition, Long> now, double seconds,
                                      Control.State state, RecoveryEvidence done, List<String> members) {
        long total = 0;
        long doneOffsets = 0;
        long advanced = 0;
        List<Map<String, Object>> rows = new ArrayList<>();
        for (RunPlan.PartitionRange r : plan.ranges()) {
            long position = clamp(now.get(r.topicPartition()), r);
            long previous = clamp(before.get(r.topicPartition()), r);
            total += r.size();
            doneOffsets += position - r.start();
            advanced += Math.max(0, position - previous);
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("topic", r.topic());
            row.put("partition", r.partition());
            row.put("start_offset", r.start());
            row.put("end_offset", r.end());
            row.put("committed_offset", now.get(r.topicPartition()));
            row.put("percent", r.size() == 0 ? 100.0 : 100.0 * (position - r.start()) / r.size());
            rows.add(row);
        }
        double rate = seconds > 0 ? advanced / seconds : 0;
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("run_id", plan.runId());
        out.put("state", done != null ? "complete" : state.aborted() ? "aborting" : state.paused() ? "paused" : members.isEmpty() ? "not running" : "running");
        out.put("instances", members.size());
        out.put("percent", total == 0 ? 100.0 : 100.0 * doneOffsets / total);
        out.put("offsets_done", doneOffsets);
        out.put("offsets_total", total);
        out.put("offsets_per_second", rate);
        out.put("eta_seconds", rate > 0 ? (long) Math.ceil((total - doneOffsets) / rate) : null);
        out.put("max_events_per_second", state.maxEventsPerSecond() > 0 ? state.maxEventsPerSecond() : null);
        out.put("confidence_status", done == null || done.getConfidenceStatus() == null ? null : done.getConfidenceStatus().toString());
        out.put("partitions", rows);
        return out;
    }

    private static long clamp(Long committed, RunPlan.PartitionRange r) {
        return committed == null ? r.start() : Math.max(r.start(), Math.min(r.end(), committed));
    }

    /** " (signature verified)", " (UNSIGNED)", ...: how far the verdict is proven; and how many records were ignored. */
    private static String signature(Map<String, Object> r) {
        if (!(r.get("evidence_authenticity") instanceof Map<?, ?> a)) {
            return "";
        }
        Object ignored = a.get("ignored_records");
        return " (" + ("verified".equals(a.get("signature")) ? "signature verified" : String.valueOf(a.get("signature")).toUpperCase(java.util.Locale.ROOT))
                + (ignored instanceof Integer n && n > 0 ? ", " + n + " evidence record(s) failed verification and were ignored" : "") + ")";
    }

    private void print(Map<String, Object> r) {
        if (json) {
            System.out.println(Json.of(r));
            return;
        }
        System.out.printf("Run %s: %s, %d instance(s), %.1f%% (%,d / %,d offsets), %,.0f offsets/s%s%s%s%n", r.get("run_id"), r.get("state"),
                r.get("instances"), (Double) r.get("percent"), r.get("offsets_done"), r.get("offsets_total"), (Double) r.get("offsets_per_second"),
                r.get("eta_seconds") == null ? "" : ", ETA " + r.get("eta_seconds") + " s",
                r.get("max_events_per_second") == null ? "" : ", throttled to " + r.get("max_events_per_second") + " events/s",
                r.get("confidence_status") == null ? "" : ", verdict " + r.get("confidence_status") + signature(r));
        for (Object o : (List<?>) r.get("partitions")) {
            Map<?, ?> row = (Map<?, ?>) o;
            System.out.printf("  %-32s %6.1f%%  committed %s of [%s, %s)%n", row.get("topic") + "-" + row.get("partition"),
                    (Double) row.get("percent"), row.get("committed_offset") == null ? "none" : row.get("committed_offset"),
                    row.get("start_offset"), row.get("end_offset"));
        }
    }
}
