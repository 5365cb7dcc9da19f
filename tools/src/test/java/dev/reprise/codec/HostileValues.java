package dev.reprise.codec;

import dev.reprise.sample.inventory.InventoryGenerator;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;

/** The hostile records of issue 12, in the Confluent wire format, as a producer could write them. */
public final class HostileValues {
    /** 2,147,483,640: just above the longest array Java allocates, where Avro 1.12.1 threw UnsupportedOperationException. */
    public static final long JUST_ABOVE_ARRAY_LIMIT = Integer.MAX_VALUE - 8 + 1L;
    /** 1.5 GB: Avro 1.12.1 allocated it before reading, OutOfMemoryError. */
    public static final long ONE_AND_A_HALF_GB = 1_610_612_736L;
    /** A value whose dead letter (with headers) was over the producer's default max.request.size of 1 MiB. */
    public static final int NEARLY_ONE_MIB = 1_048_400;

    private HostileValues() {
    }

    /** A StockMovement of {@code schemaId} whose event_id declares {@code length} bytes and has three. */
    public static byte[] stringOfLength(int schemaId, long length) {
        try {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            BinaryEncoder encoder = EncoderFactory.get().directBinaryEncoder(out, null);
            encoder.writeLong(length);
            encoder.writeFixed(new byte[]{'e', '-', '1'});
            encoder.flush();
            return ConfluentWireFormat.frame(schemaId, out.toByteArray());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A StockMovement v3 of exactly {@code size} bytes that decodes, with a kind (the bulk of it) that the inventory projection rejects. */
    public static byte[] unknownKindOfSize(InventoryGenerator gen, int size) {
        byte[] small = gen.encode(3, "big", "SKU-B", "X", 5, "WH1/A-1", 1);
        // The kind's length is a varint: longer kinds take more bytes for their length too.
        for (int kindLength = size - small.length + 1; kindLength > 0; kindLength--) {
            byte[] value = gen.encode(3, "big", "SKU-B", "X".repeat(kindLength), 5, "WH1/A-1", 1);
            if (value.length == size) {
                return value;
            }
            if (value.length < size) {
                break;
            }
        }
        throw new IllegalStateException("no kind makes a value of " + size + " bytes");
    }
}
