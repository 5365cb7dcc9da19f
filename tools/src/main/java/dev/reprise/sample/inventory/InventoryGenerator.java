package dev.reprise.sample.inventory;

import dev.reprise.codec.ConfluentWireFormat;
import dev.reprise.codec.LocalIdMap;
import dev.reprise.codec.SchemaCatalog;
import dev.reprise.compat.Partitions;
import dev.reprise.pipeline.repartition.KeyOrBroadcast;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.UUID;
import java.util.zip.CRC32;

/**
 * Generates an inventory history for the demo, the benchmark and the tests, and keeps its own ground
 * truth: the stock every SKU must have after a correct replay.
 *
 * <p>Unique events are written in the Confluent wire format as v1, v2 or v3 (about a third each),
 * each SKU's events to one partition chosen by CRC32 of the SKU, as a non-Java producer's partitioner
 * would, so the replay must still repartition. Duplicates are exact copies of earlier events, half in
 * the original's partition and half in another one. Poison records cover each way a record can be
 * unusable. Deterministic for a given seed.
 *
 * <p>{@link Options#keyed} writes the same records keyed by SKU with the Java client's default
 * partitioner instead, copies and poison records included: a history a replay may read without a
 * repartition (the benchmark's pipeline without repartition and {@code reprise demo --keyed}); with
 * scattered keys, a history that breaks that promise.
 *
 * <p>Over 300 lines: the sample domain's generator keeps its ground truth, its schema versions, duplicates and every kind of poison record together, so that what it writes and what it expects cannot drift apart.
 */
public final class InventoryGenerator {
    /**
     * What to generate. {@code duplicateRatio} is extra copies per unique event.
     *
     * @param keyed        write every record to its SKU's partition as the Java client's default partitioner
     *                     chooses it (a history keyed by the ordering key), instead of CRC32
     * @param scatterKeys  with {@code keyed}: this many unique events go to another partition than their SKU's,
     *                     so the history is not keyed as promised (a copy of such an event follows it)
     */
    public record Options(long events, double duplicateRatio, int poison, int partitions, int skus, long seed, long startTimeMillis,
                          boolean keyed, int scatterKeys, double keySkew) {
        public Options {
            if (events < 0 || duplicateRatio < 0 || poison < 0 || partitions < 1 || skus < 1) {
                throw new IllegalArgumentException("events, duplicates and poison must be >= 0; partitions and skus >= 1");
            }
            if (scatterKeys < 0 || scatterKeys > events) {
                throw new IllegalArgumentException("scatter keys must be between 0 and the number of events (" + events + "), got " + scatterKeys);
            }
            if (scatterKeys > 0 && (!keyed || partitions < 2)) {
                throw new IllegalArgumentException("scattering keys needs a keyed history of at least 2 partitions");
            }
        }

        public Options(long events, double duplicateRatio, int poison, int partitions, int skus, long seed, long startTimeMillis) {
            this(events, duplicateRatio, poison, partitions, skus, seed, startTimeMillis, false, 0, 0);
        }

        public Options(long events, double duplicateRatio, int poison, int partitions, int skus, long seed, long startTimeMillis,
                       boolean keyed, int scatterKeys) {
            this(events, duplicateRatio, poison, partitions, skus, seed, startTimeMillis, keyed, scatterKeys, 0);
        }

        /** The same history written keyed by SKU with the default partitioner, {@code scatterKeys} events of it elsewhere. */
        public Options keyed(int scatterKeys) {
            return new Options(events, duplicateRatio, poison, partitions, skus, seed, startTimeMillis, true, scatterKeys, keySkew);
        }

        /** The same history over another key space. */
        public Options keys(KeySpace space) {
            return new Options(events, duplicateRatio, poison, partitions, space.keys(), seed, startTimeMillis, keyed, scatterKeys, space.skew());
        }

        public KeySpace keySpace() {
            return new KeySpace(skus, keySkew);
        }

        /** The demo's and the bench's default history: its key space from {@link KeySpace#forEvents}. */
        public static Options of(long events, double duplicateRatio, int poison, int partitions) {
            return new Options(events, duplicateRatio, poison, partitions, KeySpace.forEvents(events).keys(), 42L, System.currentTimeMillis());
        }

        public Options(long events, double duplicateRatio, int poison, int partitions, int skus, long seed) {
            this(events, duplicateRatio, poison, partitions, skus, seed, System.currentTimeMillis());
        }

        public long duplicates() {
            return Math.round(events * duplicateRatio);
        }
    }

