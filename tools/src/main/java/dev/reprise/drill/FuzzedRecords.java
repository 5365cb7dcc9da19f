package dev.reprise.drill;

import dev.reprise.codec.ConfluentWireFormat;
import dev.reprise.codec.LocalIdMap;
import dev.reprise.codec.SchemaCatalog;
import dev.reprise.codec.SingleObjectFormat;
import dev.reprise.contract.Contract;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.Set;

/**
 * Random and mutated source records, built from a fixed seed so that every run sees the same records:
 * for every event schema of a catalog, valid events and the ways producers and storage break them, behind
 * valid and invalid headers of one encoding (Confluent wire format or Avro single-object encoding).
 */
public final class FuzzedRecords {
    /** The seed of the suite's fuzz runs. */
    public static final long SEED = 0x5EED_2026_1212L;

    /** Lengths a hostile or broken producer writes before a string: huge, negative, just past Java's array limit. */
    static final long[] HOSTILE_LENGTHS = {
            Integer.MAX_VALUE - 8 + 1L,         // 2,147,483,640: Avro 1.12.1 throws UnsupportedOperationException
            Integer.MAX_VALUE,
            Integer.MAX_VALUE + 1L,
            1_610_612_736L,                      // 1.5 GB: allocated before the bytes are read
            1L << 40,
            Long.MAX_VALUE,
            -1,
            Integer.MIN_VALUE,
            Long.MIN_VALUE,
    };

    public enum Kind {
        /** A well-formed event with random field values. */
        VALID,
        /** Random bytes behind a valid header. */
        RANDOM_BODY,
        /** A valid event with one to four bits flipped in its datum. */
        BIT_FLIP,
        /** A valid event cut short. */
        TRUNCATED,
        /** A valid event with bytes after its datum. */
        EXTENDED,
        /** A string or bytes length from {@link #HOSTILE_LENGTHS}, or the datum's own length plus one. */
        HOSTILE_LENGTH,
        /** A union branch index out of range, or an int or long whose varint never ends. */
        HOSTILE_NUMBER,
        /** A valid datum behind a schema id or fingerprint that nothing knows. */
        UNKNOWN_SCHEMA,
        /** A wrong magic byte or marker, or a value shorter than the header. */
        BAD_FRAMING,
        /** No value at all (a tombstone) or a few random bytes. */
        NOISE
    }

    /**
     * @param schema the full name of the schema the record was made from, or "-" when none
     */
    public record Fuzzed(Kind kind, String schema, byte[] value) {
        @Override
        public String toString() {
            return kind + " " + schema + " " + (value == null ? "null" : value.length + " bytes");
        }
    }

    private static final String[] KINDS = {"RECEIVED", "SHIPPED", "RESERVED", "RELEASED", "ADJUSTED"};
    private final SchemaCatalog catalog;
    private final LocalIdMap ids;
    private final Contract.Encoding encoding;
    private final Random random;

    public FuzzedRecords(SchemaCatalog catalog, LocalIdMap ids, Contract.Encoding encoding, long seed) {
        this.catalog = catalog;
        this.ids = ids;
        this.encoding = encoding;
        this.random = new Random(seed);
    }

    /** The event schemas of the catalog, by type and version, in a stable order. */
    public List<Schema> eventSchemas() {
        List<Schema> out = new ArrayList<>();
        catalog.eventTypes().forEach((type, versions) -> versions.forEach(v -> out.add(catalog.event(type, v).orElseThrow())));
        return out;
    }

    /** {@code perSchema} records of every kind but NOISE for each event schema, then {@code perSchema} NOISE records. */
    public List<Fuzzed> generate(int perSchema) {
        List<Fuzzed> out = new ArrayList<>();
        Kind[] kinds = Arrays.stream(Kind.values()).filter(k -> k != Kind.NOISE).toArray(Kind[]::new);
        for (Schema schema : eventSchemas()) {
            for (int i = 0; i < perSchema; i++) {
                out.add(make(kinds[i % kinds.length], schema));
            }
        }
        for (int i = 0; i < perSchema; i++) {
            out.add(make(Kind.NOISE, null));
        }
        return out;
    }

