package dev.reprise.topology;

import dev.reprise.contract.Contract;
import dev.reprise.evidence.EvidenceBuilder;
import dev.reprise.evidence.EvidenceCodec;
import dev.reprise.evidence.TaskSummary;
import dev.reprise.evidence.avro.RecoveryEvidence;
import dev.reprise.plan.RunPlan;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The evidence stage: a single task that collects one {@link TaskSummary} per apply task and, when all
 * have arrived, writes the run's final evidence. Summaries are kept in a store so a restart in the
 * middle loses none.
 */
final class EvidenceStage implements Processor<byte[], byte[], byte[], byte[]> {
    /** "run id|part|apply partition" → summary JSON; "run id|final" → the evidence written. */
    static final String STORE = "reprise-evidence-parts";
    private static final Logger LOG = LoggerFactory.getLogger(EvidenceStage.class);

    private final Contract contract;
    private final RunPlan plan;
    private ProcessorContext<byte[], byte[]> context;
    private KeyValueStore<String, byte[]> parts;

    EvidenceStage(Contract contract, RunPlan plan) {
        this.contract = contract;
        this.plan = plan;
    }

    @Override
    public void init(ProcessorContext<byte[], byte[]> context) {
        this.context = context;
        this.parts = context.getStateStore(STORE);
    }

    @Override
    public void process(Record<byte[], byte[]> record) {
        String finalKey = plan.runId() + "|final";
        if (parts.get(finalKey) != null) {
            return;
        }
        TaskSummary summary = TaskSummary.fromJson(record.value());
        parts.put(plan.runId() + "|part|" + summary.partition(), record.value());
        List<TaskSummary> all = new ArrayList<>();
        for (int p = 0; p < plan.repartitionPartitions(); p++) {
            byte[] part = parts.get(plan.runId() + "|part|" + p);
            if (part == null) {
                return;
            }
            all.add(TaskSummary.fromJson(part));
        }
        RecoveryEvidence evidence = EvidenceBuilder.build(contract, plan, all, context.currentSystemTimeMs());
        byte[] encoded = EvidenceCodec.encode(evidence);
        parts.put(finalKey, encoded);
        LOG.info("Run {} complete: {} events processed, {} duplicates skipped, {} dead-lettered; verdict {}",
                plan.runId(), evidence.getEventsProcessed(), evidence.getDuplicatesSkipped(), evidence.getDeadLettered(), evidence.getConfidenceStatus());
        RecordHeaders headers = new RecordHeaders();
        headers.add("reprise.run_id", plan.runId().getBytes(StandardCharsets.UTF_8));
        headers.add("reprise.evidence_kind", "FINAL".getBytes(StandardCharsets.UTF_8));
        context.forward(new Record<>(plan.runId().getBytes(StandardCharsets.UTF_8), encoded, context.currentSystemTimeMs(), headers));
    }
}
