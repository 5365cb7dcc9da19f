package dev.reprise.evidence;

import dev.reprise.contract.Contract;
import dev.reprise.counts.Count;
import dev.reprise.counts.CountFamily;
import dev.reprise.evidence.avro.DifferenceSample;
import dev.reprise.evidence.avro.PartitionRange;
import dev.reprise.plan.RunPlan;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * What the summaries of a run's apply tasks add up to: the counts of every source partition (from the end markers
 * each task received) and of every apply task, what each partition was read from and to, the comparison with the
 * reference, and the thresholds crossed. {@link EvidenceBuilder} decides the verdict from it.
 */
final class RunTotals {
    final Contract contract;
    final RunPlan plan;
    final Collection<TaskSummary> summaries;
    /** Offsets the source stage skipped over and proved to hold no committed record. */
    final long offsetsProvenEmpty;
    /** Offsets the source stage skipped over that are not proven empty, and a few of those gaps said in words. */
    final long offsetsUnproven;
    final List<String> unprovenGaps;
    /** Event ids reused for other events (idempotency.on_conflict decides what they do to the verdict). */
    final IdConflicts idConflicts;
    final Map<String, Map<String, Long>> sources;
    final Map<String, Long> apply;
    final Map<String, Long> invariantFailures;
    final Map<String, String> invariantSamples;
    final long keys;
    final long checksum;
    final boolean hasReference;
    final long unchanged;
    final long changed;
    final long missing;
    final long extra;
    final List<DifferenceSample> samples;
    final long read;
    final long filtered;
    final long outOfRange;
    final long startedAt;
    final Map<String, Long> deadReasons;
    final Map<String, Long> upcasts;
    final List<PartitionRange> ranges;
    final long redelivered;
    final long misplaced;
    final List<String> misplacedSamples;
    final List<String> coverageGaps;
    final long stale;
    final java.util.Set<CountFamily.Crossed> crossed;
    final long processed;
    final long duplicates;
    final long dead;
    /** Null when the contract declares no sequence field. */
    final Long violations;

    /** @param staleSummaries records the evidence stage ignored: summaries of other runs, or not summaries at all */
    RunTotals(Contract contract, RunPlan plan, Collection<TaskSummary> summaries, long staleSummaries) {
        this(contract, plan, summaries, java.util.List.of(), staleSummaries);
    }

