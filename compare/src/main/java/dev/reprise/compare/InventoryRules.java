package dev.reprise.compare;

import dev.reprise.codec.ConfluentWireFormat;
import dev.reprise.codec.EventDecoder;
import dev.reprise.codec.LocalIdMap;
import dev.reprise.codec.PoisonRecordException;
import dev.reprise.codec.SchemaCatalog;
import dev.reprise.contract.Contract;
import dev.reprise.projection.Event;
import dev.reprise.projection.StateCodec;
import dev.reprise.sample.inventory.InventoryLevel;
import dev.reprise.sample.inventory.InventoryProjection;
import dev.reprise.upcast.UpcasterRegistry;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;

import java.nio.file.Path;

/**
 * The inventory sample's domain logic for the hand-written rebuilds (the Flink job and the Kafka Streams app), taken
 * from Reprise rather than written again, so that all three rebuilds decode, upcast, validate and apply events alike:
 * Reprise's Avro decoder for the Confluent wire format with the local schema id map, its upcaster chains
 * (v1 → v2 → v3) and the sample's {@link InventoryProjection} (validation and the stock arithmetic). Poison records
 * (unreadable bytes, an unknown schema id, an event no upcaster can convert, an unknown movement kind) are skipped.
 *
 * <p>Not thread-safe (the decoder reuses its buffers): one per task or operator instance.
 */
public final class InventoryRules {
    private static final String TYPE = "StockMovement";
    private final EventDecoder decoder;
    private final UpcasterRegistry upcasters;
    private final InventoryProjection projection = new InventoryProjection();
    private final StateCodec<InventoryLevel> states = new StateCodec<>(InventoryLevel.class);
    private final Schema latest;
    private final int latestVersion;
    private final int stateSchemaId;
    private long poison;

    private InventoryRules(SchemaCatalog catalog, LocalIdMap ids) {
        this.decoder = new EventDecoder(Contract.Encoding.CONFLUENT, ids, catalog);
        this.upcasters = UpcasterRegistry.fromServiceLoader(catalog);
        this.latestVersion = catalog.latestVersion(TYPE).orElseThrow(() -> new IllegalArgumentException("no " + TYPE + " schema"));
        this.latest = catalog.event(TYPE, latestVersion).orElseThrow();
        this.stateSchemaId = ids.idOf(states.schema());
    }

    /**
     * @param schemas the schemas directory ({@code schemas/} of the repository)
     * @param idMap   its Confluent schema id map ({@code schemas/registry-ids.yaml})
     */
    public static InventoryRules load(Path schemas, Path idMap) {
        SchemaCatalog catalog = SchemaCatalog.load(schemas);
        return new InventoryRules(catalog, LocalIdMap.load(idMap, catalog));
    }

    /** The movement a source record holds, or {@code null} for a poison record (counted in {@link #poison()}). */
    public Movement read(byte[] value) {
        try {
            EventDecoder.Decoded decoded = decoder.decode(value);
            GenericRecord payload = upcasters.chain(decoded.type(), decoded.version()).apply(decoded.record());
            Object id = payload.get("event_id");
            Object sku = payload.get("sku");
            if (id == null || sku == null) {
                throw new PoisonRecordException("missing-field", "no event_id or sku");
            }
            Event event = new Event(decoded.type(), latestVersion, id.toString(), sku.toString(), 0, null, payload);
            projection.validate(event);
            return new Movement(event.eventId(), event.key(), event.text("kind"), event.number("quantity"));
        } catch (PoisonRecordException | dev.reprise.projection.InvalidEventException e) {
            // The record's own fault (framing, bytes, fields) or an event the projection rejects: poison, as Reprise counts it.
            poison++;
            return null;
        }
    }

    public long poison() {
        return poison;
    }

    public InventoryLevel initial(String sku) {
        return projection.initial(sku);
    }

    /** The projection's own arithmetic ({@link InventoryProjection#apply}) on one movement; changes and returns {@code state}. */
    public InventoryLevel apply(InventoryLevel state, Movement m) {
        GenericRecord payload = new GenericData.Record(latest);
        payload.put("kind", m.kind());
        payload.put("quantity", (int) m.quantity());
        return projection.apply(state, new Event(TYPE, latestVersion, m.eventId(), m.sku(), 0, null, payload));
    }

    /** A state as plain Avro binary, for a state store. */
    public byte[] encode(InventoryLevel state) {
        return states.encode(state);
    }

    public InventoryLevel decode(byte[] avroBinary) {
        return states.decode(avroBinary);
    }

    /** A state as written to the output topic: the Confluent wire format with the state schema's id, as Reprise writes it. */
    public byte[] output(InventoryLevel state) {
        return ConfluentWireFormat.frame(stateSchemaId, states.encode(state));
    }
}
