package dev.reprise.sample.inventory;

import dev.reprise.upcast.Upcaster;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;

/** StockMovement v2 → v3: {@code location} "WH1/A-12" was split into {@code warehouse} and {@code bin}. */
public final class StockMovementV2ToV3 implements Upcaster {

    @Override
    public String eventType() {
        return "StockMovement";
    }

    @Override
    public int fromVersion() {
        return 2;
    }

    @Override
    public GenericRecord upcast(GenericRecord v2, Schema target) {
        String location = String.valueOf(v2.get("location"));
        int slash = location.indexOf('/');
        if (slash <= 0 || slash == location.length() - 1) {
            throw new IllegalArgumentException("location '" + location + "' is not warehouse/bin");
        }
        GenericRecord v3 = new GenericData.Record(target);
        v3.put("event_id", v2.get("event_id"));
        v3.put("tenant", v2.get("tenant"));
        v3.put("sku", v2.get("sku"));
        v3.put("kind", v2.get("kind"));
        v3.put("quantity", v2.get("quantity"));
        v3.put("warehouse", location.substring(0, slash));
        v3.put("bin", location.substring(slash + 1));
        v3.put("occurred_at", v2.get("occurred_at"));
        v3.put("note", null);
        return v3;
    }
}
