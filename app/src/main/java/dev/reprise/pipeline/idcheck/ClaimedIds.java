package dev.reprise.pipeline.idcheck;

import dev.reprise.dedup.DedupSet;
import dev.reprise.dedup.SeenIds;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * The event ids one id check task has been sent claims for in one run, exact across crashes, without a store read or a
 * lookup-store write per claim.
 *
 * <p>The id check has no decision to make while a claim passes: the apply task has applied the event already, and what
 * the id check owes is an account at the end (how many claims each apply task's ids arrived with, which ids were claimed
 * from two places). So a claim whose id a Bloom filter ({@link SeenIds}) has certainly not seen is kept as new, and a
 * claim the filter may have seen (a copy, a conflict, or about 1.2% of new ids that the filter takes for seen) is kept
 * as a suspect and judged by {@link #resolve(Consumer)}, when every apply task has ended: read from this run's kept claims,
 * each suspect compared with the first claim of its id. In a profile of {@code reprise bench} the per-claim writes of
 * a lookup store, which the id check had as the apply stage's dedup set has, were about two thirds of its CPU.
 *
 * <p>One changelogged store holds both, as batches written before each commit ({@link #writeBatch()}): run prefix +
 * batch number + {@value #NEW} → claims kept as new, each an id (2-byte length first) and its {@link DedupSet.Seen}
 * (1-byte length first), the layout of {@link DedupSet}'s batches; run prefix + batch number + {@value #SUSPECT} →
 * suspects, each as a new claim followed by its apply task (int) and ordering key (2-byte length first). Batch numbers
 * count up across both kinds, so the store's order is the order the claims arrived in. What the task has committed is
 * exactly what the store holds after a restore, and the filter is rebuilt from it when the task starts.
 */
final class ClaimedIds {
    static final byte NEW = DedupSet.FORMAT_WITH_SEEN;
    static final byte SUSPECT = 2;
    static final int MAX_BATCH_BYTES = 256 * 1024;
    /** Suspects judged per read of the kept claims: about 15 MiB of heap at most, whatever a hostile history holds. */
    static final int SUSPECTS_PER_PASS = 100_000;
    private final KeyValueStore<Bytes, byte[]> store;
    private final int suspectsPerPass;
    private final byte[] runPrefix;
    private final SeenIds seen;
    private final ByteArrayOutputStream news = new ByteArrayOutputStream(MAX_BATCH_BYTES + 1024);
    private final ByteArrayOutputStream suspects = new ByteArrayOutputStream(4096);
    private long lastBatch;
    private long loaded;
    private long suspectCount;

    /** A claim kept as a suspect, in the order claims arrived. */
    record Suspect(byte[] id, DedupSet.Seen seen, int applyTask, byte[] key) {
    }

    /** What a suspect was: its id's first claim (counted as received), a copy of the first claim, or a conflict with it. */
    enum Kind { FIRST, COPY, CONFLICT }

    /** A judged suspect; {@code first} is the first claim of its id (the suspect's own for {@link Kind#FIRST}). */
    record Judged(Suspect suspect, Kind kind, DedupSet.Seen first) {
    }

    /**
     * Opens the set: enters every id of the run's kept claims in a new filter.
     *
     * @param expectedIds the ids this task may be sent in the run, to size the filter
     */
    ClaimedIds(KeyValueStore<Bytes, byte[]> store, byte[] runPrefix, long expectedIds) {
        this(store, runPrefix, expectedIds, SUSPECTS_PER_PASS);
    }

    ClaimedIds(KeyValueStore<Bytes, byte[]> store, byte[] runPrefix, long expectedIds, int suspectsPerPass) {
        this.store = store;
        this.suspectsPerPass = suspectsPerPass;
        this.runPrefix = runPrefix.clone();
        this.seen = SeenIds.filter(expectedIds);
        forEachKept((kind, id, what, in) -> {
            seen.put(id);
            if (kind == SUSPECT) {
                skipSuspectTail(in);
                suspectCount++;
            }
            loaded++;
        });
    }

    /** The claims read back from committed batches when the set was opened. */
    long loaded() {
        return loaded;
    }

    /**
     * Keeps a claim. True when its id was certainly not claimed here before in this run (a new id, counted as received
     * now); false when it may have been: it is then a suspect, judged by {@link #resolve(Consumer)}.
     */
    boolean claim(byte[] id, DedupSet.Seen what, int applyTask, byte[] key) {
        if (id.length > 0xFFFF) {
            throw new IllegalArgumentException("event id of " + (id.length - 1) + " bytes; at most 65,534");
        }
        boolean certainlyNew = seen.put(id);
        ByteArrayOutputStream out = certainlyNew ? news : suspects;
        DedupSet.writeEntry(out, id, what.bytes());
        if (!certainlyNew) {
            suspectCount++;
            int keyLength = Math.min(key.length, 0xFFFF);
            out.writeBytes(ByteBuffer.allocate(4 + 2).putInt(applyTask).putShort((short) keyLength).array());
            out.write(key, 0, keyLength);
        }
        if (out.size() >= MAX_BATCH_BYTES) {
            writeBatch();
        }
        return certainlyNew;
    }

    /** Writes the claims kept since the last batch; must run before every commit. */
    void writeBatch() {
        // A new id's claim is always kept before its suspects (the filter had not seen it), and resolve() takes an id's
        // first claim from the new ones wherever they lie, so which of the two batches comes first does not matter.
        flush(news, NEW);
        flush(suspects, SUSPECT);
    }

    /**
     * Judges every suspect of the run against the first claim of its id: the first claim kept as new if there is one,
     * otherwise the id's first suspect (a new id the filter took for seen). Reads the run's kept claims twice per pass;
     * each pass holds at most about {@value #SUSPECTS_PER_PASS} suspects (those whose id hashes to it), so a history that
     * reuses millions of ids across apply tasks is judged in more passes, not with more memory. Within an id, suspects are
     * judged in the order they arrived; the order between ids follows the passes.
     */
    void resolve(Consumer<Judged> each) {
        writeBatch();
        if (suspectCount == 0) {
            return;
        }
        int passes = (int) Math.max(1, (suspectCount + suspectsPerPass - 1) / suspectsPerPass);
        for (int pass = 0; pass < passes; pass++) {
            resolvePass(pass, passes, each);
        }
    }

    private void resolvePass(int pass, int passes, Consumer<Judged> each) {
        Map<Bytes, List<Suspect>> byId = new LinkedHashMap<>();
        forEachKept((kind, id, what, in) -> {
            if (kind == SUSPECT) {
                int task = in.getInt();
                byte[] key = new byte[in.getShort() & 0xFFFF];
                in.get(key);
                if (Math.floorMod(Arrays.hashCode(id), passes) == pass) {
                    byId.computeIfAbsent(Bytes.wrap(id), k -> new ArrayList<>()).add(new Suspect(id, what, task, key));
                }
            }
        });
        if (byId.isEmpty()) {
            return;
        }
        Map<Bytes, DedupSet.Seen> firstKept = new HashMap<>();
        forEachKept((kind, id, what, in) -> {
            if (kind == NEW) {
                Bytes k = Bytes.wrap(id);
                if (byId.containsKey(k)) {
                    firstKept.putIfAbsent(k, what);
                }
            } else {
                skipSuspectTail(in);
            }
        });
        byId.forEach((id, list) -> {
            DedupSet.Seen first = firstKept.get(id);
            for (Suspect s : list) {
                if (first == null) {
                    first = s.seen();
                    each.accept(new Judged(s, Kind.FIRST, first));
                } else if (first.equals(s.seen())) {
                    each.accept(new Judged(s, Kind.COPY, first));
                } else {
                    each.accept(new Judged(s, Kind.CONFLICT, first));
                }
            }
        });
    }

    private void flush(ByteArrayOutputStream out, byte kind) {
        if (out.size() == 0) {
            return;
        }
        lastBatch++;
        store.put(DedupSet.batchKey(runPrefix, lastBatch, kind), out.toByteArray());
        out.reset();
    }

    private static void skipSuspectTail(ByteBuffer in) {
        in.getInt();
        int keyLength = in.getShort() & 0xFFFF;
        in.position(in.position() + keyLength);
    }

    /** Receives one kept claim; for a suspect, {@code in} is positioned at its apply task and key, which it must read or skip. */
    private interface Entry {
        void accept(byte kind, byte[] id, DedupSet.Seen what, ByteBuffer in);
    }

    private void forEachKept(Entry each) {
        Bytes from = Bytes.wrap(runPrefix);
        Bytes to = Bytes.increment(from);
        try (KeyValueIterator<Bytes, byte[]> it = store.range(from, to)) {
            while (it.hasNext()) {
                KeyValue<Bytes, byte[]> kv = it.next();
                byte[] key = kv.key.get();
                if (kv.key.compareTo(to) >= 0 || key.length != runPrefix.length + 9) {
                    continue;
                }
                byte kind = key[key.length - 1];
                if (kind != NEW && kind != SUSPECT) {
                    continue;
                }
                lastBatch = Math.max(lastBatch, ByteBuffer.wrap(key, runPrefix.length, 8).getLong());
                ByteBuffer in = ByteBuffer.wrap(kv.value);
                while (in.hasRemaining()) {
                    byte[] id = new byte[in.getShort() & 0xFFFF];
                    in.get(id);
                    byte[] value = new byte[in.get() & 0xFF];
                    in.get(value);
                    each.accept(kind, id, DedupSet.Seen.read(value), in);
                }
            }
        }
    }
}
