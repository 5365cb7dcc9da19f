package dev.reprise.codec;

import dev.reprise.contract.Contract;
import dev.reprise.sample.inventory.InventoryLevel;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Reprise's own values in the three encodings: framed, detected by their first bytes, read back to the same Avro binary. */
class ValueFormatTest {
    static final Schema LEVEL = InventoryLevel.getClassSchema();
    /** The ids of the repository's id map (schemas/registry-ids.yaml). */
    static final LocalIdMap IDS = WireFormatTest.IDS;

    static byte[] binary(Schema schema, Object datum) {
        try {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            BinaryEncoder encoder = EncoderFactory.get().binaryEncoder(out, null);
            new GenericDatumWriter<>(schema).write(datum, encoder);
            encoder.flush();
            return out.toByteArray();
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    static byte[] level() {
        return binary(LEVEL, new InventoryLevel("SKU-00042", 120L, 30L, -2L, 4L, 88L, 84L, 17L));
    }

    @ParameterizedTest
    @EnumSource(Contract.ValueEncoding.class)
    void everyEncodingIsDetectedAndReadsBackToTheSameAvroBinary(Contract.ValueEncoding encoding) {
        byte[] datum = level();
        byte[] framed = ValueFormat.of(encoding, LEVEL, "inventory-levels-rebuilt", IDS).frame(datum);

        assertThat(ValueFormat.detect(framed)).isEqualTo(encoding);
        assertThat(new ValueReader(LEVEL, IDS).datum(framed)).as("the checksum hashes these bytes: the same in every encoding")
                .isEqualTo(datum);
    }

    @Test
    void confluentFramingCarriesTheIdOfTheSchemaFromTheIdMap() {
        byte[] framed = ValueFormat.of(Contract.ValueEncoding.CONFLUENT, LEVEL, "inventory-levels-rebuilt", IDS).frame(level());

        assertThat(framed[0]).isEqualTo(ConfluentWireFormat.MAGIC);
        assertThat(ConfluentWireFormat.schemaId(framed)).as("inventory/inventory-level.avsc in schemas/registry-ids.yaml").isEqualTo(101);
    }

    @Test
    void jsonIsOnePlainObjectWithTheSchemasFieldNames() throws IOException {
        byte[] json = ValueFormat.of(Contract.ValueEncoding.JSON, LEVEL, "t", SchemaIds.NONE).frame(level());

        assertThat(new ObjectMapper().readTree(json).toString()).isEqualTo("{\"sku\":\"SKU-00042\",\"received\":120,\"shipped\":30,"
                + "\"adjusted\":-2,\"reserved\":4,\"stock_on_hand\":88,\"sellable\":84,\"movements\":17}");
    }

    @Test
    void aConfluentIdMapWithoutTheSchemaIsRefusedBeforeAnythingIsWritten() {
        LocalIdMap withoutLevel = new LocalIdMap(Map.of(1, WireFormatTest.CATALOG.event("StockMovement", 1).orElseThrow()));

        assertThatThrownBy(() -> ValueFormat.of(Contract.ValueEncoding.CONFLUENT, LEVEL, "inventory-levels-rebuilt", withoutLevel))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("no id for dev.reprise.sample.inventory.InventoryLevel")
                .hasMessageContaining("inventory-levels-rebuilt-value");
    }

    @Test
    void anIdMapGivingTheIdToAnotherVersionOfTheSchemaIsRefused() {
        Schema older = SchemaBuilder.record("InventoryLevel").namespace("dev.reprise.sample.inventory").fields()
                .requiredString("sku").requiredLong("received").endRecord();
        LocalIdMap stale = new LocalIdMap(Map.of(101, older));

        assertThatThrownBy(() -> ValueFormat.of(Contract.ValueEncoding.CONFLUENT, LEVEL, "t", stale))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("another version of dev.reprise.sample.inventory.InventoryLevel");
    }

    @Nested
    class Reading {
        @Test
        void aConfluentValueWrittenWithAnOlderSchemaIsResolvedToTheReadersSchema() {
            Schema v1 = SchemaBuilder.record("Item").namespace("t").fields().requiredString("id").endRecord();
            Schema v2 = SchemaBuilder.record("Item").namespace("t").fields().requiredString("id").name("count").type().longType().longDefault(7)
                    .endRecord();
            GenericRecord old = new GenericData.Record(v1);
            old.put("id", "a");
            byte[] framed = ConfluentWireFormat.frame(5, binary(v1, old));

            GenericRecord expected = new GenericData.Record(v2);
            expected.put("id", "a");
            expected.put("count", 7L);
            assertThat(new ValueReader(v2, new LocalIdMap(Map.of(5, v1))).datum(framed)).isEqualTo(binary(v2, expected));
        }

        @Test
        void aValueInNoneOfTheEncodingsIsNotReadAsAState() {
            assertThatThrownBy(() -> new ValueReader(LEVEL, IDS).datum("plain text".getBytes(StandardCharsets.UTF_8)))
                    .isInstanceOf(PoisonRecordException.class).hasMessageContaining("not Confluent-framed (0x00), single-object (0xC3 0x01) or JSON");
            assertThatThrownBy(() -> new ValueReader(LEVEL, IDS).datum(new byte[0])).isInstanceOf(PoisonRecordException.class);
        }

        @Test
        void aSingleObjectValueOfAnotherSchemaIsNotThisState() {
            Schema other = SchemaBuilder.record("Other").fields().requiredString("sku").endRecord();
            GenericRecord r = new GenericData.Record(other);
            r.put("sku", "x");
            byte[] framed = SingleObjectFormat.frame(SingleObjectFormat.fingerprint(other), binary(other, r));

            assertThatThrownBy(() -> new ValueReader(LEVEL, IDS).datum(framed)).isInstanceOf(PoisonRecordException.class)
                    .hasMessageContaining("is not dev.reprise.sample.inventory.InventoryLevel's");
        }

        @Test
        void jsonThatDoesNotFitTheSchemaNamesTheField() {
            byte[] json = "{\"sku\":\"a\",\"received\":\"many\"}".getBytes(StandardCharsets.UTF_8);

            assertThatThrownBy(() -> new ValueReader(LEVEL, IDS).datum(json)).isInstanceOf(PoisonRecordException.class)
                    .hasMessageContaining("field received: expected a whole number (long), got \"many\"");
        }

        @Test
        void confluentFramingWithAnIdNobodyKnowsIsNotReadable() {
            byte[] framed = ConfluentWireFormat.frame(4242, level());

            assertThatThrownBy(() -> new ValueReader(LEVEL, IDS).datum(framed)).isInstanceOf(PoisonRecordException.class)
                    .hasMessageContaining("schema id 4242");
        }
    }

    /** Every Avro type through the JSON encoding and back: the same binary, maps in their order. */
    @Test
    void jsonReadsBackToTheSameBinaryForEveryAvroType() throws IOException {
        Schema schema = new Schema.Parser().parse("""
                {"type": "record", "name": "All", "namespace": "t", "fields": [
                  {"name": "s", "type": "string"}, {"name": "i", "type": "int"}, {"name": "l", "type": "long"},
                  {"name": "f", "type": "float"}, {"name": "d", "type": "double"}, {"name": "nan", "type": "double"},
                  {"name": "b", "type": "boolean"}, {"name": "bytes", "type": "bytes"},
                  {"name": "hash", "type": {"type": "fixed", "name": "Hash", "size": 4}},
                  {"name": "e", "type": {"type": "enum", "name": "Colour", "symbols": ["red", "green"]}},
                  {"name": "when", "type": {"type": "long", "logicalType": "timestamp-millis"}},
                  {"name": "day", "type": {"type": "int", "logicalType": "date"}},
                  {"name": "maybe", "type": ["null", "long"]}, {"name": "nothing", "type": ["null", "string"]},
                  {"name": "either", "type": ["null", "string", "long"]},
                  {"name": "counts", "type": {"type": "map", "values": "long"}},
                  {"name": "items", "type": {"type": "array", "items": {"type": "record", "name": "Item", "fields": [
                      {"name": "k", "type": "string"}, {"name": "v", "type": ["null", {"type": "enum", "name": "Kind", "symbols": ["A", "B"]}]}]}}}
                ]}""");
        GenericRecord r = new GenericData.Record(schema);
        r.put("s", "naïve ✓");
        r.put("i", -7);
        r.put("l", Long.MIN_VALUE);
        r.put("f", 0.1f);
        r.put("d", 1.0 / 3);
        r.put("nan", Double.NaN);
        r.put("b", true);
        r.put("bytes", ByteBuffer.wrap(new byte[] {0, -1, 2}));
        r.put("hash", new GenericData.Fixed(schema.getField("hash").schema(), new byte[] {1, 2, 3, 4}));
        r.put("e", new GenericData.EnumSymbol(schema.getField("e").schema(), "green"));
        r.put("when", 1_733_000_000_123L);
        r.put("day", 20_000);
        r.put("maybe", 5L);
        r.put("nothing", null);
        r.put("either", 9L);
        Map<String, Long> counts = new LinkedHashMap<>();
        for (String k : List.of("zeta", "alpha", "mid", "beta", "omega", "a", "z")) {
            counts.put(k, (long) k.length());
        }
        r.put("counts", counts);
        Schema item = schema.getField("items").schema().getElementType();
        GenericRecord one = new GenericData.Record(item);
        one.put("k", "x");
        one.put("v", new GenericData.EnumSymbol(item.getField("v").schema().getTypes().get(1), "B"));
        r.put("items", List.of(one));
        byte[] datum = binary(schema, r);

        byte[] json = ValueFormat.of(Contract.ValueEncoding.JSON, schema, "t", SchemaIds.NONE).frame(datum);
        assertThat(new ValueReader(schema, IDS).datum(json)).isEqualTo(datum);
        assertThat(new ObjectMapper().readTree(json).get("when").asText()).as("times in ISO-8601").isEqualTo("2024-11-30T20:53:20.123Z");
        assertThat(new ObjectMapper().readTree(json).get("maybe").asLong()).as("a union's value without a wrapper").isEqualTo(5);
    }
}
