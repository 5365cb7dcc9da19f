package dev.reprise.it;

import dev.reprise.codec.HostileValues;
import dev.reprise.codec.LocalIdMap;
import dev.reprise.contract.Contract;
import dev.reprise.drill.FuzzedRecords;
import dev.reprise.drill.SourceOracle;
import dev.reprise.evidence.avro.CheckResult;
import dev.reprise.evidence.avro.RecoveryEvidence;
import dev.reprise.pipeline.support.DeadLetters;
import dev.reprise.sample.inventory.InventoryGenerator;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.header.Header;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A history of valid events mixed with thousands of fuzzed records and the three hostile records of
 * issue 12, replayed on a real broker: the run completes, every valid event is applied, every poison
 * record is dead-lettered once with its reason and coordinates, and no dead letter is over 1 MiB.
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class FuzzReplayIT {
    static final int PARTITIONS = 4;
    static final int VALID_EVENTS = 3_000;
    /** Fuzzed records per event schema (7 in schemas/), and as many of noise. */
    static final int FUZZ_PER_SCHEMA = 400;
    static final int ONE_MIB = 1024 * 1024;

    final ReplayFixture fixture = new ReplayFixture(PARTITIONS, "");

    record Sent(byte[] value, String reasonCode) {
    }

    @Test
    void validEventsAreAllAppliedAndEveryFuzzedOrHostileRecordIsDeadLetteredOnceWithinTheBrokersLimits() throws Exception {
        // The 1,048,400-byte record needs a source topic that accepts it, as the reported cluster's did.
        try (Admin admin = fixture.kafka.admin()) {
            admin.incrementalAlterConfigs(Map.of(new ConfigResource(ConfigResource.Type.TOPIC, fixture.source),
                    List.of(new AlterConfigOp(new ConfigEntry("max.message.bytes", Integer.toString(2 * ONE_MIB)), AlterConfigOp.OpType.SET))))
                    .all().get(30, TimeUnit.SECONDS);
        }
        InventoryGenerator.Generated generated = fixture.generate(new InventoryGenerator.Options(VALID_EVENTS, 0, 0, PARTITIONS, 60, 12L));

        // The fuzzed records the decoder test's oracle calls poison (those that happen to decode are valid
        // events of other SKUs and are left out, so the projection can be compared with the generator's truth).
        SourceOracle oracle = new SourceOracle(fixture.contract, fixture.codecs);
        List<Sent> poison = new ArrayList<>();
        int decodable = 0;
        for (FuzzedRecords.Fuzzed f : new FuzzedRecords(fixture.codecs.catalog(), (LocalIdMap) fixture.codecs.resolver(),
                Contract.Encoding.CONFLUENT, FuzzedRecords.SEED).generate(FUZZ_PER_SCHEMA)) {
            SourceOracle.Outcome outcome = oracle.classify(f.value());
            assertThat(outcome.escape()).as(f.toString()).isNull();
            if (!outcome.isPoison()) {
                decodable++;
            } else {
                poison.add(new Sent(f.value(), outcome.reasonCode()));
            }
        }
        int fuzzedPoison = poison.size();
        byte[] nearlyOneMib = HostileValues.unknownKindOfSize(fixture.generator(), HostileValues.NEARLY_ONE_MIB);
        poison.add(new Sent(HostileValues.stringOfLength(2, HostileValues.JUST_ABOVE_ARRAY_LIMIT), "corrupt-avro"));
        poison.add(new Sent(HostileValues.stringOfLength(3, HostileValues.ONE_AND_A_HALF_GB), "corrupt-avro"));
        poison.add(new Sent(nearlyOneMib, "unknown-kind"));

        Map<String, Sent> byCoordinates = new LinkedHashMap<>();
        Map<String, Long> expectedReasons = new TreeMap<>();
        Random random = new Random(FuzzedRecords.SEED);
        try (KafkaProducer<byte[], byte[]> producer = fixture.producer(Map.of(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, 2 * ONE_MIB))) {
            List<Future<RecordMetadata>> sent = new ArrayList<>();
            for (Sent p : poison) {
                byte[] key = ("fuzz-" + random.nextInt(1000)).getBytes(StandardCharsets.UTF_8);
                sent.add(producer.send(new ProducerRecord<>(fixture.source, random.nextInt(PARTITIONS), key, p.value())));
                expectedReasons.merge(p.reasonCode(), 1L, Long::sum);
            }
            producer.flush();
            for (int i = 0; i < sent.size(); i++) {
                RecordMetadata m = sent.get(i).get(60, TimeUnit.SECONDS);
                byCoordinates.put(m.partition() + "@" + m.offset(), poison.get(i));
            }
        }
        System.out.printf("FuzzReplayIT: %d valid events, %d fuzzed records (seed %d): %d poison sent, %d decodable left out; 3 hostile records%n",
                VALID_EVENTS, fuzzedPoison + decodable, FuzzedRecords.SEED, fuzzedPoison, decodable);

        RecoveryEvidence e = fixture.newRun().evidence();

        assertThat(e.getEventsProcessed()).as("every valid event applied").isEqualTo(VALID_EVENTS);
        assertThat(e.getDuplicatesSkipped()).isZero();
        assertThat(e.getDeadLettered()).as("every fuzzed and hostile record dead-lettered").isEqualTo(poison.size());
        assertThat(e.getEventsRead()).isEqualTo(VALID_EVENTS + poison.size());
        assertThat(e.getDeadLetterReasons()).as("each reason as often as the oracle gives it").isEqualTo(expectedReasons);
        Map<String, Boolean> checks = new TreeMap<>();
        for (CheckResult c : e.getReconciliationChecks()) {
            checks.put(c.getName(), c.getPassed());
        }
        assertThat(checks).containsEntry("every_record_accounted_for", true).containsEntry("every_partition_replayed_to_its_end", true);
        assertThat(fixture.readProjection()).as("the projection topic holds the generator's ground truth").isEqualTo(generated.truth());

        List<ConsumerRecord<byte[], byte[]>> dead = fixture.readAll(fixture.dlq);
        Map<String, String> deadReasons = new TreeMap<>();
        int largest = 0;
        for (ConsumerRecord<byte[], byte[]> d : dead) {
            String coordinates = header(d, DeadLetters.PARTITION) + "@" + header(d, DeadLetters.OFFSET);
            assertThat(header(d, DeadLetters.TOPIC)).isEqualTo(fixture.source);
            assertThat(header(d, DeadLetters.REASON)).as("the reason of " + coordinates).isNotBlank();
            assertThat(deadReasons.put(coordinates, header(d, DeadLetters.REASON_CODE))).as("one dead letter for " + coordinates).isNull();
            int size = Math.max(0, d.serializedKeySize()) + Math.max(0, d.serializedValueSize());
            for (Header h : d.headers()) {
                size += h.key().length() + h.value().length;
            }
            largest = Math.max(largest, size);
            Sent original = byCoordinates.get(coordinates);
            assertThat(original).as("a dead letter for a record that was sent as poison: " + coordinates).isNotNull();
            if (original.value() != null && original.value().length <= DeadLetters.DEFAULT_MAX_ORIGINAL_BYTES / 2) {
                assertThat(d.value()).as("the original bytes of " + coordinates).isEqualTo(original.value());
            }
        }
        Map<String, String> expectedDead = new TreeMap<>();
        byCoordinates.forEach((coordinates, p) -> expectedDead.put(coordinates, p.reasonCode()));
        assertThat(deadReasons).as("one dead letter per poison record, with its reason code").isEqualTo(expectedDead);
        assertThat(largest).as("the largest dead letter, key, value and headers").isLessThan(ONE_MIB);

        ConsumerRecord<byte[], byte[]> big = dead.stream().filter(d -> header(d, DeadLetters.VALUE_SIZE) != null
                && header(d, DeadLetters.VALUE_SIZE).equals(Integer.toString(HostileValues.NEARLY_ONE_MIB))).findFirst().orElseThrow();
        assertThat(header(big, DeadLetters.TRUNCATED)).isEqualTo("true");
        assertThat(header(big, DeadLetters.VALUE_SHA256)).isEqualTo(HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(nearlyOneMib)));
        System.out.printf("FuzzReplayIT: %d read, %d processed, %d dead-lettered in %d reasons; largest dead letter %d bytes%n",
                e.getEventsRead(), e.getEventsProcessed(), e.getDeadLettered(), e.getDeadLetterReasons().size(), largest);
    }

    static String header(ConsumerRecord<byte[], byte[]> r, String name) {
        Header h = r.headers().lastHeader(name);
        return h == null ? null : new String(h.value(), StandardCharsets.UTF_8);
    }
}
