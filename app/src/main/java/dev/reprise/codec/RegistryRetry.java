package dev.reprise.codec;

import java.time.Duration;

/**
 * How often and how long a schema id is asked again when the registry does not give it
 * ({@link RegistryUnavailableException}): at most {@code attempts} requests, waiting 250 ms, 500 ms, 1 s… (doubling,
 * at most 5 s) between them, and no new attempt once {@code timeout} has passed since the first. One request may
 * itself take up to {@link RegistryClient#REQUEST_TIMEOUT}. Set with {@code reprise.registry.retry.attempts} and
 * {@code reprise.registry.retry.timeout.ms}.
 */
public record RegistryRetry(int attempts, Duration timeout) {
    /** The defaults of {@code reprise.registry.retry.*}: 5 attempts within 30 s. */
    public static final RegistryRetry DEFAULT = new RegistryRetry(5, Duration.ofSeconds(30));
    static final long FIRST_WAIT_MILLIS = 250;
    static final long MAX_WAIT_MILLIS = 5_000;

    public RegistryRetry {
        if (attempts < 1) {
            throw new IllegalArgumentException("reprise.registry.retry.attempts: expected at least 1, got " + attempts);
        }
        if (timeout == null || timeout.isNegative()) {
            throw new IllegalArgumentException("reprise.registry.retry.timeout.ms: expected 0 or more, got " + timeout);
        }
    }

    /** The wait after failed attempt number {@code attempt} (1 for the first). */
    long waitAfter(int attempt) {
        return Math.min(MAX_WAIT_MILLIS, FIRST_WAIT_MILLIS << Math.min(20, attempt - 1));
    }

    /** Whether another attempt follows attempt {@code attempt}, {@code elapsedMillis} after the first began. */
    boolean retriesAfter(int attempt, long elapsedMillis) {
        return attempt < attempts && elapsedMillis + waitAfter(attempt) <= timeout.toMillis();
    }
}
