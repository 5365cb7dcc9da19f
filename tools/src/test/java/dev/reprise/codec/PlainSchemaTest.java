package dev.reprise.codec;

import dev.reprise.contract.Contract;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * A producer's plain schema (no reprise.* property, no .vN namespace) is an event when the contract maps it, by its full
 * name or by the schema ids of a registry subject; a schema no mapping matches is still refused, and the sample schemas'
 * conventions keep working beside the mappings.
 */
class PlainSchemaTest {
    static final Schema ORDER_PLACED = new Schema.Parser().parse("""
            {"type": "record", "name": "OrderPlaced", "namespace": "com.acme.orders", "fields": [
              {"name": "order_id", "type": "string"}, {"name": "sku", "type": "string"}, {"name": "quantity", "type": "int"}]}
            """);
    static final SchemaCatalog SAMPLES = SchemaCatalog.load(Path.of("..", "schemas"));

    static Contract.EventMapping mapping(String schemaName, String subject) {
        return new Contract.EventMapping("OrderPlaced", 1, schemaName, subject, null, null, "history.schemas.events[0]");
    }

    static SchemaCatalog mapped(SchemaCatalog base, Contract.EventMapping m, Set<Integer> ids) {
        return base.withEvents(List.of(new SchemaCatalog.Mapping(m, ids)), Map.of(new SchemaCatalog.EventOf("OrderPlaced", 1), ORDER_PLACED));
    }

    static byte[] order(int schemaId) {
        GenericRecord r = new GenericData.Record(ORDER_PLACED);
        r.put("order_id", "o-1");
        r.put("sku", "SKU-1");
        r.put("quantity", 3);
        return ConfluentWireFormat.frame(schemaId, WireFormatTestSupport.datum(r));
    }

    @Test
    void aPlainSchemaMappedByItsFullNameIsAnEventOfTheMappedTypeAndVersion() {
        EventDecoder decoder = new EventDecoder(Contract.Encoding.CONFLUENT, new LocalIdMap(Map.of(7, ORDER_PLACED)),
                mapped(SchemaCatalog.of(List.of()), mapping("com.acme.orders.OrderPlaced", null), null));

        EventDecoder.Decoded d = decoder.decode(order(7));

        assertThat(d.type()).isEqualTo("OrderPlaced");
        assertThat(d.version()).isEqualTo(1);
        assertThat(d.record().get("sku").toString()).isEqualTo("SKU-1");
        assertThat(d.asLocal()).as("the mapped schema is its own reader schema").isTrue();
    }

    @Test
    void aPlainSchemaNoMappingMatchesIsStillNotAnEventSchemaAndTheMessageSaysHowToMapIt() {
        // Regression guard: a mapping must not turn every record schema into an event.
        EventDecoder decoder = new EventDecoder(Contract.Encoding.CONFLUENT, new LocalIdMap(Map.of(7, ORDER_PLACED)),
                mapped(SchemaCatalog.of(List.of()), mapping("com.acme.orders.OrderCancelled", null), null));

        assertThatThrownBy(() -> decoder.decode(order(7)))
                .isInstanceOfSatisfying(PoisonRecordException.class, e -> assertThat(e.reasonCode()).isEqualTo("not-an-event-schema"))
                .hasMessageContaining("history.schemas.events");
    }

    @Test
    void aMappingBySubjectMatchesOnlyTheIdsTheSubjectHolds() {
        SchemaCatalog catalog = mapped(SchemaCatalog.of(List.of()), mapping(null, "orders-value"), Set.of(8));
        LocalIdMap ids = new LocalIdMap(Map.of(7, ORDER_PLACED, 8, ORDER_PLACED));

        assertThat(new EventDecoder(Contract.Encoding.CONFLUENT, ids, catalog).decode(order(8)).type()).isEqualTo("OrderPlaced");
        assertThatThrownBy(() -> new EventDecoder(Contract.Encoding.CONFLUENT, ids, catalog).decode(order(7)))
                .as("the same schema under an id of another subject").isInstanceOfSatisfying(PoisonRecordException.class, e -> assertThat(e.reasonCode()).isEqualTo("not-an-event-schema"));
    }

    @Test
    void withNeitherNameNorSubjectAnyNamespaceOfTheTypesSimpleNameMatches() {
        Contract.EventMapping bySimpleName = new Contract.EventMapping("OrderPlaced", 2, null, null, null, null, "history.schemas.events[0]");
        assertThat(bySimpleName.matchesName("com.acme.orders.OrderPlaced")).isTrue();
        assertThat(bySimpleName.matchesName("OrderPlaced")).isTrue();
        assertThat(bySimpleName.matchesName("com.acme.orders.NotOrderPlaced")).isFalse();
    }

    @Test
    void theSampleSchemasConventionsKeepWorkingBesideMappings() {
        SchemaCatalog catalog = mapped(SAMPLES, mapping("com.acme.orders.OrderPlaced", null), null);
        Schema v2 = SAMPLES.event("StockMovement", 2).orElseThrow();
        GenericRecord r = new GenericData.Record(v2);
        v2.getFields().forEach(f -> r.put(f.name(), f.schema().getType() == Schema.Type.STRING ? "x"
                : f.schema().getType() == Schema.Type.INT ? 1 : f.schema().getType() == Schema.Type.LONG ? 1L : null));
        EventDecoder decoder = new EventDecoder(Contract.Encoding.CONFLUENT, new LocalIdMap(Map.of(2, v2)), catalog);

        EventDecoder.Decoded d = decoder.decode(ConfluentWireFormat.frame(2, WireFormatTestSupport.datum(r)));

        assertThat(d.type()).isEqualTo("StockMovement");
        assertThat(d.version()).isEqualTo(2);
        assertThat(catalog.latestVersion("StockMovement")).contains(3);
        assertThat(catalog.eventTypes()).containsKeys("StockMovement", "OrderPlaced", "InvoiceIssued");
    }
}
