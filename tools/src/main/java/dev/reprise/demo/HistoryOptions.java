package dev.reprise.demo;

import picocli.CommandLine.Option;

/**
 * {@code --events N --partitions P}: the size of a generated history, for demo, generate, bench and drill. Each command
 * gives its own defaults by constructing the mixin ({@code @Mixin HistoryOptions history = new HistoryOptions(20_000, 4)}):
 * picocli keeps the instance and shows the fields' initial values as the defaults.
 */
public final class HistoryOptions {
    @Option(names = "--events", paramLabel = "N", description = "Unique events of the generated history (default ${DEFAULT-VALUE}).")
    long events;

    @Option(names = "--partitions", paramLabel = "P", description = "Partitions of the generated history's topic (default ${DEFAULT-VALUE}).")
    int partitions;

    public HistoryOptions(long events, int partitions) {
        this.events = events;
        this.partitions = partitions;
    }

    public long events() {
        return events;
    }

    public int partitions() {
        return partitions;
    }
}