    Fuzzed make(Kind kind, Schema schema) {
        String name = schema == null ? "-" : schema.getFullName();
        return switch (kind) {
            case VALID -> new Fuzzed(kind, name, frame(schema, datum(randomEvent(schema))));
            case RANDOM_BODY -> new Fuzzed(kind, name, frame(schema, bytes(random.nextInt(160))));
            case BIT_FLIP -> {
                byte[] datum = datum(randomEvent(schema));
                for (int flips = 1 + random.nextInt(4); flips > 0; flips--) {
                    int bit = random.nextInt(datum.length * 8);
                    datum[bit / 8] ^= (byte) (1 << (bit % 8));
                }
                yield new Fuzzed(kind, name, frame(schema, datum));
            }
            case TRUNCATED -> {
                byte[] datum = datum(randomEvent(schema));
                yield new Fuzzed(kind, name, frame(schema, Arrays.copyOf(datum, random.nextInt(datum.length))));
            }
            case EXTENDED -> {
                byte[] datum = datum(randomEvent(schema));
                byte[] extra = bytes(1 + random.nextInt(16));
                byte[] longer = Arrays.copyOf(datum, datum.length + extra.length);
                System.arraycopy(extra, 0, longer, datum.length, extra.length);
                yield new Fuzzed(kind, name, frame(schema, longer));
            }
            case HOSTILE_LENGTH -> new Fuzzed(kind, name, frame(schema, hostileLength(schema)));
            case HOSTILE_NUMBER -> new Fuzzed(kind, name, frame(schema, hostileNumber(schema)));
            case UNKNOWN_SCHEMA -> new Fuzzed(kind, name, unknownFrame(datum(randomEvent(schema))));
            case BAD_FRAMING -> new Fuzzed(kind, name, badFrame(frame(schema, datum(randomEvent(schema)))));
            case NOISE -> new Fuzzed(kind, name, random.nextInt(8) == 0 ? null : bytes(random.nextInt(64)));
        };
    }

