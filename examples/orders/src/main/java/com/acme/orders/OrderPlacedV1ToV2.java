package com.acme.orders;

import dev.reprise.upcast.Upcaster;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.ArrayList;
import java.util.List;

/**
 * OrderPlaced v1 (com.acme.orders.v1.OrderPlaced, until 2024) priced each line in euros as a double; v2 prices it in whole
 * cents ({@code unit_price_cents}). A rename with a unit change, which Avro's schema resolution cannot do. Half a cent
 * rounds up, as the order service's migration did.
 */
public final class OrderPlacedV1ToV2 implements Upcaster {
    @Override
    public String eventType() {
        return "OrderPlaced";
    }

    @Override
    public int fromVersion() {
        return 1;
    }

    @Override
    public GenericRecord upcast(GenericRecord event, Schema target) {
        GenericRecord out = new GenericData.Record(target);
        for (String field : List.of("event_id", "order_id", "seq", "customer")) {
            out.put(field, event.get(field));
        }
        Schema lineSchema = target.getField("lines").schema().getElementType();
        List<GenericRecord> lines = new ArrayList<>();
        for (Object l : (List<?>) event.get("lines")) {
            GenericRecord old = (GenericRecord) l;
            double euros = (Double) old.get("unit_price");
            if (Double.isNaN(euros) || Double.isInfinite(euros)) {
                throw new IllegalArgumentException("lines[].unit_price of " + old.get("sku") + " is " + euros + ", not a price");
            }
            GenericRecord line = new GenericData.Record(lineSchema);
            line.put("sku", old.get("sku"));
            line.put("quantity", old.get("quantity"));
            line.put("unit_price_cents", BigDecimal.valueOf(euros).movePointRight(2).setScale(0, RoundingMode.HALF_UP).longValueExact());
            lines.add(line);
        }
        out.put("lines", lines);
        return out;
    }
}
