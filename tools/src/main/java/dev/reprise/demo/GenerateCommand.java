package dev.reprise.demo;

import dev.reprise.cli.ClusterOptions;
import dev.reprise.cli.ExitCodes;
import dev.reprise.codec.LocalIdMap;
import dev.reprise.contract.Contract;
import dev.reprise.plan.CompiledContract;
import dev.reprise.sample.inventory.InventoryGenerator;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;

@Command(name = "generate", mixinStandardHelpOptions = true,
        description = {"Writes a generated inventory history (v1/v2/v3 events, duplicates, poison records) to the contract's first "
                + "history topic, creating it when missing. For trying Reprise on a test cluster; prints the generator's counts. "
                + "With --keyed the history is keyed by SKU with the default partitioner; --scatter-keys N then breaks that promise.",
                "A tool of the inventory sample; to rehearse on your own history: reprise drill SCENARIO --contract YOURS.yaml --sample-keys N."},
        footer = {"", "Example:", "  reprise generate --contract config/inventory.yaml --bootstrap-server localhost:9092 --events 100000"})
public final class GenerateCommand implements Callable<Integer> {
    @Mixin
    ClusterOptions cluster = new ClusterOptions();






    @Mixin
    HistoryOptions history = new HistoryOptions(100_000, 6);

    @Mixin
    HistoryShape shape = new HistoryShape();

    @Mixin
    KeyOptions keyOptions = new KeyOptions();


    /** --scatter-keys only makes sense in a keyed history of at least two partitions, and for at most every event. */
    static void checkScatter(boolean keyed, int scatterKeys, long events, int partitions) {
        if (scatterKeys < 0 || scatterKeys > events) {
            throw new IllegalArgumentException("--scatter-keys: expected 0 to --events (" + events + "), got " + scatterKeys);
        }
        if (scatterKeys > 0 && !keyed) {
            throw new IllegalArgumentException("--scatter-keys needs --keyed: it breaks the promise of a history keyed by the ordering key");
        }
        if (scatterKeys > 0 && partitions < 2) {
            throw new IllegalArgumentException("--scatter-keys needs --partitions 2 or more: with one partition every event is in its key's partition");
        }
    }

    @Override
    public Integer call() throws InterruptedException {
        long events = history.events();
        int partitions = history.partitions();
        boolean keyed = shape.keyed;
        shape.check(events, partitions);
        Contract contract = cluster.loadContract();
        CompiledContract codecs = CompiledContract.forContract(contract);
        if (!(codecs.resolver() instanceof LocalIdMap ids)) {
            throw new IllegalArgumentException("generate needs a contract with schemas.source: local and an id_map");
        }
        Map<String, Object> config = new HashMap<>(cluster.clientConfig());
        String topic = contract.history().topics().get(0);
        int actualPartitions;
        try (Admin admin = Admin.create(config)) {
            try {
                admin.createTopics(List.of(new NewTopic(topic, partitions, (short) -1))).all().get();
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof TopicExistsException)) {
                    throw new IllegalStateException("cannot create " + topic + ": " + e.getCause().getMessage(), e.getCause());
                }
            }
            actualPartitions = admin.describeTopics(List.of(topic)).allTopicNames().get().get(topic).partitions().size();
        } catch (ExecutionException e) {
            throw new IllegalStateException(e.getCause().getMessage(), e.getCause());
        }
        config.put(ProducerConfig.LINGER_MS_CONFIG, 10);
        config.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4");
        InventoryGenerator.Generated g;
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(config, new ByteArraySerializer(), new ByteArraySerializer())) {
            InventoryGenerator.Options options = InventoryGenerator.Options.of(events, shape.duplicates, shape.poison, actualPartitions)
                    .keys(keyOptions.keySpace(events));
            g = new InventoryGenerator(codecs.catalog(), ids).write(producer, topic, keyed ? options.keyed(shape.scatterKeys) : options);
        }
        System.out.printf("Wrote %,d unique events (by version %s), %,d duplicate copies and %,d poison records to %s (%d partitions); %,d SKUs%n",
                g.events(), g.byVersion(), g.duplicates(), g.poison(), topic, actualPartitions, g.truth().size());
        if (keyed) {
            System.out.printf("Keyed by SKU with the default partitioner%s.%n", g.scattered() == 0 ? ""
                    : String.format(", except %,d events written to another partition than their SKU's (not keyed as promised)", g.scattered()));
            if (!contract.history().keyedByOrderingKey()) {
                System.out.println("The contract says history.keyed_by_ordering_key: false; set it to true to replay this history without a repartition.");
            }
        }
        return ExitCodes.OK;
    }
}
