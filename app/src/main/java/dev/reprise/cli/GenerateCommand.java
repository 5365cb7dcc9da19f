package dev.reprise.cli;

import dev.reprise.codec.LocalIdMap;
import dev.reprise.contract.Contract;
import dev.reprise.sample.inventory.InventoryGenerator;
import dev.reprise.topology.Codecs;
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
        description = "Writes a generated inventory history (v1/v2/v3 events, duplicates, poison records) to the contract's first "
                + "history topic, creating it when missing. For trying Reprise on a test cluster; prints the generator's counts.",
        footer = {"", "Example:", "  reprise generate --contract config/inventory.yaml --bootstrap-server localhost:9092 --events 100000"})
final class GenerateCommand implements Callable<Integer> {
    @Mixin
    ClusterOptions cluster = new ClusterOptions();

    @Option(names = "--events", defaultValue = "100000", description = "Unique events (default ${DEFAULT-VALUE}).")
    long events;

    @Option(names = "--duplicates", defaultValue = "0.02", description = "Extra copies per unique event (default ${DEFAULT-VALUE}).")
    double duplicates;

    @Option(names = "--poison", defaultValue = "10", description = "Poison records (default ${DEFAULT-VALUE}).")
    int poison;

    @Option(names = "--partitions", defaultValue = "6", description = "Partitions when the topic is created (default ${DEFAULT-VALUE}).")
    int partitions;

    @Override
    public Integer call() throws InterruptedException {
        Contract contract = cluster.loadContract();
        Codecs codecs = Codecs.forContract(contract);
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
            g = new InventoryGenerator(codecs.catalog(), ids).write(producer, topic,
                    InventoryGenerator.Options.of(events, duplicates, poison, actualPartitions));
        }
        System.out.printf("Wrote %,d unique events (by version %s), %,d duplicate copies and %,d poison records to %s (%d partitions); %,d SKUs%n",
                g.events(), g.byVersion(), g.duplicates(), g.poison(), topic, actualPartitions, g.truth().size());
        return ExitCodes.OK;
    }
}
