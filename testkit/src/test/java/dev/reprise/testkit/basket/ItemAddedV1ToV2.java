package dev.reprise.testkit.basket;

import dev.reprise.upcast.Upcaster;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;

/** ItemAdded v1 carried the unit price in euros as a double; v2 carries whole cents. */
public class ItemAddedV1ToV2 implements Upcaster {
    @Override
    public String eventType() {
        return "ItemAdded";
    }

    @Override
    public int fromVersion() {
        return 1;
    }

    @Override
    public GenericRecord upcast(GenericRecord event, Schema target) {
        GenericRecord out = new GenericData.Record(target);
        for (String f : new String[]{"event_id", "basket_id", "seq", "sku", "quantity"}) {
            out.put(f, event.get(f));
        }
        out.put("unit_price_cents", Math.round((Double) event.get("price") * 100));
        return out;
    }
}
