package dev.reprise.drill;

import dev.reprise.codec.LocalIdMap;
import dev.reprise.contract.Contract;
import dev.reprise.runner.ReplayRunner;
import dev.reprise.pipeline.support.DeadLetters;
import dev.reprise.plan.RunPlan;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * The drills that change the input: the base history with thousands of fuzzed records mixed in (poison), and
 * with every event published again several times across partitions (duplicate-storm). Each is replayed in this
 * process and compared with the clean run: the same projection and checksum, and exactly the records added,
 * dead-lettered or skipped as duplicates.
 */
final class InputDrills {
    private InputDrills() {
    }

    /** A record to write: its partition and content. */
    private record Out(int partition, byte[] key, byte[] value, long timestamp, String reasonCode, Headers headers) {
        Out(int partition, byte[] key, byte[] value, long timestamp, String reasonCode) {
            this(partition, key, value, timestamp, reasonCode, null);
        }

        static Out copyOf(ConsumerRecord<byte[], byte[]> r, int partition) {
            return new Out(partition, r.key(), r.value(), r.timestamp(), null, r.headers());
        }
    }

    /** Why an input drill cannot run on this history, or {@code null} when it can. */
    static String unsupported(Drill.Base b, boolean fuzzes) {
        if (b.wb().histories().size() > 1) {
            return "the contract reads " + b.wb().histories().size() + " history topics; the input drills write one topic";
        }
        if (fuzzes && !(b.wb().codecs.resolver() instanceof LocalIdMap)) {
            return "the fuzzed records are made from local schemas (history.schemas.source: local); this contract reads a registry";
        }
        return null;
    }

