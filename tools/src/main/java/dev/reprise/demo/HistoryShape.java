package dev.reprise.demo;

import picocli.CommandLine.Option;

/**
 * {@code --duplicates --poison --keyed --scatter-keys}: what a generated inventory history holds besides its events, for
 * demo and generate.
 */
public final class HistoryShape {
    @Option(names = "--duplicates", defaultValue = "0.02", description = "Extra copies per unique event, some in other partitions "
            + "(default ${DEFAULT-VALUE}).")
    double duplicates;

    @Option(names = "--poison", defaultValue = "10", description = "Poison records to mix in (default ${DEFAULT-VALUE}).")
    int poison;

    @Option(names = "--keyed", description = "Write every record to its SKU's partition as the default partitioner chooses it: a history "
            + "keyed by the ordering key (replayed with history.keyed_by_ordering_key: true, without a repartition).")
    boolean keyed;

    @Option(names = "--scatter-keys", defaultValue = "0", paramLabel = "N",
            description = "With --keyed: write N events to another partition than their SKU's, so the history is not keyed as promised: "
                    + "the evidence must say so.")
    int scatterKeys;

    /** --scatter-keys only makes sense in a keyed history of at least two partitions, and for at most every event. */
    void check(long events, int partitions) {
        GenerateCommand.checkScatter(keyed, scatterKeys, events, partitions);
    }
}
