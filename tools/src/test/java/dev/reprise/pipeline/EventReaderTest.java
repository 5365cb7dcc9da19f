package dev.reprise.pipeline;

import dev.reprise.codec.InfrastructureException;
import dev.reprise.codec.LocalIdMap;
import dev.reprise.codec.RegistryUnavailableException;
import dev.reprise.codec.SchemaResolver;
import dev.reprise.contract.Contract;
import dev.reprise.contract.ContractLoader;
import dev.reprise.pipeline.repartition.RoutedSerde;
import dev.reprise.pipeline.source.EventReader;
import dev.reprise.plan.CompiledContract;
import dev.reprise.sample.inventory.InventoryGenerator;
import dev.reprise.sample.inventory.StockMovementV1ToV2;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The one reader of source records that the source stage, the plan preview and the drills' oracle share: each
 * outcome (ready, filtered, poison) and the failure that is not the record's (a registry outage) thrown on.
 */
class EventReaderTest {
    static final Path INVENTORY = ReplayTopologyTest.CONFIG.resolve("inventory.yaml");

    static Contract inventory(String from, String to) {
        try {
            String yaml = Files.readString(INVENTORY).replace(from, to);
            return ContractLoader.parse(yaml.getBytes(StandardCharsets.UTF_8), INVENTORY.getParent(), INVENTORY);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    final Contract contract = ContractLoader.load(INVENTORY);
    final CompiledContract codecs = CompiledContract.forContract(contract);
    final InventoryGenerator gen = new InventoryGenerator(codecs.catalog(), (LocalIdMap) codecs.resolver());

    static EventReader.SourceRecord record(byte[] value) {
        return new EventReader.SourceRecord("inventory-events", 1, 42L, "k".getBytes(StandardCharsets.UTF_8), value, null, 1_000L);
    }

    @Nested
    class Ready {
        @Test
        void aV1EventIsUpcastToTheLatestVersionWithItsKeyAndId() {
            EventReader.Result r = new EventReader(contract, codecs).read(record(
                    gen.encode(1, "e-1", "SKU-7", "RECEIVED", 2 * StockMovementV1ToV2.UNITS_PER_CASE, "WH1/A-1", 1)));

            assertThat(r).isInstanceOf(EventReader.Ready.class);
            EventReader.Ready ready = (EventReader.Ready) r;
            assertThat(ready.orderingKey()).isEqualTo("SKU-7");
            assertThat(ready.eventId()).isEqualTo("e-1");
            assertThat(ready.type()).isEqualTo("StockMovement");
            assertThat(ready.decoded().version()).isEqualTo(1);
            assertThat(ready.upcast().toVersion()).as("upcast to the latest version").isEqualTo(3);
            assertThat(ready.upcast().steps()).hasSize(2);
            assertThat(ready.tenant()).hasToString("acme");
            assertThat(ready.bytesReusable()).as("an upcast event is encoded again").isFalse();
        }

        @Test
        void anEventOfTheLatestLocalSchemaKeepsItsBytes() {
            EventReader.Ready ready = (EventReader.Ready) new EventReader(contract, codecs).read(record(
                    gen.encode(3, "e-1", "SKU-7", "RECEIVED", 5, "WH1/A-1", 1)));
            assertThat(ready.upcast().steps()).isEmpty();
            assertThat(ready.bytesReusable()).isTrue();
        }
    }

    @Nested
    class Filtered {
        @Test
        void anEventTypeOutOfScopeIsFilteredEvenWithoutAnOrderingKey() {
            Contract scoped = inventory("  # event_types: [StockMovement]", "  event_types: [PriceChanged]");
            byte[] noKey = gen.encode(3, "e-1", "", "RECEIVED", 5, "WH1/A-1", 1);

            EventReader.Result r = new EventReader(scoped, codecs).read(record(noKey));

            assertThat(r).isInstanceOf(EventReader.Filtered.class);
            assertThat(((EventReader.Filtered) r).orderingKey()).as("the key is not read").isNull();
            assertThat(((EventReader.Filtered) r).reason()).contains("StockMovement", "scope.event_types");
            // The same record in a contract without the filter is poison: the type filter comes first.
            assertThat(new EventReader(contract, codecs).read(record(noKey))).isInstanceOf(EventReader.Poison.class);
        }

        @Test
        void aKeyOutOfScopeIsFilteredWithItsKey() {
            Contract scoped = inventory("  # keys: [SKU-00042]", "  keys: [SKU-00042]");
            EventReader.Result r = new EventReader(scoped, codecs).read(record(gen.encode(2, "e-1", "SKU-7", "RECEIVED", 5, "WH1/A-1", 1)));
            assertThat(r).isInstanceOf(EventReader.Filtered.class);
            assertThat(((EventReader.Filtered) r).orderingKey()).isEqualTo("SKU-7");
            assertThat(r.upcast()).as("upcast before it was filtered: the stage counts the step").isNotNull();
            assertThat(new EventReader(scoped, codecs).read(record(gen.encode(2, "e-2", "SKU-00042", "RECEIVED", 5, "WH1/A-1", 1))))
                    .isInstanceOf(EventReader.Ready.class);
        }
    }

    @Nested
    class Poison {
        @Test
        void anEventWithoutItsOrderingKeyIsPoisonAfterItsUpcast() {
            EventReader.Result r = new EventReader(contract, codecs).read(record(gen.encode(1, "e-1", "", "RECEIVED", 12, "WH1/A-1", 1)));
            assertThat(r).isInstanceOf(EventReader.Poison.class);
            EventReader.Poison p = (EventReader.Poison) r;
            assertThat(p.reasonCode()).isEqualTo("missing-field");
            assertThat(p.cause().getMessage()).contains("sku");
            assertThat(p.upcast()).as("the upcast steps were applied, and are counted").isNotNull();
            assertThat(p.unexpected()).isFalse();
        }

        @Test
        void bytesThatDoNotDecodeArePoisonWithoutAType() {
            EventReader.Poison p = (EventReader.Poison) new EventReader(contract, codecs).read(record(new byte[]{1, 2, 3}));
            assertThat(p.decoded()).isNull();
            assertThat(p.upcast()).isNull();
            assertThat(p.reasonCode()).isNotBlank();
        }

        @Test
        void aTombstoneIsPoison() {
            assertThat(new EventReader(contract, codecs).read(record(null))).isInstanceOf(EventReader.Poison.class);
        }

        @Test
        void aValueTooLargeForTheRepartitionIsPoisonBeforeItIsDecoded() {
            byte[] huge = new byte[RoutedSerde.MAX_EVENT_BYTES + 1];
            EventReader.Poison p = (EventReader.Poison) new EventReader(contract, codecs).read(record(huge));
            assertThat(p.reasonCode()).isEqualTo("event-too-large");
            assertThat(p.cause().getMessage()).contains(Integer.toString(huge.length), Integer.toString(RoutedSerde.MAX_EVENT_BYTES));

            // Without a repartition the event never crosses one: the same value is judged by its content.
            Contract keyed = inventory("keyed_by_ordering_key: false", "keyed_by_ordering_key: true");
            EventReader.Result r = new EventReader(keyed, codecs).read(record(huge));
            assertThat(r).isInstanceOf(EventReader.Poison.class);
            assertThat(((EventReader.Poison) r).reasonCode()).isNotEqualTo("event-too-large");
        }
    }

    @Test
    void aRegistryThatDoesNotAnswerIsThrownNeverPoison() {
        SchemaResolver down = id -> {
            throw new RegistryUnavailableException("http://registry.example:8081/", id, "answered 503 (store unavailable)", null);
        };
        CompiledContract outage = new CompiledContract(codecs.encoding(), codecs.catalog(), down, codecs.upcasters(), codecs.projection(), codecs.contractInvariants(),
                codecs.schemaIds(), codecs.projectionEncoding(), codecs.projectionTopic());
        byte[] valid = gen.encode(3, "e-1", "SKU-7", "RECEIVED", 5, "WH1/A-1", 1);

        assertThatThrownBy(() -> new EventReader(contract, outage).read(record(valid)))
                .as("an outage stops the run; dead-lettering it would drop a valid event")
                .satisfies(t -> assertThat(InfrastructureException.in(t)).isInstanceOf(RegistryUnavailableException.class));
    }
}