    /**
     * What was written: counts and the expected projection.
     *
     * @param truth     the expected state of every SKU touched by a unique event
     * @param byVersion unique events written per schema version
     * @param poisonReasons poison records written per reason code the replay should report
     * @param scattered unique events written outside their SKU's partition of a keyed history (with their copies)
     */
    public record Generated(long events, long duplicates, long poison, Map<String, InventoryLevel> truth,
                            Map<Integer, Long> byVersion, Map<String, Long> poisonReasons, long scattered) {
    }

    private static final String[] KINDS = {"RECEIVED", "SHIPPED", "RESERVED", "RELEASED", "ADJUSTED"};

    private final Schema v1;
    private final Schema v2;
    private final Schema v3;
    private final LocalIdMap ids;
    private final InventoryProjection projection = new InventoryProjection();
    private final java.util.concurrent.atomic.AtomicLong failures = new java.util.concurrent.atomic.AtomicLong();
    private final java.util.concurrent.atomic.AtomicReference<Exception> firstFailure = new java.util.concurrent.atomic.AtomicReference<>();
    private final ByteArrayOutputStream buffer = new ByteArrayOutputStream(256);
    private BinaryEncoder encoder;

    /** How many of the last events written a duplicate may copy. */
    static final int DUPLICATE_WINDOW = 1 << 17;

    public InventoryGenerator(SchemaCatalog catalog, LocalIdMap ids) {
        this.v1 = catalog.event("StockMovement", 1).orElseThrow();
        this.v2 = catalog.event("StockMovement", 2).orElseThrow();
        this.v3 = catalog.event("StockMovement", 3).orElseThrow();
        this.ids = ids;
    }

    /** The source partition of a SKU: CRC32 of its name, as librdkafka's consistent partitioner would choose. */
    public static int partitionOf(String sku, int partitions) {
        CRC32 crc = new CRC32();
        crc.update(sku.getBytes(StandardCharsets.UTF_8));
        return (int) (crc.getValue() % partitions);
    }

    /**
     * The partition a record of this SKU goes to: CRC32 for an unkeyed history, the default partitioner's
     * choice for a keyed one ({@link KeyOrBroadcast#partitionOf}, the partition a replay
     * without repartition relies on).
     */
    private static int home(String sku, Options options) {
        return options.keyed() ? Partitions.ofKey(sku.getBytes(StandardCharsets.UTF_8), options.partitions())
                : partitionOf(sku, options.partitions());
    }