    /** @param idChecks the id check's summaries (with more than one apply task) */
    RunTotals(Contract contract, RunPlan plan, Collection<TaskSummary> summaries, Collection<IdCheckSummary> idChecks, long staleSummaries) {
        Map<String, Map<String, Long>> sources = new TreeMap<>();
        Map<String, Long> apply = new TreeMap<>();
        Map<String, Long> invariantFailures = new LinkedHashMap<>();
        Map<String, String> invariantSamples = new LinkedHashMap<>();
        long keys = 0;
        long checksum = 0;
        boolean hasReference = false;
        long unchanged = 0;
        long changed = 0;
        long missing = 0;
        long extra = 0;
        List<DifferenceSample> samples = new ArrayList<>();
        for (TaskSummary s : summaries) {
            sources.putAll(s.sources());
            s.counters().forEach((k, v) -> apply.merge(k, v, Long::sum));
            s.invariantFailures().forEach((k, v) -> invariantFailures.merge(k, v, Long::sum));
            s.invariantSamples().forEach(invariantSamples::putIfAbsent);
            keys += s.projectionKeys();
            checksum += s.checksum();
            if (s.reference() != null) {
                hasReference = true;
                unchanged += s.reference().unchanged();
                changed += s.reference().changed();
                missing += s.reference().missing();
                extra += s.reference().extra();
                for (TaskSummary.Sample sample : s.reference().samples()) {
                    if (samples.size() < 50) {
                        samples.add(new DifferenceSample(sample.key(), sample.status(), sample.referenceValue(), sample.rebuiltValue()));
                    }
                }
            }
        }

        long read = 0;
        long filtered = 0;
        long outOfRange = 0;
        long deadSource = 0;
        long startedAt = Long.MAX_VALUE;
        Map<String, Long> deadReasons = new TreeMap<>();
        Map<String, Long> upcasts = new TreeMap<>();
        List<PartitionRange> ranges = new ArrayList<>();
        long redelivered = 0;
        long misplaced = 0;
        List<String> misplacedSamples = new ArrayList<>();
        List<String> coverageGaps = new ArrayList<>();
        long offsetsProvenEmpty = 0;
        long offsetsUnproven = 0;
        List<String> unprovenGaps = new ArrayList<>();
        for (RunPlan.PartitionRange r : plan.ranges()) {
            Map<String, Long> stats = sources.getOrDefault(r.id(), Map.of());
            long partitionRead = Count.EVENTS_READ.in(stats);
            Long firstRead = partitionRead > 0 ? (Long) stats.get(Count.FIRST_OFFSET.key()) : null;
            Long lastRead = partitionRead > 0 ? (Long) stats.get(Count.LAST_OFFSET.key()) : null;
            ranges.add(PartitionRange.newBuilder().setTopic(r.topic()).setPartition(r.partition()).setStartOffset(r.start())
                    .setEndOffset(r.end()).setEventsRead(partitionRead)
                    .setFirstDataOffset(r.hasData() ? r.firstDataOffset() : null).setLastDataOffset(r.hasData() ? r.lastDataOffset() : null)
                    .setFirstOffsetRead(firstRead).setLastOffsetRead(lastRead)
                    .setOffsetsProvenEmpty(Count.OFFSETS_PROVEN_EMPTY.in(stats)).setOffsetsUnproven(Count.OFFSETS_UNPROVEN.in(stats)).build());
            offsetsProvenEmpty += Count.OFFSETS_PROVEN_EMPTY.in(stats);
            offsetsUnproven += Count.OFFSETS_UNPROVEN.in(stats);
            boolean ended = Count.ENDED.in(stats) > 0;
            if (ended && r.hasData() && !(Long.valueOf(r.firstDataOffset()).equals(firstRead) && Long.valueOf(r.lastDataOffset()).equals(lastRead))) {
                coverageGaps.add(r.id() + " was read " + (firstRead == null ? "not at all" : "from offset " + firstRead + " to " + lastRead)
                        + ", but its records in the plan are at offsets " + r.firstDataOffset() + " to " + r.lastDataOffset());
            } else if (ended && !r.hasData() && partitionRead > 0) {
                coverageGaps.add(r.id() + " has no records in the plan, but " + partitionRead + " were read");
            }
            redelivered += Count.REDELIVERED.in(stats);
            misplaced += Count.MISPLACED.in(stats);
            read += partitionRead;
            filtered += Count.FILTERED.in(stats);
            outOfRange += Count.OUT_OF_RANGE.in(stats);
            deadSource += Count.DEAD_LETTERED.in(stats);
            if (Count.STARTED_AT.isIn(stats)) {
                startedAt = Math.min(startedAt, Count.STARTED_AT.in(stats));
            }
            stats.forEach((name, value) -> {
                CountFamily.DEAD_LETTER_REASON.valueIn(name).ifPresent(reason -> deadReasons.merge(reason, value, Long::sum));
                CountFamily.UPCAST.valueIn(name).ifPresent(step -> upcasts.merge(step, value, Long::sum));
                CountFamily.UNPROVEN_GAP.valueIn(name).filter(x -> unprovenGaps.size() < 20).flatMap(CountFamily.UnprovenGap::parse)
                        .ifPresent(gap -> unprovenGaps.add(r.id() + " " + gap));
                CountFamily.MISPLACED_SAMPLE.valueIn(name).filter(x -> misplacedSamples.size() < 20).ifPresent(sample ->
                        misplacedSamples.add(CountFamily.Misplaced.parse(sample).map(Object::toString).orElse(sample)));
            });
        }
        apply.forEach((name, value) -> CountFamily.DEAD_LETTER_REASON.valueIn(name).ifPresent(reason -> deadReasons.merge(reason, value, Long::sum)));
        long stale = staleSummaries;
        for (TaskSummary s : summaries) {
            stale += Count.STALE_RECORDS.in(s.counters());
            redelivered += Count.REDELIVERED.in(s.counters());
        }
        // Thresholds crossed while the run went (reconciliation.thresholds), recorded by the stage that saw them.
        java.util.Set<CountFamily.Crossed> crossed = new java.util.TreeSet<>(java.util.Comparator.comparing(CountFamily.Crossed::action).thenComparing(CountFamily.Crossed::reason));
        sources.values().forEach(stats -> stats.keySet().forEach(n -> CountFamily.THRESHOLD.valueIn(n).ifPresent(v -> crossed.add(CountFamily.Crossed.parse(v)))));
        summaries.forEach(s -> s.counters().keySet().forEach(n -> CountFamily.THRESHOLD.valueIn(n).ifPresent(v -> crossed.add(CountFamily.Crossed.parse(v)))));
        if (startedAt == Long.MAX_VALUE) {
            startedAt = plan.createdAtMillis();
        }
        long processed = Count.PROCESSED.in(apply);
        long duplicates = Count.DUPLICATES.in(apply);
        long dead = deadSource + Count.DEAD_LETTERED.in(apply);
        Long violations = contract.ordering().sequenceField() == null ? null : Count.ORDERING_VIOLATIONS.in(apply);

        this.idConflicts = IdConflicts.of(contract, plan, summaries, idChecks);
        this.contract = contract;
        this.plan = plan;
        this.summaries = summaries;
        this.offsetsProvenEmpty = offsetsProvenEmpty;
        this.offsetsUnproven = offsetsUnproven;
        this.unprovenGaps = unprovenGaps;
        this.sources = sources;
        this.apply = apply;
        this.invariantFailures = invariantFailures;
        this.invariantSamples = invariantSamples;
        this.keys = keys;
        this.checksum = checksum;
        this.hasReference = hasReference;
        this.unchanged = unchanged;
        this.changed = changed;
        this.missing = missing;
        this.extra = extra;
        this.samples = samples;
        this.read = read;
        this.filtered = filtered;
        this.outOfRange = outOfRange;
        this.startedAt = startedAt;
        this.deadReasons = deadReasons;
        this.upcasts = upcasts;
        this.ranges = ranges;
        this.redelivered = redelivered;
        this.misplaced = misplaced;
        this.misplacedSamples = misplacedSamples;
        this.coverageGaps = coverageGaps;
        this.stale = stale;
        this.crossed = crossed;
        this.processed = processed;
        this.duplicates = duplicates;
        this.dead = dead;
        this.violations = violations;
    }
}
