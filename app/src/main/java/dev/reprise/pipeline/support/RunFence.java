package dev.reprise.pipeline.support;

/**
 * Keeps an instance of an old run from reading for the run in force. Each task checks it when it is assigned,
 * before it processes anything: an instance started with another run's plan (stopped, then resumed after a new run
 * was reset and started) would otherwise join the group with the old plan and take partitions of the new run.
 */
@FunctionalInterface
public interface RunFence {
    /** For tests and tools that run a plan without a run store: every run is in force. */
    RunFence NONE = runId -> { };

    /**
     * @throws FencedRunException when another run than {@code runId} is in force: the task must not process anything
     */
    void check(String runId);

    /** This instance's run is no longer the run in force. Thrown before anything is processed, so nothing is committed. */
    final class FencedRunException extends IllegalStateException {
        public FencedRunException(String message) {
            super(message);
        }
    }
}