    public Generated write(Producer<byte[], byte[]> producer, String topic, Options options) {
        Random random = new Random(options.seed());
        KeySpace.Chooser keys = options.keySpace().chooser(random, options.seed());
        // Which unique events are scattered: drawn from a random of their own, so a keyed history with and
        // without scattering holds the same events.
        Random scatterRandom = new Random(options.seed() ^ 0x5CA77E5L);
        java.util.Set<Long> scatter = new java.util.HashSet<>();
        while (scatter.size() < options.scatterKeys()) {
            scatter.add((long) scatterRandom.nextInt((int) options.events()));
        }
        // Partitions of scattered events by their index in 'written', so that their copies follow them.
        Map<Integer, Integer> scatteredTo = new java.util.HashMap<>();
        long unique = 0;
        long duplicates = options.duplicates();
        char[] actions = new char[(int) (options.events() + duplicates + options.poison())];
        Arrays.fill(actions, 0, (int) options.events(), 'E');
        Arrays.fill(actions, (int) options.events(), (int) (options.events() + duplicates), 'D');
        Arrays.fill(actions, (int) (options.events() + duplicates), actions.length, 'P');
        for (int i = actions.length - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            char t = actions[i];
            actions[i] = actions[j];
            actions[j] = t;
        }
        // A duplicate needs an earlier event to copy: move the first event to the front.
        for (int i = 0; i < actions.length && options.events() > 0; i++) {
            if (actions[i] == 'E') {
                actions[i] = actions[0];
                actions[0] = 'E';
                break;
            }
        }

        Map<String, InventoryLevel> truth = new TreeMap<>();
        Map<Integer, Long> byVersion = new TreeMap<>();
        Map<String, Long> poisonReasons = new TreeMap<>();
        // The last events written, to copy as duplicates (a retry comes soon after its original): holding every
        // event would take gigabytes at ten million. While fewer than the window were written, a copy may be of any.
        int window = (int) Math.max(1, Math.min(DUPLICATE_WINDOW, options.events()));
        byte[][] written = new byte[duplicates > 0 ? window : 0][];
        String[] writtenKeys = new String[written.length];
        long writtenCount = 0;
        // Recent event times: a broker deletes records older than its retention (7 days by default).
        long time = options.startTimeMillis() - 7L * actions.length;
        int poisonIndex = 0;
        for (char action : actions) {
            time += 7;
            if (action == 'E') {
                String sku = String.format("SKU-%05d", keys.next());
                InventoryLevel state = truth.computeIfAbsent(sku, projection::initial);
                int version = 1 + random.nextInt(3);
                Movement m = nextMovement(random, state, version == 1 ? 12 : 1);
                String eventId = new UUID(random.nextLong(), random.nextLong()).toString();
                byte[] value = encode(version, eventId, sku, m, "WH" + (1 + random.nextInt(3)) + "/A-" + random.nextInt(40), time);
                apply(state, m);
                byVersion.merge(version, 1L, Long::sum);
                int home = home(sku, options);
                int partition = home;
                int slot = (int) (writtenCount % window);
                if (duplicates > 0) {
                    scatteredTo.remove(slot);
                }
                if (scatter.contains(unique++)) {
                    partition = (home + 1 + scatterRandom.nextInt(options.partitions() - 1)) % options.partitions();
                    if (duplicates > 0) {
                        scatteredTo.put(slot, partition);
                    }
                }
                if (duplicates > 0) {
                    written[slot] = value;
                    writtenKeys[slot] = sku;
                    writtenCount++;
                }
                send(producer, topic, partition, sku, value, time, options);
            } else if (action == 'D') {
                int pick = random.nextInt((int) Math.min(writtenCount, window));
                String sku = writtenKeys[pick];
                int home = home(sku, options);
                // Unkeyed: half the copies in another partition (a retry through another producer). Keyed: a copy
                // goes where the producer sent the original, as a retry of that producer would.
                // The same draws in both cases, so that both write the same events.
                int unkeyed = random.nextBoolean() || options.partitions() == 1 ? home
                        : (home + 1 + random.nextInt(options.partitions() - 1)) % options.partitions();
                int partition = options.keyed() ? scatteredTo.getOrDefault(pick, home) : unkeyed;
                send(producer, topic, partition, sku, written[pick], time, options);
            } else {
                String sku = String.format("SKU-%05d", random.nextInt(options.skus()));
                Poison p = poison(poisonIndex++, sku, time);
                poisonReasons.merge(p.reason, 1L, Long::sum);
                int anywhere = random.nextInt(options.partitions());
                send(producer, topic, options.keyed() ? home(sku, options) : anywhere, sku, p.value, time, options);
            }
        }
        checkDelivered(producer);
        return new Generated(options.events(), duplicates, options.poison(), truth, byVersion, poisonReasons, options.scatterKeys());
    }

    private record Movement(String kind, int quantity) {
    }

    private record Poison(String reason, byte[] value) {
    }

    /** A movement that keeps sellable stock and reservations non-negative; {@code unit} is 12 for v1 (whole cases). */
    private static Movement nextMovement(Random random, InventoryLevel s, int unit) {
        String kind = KINDS[random.nextInt(KINDS.length)];
        int units = 1 + random.nextInt(20);
        int quantity = units * unit;
        switch (kind) {
            case "SHIPPED", "RESERVED" -> {
                if (quantity > s.getSellable()) {
                    return new Movement("RECEIVED", quantity);
                }
            }
            case "RELEASED" -> {
                if (quantity > s.getReserved()) {
                    return new Movement("RECEIVED", quantity);
                }
            }
            case "ADJUSTED" -> {
                if (random.nextBoolean() && quantity <= s.getSellable()) {
                    return new Movement(kind, -quantity);
                }
            }
            default -> {
            }
        }
        return new Movement(kind, quantity);
    }

