package dev.reprise.pipeline.idcheck;

import dev.reprise.codec.HeaderNames;
import dev.reprise.compat.CommitHook;
import dev.reprise.compat.NewHeaders;
import dev.reprise.counts.Count;
import dev.reprise.counts.CountFamily;
import dev.reprise.dedup.DedupSet;
import dev.reprise.evidence.IdCheckSummary;
import dev.reprise.pipeline.support.CounterFeed;
import dev.reprise.pipeline.support.Counters;
import dev.reprise.plan.RunPlan;
import dev.reprise.state.KeyPrefixes;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The id check, one task per partition of the topic keyed by event id: every event id an apply task applied is claimed
 * here ({@link IdClaims}). Within an apply task the dedup set already tells a copy from a conflict; an id claimed here a
 * second time from another place was applied for two events under ordering keys of different apply tasks. It is
 * counted and sampled for the evidence (rule {@code event_ids_name_one_event}).
 *
 * <p>When every apply task has sent its end, with the number of claims it sent here, the task hands the evidence stage
 * an {@link IdCheckSummary}: what each apply task says it sent and what arrived, which rule
 * {@code event_ids_checked_across_apply_tasks} compares. The claims are kept in {@link ClaimedIds} (exact across
 * crashes, under the run's state prefix): a claim of an id certainly not claimed before is counted as it arrives, and the
 * others are judged when every apply task has ended, before the summary. What is counted here commits with them.
 */
public final class IdCheckStage implements Processor<byte[], byte[], byte[], byte[]> {
    /** run prefix + batch → the claims kept here, new and suspect ({@link ClaimedIds}), changelogged. */
    public static final String IDS_STORE = "reprise-id-check";
    /** run id|scope → counters: claims received and expected per apply task, ends, conflicts and their samples. */
    public static final String COUNTERS_STORE = "reprise-id-check-counters";
    public static final String COMMIT_HOOK = "reprise-id-check-commit";
    /** Value of {@link HeaderNames#SUMMARY_PART} on this stage's summaries. */
    public static final String PART = "id-check";
    static final int SAMPLES = 20;
    private static final Logger LOG = LoggerFactory.getLogger(IdCheckStage.class);

    private final RunPlan plan;
    private final int applyTasks;
    private final CounterFeed feed;
    private final byte[] prefix;
    private ProcessorContext<byte[], byte[]> context;
    private Counters counters;
    private Counters.Scope check;
    private Counters.Scope received;
    private Counters.Scope expected;
    private ClaimedIds claimed;
    private KeyValueStore<Bytes, byte[]> ids;
    private boolean otherRunsGone;

    public IdCheckStage(RunPlan plan, CounterFeed feed) {
        this.plan = plan;
        this.applyTasks = plan.repartitionPartitions();
        this.feed = feed;
        this.prefix = plan.statePrefix();
    }

    @Override
    public void init(ProcessorContext<byte[], byte[]> context) {
        this.context = context;
        this.counters = new Counters(context.getStateStore(COUNTERS_STORE), plan.runId());
        this.check = counters.scope("id-check", feed);
        this.received = counters.scope("id-check-received");
        this.expected = counters.scope("id-check-expected");
        this.ids = context.getStateStore(IDS_STORE);
        long planned = plan.ranges().stream().mapToLong(r -> Math.max(0, r.end() - r.start())).sum();
        this.claimed = new ClaimedIds(ids, prefix, planned / Math.max(1, applyTasks));
        CommitHook hook = context.getStateStore(COMMIT_HOOK);
        hook.beforeCommit(() -> {
            claimed.writeBatch();
            counters.persist();
        });
        context.schedule(Duration.ofSeconds(1), PunctuationType.WALL_CLOCK_TIME, now -> forgetOtherRuns());
    }

    @Override
    public void process(Record<byte[], byte[]> record) {
        IdClaims.Decoded decoded;
        try {
            decoded = IdClaims.decode(record.value());
        } catch (IllegalArgumentException notAClaim) {
            check.add(Count.STALE_RECORDS, 1);
            return;
        }
        if (!Arrays.equals(decoded.runPrefix(), Arrays.copyOf(prefix, 8)) || decoded.applyTask() < 0 || decoded.applyTask() >= applyTasks) {
            // Claims of another run (an offset reset with other tools rewinds this internal topic too): never counted here.
            check.add(Count.STALE_RECORDS, 1);
            return;
        }
        String task = Integer.toString(decoded.applyTask());
        if (decoded.kind() == IdClaims.END) {
            if (expected.get(task) == 0 && check.get("ended:" + task) == 0) {
                check.set("ended:" + task, 1);
                expected.set(task, decoded.sent());
                if (check.add("ends", 1) == applyTasks) {
                    summarise();
                }
            }
            return;
        }
        for (IdClaims.Claim claim : decoded.claims()) {
            if (claimed.claim(claim.id(), new DedupSet.Seen(claim.digest(), claim.source(), claim.offset()), decoded.applyTask(), claim.key())) {
                received.add(task, 1);
            }
        }
    }

    /** Judges the claims whose ids may have been claimed before: each counts as received unless it is a copy of the first. */
    private void judgeSuspects() {
        claimed.resolve(j -> {
            ClaimedIds.Suspect s = j.suspect();
            switch (j.kind()) {
                // The same claim again (delivered twice after offsets were moved back): already counted.
                case COPY -> check.add(Count.REDELIVERED, 1);
                case FIRST -> received.add(Integer.toString(s.applyTask()), 1);
                case CONFLICT -> {
                    received.add(Integer.toString(s.applyTask()), 1);
                    conflict(s, j.first());
                }
            }
        });
    }

    private void conflict(ClaimedIds.Suspect claim, DedupSet.Seen first) {
        long n = check.add("conflicts", 1);
        if (n > SAMPLES) {
            return;
        }
        CountFamily.Conflict sample = new CountFamily.Conflict(DedupSet.textOf(claim.id()), new String(claim.key(), StandardCharsets.UTF_8),
                place(first.source(), first.offset()), place(claim.seen().source(), claim.seen().offset()));
        // Kept as a counter's name, so that it commits with the counts and survives a restart.
        check.set(sample.counter(), 1);
        LOG.warn("Event id {} was applied from {} and again from {} (key {}) in another apply task: one id for two events, both applied; "
                + "counted in the evidence", sample.eventId(), sample.firstRead(), sample.secondRead(), sample.key());
    }

    private String place(int source, long offset) {
        if (source >= 0 && source < plan.ranges().size()) {
            RunPlan.PartitionRange r = plan.ranges().get(source);
            return r.topic() + "-" + r.partition() + "@" + offset;
        }
        return "an unknown place";
    }

    private void summarise() {
        if (check.get("summary_sent") > 0) {
            return;
        }
        judgeSuspects();
        Map<String, Long> expectedNow = new LinkedHashMap<>();
        Map<String, Long> receivedNow = new LinkedHashMap<>();
        for (int t = 0; t < applyTasks; t++) {
            expectedNow.put(Integer.toString(t), expected.get(Integer.toString(t)));
            receivedNow.put(Integer.toString(t), received.get(Integer.toString(t)));
        }
        List<IdCheckSummary.Sample> kept = new ArrayList<>();
        for (String name : check.snapshot().keySet()) {
            CountFamily.ID_CONFLICT_SAMPLE.valueIn(name).flatMap(CountFamily.Conflict::parse)
                    .ifPresent(c -> kept.add(new IdCheckSummary.Sample(c.eventId(), c.key(), c.firstRead(), c.secondRead())));
        }
        IdCheckSummary summary = new IdCheckSummary(plan.runId(), context.taskId().partition(), expectedNow, receivedNow, check.get("conflicts"), kept);
        check.set("summary_sent", 1);
        Headers headers = NewHeaders.empty();
        headers.add(HeaderNames.SUMMARY_PART, PART.getBytes(StandardCharsets.UTF_8));
        context.forward(new Record<>(Integer.toString(context.taskId().partition()).getBytes(StandardCharsets.UTF_8), summary.toJson(),
                context.currentSystemTimeMs(), headers));
        context.commit();
    }

    /** Deletes, a bounded batch per second, the claims of earlier runs (keys under another run's prefix). */
    private void forgetOtherRuns() {
        if (otherRunsGone) {
            return;
        }
        if (KeyPrefixes.deleteOutside(ids, prefix, 5_000) >= 5_000) {
            return;
        }
        otherRunsGone = true;
    }
}
