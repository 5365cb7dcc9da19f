package dev.reprise.contract;

import java.util.Collection;

/**
 * The " (did you mean 'x'?)" of an error message: the closest known name within a few edits.
 * Hand-written: an edit distance is a dozen lines, not worth a dependency.
 */
public final class DidYouMean {
    private DidYouMean() {
    }

    /** {@code " (did you mean 'x'?)"} for the closest of {@code known} to {@code name}, or "" when none is close. */
    public static String suggest(String name, Collection<String> known) {
        int allowed = Math.max(1, Math.min(3, name.length() / 2));
        String best = null;
        int bestDistance = Integer.MAX_VALUE;
        for (String candidate : known) {
            int d = distance(name.toLowerCase(), candidate.toLowerCase());
            if (d > allowed && name.length() >= 3 && candidate.toLowerCase().startsWith(name.toLowerCase())) {
                // A name cut short (event_id for event_id_field) is close too, but never closer than a real near miss.
                d = allowed;
            }
            if (d < bestDistance || d == bestDistance && best != null && commonPrefix(name, candidate) > commonPrefix(name, best)) {
                bestDistance = d;
                best = candidate;
            }
        }
        return best != null && bestDistance <= allowed ? " (did you mean '" + best + "'?)" : "";
    }

    private static int commonPrefix(String a, String b) {
        int i = 0;
        while (i < a.length() && i < b.length() && Character.toLowerCase(a.charAt(i)) == Character.toLowerCase(b.charAt(i))) {
            i++;
        }
        return i;
    }

    static int distance(String a, String b) {
        int[] prev = new int[b.length() + 1];
        int[] cur = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            prev[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            cur[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                cur[j] = Math.min(Math.min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + cost);
            }
            int[] t = prev;
            prev = cur;
            cur = t;
        }
        return prev[b.length()];
    }
}
