package dev.reprise.topology.internal;

import com.google.common.hash.BloomFilter;
import com.google.common.hash.Funnels;

/**
 * The Bloom filter an apply task keeps in front of its dedup store: "no" is certain, so a new event id
 * (nearly every event) costs no store read; "maybe" asks the store. 1% false positives, each one store
 * read. About 1.2 bytes of heap per id; past {@link #MAX_IDS} per task the filter is full and answers
 * "maybe" more often (more store reads) rather than growing the heap without bound.
 */
public final class SeenIds {
    /** The most event ids one task's filter is sized for: 50 million, about 60 MiB of heap. */
    public static final long MAX_IDS = 50_000_000L;

    private SeenIds() {
    }

    /** A filter for about {@code expectedIds} ids, with a fifth more room and at least 10,000. */
    public static BloomFilter<byte[]> filter(long expectedIds) {
        long size = Math.min(MAX_IDS, Math.max(10_000, expectedIds + expectedIds / 5));
        return BloomFilter.create(Funnels.byteArrayFunnel(), size, 0.01);
    }
}
