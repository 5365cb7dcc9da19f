package dev.reprise.testkit;

import dev.reprise.contract.ContractException;
import dev.reprise.testkit.basket.BasketTotal;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The kit in memory, on its sample domain (a shop's baskets): what it proves, and what it refuses to call trusted. */
class ReplayKitTest {
    static Path contract() {
        try {
            return Path.of(ReplayKitTest.class.getResource("/basket/basket.yaml").toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    static Schema schema(String file) {
        try {
            return new Schema.Parser().parse(contract().resolveSibling("schemas").resolve(file).toFile());
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    static final Schema V1 = schema("item-added-v1.avsc");
    static final Schema ADDED = schema("item-added.avsc");
    static final Schema REMOVED = schema("item-removed.avsc");

    static GenericRecord addedV1(String id, String basket, long seq, int quantity, double euros) {
        GenericRecord r = new GenericData.Record(V1);
        r.put("event_id", id);
        r.put("basket_id", basket);
        r.put("seq", seq);
        r.put("sku", "SKU-1");
        r.put("quantity", quantity);
        r.put("price", euros);
        return r;
    }

    static GenericRecord event(Schema schema, String id, String basket, long seq, int quantity, long cents) {
        GenericRecord r = new GenericData.Record(schema);
        r.put("event_id", id);
        r.put("basket_id", basket);
        r.put("seq", seq);
        r.put("sku", "SKU-1");
        r.put("quantity", quantity);
        r.put("unit_price_cents", cents);
        return r;
    }

    /** b1: 2 x 2.50 (v1, upcast), 1 x 4.00, 1 x 2.50 removed: 2 items, 650 cents. b2: 3 x 1.00. A duplicate of b1's second event. */
    static History history(ReplayKit kit) {
        return kit.history()
                .event("b1", addedV1("e1", "b1", 1, 2, 2.50))
                .event("b1", event(ADDED, "e2", "b1", 2, 1, 400))
                .again()
                .event("b2", event(ADDED, "e3", "b2", 1, 3, 100))
                .event("b1", event(REMOVED, "e4", "b1", 3, 1, 250))
                .reference("b1", new BasketTotal("b1", 2L, 650L, 3L))
                .reference("b2", new BasketTotal("b2", 3L, 300L, 1L));
    }

    @Test
    void aCorrectProjectionOfACleanHistoryIsTrustedAndRebuiltKeyByKey() {
        ReplayKit kit = ReplayKit.load(contract());
        ReplayResult<BasketTotal> result = kit.replayInMemory(history(kit));

        result.assertTrusted();
        assertThat(result.verdict()).isEqualTo("trusted");
        assertThat(result.count("events_read")).isEqualTo(5);
        assertThat(result.count("events_processed")).isEqualTo(4);
        assertThat(result.count("duplicates_skipped")).isEqualTo(1);
        assertThat(result.count("ordering_violations")).isZero();
        assertThat(result.count("projections_unchanged")).as("both keys equal the reference").isEqualTo(2);
        assertThat(result.evidence().getUpcasts()).extracting(u -> u.getEventType() + " v" + u.getFromVersion() + "->v" + u.getToVersion() + " " + u.getCount())
                .containsExactly("ItemAdded v1->v2 1");
        assertThat(result.check("items_not_negative").getPassed()).isTrue();
        assertThat(result.check("total_not_negative").getPassed()).isTrue();
        assertThat(result.state("b1")).isEqualTo(new BasketTotal("b1", 2L, 650L, 3L));
        assertThat(result.state("b2")).isEqualTo(new BasketTotal("b2", 3L, 300L, 1L));
        assertThat(result.projection()).hasSize(2);
    }

    @Test
    void aWrongProjectionIsNotTrustedAndTheDifferingKeyIsNamed() {
        ReplayKit buggy = ReplayKit.load(contract()).withProjection("basket-total-buggy");
        ReplayResult<BasketTotal> result = buggy.replayInMemory(history(buggy));

        assertThat(result.verdict()).isEqualTo("untrusted");
        assertThatThrownBy(result::assertTrusted).isInstanceOf(AssertionError.class).hasMessageContaining("untrusted");
        result.assertNotTrusted();
        assertThat(result.count("projections_changed")).isEqualTo(1);
        assertThat(result.evidence().getDifferenceSamples()).extracting(d -> d.getKey() + " " + d.getStatus()).containsExactly("b1 changed");
        assertThat(result.state("b1").getTotalCents()).as("the bug: a removal added").isEqualTo(1150L);
    }

    @Test
    void brokenInputIsNotTrusted() {
        ReplayKit kit = ReplayKit.load(contract());
        // A value that is not Avro, an impossible quantity, and b1's events out of their sequence.
        History broken = kit.history()
                .event("b1", event(ADDED, "e2", "b1", 2, 1, 400))
                .event("b1", addedV1("e1", "b1", 1, 2, 2.50))
                .raw("b1", "{\"not\": \"avro\"}".getBytes(StandardCharsets.UTF_8))
                .event("b2", event(ADDED, "e3", "b2", 1, -3, 100));
        ReplayResult<BasketTotal> result = kit.replayInMemory(broken);

        result.assertNotTrusted();
        assertThat(result.count("ordering_violations")).isEqualTo(1);
        assertThat(result.count("dead_lettered")).isEqualTo(2);
        assertThat(result.deadLetterReasons()).containsOnlyKeys("not-confluent-framing", "invalid-quantity");
        assertThat(result.deadLetters()).extracting(d -> d.reasonCode() + "@" + d.offset()).containsExactly("not-confluent-framing@2", "invalid-quantity@3");
        assertThat(result.reasons()).isNotEmpty();
    }

    @Test
    void aContractThatNamesAMissingProjectionIsRefusedAsReprisePlanRefusesIt(@org.junit.jupiter.api.io.TempDir Path dir) throws IOException {
        Path copy = dir.resolve("basket.yaml");
        Files.writeString(copy, Files.readString(contract()).replace("name: basket-total\n", "name: basket-totl\n")
                .replace("directory: schemas", "directory: " + contract().resolveSibling("schemas"))
                .replace("id_map: schemas/ids.yaml", "id_map: " + contract().resolveSibling("schemas").resolve("ids.yaml")));
        assertThatThrownBy(() -> ReplayKit.load(copy)).isInstanceOf(ContractException.class)
                .hasMessageContaining("projection.name").hasMessageContaining("basket-totl");
    }
}