    /** A datum whose fields are written one by one up to a string field, which gets a hostile length and a few bytes. */
    private byte[] hostileLength(Schema schema) {
        GenericRecord event = randomEvent(schema);
        List<Schema.Field> strings = schema.getFields().stream().filter(f -> f.schema().getType() == Schema.Type.STRING).toList();
        Schema.Field target = strings.get(random.nextInt(strings.size()));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        BinaryEncoder encoder = EncoderFactory.get().directBinaryEncoder(out, null);
        try {
            for (Schema.Field f : schema.getFields()) {
                if (f == target) {
                    int pick = random.nextInt(HOSTILE_LENGTHS.length + 1);
                    encoder.writeLong(pick < HOSTILE_LENGTHS.length ? HOSTILE_LENGTHS[pick] : 64 + random.nextInt(64));
                    encoder.writeFixed(bytes(random.nextInt(40)));
                    if (random.nextBoolean()) {
                        break;
                    }
                    continue;
                }
                new GenericDatumWriter<>(f.schema()).write(event.get(f.pos()), encoder);
            }
            encoder.flush();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    /** A datum with a union index out of range (where the schema has a union) or a varint that never ends. */
    private byte[] hostileNumber(Schema schema) {
        GenericRecord event = randomEvent(schema);
        Schema.Field target = schema.getFields().get(random.nextInt(schema.getFields().size()));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        BinaryEncoder encoder = EncoderFactory.get().directBinaryEncoder(out, null);
        try {
            for (Schema.Field f : schema.getFields()) {
                if (f == target) {
                    if (f.schema().getType() == Schema.Type.UNION) {
                        long[] indexes = {f.schema().getTypes().size(), -1, 100, Integer.MAX_VALUE, Long.MAX_VALUE};
                        encoder.writeLong(indexes[random.nextInt(indexes.length)]);
                    } else {
                        encoder.flush();
                        for (int i = 0; i < 11 + random.nextInt(8); i++) {
                            out.write(0x80 | random.nextInt(0x80));
                        }
                    }
                    encoder.writeFixed(bytes(random.nextInt(12)));
                    break;
                }
                new GenericDatumWriter<>(f.schema()).write(event.get(f.pos()), encoder);
            }
            encoder.flush();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    /** An event of {@code schema} with random values: mostly plausible, sometimes not. */
    public GenericRecord randomEvent(Schema schema) {
        GenericRecord r = new GenericData.Record(schema);
        for (Schema.Field f : schema.getFields()) {
            r.put(f.pos(), randomValue(f.name(), f.schema()));
        }
        return r;
    }

    private Object randomValue(String field, Schema schema) {
        return switch (schema.getType()) {
            case STRING -> switch (field) {
                case "kind" -> random.nextInt(5) == 0 ? text() : KINDS[random.nextInt(KINDS.length)];
                case "location" -> random.nextInt(5) == 0 ? text() : "WH" + random.nextInt(4) + "/A-" + random.nextInt(40);
                case "currency" -> random.nextBoolean() ? "EUR" : "USD";
                default -> random.nextInt(20) == 0 ? "" : text();
            };
            case INT -> random.nextInt(4) == 0 ? random.nextInt() : random.nextInt(41) - 10;
            case LONG -> random.nextInt(4) == 0 ? random.nextLong() : (long) random.nextInt(100_000);
            case DOUBLE -> switch (random.nextInt(6)) {
                case 0 -> Double.NaN;
                case 1 -> random.nextBoolean() ? Double.MAX_VALUE : -1e300;
                default -> Math.round(random.nextDouble() * 100_000) / 100.0;
            };
            case UNION -> {
                Schema branch = schema.getTypes().get(random.nextInt(schema.getTypes().size()));
                yield branch.getType() == Schema.Type.NULL ? null : randomValue(field, branch);
            }
            case NULL -> null;
            case BOOLEAN -> random.nextBoolean();
            default -> throw new IllegalArgumentException("no random value for " + schema);
        };
    }

    private String text() {
        int length = random.nextInt(16);
        StringBuilder s = new StringBuilder(length);
        for (int i = 0; i < length; i++) {
            s.append(random.nextInt(10) == 0 ? (char) (0x400 + random.nextInt(0x100)) : (char) ('A' + random.nextInt(26)));
        }
        return s.toString();
    }

    byte[] bytes(int length) {
        byte[] b = new byte[length];
        random.nextBytes(b);
        return b;
    }

    /** The datum of an event in Avro binary. */
    public static byte[] datum(GenericRecord event) {
        try {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            BinaryEncoder encoder = EncoderFactory.get().directBinaryEncoder(out, null);
            new GenericDatumWriter<GenericRecord>(event.getSchema()).write(event, encoder);
            encoder.flush();
            return out.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A datum behind this encoding's header for {@code schema}. */
    public byte[] frame(Schema schema, byte[] datum) {
        return encoding == Contract.Encoding.CONFLUENT ? ConfluentWireFormat.frame(ids.idOf(schema), datum)
                : SingleObjectFormat.frame(SingleObjectFormat.fingerprint(schema), datum);
    }

    private byte[] unknownFrame(byte[] datum) {
        if (encoding == Contract.Encoding.CONFLUENT) {
            Set<Integer> known = ids.all().keySet();
            int id;
            do {
                id = random.nextBoolean() ? random.nextInt(100) : random.nextInt();
            } while (known.contains(id));
            return ConfluentWireFormat.frame(id, datum);
        }
        long fingerprint;
        do {
            fingerprint = random.nextLong();
        } while (catalog.byFingerprint(fingerprint).isPresent());
        return SingleObjectFormat.frame(fingerprint, datum);
    }

    private byte[] badFrame(byte[] framed) {
        int header = encoding == Contract.Encoding.CONFLUENT ? ConfluentWireFormat.HEADER_LENGTH : SingleObjectFormat.HEADER_LENGTH;
        if (random.nextBoolean()) {
            return Arrays.copyOf(framed, random.nextInt(header));
        }
        byte[] bad = framed.clone();
        int at = encoding == Contract.Encoding.CONFLUENT ? 0 : random.nextInt(2);
        bad[at] = (byte) (bad[at] + 1 + random.nextInt(255));
        return bad;
    }
}
