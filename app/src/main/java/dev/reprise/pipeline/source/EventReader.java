package dev.reprise.pipeline.source;

import dev.reprise.codec.EventDecoder;
import dev.reprise.codec.Identities;
import dev.reprise.codec.InfrastructureException;
import dev.reprise.codec.PoisonRecordException;
import dev.reprise.contract.Contract;
import dev.reprise.pipeline.repartition.RoutedSerde;
import dev.reprise.pipeline.support.Failures;
import dev.reprise.plan.CompiledContract;
import dev.reprise.projection.Event;
import dev.reprise.upcast.UpcasterRegistry;
import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.header.Headers;

import java.util.Set;

/**
 * What one source record is to a run, decided in one place: an event ready to route, a record the scope filters out,
 * or poison with its reason code. The source stage reads every record with it; the plan preview reads its sample
 * with it and the drills' oracle judges the stage with it, so neither can disagree with the stage.
 *
 * <p>The order is the stage's: a value too large for the repartition is poison before it is decoded; then decode,
 * upcast to the latest version, the scope's event types (a type out of scope is filtered even without an ordering
 * key or event id), the ordering key and the event id, the scope's tenants and keys, the sequence field, and the
 * projection's own validation.
 *
 * <p>Pure: no Kafka Streams type, no state beyond the decoder's caches. A failure that is not the record's (a schema
 * registry that does not answer after its retries, {@link InfrastructureException}, or a Kafka failure) is thrown, never
 * made poison: dead-lettering during an outage would drop valid events from a run that looks complete ({@link Failures}).
 */
public final class EventReader {
    /** What was being done when a record's failure is not poison of its own: the reason of an unexpected-error dead letter. */
    public static final String WHERE = "no event could be made of this record (decode, upcast, key and id, validate)";

    private final Contract contract;
    private final CompiledContract codecs;
    private final EventDecoder decoder;
    /** Behind a repartition an event's value must fit in one repartition record. */
    private final boolean viaRepartition;

    /** @param decoder the decoder to use (the stage's asks the registry again with its retry settings) */
    public EventReader(Contract contract, CompiledContract codecs, EventDecoder decoder) {
        this.contract = contract;
        this.codecs = codecs;
        this.decoder = decoder;
        this.viaRepartition = !contract.history().keyedByOrderingKey();
    }

    public EventReader(Contract contract, CompiledContract codecs) {
        this(contract, codecs, codecs.newDecoder());
    }

    /**
     * A record as read from a source topic.
     *
     * @param key     the record's key, or null
     * @param value   the record's value, or null (a tombstone: poison)
     * @param headers the record's headers, or null when it has none
     */
    public record SourceRecord(String topic, int partition, long offset, byte[] key, byte[] value, Headers headers, long timestamp) {
    }

    /** What a record is to the run. {@code upcast} is the chain applied to its payload, null when it was not upcast. */
    public sealed interface Result permits Ready, Filtered, Poison {
        UpcasterRegistry.Chain upcast();
    }

    /**
     * An event to route by its ordering key.
     *
     * @param decoded the decoded value, before the upcast (its type, origin version, where its Avro starts)
     * @param payload the payload upcast to the latest version of its type
     * @param sequence the per-key sequence, or null without ordering.sequence_field
     * @param tenant the value of scope.tenant_field, or null when the contract names none or the event has none
     */
    public record Ready(EventDecoder.Decoded decoded, UpcasterRegistry.Chain upcast, GenericRecord payload, String orderingKey, String eventId,
                       Long sequence, Object tenant) implements Result {
        public String type() {
            return decoded.type();
        }

        /** Written with the latest local schema and not upcast: its bytes can cross the repartition as they are. */
        public boolean bytesReusable() {
            return upcast.steps().isEmpty() && decoded.asLocal();
        }
    }

