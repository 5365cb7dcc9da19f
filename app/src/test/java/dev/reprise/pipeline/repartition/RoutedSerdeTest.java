package dev.reprise.pipeline.repartition;

import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.DecoderFactory;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class RoutedSerdeTest {
    static final byte[] RUN = {1, 2, 3, 4, 5, 6, 7, 8};
    private static final Schema SCHEMA = SchemaBuilder.record("Moved").fields()
            .requiredString("sku").requiredInt("quantity").endRecord();
    private final RoutedSerde serde = new RoutedSerde(RUN);

    private static Routed roundTrip(RoutedSerde serde, Routed routed) {
        return serde.deserializer().deserialize("t", serde.serializer().serialize("t", routed));
    }

    private static GenericRecord payloadOf(Routed.Data data) throws Exception {
        return new GenericDatumReader<GenericRecord>(SCHEMA).read(null, DecoderFactory.get()
                .binaryDecoder(data.payloadBytes, data.payloadOffset, data.payloadEnd - data.payloadOffset, null));
    }

    @Test
    void anEventKeepsItsEnvelopeAndItsPayload() throws Exception {
        GenericRecord payload = new GenericData.Record(SCHEMA);
        payload.put("sku", "SKU-00042");
        payload.put("quantity", -7);
        Routed.Data sent = new Routed.Data("é-id-1", "StockMovement", 2, 1_700_000_000_123L, 41L, "inventory-events", 5, 123_456_789L, payload, null);

        Routed.Data got = (Routed.Data) roundTrip(serde, sent);

        assertThat(got.eventId).isEqualTo("é-id-1");
        assertThat(got.type).isEqualTo("StockMovement");
        assertThat(got.originVersion).isEqualTo(2);
        assertThat(got.timestamp).isEqualTo(1_700_000_000_123L);
        assertThat(got.sequence).isEqualTo(41L);
        assertThat(got.sourceTopic).isEqualTo("inventory-events");
        assertThat(got.sourcePartition).isEqualTo(5);
        assertThat(got.sourceOffset).isEqualTo(123_456_789L);
        assertThat(got.payload).isNull();
        assertThat(payloadOf(got)).isEqualTo(payload);

        // Sent on again (a second repartition, a dead letter): the bytes, not a decoded record.
        Routed.Data again = (Routed.Data) roundTrip(serde, got);
        assertThat(again.sequence).isEqualTo(41L);
        assertThat(payloadOf(again)).isEqualTo(payload);
        assertThat(again.payloadCopy()).isEqualTo(got.payloadCopy());
    }

    @Test
    void anEventWithoutSequenceAndAnEndMarker() {
        GenericRecord payload = new GenericData.Record(SCHEMA);
        payload.put("sku", "x".repeat(2_000));
        payload.put("quantity", 1);
        Routed.Data got = (Routed.Data) roundTrip(serde, new Routed.Data("id", "T", 1, 0, null, "t", 0, 0, payload, null));
        assertThat(got.sequence).isNull();
        assertThat(got.payloadCopy().length).isGreaterThan(2_000);

        Routed.End end = (Routed.End) roundTrip(serde, new Routed.End("inventory-events", 3, Map.of("events_read", 10L, "ended", 1L)));
        assertThat(end.sourceTopic()).isEqualTo("inventory-events");
        assertThat(end.sourcePartition()).isEqualTo(3);
        assertThat(end.stats()).containsEntry("events_read", 10L).containsEntry("ended", 1L);
    }

    @Test
    void batchesKeepEachPartitionsEventsInOrderWithTheirKeysAndFillUpToTheirLimit() throws Exception {
        RoutedSerde.Batches batches = new RoutedSerde.Batches(3, RUN);
        List<Routed.Batch> sent = new ArrayList<>();
        int events = 2 * RoutedSerde.Batches.MAX_BATCH_EVENTS;
        for (int i = 0; i < events; i++) {
            GenericRecord payload = new GenericData.Record(SCHEMA);
            payload.put("sku", "SKU-" + i);
            payload.put("quantity", i);
            Routed.Data data = new Routed.Data("id-" + i, "StockMovement", 1, 1000L + i, i % 2 == 0 ? null : (long) i,
                    "inventory-events", i % 4, i, payload, null);
            // Partition 1 gets every event but each tenth, which goes to partition 2.
            Routed.Batch full = batches.add(i % 10 == 0 ? 2 : 1, ("SKU-" + i).getBytes(StandardCharsets.UTF_8), data);
            if (full != null) {
                sent.add(full);
            }
        }
        sent.addAll(batches.takeAll());
        assertThat(batches.takeAll()).isEmpty();
        assertThat(sent).extracting(Routed.Batch::partition).containsExactly(1, 1, 2);
        assertThat(sent.get(0).count()).isEqualTo(RoutedSerde.Batches.MAX_BATCH_EVENTS);

        List<Integer> seen = new ArrayList<>();
        for (Routed.Batch batch : sent) {
            Routed.Batch got = (Routed.Batch) roundTrip(serde, batch);
            assertThat(got.partition()).isEqualTo(batch.partition());
            RoutedSerde.forEach(got, (key, data) -> {
                int i = Integer.parseInt(data.eventId.substring(3));
                seen.add(i);
                assertThat(new String(key, StandardCharsets.UTF_8)).isEqualTo("SKU-" + i);
                assertThat(data.timestamp).isEqualTo(1000L + i);
                assertThat(data.sequence).isEqualTo(i % 2 == 0 ? null : (long) i);
                assertThat(data.sourcePartition).isEqualTo(i % 4);
                assertThat(data.sourceOffset).isEqualTo(i);
                try {
                    GenericRecord payload = payloadOf(data);
                    assertThat(payload.get("sku").toString()).isEqualTo("SKU-" + i);
                    assertThat(payload.get("quantity")).isEqualTo(i);
                    assertThat(data.payloadCopy()).hasSize(data.payloadEnd - data.payloadOffset);
                } catch (Exception e) {
                    throw new AssertionError(e);
                }
            });
        }
        // Every event once; within a partition in the order added.
        assertThat(seen).hasSize(events).doesNotHaveDuplicates();
        List<Integer> partitionOne = seen.stream().filter(i -> i % 10 != 0).toList();
        assertThat(partitionOne).isSorted();
    }

    @Test
    void anEventThatCannotBeWrittenLeavesTheBatchAsItWas() throws Exception {
        // Regression guard: the source stage dead-letters such an event and goes on; its half-written bytes
        // must not stay in the batch, or every event after it in the batch would be misread.
        RoutedSerde.Batches batches = new RoutedSerde.Batches(1, RUN);
        GenericRecord good = new GenericData.Record(SCHEMA);
        good.put("sku", "SKU-1");
        good.put("quantity", 1);
        GenericRecord broken = new GenericData.Record(SCHEMA);
        broken.put("sku", "SKU-2"); // no quantity: the writer fails after the sku
        batches.add(0, "SKU-1".getBytes(StandardCharsets.UTF_8), new Routed.Data("e1", "Moved", 1, 1L, null, "t", 0, 1L, good, null));
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> batches.add(0, "SKU-2".getBytes(StandardCharsets.UTF_8),
                new Routed.Data("e2", "Moved", 1, 2L, null, "t", 0, 2L, broken, null))).isInstanceOf(RuntimeException.class);
        batches.add(0, "SKU-3".getBytes(StandardCharsets.UTF_8), new Routed.Data("e3", "Moved", 1, 3L, null, "t", 0, 3L, good, null));

        List<String> read = new ArrayList<>();
        for (Routed.Batch batch : batches.takeAll()) {
            RoutedSerde.forEach(batch, (key, data) -> {
                try {
                    read.add(new String(key, StandardCharsets.UTF_8) + " " + data.eventId + " " + payloadOf(data).get("sku"));
                } catch (Exception e) {
                    throw new AssertionError(e);
                }
            });
        }
        assertThat(read).containsExactly("SKU-1 e1 SKU-1", "SKU-3 e3 SKU-1");
    }
}
