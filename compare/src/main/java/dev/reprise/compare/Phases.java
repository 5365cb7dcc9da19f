package dev.reprise.compare;

/**
 * The lines a rebuild process writes on stderr at the moments the comparison measures, e.g.
 * {@code compare-phase running 1764466000123}: the name of the moment and the wall clock in milliseconds. The harness
 * reads them to say where each process spent its time (its own clock starts the process and sees it exit).
 */
public final class Phases {
    public static final String PREFIX = "compare-phase ";

    private Phases() {
    }

    /** Writes the moment {@code name} now. */
    public static void mark(String name) {
        mark(name, System.currentTimeMillis());
    }

    public static void mark(String name, long epochMillis) {
        System.err.println(PREFIX + name + " " + epochMillis);
        System.err.flush();
    }
}