    /**
     * Out of the run's scope.
     *
     * @param orderingKey null when the event type alone filtered it (the key is then not read)
     * @param tenant      as in {@link Ready}, null when the type alone filtered it
     * @param reason      why, for people: which filter of the scope
     */
    public record Filtered(EventDecoder.Decoded decoded, UpcasterRegistry.Chain upcast, String orderingKey, Object tenant, String reason)
            implements Result {
        public String type() {
            return decoded.type();
        }
    }

    /**
     * Poison: the record goes to the dead-letter topic with {@code cause}'s reason code.
     *
     * @param decoded null when the value could not be decoded
     */
    public record Poison(PoisonRecordException cause, EventDecoder.Decoded decoded, UpcasterRegistry.Chain upcast) implements Result {
        public String reasonCode() {
            return cause.reasonCode();
        }

        /** A plugin's or library's unexpected error rather than the record's own poison (the run is degraded at best). */
        public boolean unexpected() {
            return Failures.UNEXPECTED_ERROR.equals(cause.reasonCode());
        }
    }

    /**
     * @throws InfrastructureException a schema registry that does not answer: not the record's; the run stops
     * @throws KafkaException          a Kafka failure: not the record's; the run stops
     */
    public Result read(SourceRecord record) {
        EventDecoder.Decoded decoded = null;
        UpcasterRegistry.Chain chain = null;
        try {
            byte[] value = record.value();
            if (viaRepartition && value != null && value.length > RoutedSerde.MAX_EVENT_BYTES) {
                throw new PoisonRecordException("event-too-large", "a value of " + value.length + " bytes; the repartition carries events of at "
                        + "most " + RoutedSerde.MAX_EVENT_BYTES + " bytes");
            }
            decoded = decoder.decode(value);
            UpcasterRegistry.Chain c = codecs.upcasters().chain(decoded.type(), decoded.version());
            GenericRecord payload = c.apply(decoded.record());
            chain = c;
            return afterUpcast(record, decoded, chain, payload);
        } catch (RuntimeException | StackOverflowError | OutOfMemoryError e) {
            // Failures decides: the record's poison and a plugin's unexpected error are poison; the infrastructure's is thrown on.
            return new Poison(Failures.deadLetterOrStop(e, WHERE), decoded, chain);
        }
    }

    private Result afterUpcast(SourceRecord record, EventDecoder.Decoded decoded, UpcasterRegistry.Chain chain, GenericRecord payload) {
        Contract.Scope scope = contract.scope();
        Set<String> types = scope.eventTypes();
        if (!types.isEmpty() && !types.contains(decoded.type())) {
            return new Filtered(decoded, chain, null, null, "event type " + decoded.type() + " is not in scope.event_types");
        }
        String event = decoded.type() + " v" + decoded.version();
        String key = Identities.read(contract.ordering().key(), payload, record.key(), record.headers(), event);
        String eventId = Identities.read(contract.idempotency().eventId(), payload, record.key(), record.headers(), event);
        Object tenant = scope.tenantField() == null || payload.getSchema().getField(scope.tenantField()) == null ? null : payload.get(scope.tenantField());
        if (scope.hasFilters() && !scope.includes(decoded.type(), key, tenant)) {
            return new Filtered(decoded, chain, key, tenant, "outside the scope's tenants or keys");
        }
        Long sequence = null;
        String sequenceField = contract.ordering().sequenceField();
        if (sequenceField != null) {
            Object seq = payload.getSchema().getField(sequenceField) == null ? null : payload.get(sequenceField);
            if (!(seq instanceof Number n)) {
                throw new PoisonRecordException("missing-field", event + " has no numeric sequence field '" + sequenceField
                        + "' (ordering.sequence_field)");
            }
            sequence = n.longValue();
        }
        codecs.projection().validate(new Event(decoded.type(), chain.toVersion(), eventId, key, record.timestamp(), sequence, payload));
        return new Ready(decoded, chain, payload, key, eventId, sequence, tenant);
    }
}
