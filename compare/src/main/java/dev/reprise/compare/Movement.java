package dev.reprise.compare;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * One stock movement as the hand-written rebuilds ship it between their stages: decoded, upcast to the latest
 * version and validated, reduced to what the projection and the deduplication need.
 *
 * @param eventId  the idempotency key: copies of an event share it
 * @param sku      the ordering key
 * @param kind     RECEIVED, SHIPPED, ADJUSTED, RESERVED or RELEASED
 * @param quantity units (signed for ADJUSTED)
 */
public record Movement(String eventId, String sku, String kind, long quantity) {

    /** The bytes of a movement on the Kafka Streams app's repartition topic. */
    public byte[] toBytes() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(96);
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeUTF(eventId);
            out.writeUTF(sku);
            out.writeUTF(kind);
            out.writeLong(quantity);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    public static Movement fromBytes(byte[] bytes) {
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes))) {
            return new Movement(in.readUTF(), in.readUTF(), in.readUTF(), in.readLong());
        } catch (IOException e) {
            throw new UncheckedIOException("not a movement: " + bytes.length + " bytes", e);
        }
    }
}
