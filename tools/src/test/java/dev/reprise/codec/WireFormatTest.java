package dev.reprise.codec;

import dev.reprise.contract.Contract;
import dev.reprise.sample.inventory.InventoryGenerator;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.message.BinaryMessageEncoder;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class WireFormatTest {
    static final SchemaCatalog CATALOG = SchemaCatalog.load(Path.of("..", "schemas"));
    static final LocalIdMap IDS = LocalIdMap.load(Path.of("..", "schemas", "registry-ids.yaml"), CATALOG);

    @Test
    void confluentFramingIsMagicByteBigEndianIdThenDatum() {
        assertThat(ConfluentWireFormat.frame(258, new byte[]{1, 2})).containsExactly(0, 0, 0, 1, 2, 1, 2);
        assertThat(ConfluentWireFormat.schemaId(new byte[]{0, 0, 0, 1, 2, 9})).isEqualTo(258);
    }

    @Test
    void aWrongMagicByteOrAShortValueIsPoisonNotACrash() {
        assertThatThrownBy(() -> ConfluentWireFormat.schemaId(new byte[]{1, 0, 0, 0, 1}))
                .isInstanceOf(PoisonRecordException.class).extracting("reasonCode").isEqualTo("not-confluent-framing");
        assertThatThrownBy(() -> ConfluentWireFormat.schemaId(new byte[]{0, 1}))
                .isInstanceOf(PoisonRecordException.class).extracting("reasonCode").isEqualTo("not-confluent-framing");
    }

    @Test
    void singleObjectFramingIsByteForByteWhatAvroWrites() throws Exception {
        Schema schema = CATALOG.event("StockMovement", 3).orElseThrow();
        GenericRecord r = v3("e-1", "SKU-1", 5);
        byte[] avros = new BinaryMessageEncoder<GenericRecord>(GenericData.get(), schema).encode(r).array();

        byte[] ours = SingleObjectFormat.frame(SingleObjectFormat.fingerprint(schema), datum(r));

        assertThat(ours).isEqualTo(avros);
        assertThat(Arrays.copyOf(ours, 2)).containsExactly(0xC3, 0x01);
        assertThat(SingleObjectFormat.fingerprint(ours)).isEqualTo(SingleObjectFormat.fingerprint(schema));
    }

    @Test
    void everyVersionDecodesWithItsWriterSchemaFromTheIdMap() {
        InventoryGenerator gen = new InventoryGenerator(CATALOG, IDS);
        EventDecoder decoder = new EventDecoder(Contract.Encoding.CONFLUENT, IDS, CATALOG);
        for (int v = 1; v <= 3; v++) {
            byte[] bytes = gen.encode(v, "e-" + v, "SKU-9", "RECEIVED", 24, "WH1/A-1", 1000);
            assertThat(ByteBuffer.wrap(bytes, 1, 4).getInt()).as("schema id of v" + v).isEqualTo(v);
            EventDecoder.Decoded d = decoder.decode(bytes);
            assertThat(d.type()).isEqualTo("StockMovement");
            assertThat(d.version()).isEqualTo(v);
            assertThat(d.record().get("event_id").toString()).isEqualTo("e-" + v);
        }
    }

    @Test
    void truncatedAvroAndUnknownIdsArePoisonWithTheirReason() {
        InventoryGenerator gen = new InventoryGenerator(CATALOG, IDS);
        EventDecoder decoder = new EventDecoder(Contract.Encoding.CONFLUENT, IDS, CATALOG);
        byte[] ok = gen.encode(2, "e", "SKU-1", "RECEIVED", 1, "WH1/A-1", 1);

        assertThatThrownBy(() -> decoder.decode(Arrays.copyOf(ok, ok.length - 3)))
                .isInstanceOf(PoisonRecordException.class).extracting("reasonCode").isEqualTo("corrupt-avro");
        assertThatThrownBy(() -> decoder.decode(ConfluentWireFormat.frame(999, new byte[]{2})))
                .isInstanceOf(PoisonRecordException.class).extracting("reasonCode").isEqualTo("unknown-schema-id");
    }

    @Test
    void anAdditiveChangeInsideAVersionIsResolvedByAvro() throws Exception {
        // A writer schema of v3 registered before the optional note field existed.
        Schema local = CATALOG.event("StockMovement", 3).orElseThrow();
        String older = local.toString().replace(",{\"name\":\"note\",\"type\":[\"null\",\"string\"],\"default\":null}", "");
        Schema writer = new Schema.Parser().parse(older);
        assertThat(writer.getField("note")).isNull();
        GenericRecord r = new GenericData.Record(writer);
        r.put("event_id", "e");
        r.put("tenant", "acme");
        r.put("sku", "SKU-1");
        r.put("kind", "RECEIVED");
        r.put("quantity", 3);
        r.put("warehouse", "WH1");
        r.put("bin", "A-1");
        r.put("occurred_at", 1L);
        EventDecoder decoder = new EventDecoder(Contract.Encoding.CONFLUENT, new LocalIdMap(Map.of(77, writer)), CATALOG);

        GenericRecord read = decoder.decode(ConfluentWireFormat.frame(77, datum(r))).record();

        assertThat(read.getSchema()).isEqualTo(local);
        assertThat(read.get("note")).isNull();
        assertThat(read.get("quantity")).isEqualTo(3);
    }

    static GenericRecord v3(String id, String sku, int quantity) {
        GenericRecord r = new GenericData.Record(CATALOG.event("StockMovement", 3).orElseThrow());
        r.put("event_id", id);
        r.put("tenant", "acme");
        r.put("sku", sku);
        r.put("kind", "RECEIVED");
        r.put("quantity", quantity);
        r.put("warehouse", "WH1");
        r.put("bin", "A-1");
        r.put("occurred_at", 1L);
        r.put("note", null);
        return r;
    }

    static byte[] datum(GenericRecord r) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        BinaryEncoder enc = EncoderFactory.get().binaryEncoder(out, null);
        new GenericDatumWriter<GenericRecord>(r.getSchema()).write(r, enc);
        enc.flush();
        return out.toByteArray();
    }
}