    static void poison(Drill.Base b, ScenarioReport r) {
        Workbench wb = b.wb();
        if (skipped(b, r, true)) {
            return;
        }
        String source = wb.prefix + "poisoned";
        Workbench.Names names = wb.names("poison");
        // Thousands of dead letters among the events: the dead-letter ratio limit of the contract must not make the run degraded.
        Contract contract = wb.contract(wb.yaml(names, source, null, "max_dead_letter_ratio: 0.6\nuntrusted_dead_letter_ratio: 0.6", ""));
        SourceOracle oracle = new SourceOracle(contract, wb.codecs);
        int perSchema = (int) Math.max(50, Math.min(2_000, b.records() / 16));
        List<FuzzedRecords.Fuzzed> fuzzed = new FuzzedRecords(wb.codecs.catalog(), (LocalIdMap) wb.codecs.resolver(),
                wb.sample.history().encoding(), b.options().seed()).generate(perSchema);
        Random random = new Random(b.options().seed());
        List<List<Out>> byPartition = basePartitions(b);
        List<Out> poison = new ArrayList<>();
        Map<String, Long> reasons = new TreeMap<>();
        int decodable = 0;
        int escapes = 0;
        for (FuzzedRecords.Fuzzed f : fuzzed) {
            byte[] key = ("fuzz-" + random.nextInt(1_000)).getBytes(StandardCharsets.UTF_8);
            SourceOracle.Outcome outcome = oracle.classify(key, null, f.value());
            if (outcome.escape() != null) {
                escapes++;
                if (escapes <= 3) {
                    r.fail("a fuzzed record (" + f + ") escaped the decoder: " + outcome.escape());
                }
                continue;
            }
            if (!outcome.isPoison()) {
                // Decodable by chance: an event of its own, which would change the projection; left out.
                decodable++;
                continue;
            }
            reasons.merge(outcome.reasonCode(), 1L, Long::sum);
            Out p = new Out(random.nextInt(wb.partitions), key, f.value(), System.currentTimeMillis(), outcome.reasonCode());
            poison.add(p);
            List<Out> partition = byPartition.get(p.partition());
            partition.add(random.nextInt(partition.size() + 1), p);
        }
        wb.createTopic(source, wb.partitions, false);
        Map<String, String> sentPoison = write(wb, source, byPartition);
        r.facts(new Facts.Poison(fuzzed.size(), poison.size(), decodable, escapes, reasons));

        Comparison.Outcome drilled = replay(b, contract, "poison");
        Map<String, Object> cleanFields = b.clean().fields();
        Map<String, Object> expected = new HashMap<>();
        expected.put("events_read", ((Number) cleanFields.get("events_read")).longValue() + poison.size());
        expected.put("dead_lettered", ((Number) cleanFields.get("dead_lettered")).longValue() + poison.size());
        Map<String, Object> expectedReasons = new TreeMap<>();
        ((Map<?, ?>) cleanFields.get("dead_letter_reasons")).forEach((k, v) -> expectedReasons.put(k.toString(), ((Number) v).longValue()));
        reasons.forEach((k, v) -> expectedReasons.merge(k, v, (x, y) -> ((Long) x) + ((Long) y)));
        expected.put("dead_letter_reasons", expectedReasons);
        // Upcasts are counted where events are decoded, before the projection: a fuzzed record upcast and then rejected counts.
        Comparison c = Comparison.of(b.clean(), drilled, expected, java.util.Set.of("upcasts"));
        r.note("upcasts not compared: they are counted when an event is decoded, so fuzzed records upcast before they were rejected count too");

        // Every fuzzed record on the dead-letter topic once, at its coordinates, with the reason the oracle gives it.
        Map<String, String> dead = new TreeMap<>();
        int duplicatesInDlq = 0;
        for (ConsumerRecord<byte[], byte[]> d : wb.readAll(names.deadLetters())) {
            String coordinates = header(d, DeadLetters.TOPIC) + "/" + header(d, DeadLetters.PARTITION) + "@" + header(d, DeadLetters.OFFSET);
            if (dead.put(coordinates, header(d, DeadLetters.REASON_CODE) + (header(d, DeadLetters.REASON) == null ? " (no reason)" : "")) != null) {
                duplicatesInDlq++;
            }
        }
        long missing = sentPoison.keySet().stream().filter(k -> !dead.containsKey(k)).count();
        long wrongReason = sentPoison.entrySet().stream().filter(e -> dead.containsKey(e.getKey()) && !e.getValue().equals(dead.get(e.getKey()))).count();
        c.add("fuzzed_records_dead_lettered_once_with_their_reason", sentPoison.size() + " of " + sentPoison.size(),
                (sentPoison.size() - missing - wrongReason) + " of " + sentPoison.size() + (duplicatesInDlq > 0 ? ", " + duplicatesInDlq + " twice" : ""));
        c.add("dead_letter_topic_records", ((Number) expected.get("dead_lettered")).longValue(), (long) dead.size() + duplicatesInDlq);
        r.compared(c);
    }

