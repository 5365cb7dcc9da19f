package dev.reprise.codec;

import dev.reprise.contract.Contract;
import dev.reprise.drill.FuzzedRecords;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The records that stopped every replay and restart (issue 12), and the other lengths, counts and depths
 * a record can declare: each is poison with a reason, found before anything of the declared size is allocated.
 */
class HostileRecordsTest {
    static final SchemaCatalog CATALOG = SchemaCatalog.load(Path.of("..", "schemas"));
    static final LocalIdMap IDS = LocalIdMap.load(Path.of("..", "schemas", "registry-ids.yaml"), CATALOG);

    /** Bytes the current thread allocated while {@code action} ran, with what it threw. */
    static long allocatedBy(Runnable action) {
        var threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long before = threads.getCurrentThreadAllocatedBytes();
        try {
            action.run();
        } catch (PoisonRecordException expected) {
            // measured either way
        }
        return threads.getCurrentThreadAllocatedBytes() - before;
    }

    static byte[] datum(ThrowingEncoder body) {
        try {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            BinaryEncoder encoder = EncoderFactory.get().directBinaryEncoder(out, null);
            body.write(encoder);
            encoder.flush();
            return out.toByteArray();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    interface ThrowingEncoder {
        void write(BinaryEncoder encoder) throws IOException;
    }

    @Nested
    class ReportedRecords {
        final EventDecoder decoder = new EventDecoder(Contract.Encoding.CONFLUENT, IDS, CATALOG);

        @Test
        void aStringLengthJustAboveJavasArrayLimitIsCorruptAvroNotAnUnsupportedOperation() {
            // Regression: Avro 1.12.1 threw UnsupportedOperationException, which no catch clause expected.
            byte[] value = ConfluentWireFormat.frame(2, datum(e -> {
                e.writeLong(Integer.MAX_VALUE - 8 + 1L);
                e.writeFixed(new byte[]{'e', '-', '1'});
            }));

            assertThatThrownBy(() -> decoder.decode(value)).isInstanceOf(PoisonRecordException.class)
                    .hasMessageContaining("StockMovement v2").hasMessageContaining("2147483640 bytes is longer than the 3 bytes left")
                    .extracting("reasonCode").isEqualTo("corrupt-avro");
        }

        @Test
        void aLengthOfOneAndAHalfGigabytesIsRefusedBeforeAnythingOfThatSizeIsAllocated() {
            // Regression: Avro 1.12.1 allocated the string before reading it: OutOfMemoryError on a stream thread.
            byte[] value = ConfluentWireFormat.frame(3, datum(e -> {
                e.writeString("e-1");
                e.writeString("acme");
                e.writeLong(1_610_612_736L);
                e.writeFixed(new byte[20]);
            }));

            long allocated = allocatedBy(() -> decoder.decode(value));

            assertThatThrownBy(() -> decoder.decode(value)).isInstanceOf(PoisonRecordException.class)
                    .hasMessageContaining("1610612736").extracting("reasonCode").isEqualTo("corrupt-avro");
            assertThat(allocated).as("bytes allocated to decide").isLessThan(1_000_000);
        }

        @Test
        void negativeAndEndlessNumbersArePoison() {
            byte[] negative = ConfluentWireFormat.frame(2, datum(e -> e.writeLong(-5)));
            byte[] endless = ConfluentWireFormat.frame(2, new byte[]{(byte) 0x80, (byte) 0x80, (byte) 0x80, (byte) 0x80, (byte) 0x80,
                    (byte) 0x80, (byte) 0x80, (byte) 0x80, (byte) 0x80, (byte) 0x80, (byte) 0x80, 1});

            assertThatThrownBy(() -> decoder.decode(negative)).isInstanceOf(PoisonRecordException.class).hasMessageContaining("negative length -5");
            assertThatThrownBy(() -> decoder.decode(endless)).isInstanceOf(PoisonRecordException.class).hasMessageContaining("longer than 10 bytes");
        }

        @Test
        void aUnionBranchOutOfRangeIsPoison() {
            GenericRecord v3 = new FuzzedRecords(CATALOG, IDS, Contract.Encoding.CONFLUENT, 1).randomEvent(CATALOG.event("StockMovement", 3).orElseThrow());
            byte[] good = FuzzedRecords.datum(v3);
            byte[] bad = good.clone();
            bad[bad.length - 1 - (v3.get("note") == null ? 0 : 1 + v3.get("note").toString().getBytes().length)] = 4; // branch 2 of 2

            assertThat(decoder.decode(ConfluentWireFormat.frame(3, good)).record()).isEqualTo(v3);
            assertThatThrownBy(() -> decoder.decode(ConfluentWireFormat.frame(3, bad))).isInstanceOf(PoisonRecordException.class)
                    .extracting("reasonCode").isEqualTo("corrupt-avro");
        }
    }

    /** An event type with a map, an array of a type that takes no bytes, and an array of longs. */
    @Nested
    class ArraysAndMaps {
        final Schema bag = new Schema.Parser().parse("""
                {"type": "record", "name": "Bag", "namespace": "test.v1", "reprise.event_type": "Bag", "reprise.version": 1,
                 "fields": [{"name": "event_id", "type": "string"},
                            {"name": "tags", "type": {"type": "map", "values": "string"}},
                            {"name": "nothing", "type": {"type": "array", "items": "null"}},
                            {"name": "numbers", "type": {"type": "array", "items": "long"}}]}""");
        final EventDecoder decoder = new EventDecoder(Contract.Encoding.CONFLUENT, new LocalIdMap(Map.of(7, bag)), SchemaCatalog.of(List.of(bag)));

        byte[] value(long tags, long nothing, long numbers, int numbersWritten) {
            return ConfluentWireFormat.frame(7, datum(e -> {
                e.writeString("e-1");
                e.writeLong(tags);
                for (int i = 0; i < Math.min(tags, 3); i++) {
                    e.writeString("k" + i);
                    e.writeString("v");
                }
                if (tags > 0) {
                    e.writeLong(0);
                }
                e.writeLong(nothing);
                if (nothing > 0) {
                    e.writeLong(0);
                }
                e.writeLong(numbers);
                for (int i = 0; i < numbersWritten; i++) {
                    e.writeLong(i);
                }
                if (numbers > 0) {
                    e.writeLong(0);
                }
            }));
        }

        @Test
        void wellFormedCollectionsDecodeIncludingManyItemsThatTakeNoBytes() {
            GenericRecord r = decoder.decode(value(3, 60_000, 5, 5)).record();

            assertThat((Map<?, ?>) r.get("tags")).hasSize(3);
            assertThat((List<?>) r.get("nothing")).hasSize(60_000);
            assertThat((List<?>) r.get("numbers")).hasSize(5);
        }

        @Test
        void aBlockCountLargerThanTheRecordCanHoldIsPoisonAndAllocatesNothingOfItsSize() {
            byte[] hugeMap = value(1L << 40, 0, 0, 0);
            byte[] hugeArray = value(0, 0, Integer.MAX_VALUE - 8, 3);
            byte[] hugeNothing = value(0, 10_000_000, 0, 0);

            for (byte[] value : List.of(hugeMap, hugeArray, hugeNothing)) {
                long allocated = allocatedBy(() -> decoder.decode(value));
                assertThatThrownBy(() -> decoder.decode(value)).isInstanceOf(PoisonRecordException.class)
                        .extracting("reasonCode").isEqualTo("corrupt-avro");
                assertThat(allocated).as("bytes allocated to decide").isLessThan(2_000_000);
            }
            assertThatThrownBy(() -> decoder.decode(hugeNothing)).hasMessageContaining("items that take no bytes");
        }

        @Test
        void aNegativeBlockCountNeedsABlockSizeThatFits() {
            byte[] value = ConfluentWireFormat.frame(7, datum(e -> {
                e.writeString("e-1");
                e.writeLong(0);
                e.writeLong(0);
                e.writeLong(-2);           // two longs follow in a block of ...
                e.writeLong(1L << 33);     // ... 8 GiB
                e.writeLong(1);
                e.writeLong(2);
                e.writeLong(0);
            }));
            byte[] minimum = ConfluentWireFormat.frame(7, datum(e -> {
                e.writeString("e-1");
                e.writeLong(0);
                e.writeLong(Long.MIN_VALUE);
            }));

            assertThatThrownBy(() -> decoder.decode(value)).isInstanceOf(PoisonRecordException.class).hasMessageContaining("8589934592");
            assertThatThrownBy(() -> decoder.decode(minimum)).isInstanceOf(PoisonRecordException.class).hasMessageContaining("no positive value");
        }
    }

    /** A schema that contains itself: each level of a record takes two bytes or so, and Avro reads it by recursion. */
    @Nested
    class DeepNesting {
        final Schema tree = new Schema.Parser().parse("""
                {"type": "record", "name": "Tree", "namespace": "test.v1", "reprise.event_type": "Tree", "reprise.version": 1,
                 "fields": [{"name": "event_id", "type": "string"},
                            {"name": "child", "type": ["null", "Tree"]}]}""");
        final EventDecoder decoder = new EventDecoder(Contract.Encoding.CONFLUENT, new LocalIdMap(Map.of(8, tree)), SchemaCatalog.of(List.of(tree)));

        byte[] nested(int depth) {
            return ConfluentWireFormat.frame(8, datum(e -> {
                for (int level = 1; level < depth; level++) {
                    e.writeString("");
                    e.writeIndex(1);
                }
                e.writeString("leaf");
                e.writeIndex(0);
            }));
        }

        int depthOf(GenericRecord r) {
            int depth = 1;
            for (Object child = r.get("child"); child != null; child = ((GenericRecord) child).get("child")) {
                depth++;
            }
            return depth;
        }

        @Test
        void nestingWithinTheLimitDecodes() {
            assertThat(depthOf(decoder.decode(nested(EventDecoder.MAX_DEPTH)).record())).isEqualTo(EventDecoder.MAX_DEPTH);
        }

        @Test
        void nestingPastTheLimitIsPoisonOnEveryThreadAlikeAndAMegabyteDeepRecordNeverOverflowsTheStack() {
            assertThatThrownBy(() -> decoder.decode(nested(EventDecoder.MAX_DEPTH + 1))).isInstanceOf(PoisonRecordException.class)
                    .extracting("reasonCode").isEqualTo("nesting-too-deep");
            byte[] megabyteDeep = nested(500_000);
            assertThat(megabyteDeep.length).isGreaterThan(1_000_000);
            assertThatThrownBy(() -> decoder.decode(megabyteDeep)).isInstanceOf(PoisonRecordException.class)
                    .extracting("reasonCode").isEqualTo("nesting-too-deep");
        }

        @Test
        void schemasWithoutACycleAreNotTakenForRecursive() {
            assertThat(DepthLimitedReader.isRecursive(tree)).isTrue();
            for (String type : CATALOG.eventTypes().keySet()) {
                for (int v : CATALOG.eventTypes().get(type)) {
                    assertThat(DepthLimitedReader.isRecursive(CATALOG.event(type, v).orElseThrow())).as(type + " v" + v).isFalse();
                }
            }
        }
    }

    @Test
    void aWriterSchemaWithAMalformedVersionIsPoisonForTheRecordsThatNameIt() {
        Schema odd = new Schema.Parser().parse("""
                {"type": "record", "name": "Odd", "namespace": "test", "reprise.event_type": "Odd", "reprise.version": "two",
                 "fields": [{"name": "event_id", "type": "string"}]}""");
        EventDecoder decoder = new EventDecoder(Contract.Encoding.CONFLUENT, new LocalIdMap(Map.of(9, odd)), CATALOG);

        assertThatThrownBy(() -> decoder.decode(ConfluentWireFormat.frame(9, datum(e -> e.writeString("e-1")))))
                .isInstanceOf(PoisonRecordException.class).extracting("reasonCode").isEqualTo("not-an-event-schema");
    }

    @Test
    void trailingBytesAfterTheDatumArePoisonThatSaysHowMany() {
        GenericRecord v2 = new FuzzedRecords(CATALOG, IDS, Contract.Encoding.CONFLUENT, 3).randomEvent(CATALOG.event("StockMovement", 2).orElseThrow());
        byte[] datum = FuzzedRecords.datum(v2);
        byte[] longer = java.util.Arrays.copyOf(datum, datum.length + 3);
        EventDecoder decoder = new EventDecoder(Contract.Encoding.CONFLUENT, IDS, CATALOG);

        assertThatThrownBy(() -> decoder.decode(ConfluentWireFormat.frame(2, longer))).isInstanceOf(PoisonRecordException.class)
                .hasMessageContaining("3 trailing bytes").extracting("reasonCode").isEqualTo("corrupt-avro");
    }
}
