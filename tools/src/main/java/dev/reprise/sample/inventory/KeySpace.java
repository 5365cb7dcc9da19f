package dev.reprise.sample.inventory;

import org.apache.commons.rng.UniformRandomProvider;
import org.apache.commons.rng.sampling.distribution.RejectionInversionZipfSampler;
import org.apache.commons.rng.simple.RandomSource;

import java.util.Locale;
import java.util.Random;

/**
 * How many distinct ordering keys a generated history has and how events spread over them: uniformly, or
 * Zipf-like (key k is chosen with a probability proportional to 1/k^s), as real projections have a few hot keys
 * and a long tail. {@code --keys N --key-skew uniform|zipf:S} on {@code demo}, {@code generate} and {@code bench}.
 *
 * @param keys  distinct keys, at least 1
 * @param skew  the Zipf exponent, 0 for uniform
 */
public record KeySpace(int keys, double skew) {
    public KeySpace {
        if (keys < 1) {
            throw new IllegalArgumentException("--keys: expected at least 1 key, got " + keys);
        }
        if (skew < 0 || Double.isNaN(skew)) {
            throw new IllegalArgumentException("--key-skew: expected uniform or zipf:S with S > 0, got " + skew);
        }
    }

    /** The default of the demo and the bench: one key per 50 events, at least 10 and at most 20,000, uniform. */
    public static KeySpace forEvents(long events) {
        return new KeySpace((int) Math.max(10, Math.min(20_000, events / 50)), 0);
    }

    /** {@code uniform} or {@code zipf:S} (e.g. {@code zipf:1.1}). */
    public static double parseSkew(String text) {
        String t = text.trim().toLowerCase(Locale.ROOT);
        if (t.equals("uniform")) {
            return 0;
        }
        if (t.startsWith("zipf:")) {
            try {
                double s = Double.parseDouble(t.substring(5));
                if (s > 0 && Double.isFinite(s)) {
                    return s;
                }
            } catch (NumberFormatException ignored) {
                // falls through to the message below
            }
        }
        throw new IllegalArgumentException("--key-skew: expected uniform or zipf:S with S > 0 (e.g. zipf:1.1), got '" + text + "'");
    }

    public String describe() {
        return String.format(Locale.ROOT, "%,d keys, %s", keys, skew == 0 ? "uniform" : "zipf:" + skew);
    }

    /** Chooses keys 0..keys-1; deterministic for a seed. */
    public interface Chooser {
        int next();
    }

    /** A chooser drawing from {@code random} when uniform (as the generator always did), else from its own Zipf sampler. */
    public Chooser chooser(Random random, long seed) {
        if (skew == 0) {
            return () -> random.nextInt(keys);
        }
        UniformRandomProvider rng = RandomSource.XO_RO_SHI_RO_128_PP.create(seed ^ 0x5DEECE66DL);
        org.apache.commons.rng.sampling.distribution.DiscreteSampler zipf = RejectionInversionZipfSampler.of(rng, keys, skew);
        return () -> zipf.sample() - 1;
    }
}
