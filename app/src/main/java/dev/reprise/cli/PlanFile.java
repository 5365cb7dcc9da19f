package dev.reprise.cli;

import dev.reprise.plan.RunPlan;

import java.io.IOException;
import java.nio.charset.MalformedInputException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/** A run plan written by {@code reprise plan --out}, read for {@code --plan} before anything connects. */
final class PlanFile {
    private PlanFile() {
    }

    /**
     * Why {@code plan}, read from {@code file}, must not be made the run in force for {@code contract}, or empty when it may:
     * it was made from another contract (or another version of it), for another application id, or records of its
     * ranges have been deleted from the cluster since it was made (then the run could not read them: plan again).
     */
    static java.util.Optional<String> refusal(Path file, RunPlan plan, dev.reprise.contract.Contract contract, org.apache.kafka.clients.admin.Admin admin) {
        if (!plan.applicationId().equals(contract.applicationId())) {
            return java.util.Optional.of("--plan: " + file + " is a plan of application id " + plan.applicationId() + ", the contract's is "
                    + contract.applicationId() + "; plan again with 'reprise plan --out " + file + "' for this contract");
        }
        if (!plan.contractHash().equals(contract.hash())) {
            return java.util.Optional.of("--plan: " + file + " was planned from another version of the contract (sha256 "
                    + plan.contractHash().substring(0, Math.min(12, plan.contractHash().length())) + "…, this one is " + contract.hash().substring(0, 12)
                    + "…): its ranges may not be this contract's scope; plan again with 'reprise plan --out " + file + "'");
        }
        java.util.Map<org.apache.kafka.common.TopicPartition, org.apache.kafka.clients.admin.OffsetSpec> request = new java.util.HashMap<>();
        plan.ranges().forEach(r -> request.put(r.topicPartition(), org.apache.kafka.clients.admin.OffsetSpec.earliest()));
        java.util.Map<org.apache.kafka.common.TopicPartition, org.apache.kafka.clients.admin.ListOffsetsResult.ListOffsetsResultInfo> logStart;
        try {
            logStart = admin.listOffsets(request).all().get();
        } catch (java.util.concurrent.ExecutionException e) {
            throw new IllegalStateException("cannot read the log start offsets of the plan's partitions: " + e.getCause().getMessage(), e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
        for (RunPlan.PartitionRange r : plan.ranges()) {
            long first = logStart.get(r.topicPartition()).offset();
            if (r.hasData() && first > r.firstDataOffset()) {
                return java.util.Optional.of("--plan: records of " + r.id() + " from offset " + r.firstDataOffset() + " to " + (first - 1)
                        + " were deleted (retention or a deleteRecords) since the plan in " + file + " was made; the run could not read them. "
                        + "Plan again with 'reprise plan --out " + file + "'");
            }
        }
        return java.util.Optional.empty();
    }

    /** @throws IllegalArgumentException (exit 2) naming the file and what to do when it is missing or not a plan */
    static RunPlan read(Path file) {
        String text;
        try {
            text = Files.readString(file);
        } catch (NoSuchFileException e) {
            throw new IllegalArgumentException("--plan: file not found: " + file + "; write one with 'reprise plan --out " + file
                    + "', or leave --plan out to run the run in force");
        } catch (MalformedInputException e) {
            throw new IllegalArgumentException("--plan: " + file + " is not a text file; pass the JSON file written by 'reprise plan --out'");
        } catch (IOException e) {
            throw new IllegalArgumentException("--plan: cannot read " + file + (Files.isDirectory(file) ? ": it is a directory" : ": " + e.getMessage()));
        }
        try {
            return RunPlan.fromJson(text);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--plan: " + file + " is not a run plan; pass the JSON file written by 'reprise plan --out plan.json'");
        }
    }
}