    private static void apply(InventoryLevel s, Movement m) {
        switch (m.kind()) {
            case "RECEIVED" -> s.setReceived(s.getReceived() + m.quantity());
            case "SHIPPED" -> s.setShipped(s.getShipped() + m.quantity());
            case "ADJUSTED" -> s.setAdjusted(s.getAdjusted() + m.quantity());
            case "RESERVED" -> s.setReserved(s.getReserved() + m.quantity());
            case "RELEASED" -> s.setReserved(s.getReserved() - m.quantity());
            default -> throw new IllegalStateException(m.kind());
        }
        s.setStockOnHand(s.getReceived() - s.getShipped() + s.getAdjusted());
        s.setSellable(s.getStockOnHand() - s.getReserved());
        s.setMovements(s.getMovements() + 1);
    }

    private byte[] encode(int version, String eventId, String sku, Movement m, String location, long time) {
        return encode(version, eventId, sku, m.kind(), m.quantity(), location, time);
    }

    /** One event in the Confluent wire format at the given schema version; {@code quantity} in units (whole cases for v1). */
    public byte[] encode(int version, String eventId, String sku, String kind, int quantity, String location, long time) {
        Schema schema = version == 1 ? v1 : version == 2 ? v2 : v3;
        GenericRecord r = new GenericData.Record(schema);
        r.put("event_id", eventId);
        r.put("tenant", "acme");
        r.put("kind", kind);
        r.put("occurred_at", time);
        if (version == 1) {
            r.put("item_code", sku);
            r.put("cases", quantity / StockMovementV1ToV2.UNITS_PER_CASE);
            r.put("location", location);
        } else {
            r.put("sku", sku);
            r.put("quantity", quantity);
            if (version == 2) {
                r.put("location", location);
            } else {
                int slash = location.indexOf('/');
                r.put("warehouse", slash < 0 ? location : location.substring(0, slash));
                r.put("bin", slash < 0 ? "" : location.substring(slash + 1));
                r.put("note", null);
            }
        }
        return ConfluentWireFormat.frame(ids.idOf(schema), avro(r));
    }

    private byte[] avro(GenericRecord r) {
        try {
            buffer.reset();
            encoder = EncoderFactory.get().binaryEncoder(buffer, encoder);
            new GenericDatumWriter<GenericRecord>(r.getSchema()).write(r, encoder);
            encoder.flush();
            return buffer.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private Poison poison(int index, String sku, long time) {
        String id = "poison-" + index;
        return switch (index % 5) {
            case 0 -> new Poison("not-confluent-framing", ("{\"sku\":\"" + sku + "\",\"note\":\"JSON where Avro belongs\"}").getBytes(StandardCharsets.UTF_8));
            case 1 -> new Poison("unknown-schema-id", ConfluentWireFormat.frame(999, new byte[]{2, 4, 6}));
            case 2 -> {
                byte[] ok = encode(2, id, sku, "RECEIVED", 5, "WH1/A-1", time);
                yield new Poison("corrupt-avro", Arrays.copyOf(ok, ok.length - 4));
            }
            case 3 -> new Poison("upcast-failed", encode(2, id, sku, "RECEIVED", 5, "NOWHERE", time));
            default -> new Poison("unknown-kind", encode(3, id, sku, "STOLEN", 5, "WH1/A-1", time));
        };
    }

    /** Sends to {@code partition}; in a keyed history a record in its SKU's partition is left to the producer's partitioner. */
    private void send(Producer<byte[], byte[]> producer, String topic, int partition, String key, byte[] value, long time, Options options) {
        Integer chosen = options.keyed() && partition == home(key, options) ? null : partition;
        producer.send(new ProducerRecord<>(topic, chosen, time, key.getBytes(StandardCharsets.UTF_8), value), (metadata, error) -> {
            if (error != null) {
                failures.incrementAndGet();
                firstFailure.compareAndSet(null, error);
            }
        });
    }

    /** Fails loudly when the broker refused any record: the ground truth would no longer describe the topic. */
    private void checkDelivered(Producer<byte[], byte[]> producer) {
        producer.flush();
        if (failures.get() > 0) {
            throw new IllegalStateException(failures.get() + " generated records could not be written: " + firstFailure.get().getMessage(), firstFailure.get());
        }
    }
}
