package dev.reprise.dedup;

import com.google.common.hash.HashFunction;
import com.google.common.hash.Hashing;

/**
 * The Bloom filter an apply task keeps in front of its dedup store: "no" is certain, so a new event id
 * (nearly every event) costs no store read; "maybe" asks the store. About 1.2% false positives, each one
 * store read; 10 bits (1.25 bytes) of heap per id. Past {@link #MAX_IDS} per task the filter is full and
 * answers "maybe" more often (more store reads) rather than growing the heap without bound.
 *
 * <p>A blocked filter (Putze, Sanders, Singler: "Cache-, Hash- and Space-Efficient Bloom Filters"): the
 * seven bits of an id lie in one 64-byte block, so asking costs one cache miss instead of seven. Written
 * here because Guava's {@code BloomFilter}, used before, spreads the bits over the whole array and sets
 * each with an atomic compare-and-set: it was 7% of the apply stage's CPU in a profile of
 * {@code reprise bench}. One task's thread uses a filter, so it needs no atomics.
 */
public final class SeenIds {
    /** The most event ids one task's filter is sized for: 50 million, about 60 MiB of heap. */
    public static final long MAX_IDS = 50_000_000L;
    private static final HashFunction HASH = Hashing.murmur3_128();
    private static final int BITS_PER_ID = 10;
    private static final int HASHES = 7;
    /** 512 bits: one cache line. */
    private static final int WORDS_PER_BLOCK = 8;
    private final long[] words;
    private final long blocks;

    private SeenIds(long blocks) {
        this.blocks = blocks;
        this.words = new long[Math.toIntExact(blocks * WORDS_PER_BLOCK)];
    }

    /** A filter for about {@code expectedIds} ids, with a fifth more room and at least 10,000. */
    public static SeenIds filter(long expectedIds) {
        long ids = Math.min(MAX_IDS, Math.max(10_000, expectedIds + expectedIds / 5));
        return new SeenIds((ids * BITS_PER_ID + 511) / 512);
    }

    /**
     * Enters {@code id}; returns true when it was certainly not in the filter before (some bit was
     * unset), false when it may have been.
     */
    public boolean put(byte[] id) {
        long h = HASH.hashBytes(id).asLong();
        // The block from the high half of the hash; the bit positions, 9 bits each, from a remix of all of it.
        int base = (int) (((h >>> 32) * blocks) >>> 32) * WORDS_PER_BLOCK;
        long g = h * 0x9E3779B97F4A7C15L;
        boolean changed = false;
        for (int i = 0; i < HASHES; i++) {
            int bit = (int) (g >>> (i * 9)) & 511;
            int word = base + (bit >>> 6);
            long mask = 1L << bit;
            if ((words[word] & mask) == 0) {
                words[word] |= mask;
                changed = true;
            }
        }
        return changed;
    }
}
