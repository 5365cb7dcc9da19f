package dev.reprise.codec;

/**
 * The headers Reprise writes on the records of its outputs, named once. Readers downstream (and {@code verify},
 * {@code promote}) read them by these names. The dead-letter headers are in {@code pipeline.support.DeadLetters}.
 */
public final class HeaderNames {
    /** The run that wrote the record (projection, evidence and dead-letter records). */
    public static final String RUN_ID = "reprise.run_id";
    /** "true" on projection records written by a replay: downstream consumers may ignore them as side effects. */
    public static final String REPLAY = "reprise.replay";
    /** PROGRESS or FINAL, on evidence records. */
    public static final String EVIDENCE_KIND = "reprise.evidence_kind";
    /** On internal task summaries: "progress" for a running count, absent for a task's final summary. */
    public static final String SUMMARY_PART = "reprise.part";
    /** On records promote wrote into the live topic: the run they come from. */
    public static final String PROMOTED_FROM_RUN = "reprise.promoted_from_run";
    /** On records promote wrote with --force: the operator's reason. */
    public static final String PROMOTION_OVERRIDE = "reprise.promotion_override";

    private HeaderNames() {
    }
}
