package dev.reprise.counts;

import java.util.Map;

/**
 * A counter of a run, named once. The stages count with these, the end markers and task summaries carry them
 * by name, the evidence builder reads them, and the evidence schema has a field for each one a reader needs.
 * Adding a counter: a constant here, the place that counts it, and the schema field (if readers need it).
 */
public enum Count {
    // Per source partition, counted by the source stage and carried to the evidence by its end marker.
    EVENTS_READ("events_read", "records read inside the partition's planned range"),
    FILTERED("filtered", "records in range that the scope's filters excluded"),
    OUT_OF_RANGE("out_of_range", "records before the range's start, ignored"),
    DEAD_LETTERED("dead_lettered", "records (source stage) or events (apply stage) sent to the dead-letter topic"),
    ENDED("ended", "1 once the partition reached the end of its range"),
    STARTED_AT("started_at", "when the partition's first record was read, epoch milliseconds"),
    FIRST_OFFSET("first_offset", "offset of the first record read inside the range"),
    LAST_OFFSET("last_offset", "offset of the last record read inside the range"),
    REDELIVERED("redelivered", "records read again after the group's offsets were moved back inside the run: skipped"),
    MISPLACED("misplaced", "events of a history declared keyed by the ordering key, read from another partition than their key's"),
    OFFSETS_PROVEN_EMPTY("offsets_proven_empty", "offsets inside the range the stage did not see, proven by a read to hold no committed record"),
    OFFSETS_UNPROVEN("offsets_unproven", "offsets inside the range the stage did not see and that are not proven empty: records the run missed"),
    // Per apply task, counted by the apply stage and carried by its task summary.
    PROCESSED("processed", "distinct events applied to the projection"),
    DUPLICATES("duplicates", "events whose id this run had applied already, with the same content: copies, skipped"),
    ID_CONFLICTS("id_conflicts", "events whose id this run had applied already with other content or another ordering key: not applied"),
    ORDERING_VIOLATIONS("ordering_violations", "events whose sequence was not above the last one of their key"),
    STALE_RECORDS("stale_records", "records of other runs (or in no format of this run) on the repartition topic, ignored"),
    // Bookkeeping of the apply task, not reported.
    ENDS_RECEIVED("ends_received", "end markers of this run received"),
    SUMMARY_SENT("summary_sent", "1 once the task sent its final summary"),
    INPUT_NEXT_OFFSET("input_next_offset", "the offset after the last repartition record processed");

    private final String key;
    private final String doc;

    Count(String key, String doc) {
        this.key = key;
        this.doc = doc;
    }

    /** The counter's name in stores, end markers and task summaries. */
    public String key() {
        return key;
    }

    public String doc() {
        return doc;
    }

    /** This counter in a map of counters by name; 0 when absent. */
    public long in(Map<String, Long> counters) {
        return counters.getOrDefault(key, 0L);
    }

    /** Whether the map holds this counter. */
    public boolean isIn(Map<String, Long> counters) {
        return counters.containsKey(key);
    }
}
