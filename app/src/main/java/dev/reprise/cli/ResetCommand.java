package dev.reprise.cli;

import dev.reprise.contract.Contract;
import dev.reprise.cluster.GroupOffsets;
import dev.reprise.runner.ReplayRunner;
import dev.reprise.run.RunStore;
import dev.reprise.plan.CompiledContract;
import dev.reprise.plan.Planner;
import dev.reprise.plan.RunPlan;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.common.TopicPartition;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

@Command(name = "reset", mixinStandardHelpOptions = true,
        description = {"Sets the app's committed offsets to the start of a new run plan and records the plan in Kafka, "
                + "so every instance of 'reprise run' runs it. A dry run unless --execute: prints current → new offsets per partition. "
                + "Refuses while the group has active members. Works for classic and streams (group.protocol=streams) groups."},
        footer = {"", "Examples:", "  reprise reset --contract config/inventory.yaml --bootstrap-server localhost:9092",
                "  reprise reset --contract config/inventory.yaml --bootstrap-server localhost:9092 --execute"})
public final class ResetCommand implements Callable<Integer> {
    @Mixin
    ClusterOptions cluster = new ClusterOptions();

    @Option(names = "--plan", description = "Use this plan file (from 'reprise plan --out') instead of planning now.")
    Path planFile;

    @Option(names = "--execute", description = "Apply the reset. Without it nothing changes.")
    boolean execute;

    @Option(names = "--json", description = "Print the result as one JSON object on stdout.")
    boolean json;

    @Override
    public Integer call() throws IOException {
        Contract contract = cluster.loadContract();
        CompiledContract codecs = CompiledContract.forContract(contract);
        RunPlan planned = planFile == null ? null : PlanFile.read(planFile);
        Map<String, Object> clientConfig = cluster.clientConfig();
        try (Admin admin = Admin.create(clientConfig)) {
            // A plan file is the plan 'reprise plan --out' printed: planned once, reset with it, never planned again here.
            java.util.Optional<String> refused = planned == null ? java.util.Optional.empty() : PlanFile.refusal(planFile, planned, contract, admin);
            if (refused.isPresent()) {
                System.err.println("reprise reset: " + refused.get() + ". Nothing was changed.");
                return ExitCodes.INVALID_INPUT;
            }
            RunPlan plan = planned != null ? planned : new Planner(admin, clientConfig).plan(contract);
            GroupOffsets group = new GroupOffsets(admin, contract.applicationId());
            // The run in force now: --execute replaces it only if no other command replaced it in the meantime.
            java.util.Optional<String> inForce = new RunStore(contract, clientConfig).current(admin).map(RunPlan::runId);
            Map<TopicPartition, Long> current = group.committed();
            List<String> members = group.activeMembers();
            List<Row> rows = plan.ranges().stream()
                    .map(r -> new Row(r.topic(), r.partition(), current.get(r.topicPartition()), r.start(), r.end())).toList();
            boolean applied = false;
            if (execute) {
                if (!members.isEmpty()) {
                    System.err.println("reprise reset: group " + contract.applicationId() + " has " + members.size() + " active member(s): "
                            + members + ". Stop every instance of the app (or 'reprise abort'), then reset again. Nothing was changed.");
                    return ExitCodes.FAILURE;
                }
                try {
                    new ReplayRunner(contract, codecs, clientConfig, Path.of("."), Map.of()).begin(admin, inForce, plan);
                } catch (RunStore.ConcurrentRunException e) {
                    System.err.println("reprise reset: " + e.getMessage());
                    return ExitCodes.FAILURE;
                }
                applied = true;
            }
            if (json) {
                Result out = new Result(plan.runId(), contract.applicationId(), group.type().map(Object::toString).orElse("none"), members,
                        inForce.orElse(null), applied, rows);
                System.out.println(Json.of(out));
            } else {
                System.out.println((applied ? "Reset" : "Dry run: would reset") + " group " + contract.applicationId() + " to run " + plan.runId()
                        + inForce.map(id -> ", replacing run " + id).orElse(""));
                System.out.printf("  %-32s %14s    %14s %14s%n", "partition", "current", "new", "end");
                for (Row row : rows) {
                    System.out.printf("  %-32s %14s -> %14s %14s%n", row.topic() + "-" + row.partition(),
                            row.currentOffset() == null ? "none" : row.currentOffset(), row.newOffset(), row.endOffset());
                }
                if (!applied) {
                    System.out.println(members.isEmpty() ? "Run again with --execute to apply."
                            : "The group has active members " + members + ": stop them before --execute.");
                } else {
                    System.out.println("Plan recorded in " + RunStore.topic(contract) + "; start the app with 'reprise run' on every instance.");
                }
            }
            return ExitCodes.OK;
        }
    }

    /**
     * {@code reprise reset --json}.
     *
     * @param group       the consumer group (the contract's application id)
     * @param groupType   the group's protocol type as the broker reports it, or {@code none}
     * @param replacesRun the run in force before this reset, if any
     * @param executed    whether the offsets were moved and the run recorded ({@code --execute})
     */
    public record Result(String runId, String group, String groupType, List<String> activeMembers, String replacesRun, boolean executed,
                         List<Row> partitions) {
    }

    /** One partition of the reset: the group's committed offset (null: none) and the run's range. */
    public record Row(String topic, int partition, Long currentOffset, long newOffset, long endOffset) {
    }
}
