package dev.reprise.runbook;

import dev.reprise.contract.Contract;
import dev.reprise.plan.CompiledContract;
import dev.reprise.preview.PlanPreview;
import dev.reprise.plan.Planner;
import dev.reprise.plan.RunPlan;
import org.apache.kafka.clients.admin.Admin;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ExecutionException;

/**
 * What the cluster showed when the runbook was written: a plan of the contract's scope (not recorded: {@code reprise
 * reset --execute} plans again at the go point), its preview ({@link PlanPreview}: offsets, versions in a sample,
 * warnings) and the topics that exist.
 */
public record ClusterFacts(RunPlan plan, PlanPreview.Preview preview, Set<String> existingTopics) {

    public ClusterFacts {
        existingTopics = Set.copyOf(existingTopics);
    }

    /** Plans the contract's scope and previews it, as {@code reprise plan} does; writes nothing. */
    public static ClusterFacts gather(Contract contract, CompiledContract codecs, Admin admin, Map<String, Object> clientConfig, double rate, int sample) {
        RunPlan plan = new Planner(admin, clientConfig).plan(contract);
        PlanPreview.Preview preview = PlanPreview.describe(contract, codecs, plan, admin, clientConfig, rate, sample);
        try {
            return new ClusterFacts(plan, preview, new TreeSet<>(admin.listTopics().names().get()));
        } catch (ExecutionException e) {
            throw new IllegalStateException("cannot list topics: " + e.getCause().getMessage(), e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    public List<PlanPreview.Warning> warnings() {
        return preview.warnings();
    }

    /** "type vN" → events of that version in the sample. */
    public Map<String, Long> sampledVersions() {
        return preview.sampledVersions();
    }

    /** Reason code → undecodable records in the sample. */
    public Map<String, Long> sampledUndecodable() {
        return preview.sampledUndecodable();
    }

    /** "type vN" found in the sample → why no upcaster chain leads it to its latest version. */
    public Map<String, String> sampleGaps() {
        return preview.upcasterGapsInSample();
    }

    public List<String> creates() {
        return preview.creates();
    }

    public long sampledEvents() {
        return preview.sampledEvents();
    }

    public long sampledInScope() {
        return preview.sampledInScope();
    }
}
