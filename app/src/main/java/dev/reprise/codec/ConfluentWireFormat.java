package dev.reprise.codec;

import java.nio.ByteBuffer;

/**
 * Confluent's wire format, written here because Confluent's serializer jars are not on Maven Central:
 * one magic byte 0x00, the schema id as a 4-byte big-endian int, then the Avro binary datum.
 */
public final class ConfluentWireFormat {
    public static final byte MAGIC = 0x0;
    public static final int HEADER_LENGTH = 5;

    private ConfluentWireFormat() {
    }

    public static byte[] frame(int schemaId, byte[] avroBinary) {
        return ByteBuffer.allocate(HEADER_LENGTH + avroBinary.length)
                .put(MAGIC).putInt(schemaId).put(avroBinary).array();
    }

    /** The schema id of a framed record; the datum starts at {@link #HEADER_LENGTH}. */
    public static int schemaId(byte[] framed) {
        if (framed == null || framed.length < HEADER_LENGTH) {
            throw new PoisonRecordException("not-confluent-framing",
                    "value has " + (framed == null ? "no bytes" : framed.length + " bytes") + ", fewer than the 5-byte Confluent header");
        }
        if (framed[0] != MAGIC) {
            throw new PoisonRecordException("not-confluent-framing",
                    String.format("first byte is 0x%02x, not the Confluent magic byte 0x00", framed[0]));
        }
        return ByteBuffer.wrap(framed, 1, 4).getInt();
    }
}
