package dev.reprise.runbook;

import dev.reprise.contract.Contract;
import dev.reprise.plan.CompiledContract;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * Everything a runbook is written from: the contract with its schemas, upcasters and projection, the plan and what
 * the cluster showed (null for a runbook written offline), the command lines' common arguments and the operator's
 * choices.
 *
 * @param cluster what the cluster showed when the runbook was written, or null when it was written offline
 */
public record Facts(Contract contract, CompiledContract codecs, Commands commands, ClusterFacts cluster, Options options, Instant generatedAt) {

    /**
     * The operator's choices for this replay.
     *
     * @param rate        events per second the duration estimate assumes and the run starts throttled to
     * @param principal   the app's principal for the ACLs, {@code TYPE:NAME}
     * @param stateDir    the state directory {@code reprise run} is given
     * @param metricsPort the port {@code reprise run} serves metrics on by default, or null when this build's
     *                    {@code reprise run} has no metrics endpoint
     */
    public record Options(double rate, String principal, String stateDir, Integer metricsPort) {
        public static final String DEFAULT_PRINCIPAL = "User:reprise";
    }

    public boolean offline() {
        return cluster == null;
    }

    /** Topics the contract lets Reprise write besides its own outputs: the live projection, written only by promote. */
    public List<String> liveTopics() {
        List<String> live = new ArrayList<>(contract.allowedWriteTopics());
        live.removeAll(contract.outputTopics());
        return live;
    }

    public boolean viaRepartition() {
        return !contract.history().keyedByOrderingKey();
    }

    /** The estimated duration of the run in seconds, from the plan at the operator's rate; null offline. */
    public Long estimatedSeconds() {
        return cluster == null ? null : (long) Math.ceil(cluster.plan().totalOffsets() / Math.max(1, options.rate()));
    }
}
