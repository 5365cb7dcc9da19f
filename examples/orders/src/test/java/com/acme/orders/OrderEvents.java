package com.acme.orders;

import dev.reprise.testkit.History;
import dev.reprise.testkit.ReplayKit;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** The order service's events as its producers write them (plain schemas from schemas/), and the example's history. */
final class OrderEvents {
    /** The project's directory: Maven's basedir in tests, orders.home under exec:java (set in the pom). */
    static final Path HOME = Path.of(System.getProperty("orders.home", System.getProperty("basedir", ".")));
    static final Path CONTRACT = HOME.resolve("contract").resolve("orders.yaml");
    static final Schema PLACED_V1 = schema("order-placed-v1.avsc");
    static final Schema PLACED = schema("order-placed.avsc");
    static final Schema PAID = schema("order-paid.avsc");
    static final Schema SHIPPED = schema("order-shipped.avsc");
    static final Schema CANCELLED = schema("order-cancelled.avsc");

    private OrderEvents() {
    }

    static Schema schema(String file) {
        try {
            return new Schema.Parser().parse(HOME.resolve("schemas").resolve(file).toFile());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** OrderPlaced v2; {@code lines} as sku, quantity, unit price in cents, repeated. */
    static GenericRecord placed(String order, long seq, Object... lines) {
        GenericRecord r = header(PLACED, "placed-" + order, order, seq);
        r.put("customer", "customer-of-" + order);
        Schema lineSchema = PLACED.getField("lines").schema().getElementType();
        List<GenericRecord> out = new ArrayList<>();
        for (int i = 0; i < lines.length; i += 3) {
            GenericRecord line = new GenericData.Record(lineSchema);
            line.put("sku", lines[i]);
            line.put("quantity", lines[i + 1]);
            line.put("unit_price_cents", ((Number) lines[i + 2]).longValue());
            out.add(line);
        }
        r.put("lines", out);
        return r;
    }

    /** OrderPlaced v1, as written until 2024: unit prices in euros. */
    static GenericRecord placedV1(String order, long seq, String sku, int quantity, double euros) {
        GenericRecord r = header(PLACED_V1, "placed-" + order, order, seq);
        r.put("customer", "customer-of-" + order);
        GenericRecord line = new GenericData.Record(PLACED_V1.getField("lines").schema().getElementType());
        line.put("sku", sku);
        line.put("quantity", quantity);
        line.put("unit_price", euros);
        r.put("lines", List.of(line));
        return r;
    }

    static GenericRecord paid(String order, long seq, long cents) {
        GenericRecord r = header(PAID, "paid-" + order, order, seq);
        r.put("amount_cents", cents);
        return r;
    }

    static GenericRecord shipped(String order, long seq, String carrier) {
        GenericRecord r = header(SHIPPED, "shipped-" + order, order, seq);
        r.put("carrier", carrier);
        return r;
    }

    static GenericRecord cancelled(String order, long seq, String reason) {
        GenericRecord r = header(CANCELLED, "cancelled-" + order, order, seq);
        r.put("reason", reason);
        return r;
    }

    private static GenericRecord header(Schema schema, String eventId, String order, long seq) {
        GenericRecord r = new GenericData.Record(schema);
        r.put("event_id", eventId);
        r.put("order_id", order);
        r.put("seq", seq);
        return r;
    }

    /**
     * The example's history: {@code orders} orders keyed by order id, each placed (every fifth with the old v1 schema), and
     * then as its number says: paid and shipped, paid and cancelled, cancelled, or left placed. The last event of every
     * seventh order is sent twice (a producer's retry). The same history every time.
     */
    static History history(ReplayKit kit, int orders) {
        History h = kit.history();
        int n = 0;
        for (int i = 1; i <= orders; i++) {
            String order = String.format("order-%05d", i);
            long total = 0;
            if (i % 5 == 0) {
                h.event(order, placedV1(order, 1, "SKU-" + i % 13, 1 + i % 3, 4.99));
                total = Math.round((1 + i % 3) * 499.0);
            } else {
                h.event(order, placed(order, 1, "SKU-" + i % 13, 1 + i % 4, 250L, "SKU-" + i % 7, 1, 1_000L));
                total = (1 + i % 4) * 250L + 1_000L;
            }
            switch (i % 4) {
                case 0 -> h.event(order, paid(order, 2, total)).event(order, shipped(order, 3, i % 2 == 0 ? "DHL" : "UPS"));
                case 1 -> h.event(order, paid(order, 2, total)).event(order, cancelled(order, 3, "customer asked"));
                case 2 -> h.event(order, cancelled(order, 2, "out of stock"));
                default -> { }
            }
            if (++n % 7 == 0) {
                h.again();
            }
        }
        return h;
    }
}
