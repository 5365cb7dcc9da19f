package dev.reprise.cli;

/** The process exit codes of every Reprise command. */
public final class ExitCodes {
    public static final int OK = 0;
    public static final int FAILURE = 1;
    public static final int INVALID_INPUT = 2;
    public static final int DEGRADED = 3;
    public static final int UNTRUSTED = 4;

    private ExitCodes() {
    }

    /** The exit code a verdict gives, so a CD pipeline can gate a cut-over on it. */
    public static int forVerdict(dev.reprise.evidence.avro.ConfidenceStatus status) {
        if (status == null) {
            return FAILURE;
        }
        return switch (status) {
            case trusted -> OK;
            case degraded -> DEGRADED;
            case untrusted -> UNTRUSTED;
        };
    }
}
