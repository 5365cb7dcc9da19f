package dev.reprise.bench;

import dev.reprise.cli.ExitCodes;
import dev.reprise.cli.Json;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

@Command(name = "bench", mixinStandardHelpOptions = true,
        description = {"Measures on one embedded broker (a JVM of its own), with the same generated events: the Kafka Streams identity "
                + "copy, the full pipeline with its repartition, the pipeline on a history already keyed by the ordering key, and "
                + "the dedup floors (read, optionally repartition, record each event's id with Reprise's dedup set: the least exact dedup needs), "
                + "all exactly-once. Alternates the measurements over several rounds and reports medians, ratios to the copy, CPU "
                + "seconds per million events by role (stream threads, GC/JIT/RocksDB, the broker), peak heap, RSS and RocksDB memory."},
        footer = {"", "Example:", "  reprise bench --events 1000000 --json"})
public final class BenchCommand implements Callable<Integer> {

    @picocli.CommandLine.Mixin
    dev.reprise.demo.HistoryOptions history = new dev.reprise.demo.HistoryOptions(200_000, 6);

    @Option(names = "--rounds", defaultValue = "3", description = "Rounds of the measurements (default ${DEFAULT-VALUE}).")
    int rounds;


    @Option(names = "--contract", defaultValue = "${env:REPRISE_HOME:-.}/config/inventory.yaml", description = "The inventory contract (default ${DEFAULT-VALUE}). Every key: reprise reference contract.")
    Path contract;

    @picocli.CommandLine.Mixin
    dev.reprise.demo.KeyOptions keyOptions = new dev.reprise.demo.KeyOptions();

    @Option(names = "--json", description = "Print the figures as one JSON object on stdout.")
    boolean json;

    @Option(names = "--no-floors", description = "Skip the two dedup floors (diagnostics): the copy and the two pipelines only.")
    boolean noFloors;

    @Option(names = "--no-watch", description = "Run the pipelines unwatched (no metrics, no progress reading), to measure what "
            + "watching a run as 'reprise run' does costs.")
    boolean noWatch;

    @Option(names = "--streams-property", paramLabel = "KEY=VALUE",
            description = "A Kafka Streams property for the Reprise pipelines and the dedup floors (not the copy, which keeps "
                    + "Kafka's defaults), e.g. commit.interval.ms=1000; repeatable. For trying settings: docs/capacity.md's figures use none.")
    Map<String, String> streamsProperties = new java.util.LinkedHashMap<>();

    @Override
    public Integer call() {
        long events = history.events();
        int partitions = history.partitions();
        if (events < 100 || rounds < 1 || partitions < 1) {
            throw new IllegalArgumentException("expected --events >= 100, --rounds >= 1 and --partitions >= 1");
        }
        Bench bench = new Bench(System.err, events, rounds, partitions, contract, Map.copyOf(streamsProperties), !noFloors)
                .withKeys(keyOptions.keySpace(events));
        Bench.Result result = (noWatch ? bench.unwatched() : bench).run();
        if (json) {
            System.out.println(Json.of(result));
        } else {
            System.out.printf("Benchmark: %,d events over %s, %d partitions, %d rounds, %d processors (medians)%n", events,
                    keyOptions.keySpace(events).describe(), partitions, rounds, result.processors());
            Bench.Floors floors = result.floors();
            record Line(String title, String measurement, Long rate, Double ratio) {
            }
            List<Line> lines = new ArrayList<>(List.of(
                    new Line("identity copy (exactly-once)", "identity_copy", result.identityCopyEventsPerSecond(), 1.0),
                    new Line("pipeline with repartition", "pipeline_with_repartition", result.withRepartitionEventsPerSecond(),
                            result.ratioWithRepartition()),
                    new Line("pipeline without repartition", "pipeline_without_repartition", result.withoutRepartitionEventsPerSecond(),
                            result.ratioWithoutRepartition())));
            if (floors != null) {
                lines.add(new Line("dedup floor with repartition", "dedup_floor_with_repartition", floors.dedupFloorWithRepartitionEventsPerSecond(),
                        floors.floorRatioWithRepartition()));
                lines.add(new Line("dedup floor without repartition", "dedup_floor_without_repartition",
                        floors.dedupFloorWithoutRepartitionEventsPerSecond(), floors.floorRatioWithoutRepartition()));
            }
            for (Line line : lines) {
                Map<String, Double> spent = result.cpuSecondsPerMillionEvents().get(line.measurement());
                if (spent == null) {
                    continue;
                }
                System.out.printf("  %-33s %,10d events/s   ratio %5.3f   CPU s per million events: %5.2f app + %5.2f broker%n", line.title(),
                        line.rate(), line.ratio(), spent.get("process"), spent.get("broker_process"));
            }
            System.out.printf("  peak heap %,d MiB of %,d MiB; process RSS peak %,d MiB; RocksDB memory %,d MiB; state %,d MiB per million events%n",
                    result.peakHeapBytes() >> 20, result.maxHeapBytes() >> 20, result.processRssPeakBytes() >> 20, result.rocksdbMemoryBytes() >> 20,
                    result.stateDirBytesPerMillionEvents() >> 20);
        }
        return ExitCodes.OK;
    }
}
