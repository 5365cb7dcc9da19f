package dev.reprise.pipeline.evidence;

import dev.reprise.codec.HeaderNames;
import dev.reprise.compat.NewHeaders;
import dev.reprise.contract.Contract;
import dev.reprise.counts.Count;
import dev.reprise.evidence.EvidenceBuilder;
import dev.reprise.evidence.EvidenceCodec;
import dev.reprise.evidence.EvidenceSignature;
import dev.reprise.evidence.IdCheckSummary;
import dev.reprise.evidence.TaskSummary;
import dev.reprise.evidence.avro.RecoveryEvidence;
import dev.reprise.pipeline.apply.ApplyStage;
import dev.reprise.pipeline.idcheck.IdCheckStage;
import dev.reprise.pipeline.support.CounterFeed;
import dev.reprise.plan.RunPlan;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The evidence stage: a single task that collects one {@link TaskSummary} per apply task (and with more than one, one
 * {@link IdCheckSummary} per id check task) and, when all have arrived, writes the run's final evidence. Summaries are kept in a store so a restart in the
 * middle loses none.
 */
public final class EvidenceStage implements Processor<byte[], byte[], byte[], byte[]> {
    /** "run id|part|apply partition" → summary JSON; "run id|id-check|partition" → id check summary JSON; "run id|final" → the evidence written. */
    public static final String STORE = "reprise-evidence-parts";
    private static final Logger LOG = LoggerFactory.getLogger(EvidenceStage.class);

    private final Contract contract;
    private final RunPlan plan;
    private final EvidenceCodec codec;
    /** This instance's metrics: told of each stale record ignored here (rare: no commit-time batching needed). */
    private final CounterFeed feed;
    private final EvidenceSignature.Signer signer;
    private ProcessorContext<byte[], byte[]> context;
    private KeyValueStore<String, byte[]> parts;
    /** Latest running counters per apply task; kept in memory, as PROGRESS records are a gauge, not proof. */
    private final Map<Integer, Map<String, Long>> progress = new TreeMap<>();
    private boolean progressChanged;

    /** @param codec writes the evidence in the contract's {@code evidence.encoding} */
    public EvidenceStage(Contract contract, RunPlan plan, EvidenceCodec codec) {
        this(contract, plan, codec, CounterFeed.NONE);
    }

    public EvidenceStage(Contract contract, RunPlan plan, EvidenceCodec codec, CounterFeed feed) {
        this(contract, plan, codec, feed, EvidenceSignature.Signer.unsigned());
    }

    /** @param signer signs every evidence record written here, or marks it unsigned (docs/evidence-signature.md) */
    public EvidenceStage(Contract contract, RunPlan plan, EvidenceCodec codec, CounterFeed feed, EvidenceSignature.Signer signer) {
        this.contract = contract;
        this.plan = plan;
        this.codec = codec;
        this.feed = feed;
        this.signer = signer;
    }

    @Override
    public void init(ProcessorContext<byte[], byte[]> context) {
        this.context = context;
        this.parts = context.getStateStore(STORE);
        context.schedule(contract.evidence().progressInterval(), PunctuationType.WALL_CLOCK_TIME, now -> writeProgress());
    }

    private void writeProgress() {
        if (!progressChanged || parts.get(plan.runId() + "|final") != null) {
            return;
        }
        progressChanged = false;
        RecoveryEvidence evidence = signer.stamp(EvidenceBuilder.progress(contract, plan, progress.values(), context.currentSystemTimeMs()));
        byte[] encoded = codec.write(evidence);
        context.forward(new Record<>(plan.runId().getBytes(StandardCharsets.UTF_8), encoded, context.currentSystemTimeMs(), headers("PROGRESS", encoded)));
    }

    /** Run id, kind, and the signature of exactly these value bytes (or the writer's mark alone when unsigned). */
    private org.apache.kafka.common.header.Headers headers(String kind, byte[] encoded) {
        org.apache.kafka.common.header.Headers headers = NewHeaders.empty();
        headers.add(HeaderNames.RUN_ID, plan.runId().getBytes(StandardCharsets.UTF_8));
        headers.add(HeaderNames.EVIDENCE_KIND, kind.getBytes(StandardCharsets.UTF_8));
        signer.headers(encoded).forEach(headers::add);
        return headers;
    }

    private String staleKey() {
        return plan.runId() + "|stale";
    }

