package dev.reprise.demo;

import dev.reprise.sample.inventory.KeySpace;
import picocli.CommandLine.Option;

/** {@code --keys N --key-skew uniform|zipf:S}: the key space of a generated history, for demo, generate and bench. */
public final class KeyOptions {
    @Option(names = "--keys", paramLabel = "N",
            description = "Distinct ordering keys (SKUs) of the history (default: one per 50 events, at least 10, at most 20,000).")
    Integer keys;

    @Option(names = "--key-skew", paramLabel = "uniform|zipf:S", defaultValue = "uniform",
            description = "How events spread over the keys: uniform (default) or Zipf-like with exponent S, e.g. zipf:1.1 (a few hot keys, a long tail).")
    String skew;

    /** The key space asked for, or the default for {@code events}. */
    public KeySpace keySpace(long events) {
        int n = keys == null ? KeySpace.forEvents(events).keys() : keys;
        return new KeySpace(n, KeySpace.parseSkew(skew));
    }
}