    static void duplicateStorm(Drill.Base b, ScenarioReport r) {
        Workbench wb = b.wb();
        if (skipped(b, r, false)) {
            return;
        }
        String source = wb.prefix + "storm";
        Workbench.Names names = wb.names("duplicate-storm");
        Contract contract = wb.contract(wb.yaml(names, source, null, "", ""));
        SourceOracle oracle = new SourceOracle(contract, wb.codecs);
        Random random = new Random(b.options().seed() + 1);
        List<List<Out>> byPartition = basePartitions(b);
        // Every event of the history published again one to five times, after the originals and in random order. On the
        // generated history each copy goes to a random partition: another partition's copy can reach the apply stage
        // before its original. On a team's sample each copy stays in its original's partition, which keeps the history's
        // partitioning (keyed_by_ordering_key) and the order of every key's events (sequence_field) as the contract needs.
        boolean samePartition = b.sampled();
        List<Out> copies = new ArrayList<>();
        for (List<Out> partition : byPartition) {
            for (Out o : partition) {
                if (oracle.classify(o.key(), o.headers(), o.value()).isEvent()) {
                    for (int n = 1 + random.nextInt(5); n > 0; n--) {
                        copies.add(new Out(samePartition ? o.partition() : random.nextInt(wb.partitions), o.key(), o.value(), o.timestamp(),
                                null, o.headers()));
                    }
                }
            }
        }
        Collections.shuffle(copies, random);
        copies.forEach(c -> byPartition.get(c.partition()).add(c));
        wb.createTopic(source, wb.partitions, false);
        write(wb, source, byPartition);
        r.facts(new Facts.DuplicateStorm(copies.size(), "1 to 5", samePartition ? "their original's partition" : "random partitions"));

        Comparison.Outcome drilled = replay(b, contract, "duplicate-storm");
        Map<String, Object> cleanFields = b.clean().fields();
        Map<String, Object> expected = new HashMap<>();
        expected.put("events_read", ((Number) cleanFields.get("events_read")).longValue() + copies.size());
        expected.put("duplicates_skipped", ((Number) cleanFields.get("duplicates_skipped")).longValue() + copies.size());
        // Upcasts are counted where events are decoded, before deduplication: every copy is upcast again.
        r.compared(Comparison.of(b.clean(), drilled, expected, java.util.Set.of("upcasts")));
        r.note("upcasts not compared: they are counted when an event is decoded, before deduplication, so copies count too");
    }

    /** The base history's records, partition by partition in offset order, to write again into another topic. */
    private static List<List<Out>> basePartitions(Drill.Base b) {
        List<List<Out>> out = new ArrayList<>();
        for (int p = 0; p < b.wb().partitions; p++) {
            out.add(new ArrayList<>());
        }
        for (ConsumerRecord<byte[], byte[]> rec : b.wb().readAll(b.wb().history())) {
            out.get(rec.partition()).add(Out.copyOf(rec, rec.partition()));
        }
        return out;
    }

    /** Writes the records in order, partition by partition; returns the coordinates of those with a reason code. */
    private static Map<String, String> write(Workbench wb, String topic, List<List<Out>> byPartition) {
        Map<String, String> coordinates = new LinkedHashMap<>();
        List<Future<RecordMetadata>> sent = new ArrayList<>();
        List<Out> order = new ArrayList<>();
        try (KafkaProducer<byte[], byte[]> producer = wb.producer()) {
            for (List<Out> partition : byPartition) {
                for (Out o : partition) {
                    sent.add(producer.send(new ProducerRecord<>(topic, o.partition(), o.timestamp(), o.key(), o.value(), o.headers())));
                    order.add(o);
                }
            }
            producer.flush();
            for (int i = 0; i < sent.size(); i++) {
                RecordMetadata m = sent.get(i).get(120, TimeUnit.SECONDS);
                if (order.get(i).reasonCode() != null) {
                    coordinates.put(topic + "/" + m.partition() + "@" + m.offset(), order.get(i).reasonCode());
                }
            }
        } catch (Exception e) {
            throw new IllegalStateException("could not write the drill's records to " + topic + ": " + e.getMessage(), e);
        }
        return coordinates;
    }

    /** Notes and returns whether the drill cannot run on this history, saying why. */
    private static boolean skipped(Drill.Base b, ScenarioReport r, boolean fuzzes) {
        String why = unsupported(b, fuzzes);
        if (why != null) {
            r.skip(why);
            b.err().println("  skipped: " + why);
        }
        return why != null;
    }

    /** Replays the contract from scratch in this process and returns what the run left. */
    static Comparison.Outcome replay(Drill.Base b, Contract contract, String label) {
        ReplayRunner runner = b.wb().runner(contract, b.wb().codecs, label, Map.of());
        RunPlan plan = b.wb().begin(runner, contract);
        runner.run(plan, null);
        return b.outcome(contract, plan.runId());
    }

    private static String header(ConsumerRecord<byte[], byte[]> r, String name) {
        Header h = r.headers().lastHeader(name);
        return h == null ? null : new String(h.value(), StandardCharsets.UTF_8);
    }
}
