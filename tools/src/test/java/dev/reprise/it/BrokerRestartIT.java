package dev.reprise.it;

import dev.reprise.embedded.BrokerProcess;
import dev.reprise.embedded.EmbeddedKafka;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code reprise broker --data-dir DIR --port N} as an operator uses it: the broker runs in a JVM of its own,
 * is stopped (SIGTERM, as Ctrl-C) or killed (SIGKILL) and started again on the same directory and port, and
 * still has its topics, its committed transactions (and not the aborted ones) and its groups' committed offsets.
 */
@Timeout(value = 240, unit = TimeUnit.SECONDS)
class BrokerRestartIT {
    private static final String TOPIC = "orders";
    private static final String GROUP = "billing";

    @TempDir
    Path tmp;

    @Test
    void aBrokerStoppedOrKilledAndStartedAgainOnItsDataDirectoryKeepsTopicsCommittedTransactionsAndOffsets() throws Exception {
        int port = BrokerProcess.freePort();
        // The one launcher of the tools (the drills', the benchmark's): reprise broker in a JVM of its own, on this test's class path.
        try (BrokerProcess broker = BrokerProcess.start("test", tmp, port, System.getProperty("java.class.path"), "512m", false)) {
            restartedKeepsItsData(broker, port);
        }
    }

    private void restartedKeepsItsData(BrokerProcess broker, int port) throws Exception {
        Path data = broker.dataDir();
        assertThat(broker.bootstrapServers()).isEqualTo("localhost:" + port);
        assertThat(Files.readString(broker.stdout()).trim())
                .as("stdout holds the ready line only (formatting prints nothing there)")
                .isEqualTo("Kafka broker ready at localhost:" + port + " with its data in " + data + " (Ctrl-C stops it; the data stays)");
        assertThat(Files.readString(broker.stderr())).as("nor on stderr").doesNotContain("Bootstrap metadata", "Formatting");
        String clusterId;
        try (Admin admin = broker.admin()) {
            clusterId = admin.describeCluster().clusterId().get();
            admin.createTopics(List.of(new NewTopic(TOPIC, 2, (short) 1))).all().get();
            admin.alterConsumerGroupOffsets(GROUP, Map.of(new TopicPartition(TOPIC, 0), new OffsetAndMetadata(40))).all().get();
        }
        writeTransaction(broker.bootstrapServers(), "a", 100, true);
        writeTransaction(broker.bootstrapServers(), "aborted", 10, false);
        assertThat(broker.stop()).as("exit code after SIGTERM; its log:%s", broker.logTail()).isIn(0, 143);
        assertThat(data.resolve("meta.properties")).as("the data stays after the broker stopped").exists();

        broker.startAgain();
        assertThat(broker.bootstrapServers()).isEqualTo("localhost:" + port);
        assertThat(readCommitted(broker.bootstrapServers(), 100)).as("after SIGTERM and a restart: the committed transaction, not the aborted one")
                .containsExactlyInAnyOrderElementsOf(values("a", 100));
        try (Admin admin = broker.admin()) {
            assertThat(admin.describeCluster().clusterId().get()).as("the same cluster: the directory was not formatted again").isEqualTo(clusterId);
            assertThat(committedOffset(admin)).isEqualTo(40);
        }
        writeTransaction(broker.bootstrapServers(), "b", 50, true);
        broker.kill();

        broker.startAgain();
        // The producer starts again, as the application that wrote the transactions would. It must: Kafka's
        // coordinator, restarted after a kill, can leave a transaction whose commit had returned just before
        // the kill in PrepareCommit, unreadable (read_committed) until its transactional id initialises again
        // (seen in about half of the tries with 4.3.1 and 4.4.0, when its markers were not written yet).
        writeTransaction(broker.bootstrapServers(), "c", 10, true);
        List<String> expected = new ArrayList<>(values("a", 100));
        expected.addAll(values("b", 50));
        expected.addAll(values("c", 10));
        assertThat(readCommitted(broker.bootstrapServers(), expected.size())).as("after SIGKILL and a restart: every committed transaction")
                .containsExactlyInAnyOrderElementsOf(expected);
        try (Admin admin = broker.admin()) {
            assertThat(admin.describeCluster().clusterId().get()).isEqualTo(clusterId);
            assertThat(committedOffset(admin)).isEqualTo(40);
            assertThat(admin.describeTopics(List.of(TOPIC)).allTopicNames().get().get(TOPIC).partitions()).hasSize(2);
        }
        assertThat(broker.stop()).as("exit code after SIGTERM; its log:%s", broker.logTail()).isIn(0, 143);
    }

    @Test
    void withoutADataDirectoryTheBrokersDataIsDeletedWhenItStops() {
        Path dir;
        try (EmbeddedKafka kafka = EmbeddedKafka.start()) {
            dir = kafka.dataDir();
            assertThat(dir.resolve("meta.properties")).exists();
            kafka.createTopic("scratch", 1, Map.of());
        }
        assertThat(dir).as("the temporary directory is gone").doesNotExist();
    }

    private static void writeTransaction(String bootstrap, String prefix, int count, boolean commit) {
        Map<String, Object> config = new HashMap<>();
        config.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        config.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, "broker-restart-it");
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(config, new StringSerializer(), new StringSerializer())) {
            producer.initTransactions();
            producer.beginTransaction();
            for (String v : values(prefix, count)) {
                producer.send(new ProducerRecord<>(TOPIC, v, v));
            }
            if (commit) {
                producer.commitTransaction();
            } else {
                producer.flush();
                producer.abortTransaction();
            }
        }
    }

    /**
     * The topic's committed records, read again until there are as many as expected or a minute passed: a
     * transaction whose commit returned just before the broker was killed becomes readable once the restarted
     * coordinator has written its markers.
     */
    private static List<String> readCommitted(String bootstrap, int expected) throws InterruptedException {
        long deadline = System.currentTimeMillis() + 60_000;
        List<String> read = readCommittedOnce(bootstrap);
        while (read.size() < expected && System.currentTimeMillis() < deadline) {
            Thread.sleep(500);
            read = readCommittedOnce(bootstrap);
        }
        return read;
    }

    private static List<String> readCommittedOnce(String bootstrap) {
        Map<String, Object> config = new HashMap<>();
        config.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        config.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        List<String> out = new ArrayList<>();
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(config, new StringDeserializer(), new StringDeserializer())) {
            List<TopicPartition> partitions = List.of(new TopicPartition(TOPIC, 0), new TopicPartition(TOPIC, 1));
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> ends = consumer.endOffsets(partitions);
            long deadline = System.currentTimeMillis() + 30_000;
            while (partitions.stream().anyMatch(tp -> consumer.position(tp) < ends.get(tp)) && System.currentTimeMillis() < deadline) {
                for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(200))) {
                    out.add(r.value());
                }
            }
        }
        return out;
    }

    private static long committedOffset(Admin admin) throws Exception {
        return admin.listConsumerGroupOffsets(GROUP).partitionsToOffsetAndMetadata().get().get(new TopicPartition(TOPIC, 0)).offset();
    }

    private static List<String> values(String prefix, int count) {
        return IntStream.range(0, count).mapToObj(i -> prefix + "-" + i).toList();
    }
}
