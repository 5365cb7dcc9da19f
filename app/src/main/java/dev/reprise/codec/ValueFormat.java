package dev.reprise.codec;

import dev.reprise.contract.Contract;
import org.apache.avro.Schema;
import org.apache.avro.io.DecoderFactory;

import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * How Reprise frames one of its own values (an evidence record, a projection state) for its topic, from the
 * value's Avro binary: Confluent's wire format with the schema id of subject {@code <topic>-value}, Avro
 * single-object encoding, or plain JSON ({@link PlainJson}). {@link ValueReader} reads all three back.
 * Thread-safe: the schema id is resolved once.
 */
public final class ValueFormat {
    private final Contract.ValueEncoding encoding;
    private final Schema schema;
    private final String subject;
    private final SchemaIds ids;
    private final long fingerprint;
    private volatile int schemaId = -1;

    private ValueFormat(Contract.ValueEncoding encoding, Schema schema, String topic, SchemaIds ids) {
        this.encoding = encoding;
        this.schema = schema;
        this.subject = subject(topic);
        this.ids = ids;
        this.fingerprint = SingleObjectFormat.fingerprint(schema);
    }

    /**
     * @param topic the topic the values go to; a Confluent id is the one of subject {@code <topic>-value}
     * @throws IllegalArgumentException for the Confluent format when a local id map has no id for the schema
     *                                  (checked here, before anything starts; a registry is asked by {@link #prepare})
     */
    public static ValueFormat of(Contract.ValueEncoding encoding, Schema schema, String topic, SchemaIds ids) {
        ValueFormat format = new ValueFormat(encoding, schema, topic, ids);
        if (encoding == Contract.ValueEncoding.CONFLUENT && ids.isLocal()) {
            format.prepare();
        }
        return format;
    }

    /** Confluent's default subject naming (TopicNameStrategy) for a record value. */
    public static String subject(String topic) {
        return topic + "-value";
    }

    public Contract.ValueEncoding encoding() {
        return encoding;
    }

    public String subject() {
        return subject;
    }

    /**
     * Resolves the schema id now (registers the schema for the Confluent format with a registry), so that a registry
     * that refuses or cannot be reached stops a run at its start rather than at its first output.
     *
     * @return the schema id, or -1 for the encodings that carry none
     */
    public int prepare() {
        if (encoding != Contract.ValueEncoding.CONFLUENT) {
            return -1;
        }
        int id = schemaId;
        if (id < 0) {
            id = ids.idFor(subject, schema);
            schemaId = id;
        }
        return id;
    }

    /** The value for the topic, from the datum's Avro binary in this format's schema. */
    public byte[] frame(byte[] avroBinary) {
        return switch (encoding) {
            case CONFLUENT -> ConfluentWireFormat.frame(prepare(), avroBinary);
            case SINGLE_OBJECT -> SingleObjectFormat.frame(fingerprint, avroBinary);
            case JSON -> PlainJson.write(schema, ordered(schema, avroBinary));
        };
    }

    /** The datum as a generic value whose maps keep the order of the binary, so the JSON reads back to the same bytes. */
    private static Object ordered(Schema schema, byte[] avroBinary) {
        try {
            return ValueReader.ordered(schema, schema).read(null, DecoderFactory.get().binaryDecoder(avroBinary, null));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** What a value looks like by its first bytes: the encoding, or {@code null} when it is none of the three. */
    public static Contract.ValueEncoding detect(byte[] value) {
        if (value == null || value.length == 0) {
            return null;
        }
        if (value[0] == ConfluentWireFormat.MAGIC) {
            return Contract.ValueEncoding.CONFLUENT;
        }
        if (value[0] == (byte) 0xC3 && value.length > 1 && value[1] == 0x01) {
            return Contract.ValueEncoding.SINGLE_OBJECT;
        }
        if (value[0] == '{') {
            return Contract.ValueEncoding.JSON;
        }
        return null;
    }
}
