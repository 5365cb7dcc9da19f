package dev.reprise.dedup;

import dev.reprise.state.KeyPrefixes;
import dev.reprise.state.SortedBatchStore;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.StoreBuilder;
import org.apache.kafka.streams.state.Stores;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The event ids one task has applied in one run, exact across crashes, for one changelog record per
 * few thousand ids instead of one per id (the per-record changelog was a third of the dedup cost in a
 * profile: a producer send per event, and the broker's work for it).
 *
 * <p>With each id it keeps what {@link Seen} holds: a 64-bit digest of the event it was applied with and
 * where that event was read, so that a later event with the same id and other content is told apart
 * from a copy (a conflict, not a duplicate) and both places can be named. That costs 8 bytes of digest
 * plus the coordinate as two varints (typically 4 to 6 bytes together) per id on disk, one byte more in the
 * changelog; nothing on the heap.
 *
 * <ul>
 *   <li>{@code batches} (changelogged): run prefix + batch number + format byte 1 → the entries of one
 *       batch, each an id (2-byte length first) and its {@link Seen} (1-byte length first). What the task has committed is exactly what
 *       this store holds after a restore, as for every changelogged store of Kafka Streams. Batches written
 *       before digests were kept (key without the format byte: ids only) are read with {@link Seen#UNKNOWN}.</li>
 *   <li>{@code ids} (on disk, no changelog): generation + id → its {@link Seen}, for lookups. Rebuilt from
 *       {@code batches} each time the task starts, under a new random 8-byte generation, because after a
 *       crash it may hold ids of events whose processing was never committed: those events come again
 *       and must not be taken for duplicates. Entries of older generations are deleted in the background
 *       ({@link #forgetOldGenerations(int)}).</li>
 *   <li>A Bloom filter ({@link SeenIds}) in front: "no" is certain, so a new id costs no store read.</li>
 * </ul>
 * {@link #writeBatch()} must run before every commit (from a {@link CommitHook}); a batch is also
 * written whenever it reaches {@value #MAX_BATCH_BYTES} bytes, well under Kafka's 1 MB record limit.
 */
public final class DedupSet {
    static final int MAX_BATCH_BYTES = 256 * 1024;
    private static final byte[] NOTHING = new byte[0];
    /** The last byte of a batch's key whose entries carry a {@link Seen}. */
    public static final byte FORMAT_WITH_SEEN = 1;
    private final KeyValueStore<Bytes, byte[]> batches;
    private final KeyValueStore<Bytes, byte[]> ids;
    private final byte[] runPrefix;
    private final byte[] generation;
    private final SeenIds seen;
    private final ByteArrayOutputStream batch = new ByteArrayOutputStream(MAX_BATCH_BYTES + 1024);
    private long lastBatch;
    private long loaded;
    private boolean oldGenerationsGone;
    private byte[] lastAsked;

    /**
     * Opens the set: reads every batch of the run into a new generation of {@code ids} and the filter.
     *
     * @param expectedIds the ids the task may see in this run, to size the Bloom filter
     */
    public DedupSet(KeyValueStore<Bytes, byte[]> batches, KeyValueStore<Bytes, byte[]> ids, byte[] runPrefix, long expectedIds) {
        this.batches = batches;
        this.ids = ids;
        this.runPrefix = runPrefix.clone();
        // Below 0x7F... so that the generation's successor (the end of its key range) exists.
        this.generation = ByteBuffer.allocate(8).putLong(ThreadLocalRandom.current().nextLong() & Long.MAX_VALUE).array();
        this.seen = SeenIds.filter(expectedIds);
        Bytes from = Bytes.wrap(this.runPrefix);
        Bytes to = Bytes.increment(from);
        try (KeyValueIterator<Bytes, byte[]> it = batches.range(from, to)) {
            while (it.hasNext()) {
                KeyValue<Bytes, byte[]> kv = it.next();
                int keyLength = kv.key.get().length;
                boolean withSeen = keyLength == runPrefix.length + 9 && kv.key.get()[keyLength - 1] == FORMAT_WITH_SEEN;
                if (kv.key.compareTo(to) >= 0 || (keyLength != runPrefix.length + 8 && !withSeen)) {
                    continue;
                }
                lastBatch = Math.max(lastBatch, ByteBuffer.wrap(kv.key.get(), runPrefix.length, 8).getLong());
                ByteBuffer in = ByteBuffer.wrap(kv.value);
                while (in.hasRemaining()) {
                    byte[] id = new byte[in.getShort() & 0xFFFF];
                    in.get(id);
                    byte[] value = NOTHING;
                    if (withSeen) {
                        value = new byte[in.get()];
                        in.get(value);
                    }
                    ids.put(key(id), value);
                    seen.put(id);
                    loaded++;
                }
            }
        }
    }

    /**
     * The store of batches: RocksDB, changelogged, no record cache (it is written from the commit hook,
     * see {@link CommitHook}).
     */
    public static StoreBuilder<KeyValueStore<Bytes, byte[]>> batchesStore(String name) {
        return Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(name), Serdes.Bytes(), Serdes.ByteArray());
    }

    /**
     * The lookup store: RocksDB, no changelog (rebuilt from the batches), no record cache (each key is
     * written once and read almost never), its writes in sorted batches ({@link SortedBatchStore}).
     */
    public static StoreBuilder<KeyValueStore<Bytes, byte[]>> idsStore(String name) {
        return Stores.keyValueStoreBuilder(SortedBatchStore.supplier(Stores.persistentKeyValueStore(name)), Serdes.Bytes(), Serdes.ByteArray())
                .withLoggingDisabled();
    }

    /** The ids read back from committed batches when the set was opened. */
    public long loaded() {
        return loaded;
    }

    /**
     * Whether {@code id} ({@link #idOf}) was added in this run, by this task, before. Enters it in the
     * Bloom filter on the way (one hash per event, not two): an id asked about and then not added (its
     * event was rejected) only costs a store read when it comes again.
     */
    public boolean contains(byte[] id) {
        return lookup(id) != null;
    }

    /**
     * What was kept when {@code id} ({@link #idOf}) was added in this run, by this task; null when it was
     * not. Enters the id in the Bloom filter on the way, as {@link #contains} does.
     */
    public Seen lookup(byte[] id) {
        lastAsked = id;
        if (seen.put(id)) {
            return null;
        }
        byte[] value = ids.get(key(id));
        return value == null ? null : Seen.read(value);
    }

    /** Adds an id ({@link #idOf}) without a digest or a place: {@link Seen#UNKNOWN}. */
    public void add(byte[] id) {
        add(id, Seen.UNKNOWN);
    }

    /** Adds an id ({@link #idOf}) with the digest of its event and where the event was read. */
    public void add(byte[] id, Seen what) {
        if (id.length > 0xFFFF) {
            throw new IllegalArgumentException("event id of " + (id.length - 1) + " bytes; at most 65,534");
        }
        byte[] value = what.bytes();
        ids.put(key(id), value);
        if (id != lastAsked) {
            seen.put(id);
        }
        writeEntry(batch, id, value);
        if (batch.size() >= MAX_BATCH_BYTES) {
            writeBatch();
        }
    }

    /**
     * What the set keeps with an id: the digest of the event it was applied with, and where that event was read.
     *
     * @param digest 64-bit digest of the event's content ({@code Payloads#digest} in the apply stage); 0 with
     *               {@code source} -1 when unknown (an id written before digests were kept)
     * @param source the index of the event's source partition in the run plan's ranges; -1 when unknown
     * @param offset the event's offset in that partition
     */
    public record Seen(long digest, int source, long offset) {
        /** An id kept without a digest: another event with it can only be taken for a copy. */
        public static final Seen UNKNOWN = new Seen(0, -1, -1);

        public boolean known() {
            return source >= 0;
        }

        /** Digest (8 bytes, big-endian), then source + 1 and offset + 1 as unsigned varints; empty for {@link #UNKNOWN}. */
        public byte[] bytes() {
            if (!known()) {
                return NOTHING;
            }
            byte[] out = new byte[8 + 5 + 10];
            ByteBuffer buffer = ByteBuffer.wrap(out).putLong(digest);
            putVarint(buffer, source + 1L);
            putVarint(buffer, offset + 1);
            return Arrays.copyOf(out, buffer.position());
        }

        public static Seen read(byte[] value) {
            if (value.length == 0) {
                return UNKNOWN;
            }
            ByteBuffer in = ByteBuffer.wrap(value);
            long digest = in.getLong();
            return new Seen(digest, (int) (getVarint(in) - 1), getVarint(in) - 1);
        }

        private static void putVarint(ByteBuffer out, long value) {
            while ((value & ~0x7FL) != 0) {
                out.put((byte) ((value & 0x7F) | 0x80));
                value >>>= 7;
            }
            out.put((byte) value);
        }

        private static long getVarint(ByteBuffer in) {
            long value = 0;
            for (int shift = 0; ; shift += 7) {
                byte b = in.get();
                value |= (long) (b & 0x7F) << shift;
                if ((b & 0x80) == 0) {
                    return value;
                }
            }
        }
    }

    /** Writes the ids added since the last batch as one record of {@code batches}. */
    public void writeBatch() {
        if (batch.size() == 0) {
            return;
        }
        lastBatch++;
        batches.put(batchKey(runPrefix, lastBatch, FORMAT_WITH_SEEN), batch.toByteArray());
        batch.reset();
    }

    /** The key of batch {@code number} of a run: the run prefix, the number (8 bytes, big-endian), the format byte. */
    public static Bytes batchKey(byte[] runPrefix, long number, byte format) {
        byte[] key = Arrays.copyOf(runPrefix, runPrefix.length + 9);
        ByteBuffer.wrap(key, runPrefix.length, 8).putLong(number);
        key[key.length - 1] = format;
        return Bytes.wrap(key);
    }

    /** Appends one entry as a batch holds it: the id (2-byte length first), then {@code seen}, a {@link Seen#bytes()} (1-byte length first). */
    public static void writeEntry(ByteArrayOutputStream out, byte[] id, byte[] seen) {
        out.write(id.length >>> 8);
        out.write(id.length);
        out.write(id, 0, id.length);
        out.write(seen.length);
        out.write(seen, 0, seen.length);
    }

    /**
     * Deletes up to {@code budget} entries of {@code ids} from earlier generations (earlier starts of the
     * task, earlier runs); returns how many it deleted. They only take disk space: no lookup reads them.
     */
    public int forgetOldGenerations(int budget) {
        if (oldGenerationsGone) {
            return 0;
        }
        int deleted = KeyPrefixes.deleteOutside(ids, generation, budget);
        oldGenerationsGone = deleted < budget;
        return deleted;
    }

    /**
     * The form an id is kept in: the text of a UUID as {@link java.util.UUID#toString()} writes it (36
     * characters, lowercase) as a tag byte 1 and its 16 bytes; any other id as a tag byte 0 and its
     * bytes. One id, one form, so no two ids meet. UUIDs are the common event id: the 17 bytes make
     * the store's keys and the changelog less than half as long as the text.
     */
    public static byte[] idOf(String eventId) {
        byte[] uuid = uuidBytes(eventId);
        return uuid != null ? uuid : tagged(eventId.getBytes(StandardCharsets.UTF_8));
    }

    /** {@link #idOf(String)} for an id given as bytes (UTF-8 text or not). */
    public static byte[] idOf(byte[] id) {
        // ISO-8859-1 maps each byte to one char, so only ASCII text can read as a UUID.
        byte[] uuid = id.length == 36 ? uuidBytes(new String(id, StandardCharsets.ISO_8859_1)) : null;
        return uuid != null ? uuid : tagged(id);
    }

    /** The text of an id kept in the form of {@link #idOf(String)}: to name it in samples. */
    public static String textOf(byte[] id) {
        if (id.length == 17 && id[0] == 1) {
            ByteBuffer in = ByteBuffer.wrap(id, 1, 16);
            return new java.util.UUID(in.getLong(), in.getLong()).toString();
        }
        return new String(id, 1, Math.max(0, id.length - 1), StandardCharsets.UTF_8);
    }

    /** Tag 1 and the 16 bytes of {@code text} when it is a UUID as {@code UUID.toString()} writes it; otherwise null. */
    private static byte[] uuidBytes(String text) {
        if (text.length() != 36 || text.charAt(8) != '-' || text.charAt(13) != '-' || text.charAt(18) != '-' || text.charAt(23) != '-') {
            return null;
        }
        byte[] out = new byte[17];
        out[0] = 1;
        int nibble = 0;
        for (int i = 0; i < 36; i++) {
            if (i == 8 || i == 13 || i == 18 || i == 23) {
                continue;
            }
            int v = hex(text.charAt(i));
            if (v < 0) {
                return null;
            }
            out[1 + nibble / 2] |= (byte) (nibble % 2 == 0 ? v << 4 : v);
            nibble++;
        }
        return out;
    }

    private static int hex(int c) {
        if (c >= '0' && c <= '9') {
            return c - '0';
        }
        return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
    }

    private static byte[] tagged(byte[] id) {
        byte[] out = new byte[id.length + 1];
        System.arraycopy(id, 0, out, 1, id.length);
        return out;
    }

    private Bytes key(byte[] id) {
        byte[] out = Arrays.copyOf(generation, generation.length + id.length);
        System.arraycopy(id, 0, out, generation.length, id.length);
        return Bytes.wrap(out);
    }
}
