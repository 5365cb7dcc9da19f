package dev.reprise.evidence;

import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Map;

/**
 * What one apply task knows when it has seen the end of every source partition: the source counters
 * (from the end markers), its own counters, and the checks over its share of the projection. The
 * evidence stage merges one summary per apply task into the run's evidence.
 *
 * @param runId            the run that wrote it: the evidence stage ignores (and counts) summaries of other runs
 * @param partition        the apply task's partition
 * @param sources          counters per source partition ("topic:partition" → name → value)
 * @param counters         apply-stage counters: processed, duplicates, dead_lettered, dlq:*, ordering_violations,
 *                         stale_records, redelivered
 * @param checksum         sum modulo 2^64 of the per-key hashes of this task's keys
 * @param invariantFailures failures per invariant name (every invariant present, 0 when it held)
 * @param invariantSamples  one failing key per invariant, for the operator
 * @param reference        comparison with the reference projection, or {@code null} when none is configured
 * @param expectedFromSources behind a repartition: per source partition, the events it says it sent to this task
 *                         (from its end marker); empty without a repartition
 * @param receivedFromSources behind a repartition: per source partition, the events of this run this task received
 */
public record TaskSummary(String runId, int partition, Map<String, Map<String, Long>> sources, Map<String, Long> counters,
                          long projectionKeys, long checksum, Map<String, Long> invariantFailures,
                          Map<String, String> invariantSamples, ReferenceComparison reference,
                          Map<String, Long> expectedFromSources, Map<String, Long> receivedFromSources) {

    private static final ObjectMapper JSON = new ObjectMapper();

    public TaskSummary {
        expectedFromSources = expectedFromSources == null ? Map.of() : expectedFromSources;
        receivedFromSources = receivedFromSources == null ? Map.of() : receivedFromSources;
    }

    /** A summary without a repartition's transit counts. */
    public TaskSummary(String runId, int partition, Map<String, Map<String, Long>> sources, Map<String, Long> counters,
                       long projectionKeys, long checksum, Map<String, Long> invariantFailures,
                       Map<String, String> invariantSamples, ReferenceComparison reference) {
        this(runId, partition, sources, counters, projectionKeys, checksum, invariantFailures, invariantSamples, reference, Map.of(), Map.of());
    }

    public record ReferenceComparison(long unchanged, long changed, long missing, long extra, List<Sample> samples) {
    }

    public record Sample(String key, String status, String referenceValue, String rebuiltValue) {
    }

    public byte[] toJson() {
        try {
            return JSON.writeValueAsBytes(this);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** @throws UncheckedIOException when the bytes are not a summary (a record written by something else) */
    public static TaskSummary fromJson(byte[] json) {
        try {
            return JSON.readValue(json, TaskSummary.class);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
