package dev.reprise.runner;

import dev.reprise.run.RecordsExpiry;
import dev.reprise.run.Progress;
import dev.reprise.run.Control;
import dev.reprise.evidence.io.EvidenceChannel;
import dev.reprise.contract.Contract;
import dev.reprise.evidence.avro.RecoveryEvidence;
import dev.reprise.pipeline.source.Throttle;
import dev.reprise.pipeline.support.Guardrails;
import dev.reprise.plan.RunPlan;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.streams.KafkaStreams;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Watches one instance's Kafka Streams through a run and acts on what happens: the run's final evidence (the
 * end of a bounded run, the catch-up of a continuous one), a threshold crossed, the operator's commands on the
 * control topic (pause, resume, throttle, abort), a failure, records deleted before they were read. The run's
 * progress is one explicit phase; {@link #step()} is one turn of the loop.
 */
final class Supervisor {
    private static final Logger LOG = LoggerFactory.getLogger(Supervisor.class);

    /** Where the run stands, as this instance sees it. */
    enum Phase {
        /** Kafka Streams is starting (assigning tasks, restoring state). */
        STARTING,
        /** Replaying the plan's ranges. */
        REPLAYING,
        /** A continuous run reached its plan's end (final evidence written) and follows new events until stopped. */
        CAUGHT_UP,
        /** The run was aborted; this instance waits for the aborted run's final evidence. */
        ABORTING
    }

    /**
     * What the runner hands over: the run, its parts, and the caller's observer.
     *
     * @param readsProgress whether to read the group's committed offsets once a second for {@link RunObserver#progress}
     */
    record Parts(Contract contract, RunPlan plan, KafkaStreams streams, Throttle throttle, Guardrails guardrails, Admin admin, Control control,
                 Control.Follower follower, EvidenceChannel evidence, int evidenceSubtopology, AtomicReference<Throwable> failure,
                 RunObserver observer, boolean readsProgress) {
    }

    private final Parts p;
    private final ReplayRunner.StopSignal stop;
    private Phase phase = Phase.STARTING;
    private Control.State applied;
    private RecoveryEvidence lastProgress;
    private RecoveryEvidence caughtUp;
    /** The threshold this instance crossed (at most one acts: the first). */
    private Guardrails.Trip trip;
    private long lastTick;
    /** When this instance first saw the run aborted (0: not aborted). */
    private long abortSeenAt;
    private static final long ABORT_WRITER_GRACE_MILLIS = 5_000;
    /** The state last told to the observer; the run's final evidence once it has ended. */
    private RunObserver.State told;
    private RecoveryEvidence ended;
    /** Notices a bounded run with nothing left to read that has not ended; checked every few seconds. */
    private final StallWatch stallWatch;
    private long lastStallCheck;
    private boolean stallReported;
    private static final long STALL_CHECK_MILLIS = 5_000;

    Supervisor(Parts parts, ReplayRunner.StopSignal stop, long stallGraceMillis) {
        this.p = parts;
        this.stop = stop;
        this.stallWatch = new StallWatch(parts.admin(), parts.contract().applicationId(), parts.plan(),
                "exactly_once_v2".equals(parts.contract().processing().guarantee()), stallGraceMillis);
    }

    Phase phase() {
        return phase;
    }

    /** Starts Kafka Streams with the commands given before this instance started, and supervises it until the run's end. */
    RecoveryEvidence supervise() {
        // Commands given before this instance started (a throttle, a pause) apply from its first record.
        applied = p.follower().catchUp();
        p.throttle().setLimit(applied.maxEventsPerSecond());
        if (applied.paused()) {
            p.streams().pause();
        }
        tellState();
        p.streams().start();
        while (true) {
            Optional<RecoveryEvidence> done = step();
            if (done.isPresent()) {
                ended = done.get();
                tellState();
                p.observer().closing(p.streams());
                return done.get();
            }
        }
    }

    /** The run's state for observers: its end, an abort, the phase, a pause. */
    RunObserver.State state() {
        if (ended != null) {
            return ended.getAborted() ? RunObserver.State.ABORTED : RunObserver.State.COMPLETED;
        }
        if (phase == Phase.ABORTING || applied != null && applied.aborted()) {
            return RunObserver.State.ABORTED;
        }
        if (phase == Phase.STARTING) {
            return RunObserver.State.STARTING;
        }
        if (applied != null && applied.paused()) {
            return RunObserver.State.PAUSED;
        }
        return phase == Phase.CAUGHT_UP ? RunObserver.State.CAUGHT_UP : RunObserver.State.RUNNING;
    }

    private void tellState() {
        RunObserver.State now = state();
        if (now != told) {
            told = now;
            p.observer().state(now);
        }
    }

    /** One turn: the run's evidence, its health, thresholds, commands, and once a second the slower checks. */
    Optional<RecoveryEvidence> step() {
        if (phase == Phase.STARTING && p.streams().state() == KafkaStreams.State.RUNNING) {
            phase = Phase.REPLAYING;
            p.observer().running(p.streams());
        }
        EvidenceChannel.Observed seen = p.evidence().poll(() -> phase == Phase.STARTING || hostsEvidenceTask());
        if (seen.progress() != null) {
            lastProgress = seen.progress();
        }
        if (seen.finalEvidence() != null) {
            p.observer().finalEvidence(seen.finalEvidence());
            if (p.contract().processing().bounded() || seen.finalEvidence().getAborted()) {
                return Optional.of(seen.finalEvidence());
            }
            if (phase != Phase.CAUGHT_UP) {
                phase = Phase.CAUGHT_UP;
                caughtUp = seen.finalEvidence();
                LOG.warn("Run {} caught up with its plan ({} events, verdict {}); following new events until stopped",
                        p.plan().runId(), caughtUp.getEventsProcessed(), caughtUp.getConfidenceStatus());
            }
        }
        if (phase == Phase.CAUGHT_UP && stop.requested()) {
            return Optional.of(caughtUp);
        }
        failIfStopped();
        actOnThreshold();
        actOnCommands();
        tellState();
        if (System.currentTimeMillis() - lastTick >= 1000) {
            lastTick = System.currentTimeMillis();
            p.throttle().setLimit(localShare(applied.maxEventsPerSecond()));
            RecordsExpiry.check(p.admin(), p.contract(), p.plan());
            reportProgress();
            watchForStall();
        }
        return Optional.empty();
    }

    /**
     * A bounded run whose group has read everything there is to read and that still has not ended cannot end by
     * waiting: the instance hosting the evidence task aborts it, with the reason, so the run ends untrusted.
     */
    private void watchForStall() {
        if (!p.contract().processing().bounded() || phase != Phase.REPLAYING || applied.paused() || applied.aborted() || stallReported) {
            stallWatch.reset();
            return;
        }
        long now = System.currentTimeMillis();
        if (now - lastStallCheck < STALL_CHECK_MILLIS || !hostsEvidenceTask()) {
            return;
        }
        lastStallCheck = now;
        String reason;
        try {
            reason = stallWatch.check(now);
        } catch (RuntimeException e) {
            LOG.debug("stall check not possible now: {}", e.getMessage());
            return;
        }
        if (reason != null) {
            stallReported = true;
            LOG.warn("Run {} aborts by itself: {}", p.plan().runId(), reason);
            p.control().send(p.admin(), new Control.Command(p.plan().runId(), Control.Action.ABORT, null, reason, "reprise stall watch",
                    System.currentTimeMillis()));
        }
    }

    private void failIfStopped() {
        KafkaStreams.State state = p.streams().state();
        Throwable cause = p.failure().get();
        dev.reprise.codec.InfrastructureException infrastructure = dev.reprise.codec.InfrastructureException.in(cause);
        if (infrastructure != null) {
            // Its message names what failed (the registry's URL without credentials, the schema id), that nothing was
            // dead-lettered, and that the run resumes when started again.
            throw new IllegalStateException("the replay stopped: " + infrastructure.getMessage(), cause);
        }
        if (cause != null || state == KafkaStreams.State.ERROR || state == KafkaStreams.State.NOT_RUNNING || state == KafkaStreams.State.PENDING_ERROR) {
            throw new IllegalStateException("the replay stopped before it was complete (Kafka Streams state " + state + ")"
                    + (cause == null ? "" : ": " + rootMessage(cause)), cause);
        }
    }

    /** The first threshold this instance crossed pauses or aborts the whole run, through the control topic. */
    private void actOnThreshold() {
        Guardrails.Trip crossed = p.guardrails().tripped();
        if (crossed == null || trip != null) {
            return;
        }
        trip = crossed;
        LOG.warn("Run {} {}: {}; every instance is told through the control topic", p.plan().runId(),
                trip.aborts() ? "aborts by itself" : "pauses by itself", trip.reason());
        p.control().send(p.admin(), new Control.Command(p.plan().runId(), trip.aborts() ? Control.Action.ABORT : Control.Action.PAUSE, null,
                trip.reason(), "reprise threshold", System.currentTimeMillis()));
        if (!trip.aborts()) {
            // Said in the evidence too: a PROGRESS record naming the threshold, for whoever watches the topic.
            p.evidence().writePaused(lastProgress, trip.reason());
        }
    }

    private void actOnCommands() {
        Control.State wanted = p.follower().poll(Duration.ZERO);
        if (wanted.maxEventsPerSecond() != applied.maxEventsPerSecond()) {
            // At once, not at the next tick: a new limit also wakes threads waiting under the old one.
            p.throttle().setLimit(localShare(wanted.maxEventsPerSecond()));
        }
        if (wanted.paused() != applied.paused()) {
            if (wanted.paused()) {
                p.streams().pause();
                p.throttle().wakeUp();
                LOG.warn("Run {} paused ({}); counts stay exact; 'reprise resume' continues it", p.plan().runId(),
                        wanted.reason() == null ? "by the operator" : wanted.reason());
            } else {
                p.streams().resume();
                LOG.warn("Run {} resumed by the operator", p.plan().runId());
            }
        }
        if (wanted.aborted() && abortSeenAt == 0) {
            abortSeenAt = System.currentTimeMillis();
        }
        // The instance hosting the evidence task writes the aborted run's final evidence. If none does within a few
        // seconds (a run paused before its tasks were ever assigned and restored has no active evidence task anywhere),
        // this instance writes it: a second aborted record of the same run says the same, and the run ends.
        if (wanted.aborted() && phase != Phase.ABORTING
                && (hostsEvidenceTask() || System.currentTimeMillis() - abortSeenAt > ABORT_WRITER_GRACE_MILLIS)) {
            phase = Phase.ABORTING;
            p.evidence().writeAborted(lastProgress, trip != null && trip.aborts() ? trip.reason() : wanted.reason());
        }
        applied = wanted;
    }

    private void reportProgress() {
        if (!p.readsProgress()) {
            return;
        }
        try {
            p.observer().progress(Progress.read(p.admin(), p.contract().applicationId(), p.plan()));
        } catch (RuntimeException e) {
            LOG.debug("progress not available yet: {}", e.getMessage());
        }
    }

    /** This instance's part of the run's limit: the run's limit times its share of the source tasks. */
    private double localShare(double runLimit) {
        if (runLimit <= 0) {
            return 0;
        }
        long total = p.plan().ranges().stream().mapToInt(RunPlan.PartitionRange::partition).distinct().count();
        long local = p.streams().metadataForLocalThreads().stream().flatMap(t -> t.activeTasks().stream())
                .filter(t -> t.taskId().subtopology() == 0).count();
        return local == 0 ? runLimit : runLimit * local / Math.max(1, total);
    }

    private boolean hostsEvidenceTask() {
        return p.streams().metadataForLocalThreads().stream().flatMap(t -> t.activeTasks().stream())
                .anyMatch(t -> t.taskId().subtopology() == p.evidenceSubtopology());
    }

    private static String rootMessage(Throwable t) {
        Throwable root = t;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return root == t ? String.valueOf(t.getMessage()) : t.getMessage() + " (cause: " + root + ")";
    }
}
