package dev.reprise.cli;

import dev.reprise.contract.Contract;
import dev.reprise.plan.CompiledContract;
import dev.reprise.plan.ContractFields;
import dev.reprise.preview.PlanPreview;
import dev.reprise.plan.Planner;
import dev.reprise.plan.RunPlan;
import org.apache.kafka.clients.admin.Admin;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

@Command(name = "plan", mixinStandardHelpOptions = true,
        description = "Resolves the contract's scope into per-partition offset ranges and prints the run plan, with warnings "
                + "about a run that would prove nothing: a scope that selects no record, filters that no sampled event passes, "
                + "sampled events outside their key's partition in a history declared keyed_by_ordering_key, an evidence topic "
                + "that deletes records by retention. With --offline, validates the contract, schemas and upcaster chains without a cluster.",
        footer = {"", "Examples:", "  reprise plan --offline --contract config/inventory.yaml",
                "  reprise plan --contract config/inventory.yaml --bootstrap-server localhost:9092 --out plan.json"})
public final class PlanCommand implements Callable<Integer> {
    @Mixin
    ClusterOptions cluster = new ClusterOptions();

    @Option(names = "--offline", description = "Validate contract, schemas and upcaster chains only; no cluster needed.")
    boolean offline;

    @Option(names = "--out", description = "Also write the plan as JSON to this file, for 'reprise run --plan'.")
    Path out;

    @Option(names = "--json", description = "Print the result as one JSON object on stdout.")
    boolean json;

    @Option(names = "--rate", defaultValue = "20000", description = "Events per second for the duration estimate (default ${DEFAULT-VALUE}; see docs/capacity.md).")
    double rate;

    @Option(names = "--sample", defaultValue = "100", description = "Records read from the start and the end of each partition's range to check event versions (default ${DEFAULT-VALUE}).")
    int sample;

    /**
     * What {@code plan --offline --json} prints: the contract checked without a cluster.
     *
     * @param eventTypes   each event type and the versions its schemas have
     * @param upcasterGaps "type vN" → why no upcaster path leads from it to the latest version; empty when valid
     * @param notes        what the contract's fields imply that a reader may not expect
     * @param writes       the topics the run writes, beside its internal ones
     */
    public record Check(String contract, String contractHash, String projection, Map<String, List<Integer>> eventTypes,
                        Map<String, String> upcasterGaps, List<String> notes, java.util.Set<String> writes, boolean valid) {
    }

    @Override
    public Integer call() throws IOException {
        Contract c = cluster.loadContract();
        CompiledContract codecs = CompiledContract.forContract(c);
        Map<String, String> gaps = codecs.upcasters().gaps();
        if (offline) {
            List<String> notes = ContractFields.check(c, codecs.catalog());
            Check result = new Check(c.name(), c.hash(), codecs.projection().name(), codecs.catalog().eventTypes(), gaps, notes, c.outputTopics(),
                    gaps.isEmpty());
            if (json) {
                System.out.println(Json.of(result));
            } else {
                System.out.println("Contract " + c.name() + " is valid (sha256 " + c.hash().substring(0, 12) + "…)");
                System.out.println("  projection   " + codecs.projection().name() + " → " + c.projection().topic());
                codecs.catalog().eventTypes().forEach((type, versions) -> System.out.println("  event type   " + type + " versions " + versions));
                System.out.println("  writes       " + c.outputTopics() + " and internal topics " + c.applicationId() + "-*");
                gaps.forEach((k, v) -> System.out.println("  GAP          " + k + ": " + v));
                notes.forEach(n -> System.out.println("  note         " + n));
                if (gaps.isEmpty()) {
                    System.out.println("  every version has an upcaster path to its latest version");
                }
            }
            return gaps.isEmpty() ? ExitCodes.OK : ExitCodes.INVALID_INPUT;
        }
        RunPlan plan;
        PlanPreview.Preview preview;
        try (Admin admin = Admin.create(cluster.clientConfig())) {
            plan = new Planner(admin, cluster.clientConfig()).plan(c);
            preview = PlanPreview.describe(c, codecs, plan, admin, cluster.clientConfig(), rate, sample);
        }
        if (out != null) {
            Files.writeString(out, plan.toJson());
        }
        List<PlanPreview.Warning> warnings = preview.warnings();
        if (json) {
            // stdout carries the JSON; say on stderr too that something is wrong, for a person watching.
            warnings.forEach(w -> System.err.println("reprise plan: warning: " + w.message()));
        }
        if (json) {
            System.out.println(Json.of(preview));
        } else {
            System.out.println("Run plan " + plan.runId() + " for contract " + c.name() + " (application " + c.applicationId() + ")");
            System.out.printf("  %-32s %12s %12s %12s %12s%n", "partition", "start", "end", "offsets", "last data");
            for (RunPlan.PartitionRange r : plan.ranges()) {
                System.out.printf("  %-32s %12d %12d %12d %12s%n", r.topic() + "-" + r.partition(), r.start(), r.end(), r.size(),
                        r.hasData() ? Long.toString(r.lastDataOffset()) : "none");
            }
            System.out.printf("  total %,d offsets %s; about %s at %,.0f events/s%n", plan.totalOffsets(), preview.offsetsPerTopic(),
                    java.time.Duration.ofSeconds(preview.estimatedSeconds()).toString().substring(2).toLowerCase(), rate);
            System.out.println("  repartitioned into " + plan.repartitionPartitions() + " partitions");
            System.out.println("  writes   " + preview.writes());
            System.out.println("  creates  " + preview.creates());
            System.out.println("  versions in a sample of the range: " + preview.sampledVersions()
                    + (preview.sampledUndecodable().isEmpty() ? "" : ", undecodable " + preview.sampledUndecodable()));
            preview.upcasterGapsInSample().forEach((k, v) -> System.out.println("  WARNING  " + k + ": " + v + " (such events will be dead-lettered)"));
            gaps.forEach((k, v) -> System.out.println("  note     " + k + ": " + v));
            for (PlanPreview.Warning w : warnings) {
                System.out.println("  WARNING  " + w.message());
            }
            if (out != null) {
                System.out.println("  plan written to " + out + "; apply it with: reprise reset --plan " + out + " --execute");
            }
        }
        return ExitCodes.OK;
    }
}
