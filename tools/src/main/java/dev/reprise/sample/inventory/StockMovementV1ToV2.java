package dev.reprise.sample.inventory;

import dev.reprise.upcast.Upcaster;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;

/** StockMovement v1 → v2: {@code item_code} was renamed {@code sku}; {@code cases} of 12 became {@code quantity} in units. */
public final class StockMovementV1ToV2 implements Upcaster {
    public static final int UNITS_PER_CASE = 12;

    @Override
    public String eventType() {
        return "StockMovement";
    }

    @Override
    public int fromVersion() {
        return 1;
    }

    @Override
    public GenericRecord upcast(GenericRecord v1, Schema target) {
        GenericRecord v2 = new GenericData.Record(target);
        v2.put("event_id", v1.get("event_id"));
        v2.put("tenant", v1.get("tenant"));
        v2.put("sku", v1.get("item_code"));
        v2.put("kind", v1.get("kind"));
        v2.put("quantity", Math.multiplyExact((Integer) v1.get("cases"), UNITS_PER_CASE));
        v2.put("location", v1.get("location"));
        v2.put("occurred_at", v1.get("occurred_at"));
        return v2;
    }
}
