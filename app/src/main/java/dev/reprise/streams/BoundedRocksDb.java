package dev.reprise.streams;

import dev.reprise.config.RepriseConfig;
import org.apache.kafka.streams.state.RocksDBConfigSetter;
import org.rocksdb.BlockBasedTableConfig;
import org.rocksdb.Cache;
import org.rocksdb.LRUCache;
import org.rocksdb.Options;
import org.rocksdb.WriteBufferManager;

import java.util.Map;

/**
 * Bounds the memory of every RocksDB store of the process together, as the Kafka Streams memory
 * management guide describes: one block cache shared by all stores, with memtables, indexes and filters
 * charged to it. Without it each store instance has its own 50 MiB cache and up to three 16 MiB
 * memtables, so memory grows with the number of partitions and stores instead of staying put.
 *
 * <p>The budget is the Streams property {@value #MEMORY_CONFIG} (bytes, default 192 MiB); half of it
 * may hold memtables. The first store opened in the process fixes it.
 */
public final class BoundedRocksDb implements RocksDBConfigSetter {
    public static final String MEMORY_CONFIG = RepriseConfig.ROCKSDB_MEMORY_BYTES;
    private static Cache cache;
    private static WriteBufferManager writeBuffers;

    private static synchronized void create(long bytes) {
        if (cache == null) {
            // Index and filter blocks get a tenth of the cache at high priority, so they stay cached.
            cache = new LRUCache(bytes, -1, false, 0.1);
            writeBuffers = new WriteBufferManager(bytes / 2, cache);
        }
    }

    @Override
    public void setConfig(String storeName, Options options, Map<String, Object> configs) {
        create(RepriseConfig.of(configs).rocksDbMemoryBytes());
        BlockBasedTableConfig table = (BlockBasedTableConfig) options.tableFormatConfig();
        table.setBlockCache(cache);
        table.setCacheIndexAndFilterBlocks(true);
        table.setCacheIndexAndFilterBlocksWithHighPriority(true);
        table.setPinTopLevelIndexAndFilter(true);
        // Level-0 files are searched by every point lookup that the memtables do not answer: their index and filter stay in the
        // cache. optimize_filters_for_hits is not set: most lookups of the dedup ids store, and a key's first lookup in the
        // projection store, are for keys no level holds, and without the last level's filters each of them would read a data block.
        table.setPinL0FilterAndIndexBlocksInCache(true);
        options.setWriteBufferManager(writeBuffers);
        options.setTableFormatConfig(table);
        // A Bloom filter over the whole keys of each memtable: the apply stage looks up the state of every key it no
        // longer holds in memory, and with a million keys most lookups are for keys the memtable does not have; without
        // the filter each one searched the memtable's skip list (a tenth of the stream threads' CPU in the profile).
        options.setMemtablePrefixBloomSizeRatio(0.05);
        options.setMemtableWholeKeyFiltering(true);
    }

    @Override
    public void close(String storeName, Options options) {
        // The cache and the write buffer manager are shared by every store: they live as long as the process.
    }
}