    private long staleCount() {
        byte[] n = parts.get(staleKey());
        return n == null ? 0 : Long.parseLong(new String(n, StandardCharsets.UTF_8));
    }

    private static TaskSummary readSummary(byte[] value) {
        if (value == null) {
            return null;
        }
        try {
            return TaskSummary.fromJson(value);
        } catch (RuntimeException notASummary) {
            return null;
        }
    }

    @Override
    public void process(Record<byte[], byte[]> record) {
        String finalKey = plan.runId() + "|final";
        if (parts.get(finalKey) != null) {
            return;
        }
        Header kind = record.headers().lastHeader(ApplyStage.PART_HEADER);
        String kindText = kind == null ? "" : new String(kind.value(), StandardCharsets.UTF_8);
        if (IdCheckStage.PART.equals(kindText)) {
            IdCheckSummary idCheck = readIdCheck(record.value());
            if (idCheck == null || !plan.runId().equals(idCheck.runId()) || idCheck.partition() < 0 || idCheck.partition() >= plan.repartitionPartitions()) {
                stale(idCheck == null ? "a record that is not an id check summary" : "an id check summary of run " + idCheck.runId());
                return;
            }
            parts.put(plan.runId() + "|id-check|" + idCheck.partition(), record.value());
            finishWhenComplete(finalKey);
            return;
        }
        TaskSummary summary = readSummary(record.value());
        if (summary == null || !plan.runId().equals(summary.runId())
                || summary.partition() < 0 || summary.partition() >= plan.repartitionPartitions()) {
            stale(summary == null ? "a record that is not a task summary" : "a summary of run " + summary.runId());
            return;
        }
        if ("progress".equals(kindText)) {
            progress.put(summary.partition(), summary.counters());
            progressChanged = true;
            return;
        }
        parts.put(plan.runId() + "|part|" + summary.partition(), record.value());
        finishWhenComplete(finalKey);
    }

    /**
     * A record of another run (an offset reset with Kafka's own tools rewinds this internal topic too) or not a part at all:
     * it never completes this run. Counted, and said in the final evidence.
     */
    private void stale(String what) {
        long stale = staleCount() + 1;
        parts.put(staleKey(), Long.toString(stale).getBytes(StandardCharsets.UTF_8));
        feed.grew(Count.STALE_RECORDS.key(), 1);
        LOG.warn("The evidence task ignored {} on its input topic; {} such records in run {}", what, stale, plan.runId());
    }

    private static IdCheckSummary readIdCheck(byte[] value) {
        if (value == null) {
            return null;
        }
        try {
            return IdCheckSummary.fromJson(value);
        } catch (RuntimeException notASummary) {
            return null;
        }
    }

    /**
     * Writes the final evidence once every apply task's summary is in, and with more than one apply task, every id check
     * task's summary too.
     */
    private void finishWhenComplete(String finalKey) {
        List<TaskSummary> all = new ArrayList<>();
        List<IdCheckSummary> idChecks = new ArrayList<>();
        for (int p = 0; p < plan.repartitionPartitions(); p++) {
            byte[] part = parts.get(plan.runId() + "|part|" + p);
            if (part == null) {
                return;
            }
            all.add(TaskSummary.fromJson(part));
            if (plan.repartitionPartitions() > 1) {
                byte[] idCheck = parts.get(plan.runId() + "|id-check|" + p);
                if (idCheck == null) {
                    return;
                }
                idChecks.add(IdCheckSummary.fromJson(idCheck));
            }
        }
        RecoveryEvidence evidence = signer.stamp(EvidenceBuilder.build(contract, plan, all, idChecks, staleCount(), context.currentSystemTimeMs()));
        progress.clear();
        byte[] encoded = codec.write(evidence);
        parts.put(finalKey, encoded);
        LOG.info("Run {} complete: {} events processed, {} duplicates skipped, {} dead-lettered; verdict {}",
                plan.runId(), evidence.getEventsProcessed(), evidence.getDuplicatesSkipped(), evidence.getDeadLettered(), evidence.getConfidenceStatus());
        context.forward(new Record<>(plan.runId().getBytes(StandardCharsets.UTF_8), encoded, context.currentSystemTimeMs(), headers("FINAL", encoded)));
        // Readers of the evidence topic see committed records only: commit now rather than at the next interval.
        context.commit();
    }
}
