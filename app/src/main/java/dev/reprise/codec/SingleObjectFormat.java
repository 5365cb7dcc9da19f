package dev.reprise.codec;

import org.apache.avro.Schema;
import org.apache.avro.SchemaNormalization;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Avro single-object encoding (Avro specification, "Single-object encoding"): the marker C3 01, the
 * 8-byte little-endian CRC-64-AVRO fingerprint of the writer schema, then the Avro binary datum.
 * Avro's own {@code BinaryMessageEncoder} writes the same bytes; this class exposes the header so the
 * decoder can look the writer schema up once per fingerprint and reuse its datum reader.
 */
public final class SingleObjectFormat {
    public static final int HEADER_LENGTH = 10;
    private static final byte MARKER_0 = (byte) 0xC3;
    private static final byte MARKER_1 = 0x01;

    private SingleObjectFormat() {
    }

    public static long fingerprint(Schema schema) {
        return SchemaNormalization.parsingFingerprint64(schema);
    }

    public static byte[] frame(long fingerprint, byte[] avroBinary) {
        return ByteBuffer.allocate(HEADER_LENGTH + avroBinary.length).order(ByteOrder.LITTLE_ENDIAN)
                .put(MARKER_0).put(MARKER_1).putLong(fingerprint).put(avroBinary).array();
    }

    public static long fingerprint(byte[] framed) {
        if (framed == null || framed.length < HEADER_LENGTH) {
            throw new PoisonRecordException("not-single-object-framing",
                    "value has " + (framed == null ? "no bytes" : framed.length + " bytes") + ", fewer than the 10-byte single-object header");
        }
        if (framed[0] != MARKER_0 || framed[1] != MARKER_1) {
            throw new PoisonRecordException("not-single-object-framing",
                    String.format("value starts with 0x%02x%02x, not the single-object marker 0xC301", framed[0], framed[1]));
        }
        return ByteBuffer.wrap(framed, 2, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
    }
}
