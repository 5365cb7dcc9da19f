package dev.reprise.codec;

import dev.reprise.contract.Contract;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** An event's key and id read from a payload field, a header (Debezium's outbox id) or the record key (its aggregate id). */
class IdentitiesTest {
    static final Schema PAYLOAD = new Schema.Parser().parse("""
            {"type": "record", "name": "StockMoved", "fields": [{"name": "kind", "type": "string"}, {"name": "event_id", "type": "string"}]}""");
    static final Contract.Identity HEADER_ID = new Contract.Identity(Contract.Identity.From.HEADER, "id", "idempotency.event_id.header");
    static final Contract.Identity RECORD_KEY = new Contract.Identity(Contract.Identity.From.RECORD_KEY, null, "ordering.key.record_key");

    final GenericRecord payload = new GenericData.Record(PAYLOAD);

    IdentitiesTest() {
        payload.put("kind", "RECEIVED");
        payload.put("event_id", "from-the-payload");
    }

    static RecordHeaders headers(String name, String value) {
        RecordHeaders h = new RecordHeaders();
        h.add(name, value.getBytes(StandardCharsets.UTF_8));
        return h;
    }

    @Test
    void theIdComesFromTheHeaderAndNotFromTheFieldOfTheSameName() {
        RecordHeaders h = headers("id", "0b5c-uuid");
        h.add("eventType", "StockMoved".getBytes(StandardCharsets.UTF_8));

        assertThat(Identities.read(HEADER_ID, payload, "SKU-1".getBytes(StandardCharsets.UTF_8), h, "StockMoved v1")).isEqualTo("0b5c-uuid");
        assertThat(Identities.read(Contract.Identity.field("event_id", "idempotency.event_id_field"), payload, null, h, "StockMoved v1"))
                .isEqualTo("from-the-payload");
    }

    @Test
    void theKeyComesFromTheRecordKey() {
        assertThat(Identities.read(RECORD_KEY, payload, "SKU-1".getBytes(StandardCharsets.UTF_8), new RecordHeaders(), "StockMoved v1"))
                .isEqualTo("SKU-1");
    }

    @Test
    void aRecordWithoutTheHeaderOrKeyIsPoisonNamingWhatIsMissing() {
        assertThatThrownBy(() -> Identities.read(HEADER_ID, payload, null, headers("ID", "x"), "StockMoved v1"))
                .isInstanceOfSatisfying(PoisonRecordException.class, e -> assertThat(e.reasonCode()).isEqualTo("missing-header"))
                .hasMessageContaining("header 'id'").hasMessageContaining("idempotency.event_id.header");
        assertThatThrownBy(() -> Identities.read(RECORD_KEY, payload, null, new RecordHeaders(), "StockMoved v1"))
                .isInstanceOfSatisfying(PoisonRecordException.class, e -> assertThat(e.reasonCode()).isEqualTo("missing-key"));
        assertThatThrownBy(() -> Identities.read(RECORD_KEY, payload, new byte[]{0, (byte) 0xff, (byte) 0xfe}, new RecordHeaders(), "StockMoved v1"))
                .as("an Avro-serialized key is not text").isInstanceOf(PoisonRecordException.class).hasMessageContaining("not UTF-8 text");
        assertThatThrownBy(() -> Identities.read(Contract.Identity.field("sku", "ordering.key_field"), payload, null, null, "StockMoved v1"))
                .isInstanceOfSatisfying(PoisonRecordException.class, e -> assertThat(e.reasonCode()).isEqualTo("missing-field"));
    }
}
