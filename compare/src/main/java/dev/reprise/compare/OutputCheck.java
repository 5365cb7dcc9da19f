package dev.reprise.compare;

import dev.reprise.codec.LocalIdMap;
import dev.reprise.codec.SchemaCatalog;
import dev.reprise.projection.StateCodec;
import dev.reprise.sample.inventory.InventoryLevel;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The comparison's own check of a rebuild, outside every rebuild: the output topic read to its end (read_committed,
 * the last value of each key), compared key by key with the generator's ground truth.
 *
 * @param keys      keys on the output topic
 * @param wrong     keys whose state differs from the truth
 * @param missing   keys of the truth not on the topic
 * @param extra     keys on the topic the truth does not have
 * @param samples   up to five differences, each "key: expected … got …"
 */
public record OutputCheck(int keys, int wrong, int missing, int extra, List<String> samples) {

    public boolean correct() {
        return wrong == 0 && missing == 0 && extra == 0;
    }

    public String describe() {
        return correct() ? "all " + keys + " keys equal the ground truth"
                : String.format("%d keys wrong, %d missing, %d extra of %d expected; %s", wrong, missing, extra, keys - extra + missing, samples);
    }

    /** Compares rebuilt states with the truth, key by key. */
    public static OutputCheck compare(Map<String, InventoryLevel> truth, Map<String, InventoryLevel> rebuilt) {
        int wrong = 0;
        int missing = 0;
        List<String> samples = new ArrayList<>();
        for (Map.Entry<String, InventoryLevel> e : truth.entrySet()) {
            InventoryLevel got = rebuilt.get(e.getKey());
            if (got == null) {
                missing++;
            } else if (!Objects.equals(e.getValue(), got)) {
                wrong++;
            } else {
                continue;
            }
            if (samples.size() < 5) {
                samples.add(e.getKey() + ": expected " + e.getValue() + " got " + got);
            }
        }
        TreeSet<String> extras = new TreeSet<>(rebuilt.keySet());
        extras.removeAll(truth.keySet());
        for (String key : extras) {
            if (samples.size() < 5) {
                samples.add(key + ": not expected, got " + rebuilt.get(key));
            }
        }
        return new OutputCheck(rebuilt.size(), wrong, missing, extras.size(), List.copyOf(samples));
    }

    /** Reads the last state of every key on {@code topic}, as a read_committed consumer sees it. */
    public static Map<String, InventoryLevel> read(Map<String, Object> clientConfig, String topic, SchemaCatalog catalog, LocalIdMap ids) {
        Map<String, Object> config = new HashMap<>(clientConfig);
        config.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        config.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 5000);
        StateCodec<InventoryLevel> codec = new StateCodec<>(InventoryLevel.class, ids);
        Map<String, InventoryLevel> out = new TreeMap<>();
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(config, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> parts = consumer.partitionsFor(topic).stream().map(p -> new TopicPartition(p.topic(), p.partition())).toList();
            consumer.assign(parts);
            consumer.seekToBeginning(parts);
            Map<TopicPartition, Long> ends = consumer.endOffsets(parts);
            long deadline = System.currentTimeMillis() + 300_000;
            while (parts.stream().anyMatch(tp -> consumer.position(tp) < ends.get(tp))) {
                if (System.currentTimeMillis() > deadline) {
                    throw new IllegalStateException("could not read " + topic + " to its end in 5 minutes");
                }
                consumer.poll(Duration.ofMillis(200)).forEach(r -> {
                    String key = new String(r.key(), StandardCharsets.UTF_8);
                    if (r.value() == null) {
                        out.remove(key);
                    } else {
                        // A value that is no inventory level is kept as null: the key counts as missing, the run as wrong.
                        out.put(key, codec.fromTopic(r.value()));
                    }
                });
            }
        }
        return out;
    }
}
