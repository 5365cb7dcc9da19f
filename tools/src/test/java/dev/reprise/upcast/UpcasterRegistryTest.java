package dev.reprise.upcast;

import dev.reprise.codec.PoisonRecordException;
import dev.reprise.codec.SchemaCatalog;
import dev.reprise.sample.inventory.StockMovementV2ToV3;
import dev.reprise.sample.invoice.InvoiceIssuedV1ToV2;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class UpcasterRegistryTest {
    static final SchemaCatalog CATALOG = SchemaCatalog.load(Path.of("..", "schemas"));

    @Test
    void aV1StockMovementBecomesV3WithRenamedFieldUnitsAndSplitLocation() {
        UpcasterRegistry registry = UpcasterRegistry.fromServiceLoader(CATALOG);
        GenericRecord v1 = new GenericData.Record(CATALOG.event("StockMovement", 1).orElseThrow());
        v1.put("event_id", "e");
        v1.put("tenant", "acme");
        v1.put("item_code", "SKU-7");
        v1.put("kind", "RECEIVED");
        v1.put("cases", 3);
        v1.put("location", "WH2/B-04");
        v1.put("occurred_at", 5L);

        UpcasterRegistry.Chain chain = registry.chain("StockMovement", 1);
        GenericRecord v3 = chain.apply(v1);

        assertThat(chain.steps()).hasSize(2);
        assertThat(v3.get("sku")).isEqualTo("SKU-7");
        assertThat(v3.get("quantity")).as("3 cases of 12").isEqualTo(36);
        assertThat(v3.get("warehouse")).isEqualTo("WH2");
        assertThat(v3.get("bin")).isEqualTo("B-04");
        assertThat(registry.gaps()).as("every shipped version has a path").isEmpty();
    }

    @Test
    void invoiceAmountsInCurrencyUnitsBecomeExactCents() {
        GenericRecord v1 = new GenericData.Record(CATALOG.event("InvoiceIssued", 1).orElseThrow());
        v1.put("event_id", "e");
        v1.put("tenant", "t");
        v1.put("seq", 1L);
        v1.put("invoice_id", "i");
        v1.put("amount", 19.99);
        v1.put("occurred_at", 1L);

        GenericRecord v2 = UpcasterRegistry.fromServiceLoader(CATALOG).chain("InvoiceIssued", 1).apply(v1);

        assertThat(v2.get("amount_cents")).isEqualTo(1999L);
        assertThat(v2.get("currency")).isEqualTo("USD");
    }

    @Test
    void aVersionWithoutAPathIsPoisonNamingTheMissingStep() {
        UpcasterRegistry registry = new UpcasterRegistry(CATALOG, List.of(new StockMovementV2ToV3(), new InvoiceIssuedV1ToV2()));

        UpcasterRegistry.Chain broken = registry.chain("StockMovement", 1);

        assertThat(broken.brokenReason()).contains("nothing upcasts v1");
        assertThat(registry.gaps()).containsKey("StockMovement v1");
        assertThatThrownBy(() -> broken.apply(new GenericData.Record(CATALOG.event("StockMovement", 1).orElseThrow())))
                .isInstanceOf(PoisonRecordException.class).extracting("reasonCode").isEqualTo("no-upcast-path");
    }

    @Test
    void twoUpcastersForTheSameStepAreRefused() {
        assertThatThrownBy(() -> new UpcasterRegistry(CATALOG, List.of(new StockMovementV2ToV3(), new StockMovementV2ToV3())))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("two upcasters for StockMovement from v2");
    }

    /** An upcaster for StockMovement v2 that does what {@code behaviour} says. */
    record Faulty(java.util.function.BiFunction<GenericRecord, org.apache.avro.Schema, GenericRecord> behaviour) implements Upcaster {
        @Override public String eventType() { return "StockMovement"; }
        @Override public int fromVersion() { return 2; }
        @Override public GenericRecord upcast(GenericRecord event, org.apache.avro.Schema target) { return behaviour.apply(event, target); }
    }

    static GenericRecord v2() {
        GenericRecord v2 = new GenericData.Record(CATALOG.event("StockMovement", 2).orElseThrow());
        v2.put("event_id", "e");
        v2.put("tenant", "acme");
        v2.put("sku", "SKU-1");
        v2.put("kind", "RECEIVED");
        v2.put("quantity", 3);
        v2.put("location", "WH1/A-1");
        v2.put("occurred_at", 5L);
        return v2;
    }

    @Test
    void whateverAnUpcasterThrowsIsTheEventsPoisonWithTheUpcasterNamed() {
        for (RuntimeException thrown : List.of(new IllegalStateException("no table"), new NullPointerException())) {
            UpcasterRegistry registry = new UpcasterRegistry(CATALOG, List.of(new Faulty((e, t) -> { throw thrown; })));
            assertThatThrownBy(() -> registry.chain("StockMovement", 2).apply(v2())).isInstanceOf(PoisonRecordException.class)
                    .hasMessageContaining("Faulty could not upcast StockMovement v2 to v3").hasMessageContaining(thrown.getClass().getSimpleName())
                    .extracting("reasonCode").isEqualTo("upcast-failed");
        }
        UpcasterRegistry deep = new UpcasterRegistry(CATALOG, List.of(new Faulty((e, t) -> { throw new StackOverflowError(); })));
        assertThatThrownBy(() -> deep.chain("StockMovement", 2).apply(v2())).isInstanceOf(PoisonRecordException.class)
                .hasMessageContaining("StackOverflowError").extracting("reasonCode").isEqualTo("upcast-failed");
    }

    @Test
    void anUpcasterResultThatDoesNotFitTheTargetSchemaIsPoisonHereNotAFailureLaterWhenItIsEncoded() {
        UpcasterRegistry missingField = new UpcasterRegistry(CATALOG, List.of(new Faulty((e, target) -> {
            GenericRecord v3 = new GenericData.Record(target);
            v3.put("event_id", e.get("event_id"));
            return v3; // sku, kind, quantity, warehouse, bin, occurred_at left null
        })));
        UpcasterRegistry sameRecord = new UpcasterRegistry(CATALOG, List.of(new Faulty((e, target) -> e)));
        UpcasterRegistry nothing = new UpcasterRegistry(CATALOG, List.of(new Faulty((e, target) -> null)));

        assertThatThrownBy(() -> missingField.chain("StockMovement", 2).apply(v2())).isInstanceOf(PoisonRecordException.class)
                .hasMessageContaining("does not conform to the v3 schema").extracting("reasonCode").isEqualTo("upcast-failed");
        assertThatThrownBy(() -> sameRecord.chain("StockMovement", 2).apply(v2())).isInstanceOf(PoisonRecordException.class)
                .hasMessageContaining("not one of the v3 schema");
        assertThatThrownBy(() -> nothing.chain("StockMovement", 2).apply(v2())).isInstanceOf(PoisonRecordException.class)
                .hasMessageContaining("returned null");
    }
}
