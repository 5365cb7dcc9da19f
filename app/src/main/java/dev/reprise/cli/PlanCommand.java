package dev.reprise.cli;

import dev.reprise.contract.Contract;
import dev.reprise.contract.ContractLoader;
import dev.reprise.plan.Planner;
import dev.reprise.plan.RunPlan;
import dev.reprise.topology.Codecs;
import org.apache.kafka.clients.admin.Admin;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;

@Command(name = "plan", mixinStandardHelpOptions = true,
        description = "Resolves the contract's scope into per-partition offset ranges and prints the run plan. "
                + "With --offline, validates the contract, schemas and upcaster chains without a cluster.",
        footer = {"", "Examples:", "  reprise plan --offline --contract config/inventory.yaml",
                "  reprise plan --contract config/inventory.yaml --bootstrap-server localhost:9092 --out plan.json"})
final class PlanCommand implements Callable<Integer> {
    @Option(names = "--contract", required = true, description = "The Recovery Contract (YAML).")
    Path contract;

    @Option(names = "--bootstrap-server", description = "Kafka bootstrap servers, HOST:PORT.")
    String bootstrapServer;

    @Option(names = "--command-config", description = "Client properties file (security, timeouts).")
    Path commandConfig;

    @Option(names = "--offline", description = "Validate contract, schemas and upcaster chains only; no cluster needed.")
    boolean offline;

    @Option(names = "--out", description = "Also write the plan as JSON to this file, for 'reprise run --plan'.")
    Path out;

    @Option(names = "--json", description = "Print the result as one JSON object on stdout.")
    boolean json;

    @Override
    public Integer call() throws IOException {
        Contract c = ContractLoader.load(contract);
        Codecs codecs = Codecs.forContract(c);
        Map<String, String> gaps = codecs.upcasters().gaps();
        if (offline) {
            Map<String, Object> result = new LinkedHashMap<>();
            result.put("contract", c.name());
            result.put("contract_hash", c.hash());
            result.put("projection", codecs.projection().name());
            result.put("event_types", codecs.catalog().eventTypes());
            result.put("upcaster_gaps", gaps);
            result.put("writes", c.outputTopics());
            result.put("valid", gaps.isEmpty());
            if (json) {
                System.out.println(Json.of(result));
            } else {
                System.out.println("Contract " + c.name() + " is valid (sha256 " + c.hash().substring(0, 12) + "…)");
                System.out.println("  projection   " + codecs.projection().name() + " → " + c.projection().topic());
                codecs.catalog().eventTypes().forEach((type, versions) -> System.out.println("  event type   " + type + " versions " + versions));
                System.out.println("  writes       " + c.outputTopics() + " and internal topics " + c.applicationId() + "-*");
                gaps.forEach((k, v) -> System.out.println("  GAP          " + k + ": " + v));
                if (gaps.isEmpty()) {
                    System.out.println("  every version has an upcaster path to its latest version");
                }
            }
            return gaps.isEmpty() ? ExitCodes.OK : ExitCodes.INVALID_INPUT;
        }
        ClusterOptions cluster = new ClusterOptions();
        cluster.contract = contract;
        cluster.bootstrapServer = bootstrapServer;
        cluster.commandConfig = commandConfig;
        RunPlan plan;
        try (Admin admin = Admin.create(cluster.clientConfig())) {
            plan = new Planner(admin, cluster.clientConfig()).plan(c);
        }
        if (out != null) {
            Files.writeString(out, plan.toJson());
        }
        if (json) {
            System.out.println(Json.of(plan));
        } else {
            System.out.println("Run plan " + plan.runId() + " for contract " + c.name() + " (" + plan.totalOffsets() + " offsets)");
            System.out.printf("  %-30s %10s %12s %12s %12s%n", "partition", "start", "end", "offsets", "last data");
            for (RunPlan.PartitionRange r : plan.ranges()) {
                System.out.printf("  %-30s %10d %12d %12d %12s%n", r.topic() + "-" + r.partition(), r.start(), r.end(), r.size(),
                        r.hasData() ? Long.toString(r.lastDataOffset()) : "none");
            }
            System.out.println("  repartitioned into " + plan.repartitionPartitions() + " partitions; writes " + c.outputTopics());
            gaps.forEach((k, v) -> System.out.println("  warning: " + k + ": " + v + " (such events will be dead-lettered)"));
        }
        return ExitCodes.OK;
    }
}
