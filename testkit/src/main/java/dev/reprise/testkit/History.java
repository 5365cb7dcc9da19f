package dev.reprise.testkit;

import dev.reprise.codec.ConfluentWireFormat;
import dev.reprise.codec.LocalIdMap;
import dev.reprise.codec.SingleObjectFormat;
import dev.reprise.contract.Contract;
import dev.reprise.projection.StateCodec;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The history a test replays: records as the team's producers wrote them, in the order given. An event is an Avro record
 * (generic, or a class generated from the producers' schema), framed as the contract's {@code history.encoding} says:
 * Confluent's wire format with the schema id of the contract's local id map ({@code history.schemas.id_map}), or Avro
 * single-object encoding. {@link #raw} adds bytes as they are, for broken input. {@link #reference} fills the contract's
 * reference topic ({@code reconciliation.reference_topic}): the projection the rebuild is compared with key by key.
 *
 * <p>In memory (TopologyTestDriver) every topic has one partition. On a real broker a record goes to the partition
 * Kafka's default partitioner picks for its key, unless {@link #toPartition} names one.
 */
public final class History {
    /** One record of the history (or of the reference topic). {@code partition} is null for the partitioner's choice. */
    public record Input(String topic, Integer partition, byte[] key, byte[] value, Headers headers, long timestamp) {
    }

    /** When the first record was written; each next record one second later, so runs are the same every time. */
    static final long FIRST_TIMESTAMP = 1_767_225_600_000L; // 2026-01-01T00:00:00Z

    private final Contract contract;
    private final LocalIdMap ids;
    private final List<Input> records = new ArrayList<>();
    private final List<Input> reference = new ArrayList<>();
    private String topic;
    private Integer partition;

    History(Contract contract, LocalIdMap ids) {
        this.contract = contract;
        this.ids = ids;
        this.topic = contract.history().topics().get(0);
    }

    /** The next records go to this history topic (one of the contract's {@code history.topics}). */
    public History toTopic(String historyTopic) {
        if (!contract.history().topics().contains(historyTopic)) {
            throw new IllegalArgumentException("'" + historyTopic + "' is not one of the contract's history.topics " + contract.history().topics());
        }
        this.topic = historyTopic;
        return this;
    }

    /** The next records go to this partition of their topic (a real broker only); {@code null}: the partitioner's choice. */
    public History toPartition(Integer historyPartition) {
        this.partition = historyPartition;
        return this;
    }

    /** An event with no record key. */
    public History event(GenericRecord event) {
        return event(null, event, Map.of());
    }

    /** An event with a record key (UTF-8 text, as a string key serializer writes it). */
    public History event(String key, GenericRecord event) {
        return event(key, event, Map.of());
    }

    /** An event with a record key and headers (UTF-8 text values), e.g. the {@code id} header of Debezium's outbox router. */
    public History event(String key, GenericRecord event, Map<String, String> headers) {
        Objects.requireNonNull(event, "event");
        return add(key, frame(event), headers);
    }

    /** A record whose value is these bytes as they are: a broken input (not Avro, a wrong schema id, a truncated value). */
    public History raw(String key, byte[] value) {
        return add(key, value, Map.of());
    }

    /** The same record again: an at-least-once producer's retry, which the run must skip as a duplicate. */
    public History again() {
        if (records.isEmpty()) {
            throw new IllegalStateException("again(): no record yet to write again");
        }
        Input last = records.get(records.size() - 1);
        records.add(new Input(last.topic(), last.partition(), last.key(), last.value(), copy(last.headers()), nextTimestamp()));
        return this;
    }

    /**
     * The state a key should have, in the contract's reference topic: with {@code reconciliation.reference_must_match: true}
     * any key the rebuild gets different (or misses, or adds) makes the run untrusted.
     */
    public History reference(String key, SpecificRecord state) {
        String referenceTopic = contract.reconciliation().referenceTopic();
        if (referenceTopic == null) {
            throw new IllegalStateException("reference(" + key + "): the contract has no reconciliation.reference_topic to compare the "
                    + "rebuild with; add one (and reference_must_match: true for a ground truth)");
        }
        @SuppressWarnings({"unchecked", "rawtypes"})
        StateCodec codec = new StateCodec(state.getClass());
        @SuppressWarnings("unchecked")
        byte[] value = codec.toSingleObject(codec.encode(state));
        reference.add(new Input(referenceTopic, null, key.getBytes(StandardCharsets.UTF_8), value, new RecordHeaders(), FIRST_TIMESTAMP));
        return this;
    }

    public List<Input> records() {
        return List.copyOf(records);
    }

    public List<Input> referenceRecords() {
        return List.copyOf(reference);
    }

    /** The value bytes of an event as the contract's history encoding frames it. */
    public byte[] frame(GenericRecord event) {
        byte[] datum = binary(event);
        return switch (contract.history().encoding()) {
            case SINGLE_OBJECT -> SingleObjectFormat.frame(SingleObjectFormat.fingerprint(event.getSchema()), datum);
            case CONFLUENT -> {
                if (ids == null) {
                    throw new IllegalStateException("history.encoding confluent needs a schema id for " + event.getSchema().getFullName()
                            + ": the kit takes it from the contract's local id map (history.schemas.source: local with id_map); a contract "
                            + "with a schema registry is tested on a real broker with the records written by its own serializer");
                }
                yield ConfluentWireFormat.frame(ids.idOf(event.getSchema()), datum);
            }
        };
    }

    private History add(String key, byte[] value, Map<String, String> headers) {
        RecordHeaders h = new RecordHeaders();
        headers.forEach((name, text) -> h.add(name, text == null ? null : text.getBytes(StandardCharsets.UTF_8)));
        records.add(new Input(topic, partition, key == null ? null : key.getBytes(StandardCharsets.UTF_8), value, h, nextTimestamp()));
        return this;
    }

    private long nextTimestamp() {
        return FIRST_TIMESTAMP + 1000L * records.size();
    }

    private static Headers copy(Headers headers) {
        RecordHeaders out = new RecordHeaders();
        headers.forEach(out::add);
        return out;
    }

    private static byte[] binary(GenericRecord event) {
        try {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            BinaryEncoder encoder = EncoderFactory.get().binaryEncoder(out, null);
            // A generated class is written with its own conversions (logical types), a generic record as it is.
            org.apache.avro.io.DatumWriter<GenericRecord> writer = event instanceof SpecificRecord
                    ? new org.apache.avro.specific.SpecificDatumWriter<>(event.getSchema()) : new GenericDatumWriter<>(event.getSchema());
            writer.write(event, encoder);
            encoder.flush();
            return out.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("cannot write " + event.getSchema().getFullName() + " with its schema: " + e.getMessage()
                    + "; use raw(key, bytes) for a value that is broken on purpose", e);
        }
    }
}
