package dev.reprise.contract;

import java.time.Duration;
import java.util.Locale;
import java.util.Optional;

/**
 * The one reading of a duration that people write, in a contract or on the command line: {@code 500ms}, {@code 15s},
 * {@code 1.5s}, {@code 2m}, or a bare number of seconds. ISO-8601's {@code PT15S} is accepted too. Written by hand because
 * {@link Duration#parse} takes only the ISO form, which nobody types for a timeout.
 */
public final class Durations {
    private Durations() {
    }

    /** The duration, or empty when the text is none of the forms above (or does not fit a {@link Duration}). */
    public static Optional<Duration> parse(String text) {
        if (text == null) {
            return Optional.empty();
        }
        String v = text.trim().toLowerCase(Locale.ROOT);
        try {
            if (v.startsWith("pt")) {
                return Optional.of(Duration.parse(v.toUpperCase(Locale.ROOT)));
            }
            if (v.endsWith("ms")) {
                return Optional.of(Duration.ofMillis(Math.round(Double.parseDouble(v.substring(0, v.length() - 2).trim()))));
            }
            double unit = v.endsWith("s") ? 1_000 : v.endsWith("m") ? 60_000 : v.endsWith("h") ? 3_600_000 : -1;
            String number = unit > 0 ? v.substring(0, v.length() - 1).trim() : v;
            double millis = Double.parseDouble(number) * (unit > 0 ? unit : 1_000);
            if (Double.isNaN(millis) || Double.isInfinite(millis)) {
                return Optional.empty();
            }
            return Optional.of(Duration.ofMillis(Math.round(millis)));
        } catch (RuntimeException e) {
            return Optional.empty();
        }
    }
}
