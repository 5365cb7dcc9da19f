package dev.reprise.drill;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonProperty;
import dev.reprise.contract.Contract;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * A sample of a team's history, copied into the drill's topics: every record of a random set of ordering keys, the key
 * read as the contract defines it (a payload field, a header or the record key, {@link SourceOracle#orderingKey}),
 * from each history topic's first record to its end when the copy starts (read_committed). Each record keeps its
 * partition, key, value, headers and timestamp, so a history keyed by the ordering key stays keyed, and every key's
 * records keep their order. Records whose ordering key cannot be read (a value that does not decode, with the key in
 * the payload) belong to no key: the same share of them as of the keys goes along, chosen by position, so the sample
 * has the dead letters the replay of the whole history would have, in proportion.
 *
 * <p>Two reads of the history: the first finds the keys and picks the sample (the keys with the smallest seeded hash,
 * a uniformly random set), the second copies their records, up to the same end offsets.
 */
final class Sample {
    /**
     * What was copied, for the drill's account ({@code sample} in {@code reprise drill --json}).
     *
     * @param topics         the team's history topic → the drill's copy of it
     * @param partitions     the team's history topic → its partitions (in the account at its top level, not here)
     * @param recordsRead    records of the history read
     * @param keys           ordering keys found in them
     * @param keysSampled    of them, sampled
     * @param recordsCopied  records copied: every record of the keys sampled, and a share of those without a readable key
     * @param keylessRecords records whose ordering key could not be read
     * @param keylessCopied  of them, copied
     */
    record Copied(Map<String, String> topics, @JsonIgnore Map<String, Integer> partitions, long recordsRead, long keys, int keysSampled,
                  long recordsCopied, @JsonProperty("records_without_a_readable_key") long keylessRecords,
                  @JsonProperty("of_which_copied") long keylessCopied) {
    }

    private final Contract team;
    private final Map<String, Object> source;
    private final SourceOracle oracle;
    private final PrintStream err;

    /** @param source the team cluster's client settings (bootstrap.servers and security) */
    Sample(Contract team, SourceOracle oracle, Map<String, Object> source, PrintStream err) {
        this.team = team;
        this.oracle = oracle;
        this.source = source;
        this.err = err;
    }

    /** Copies every record of {@code keys} random ordering keys into the workbench's history topics, created here. */
    Copied copy(Workbench wb, int keys, long seed) {
        Map<TopicPartition, Long> ends = new HashMap<>();
        Map<String, Integer> partitions = new LinkedHashMap<>();
        Map<String, String> topics = new LinkedHashMap<>();
        try (KafkaConsumer<byte[], byte[]> consumer = consumer()) {
            for (int i = 0; i < team.history().topics().size(); i++) {
                String topic = team.history().topics().get(i);
                List<PartitionInfo> infos = consumer.partitionsFor(topic, Duration.ofSeconds(60));
                if (infos == null || infos.isEmpty()) {
                    throw new IllegalArgumentException("history.topics: '" + topic + "' does not exist on " + source.get("bootstrap.servers")
                            + " (or this client may not describe it); check --source-bootstrap-server and the contract");
                }
                List<TopicPartition> parts = infos.stream().map(p -> new TopicPartition(topic, p.partition())).toList();
                ends.putAll(consumer.endOffsets(parts, Duration.ofSeconds(60)));
                partitions.put(topic, parts.size());
                topics.put(topic, wb.histories().get(i));
            }
        }
        long total = ends.values().stream().mapToLong(Long::longValue).sum();
        err.printf("▶ Reading the ordering keys of %s on %s (up to %,d offsets, read_committed)…%n", team.history().topics(),
                source.get("bootstrap.servers"), total);
        // The keys with the smallest seeded hash: a random set of them, the same for the same history and seed.
        TreeMap<Long, String> smallest = new TreeMap<>();
        Set<Long> seen = new HashSet<>();
        long[] read = {0};
        long[] keyless = {0};
        scan(ends, r -> {
            read[0]++;
            String key = oracle.orderingKey(r.key(), r.headers(), r.value());
            if (key == null) {
                keyless[0]++;
                return;
            }
            long h = hash(seed, key);
            seen.add(h);
            if (smallest.size() < keys || h < smallest.lastKey()) {
                smallest.put(h, key);
                if (smallest.size() > keys) {
                    smallest.pollLastEntry();
                }
            }
        });
        if (smallest.isEmpty()) {
            throw new IllegalArgumentException("--sample-keys: no record of " + team.history().topics() + " has an ordering key ("
                    + team.ordering().key().label() + ") that could be read: " + read[0] + " records read; check the contract's "
                    + "ordering key and schemas, or the topics");
        }
        Set<String> chosen = new HashSet<>(smallest.values());
        // The share of keyless records that goes along: as many as the share of the keys sampled.
        double share = (double) chosen.size() / seen.size();
        for (Map.Entry<String, Integer> t : partitions.entrySet()) {
            wb.createTopic(topics.get(t.getKey()), t.getValue(), false);
        }
        wb.partitions = partitions.values().iterator().next();
        err.printf("▶ Copying every record of %,d of %,d keys (and %.1f%% of the %,d records without a readable key) to %s…%n",
                chosen.size(), seen.size(), share * 100, keyless[0], String.join(", ", topics.values()));
        long[] copied = {0};
        long[] keylessCopied = {0};
        try (KafkaProducer<byte[], byte[]> producer = wb.producer()) {
            scan(ends, r -> {
                String key = oracle.orderingKey(r.key(), r.headers(), r.value());
                boolean take = key != null ? chosen.contains(key)
                        : unit(hash(seed, r.topic() + "/" + r.partition() + "@" + r.offset())) < share;
                if (take) {
                    producer.send(new ProducerRecord<>(topics.get(r.topic()), r.partition(), r.timestamp(), r.key(), r.value(), r.headers()));
                    copied[0]++;
                    if (key == null) {
                        keylessCopied[0]++;
                    }
                }
            });
            producer.flush();
        }
        return new Copied(topics, partitions, read[0], seen.size(), chosen.size(), copied[0], keyless[0], keylessCopied[0]);
    }

    /** Every committed record of the history from each partition's first offset to {@code ends}, partition by partition. */
    private void scan(Map<TopicPartition, Long> ends, Consumer<ConsumerRecord<byte[], byte[]>> each) {
        try (KafkaConsumer<byte[], byte[]> consumer = consumer()) {
            List<TopicPartition> parts = ends.keySet().stream().filter(tp -> ends.get(tp) > 0)
                    .sorted(Comparator.comparing(TopicPartition::topic).thenComparingInt(TopicPartition::partition)).toList();
            consumer.assign(parts);
            consumer.seekToBeginning(parts);
            long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(30);
            List<TopicPartition> open = new ArrayList<>(parts);
            while (!open.isEmpty()) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("could not read the history to its end offsets within 30 minutes; still open: " + open);
                }
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(500))) {
                    if (r.offset() < ends.get(new TopicPartition(r.topic(), r.partition()))) {
                        each.accept(r);
                    }
                }
                open.removeIf(tp -> consumer.position(tp) >= ends.get(tp));
                consumer.pause(parts.stream().filter(tp -> !open.contains(tp)).toList());
            }
        }
    }

    private KafkaConsumer<byte[], byte[]> consumer() {
        Map<String, Object> config = new HashMap<>(source);
        config.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        config.remove(ConsumerConfig.GROUP_ID_CONFIG);
        return new KafkaConsumer<>(config, new ByteArrayDeserializer(), new ByteArrayDeserializer());
    }

    /** A 64-bit hash of {@code text} under {@code seed} (FNV-1a, then SplitMix64's finaliser). */
    static long hash(long seed, String text) {
        long h = 0xcbf29ce484222325L ^ seed;
        for (byte b : text.getBytes(StandardCharsets.UTF_8)) {
            h = (h ^ (b & 0xff)) * 0x100000001b3L;
        }
        h = (h ^ (h >>> 30)) * 0xbf58476d1ce4e5b9L;
        h = (h ^ (h >>> 27)) * 0x94d049bb133111ebL;
        return h ^ (h >>> 31);
    }

    /** A hash as a number in [0, 1). */
    private static double unit(long hash) {
        return (hash >>> 11) * 0x1.0p-53;
    }
}
