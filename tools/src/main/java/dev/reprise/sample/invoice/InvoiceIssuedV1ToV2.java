package dev.reprise.sample.invoice;

import dev.reprise.upcast.Upcaster;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;

import java.math.BigDecimal;
import java.math.RoundingMode;

/** InvoiceIssued v1 → v2: {@code amount} in currency units (a double) became {@code amount_cents}; v1 was always USD. */
public final class InvoiceIssuedV1ToV2 implements Upcaster {

    @Override
    public String eventType() {
        return "InvoiceIssued";
    }

    @Override
    public int fromVersion() {
        return 1;
    }

    @Override
    public GenericRecord upcast(GenericRecord v1, Schema target) {
        double amount = (Double) v1.get("amount");
        if (!Double.isFinite(amount)) {
            throw new IllegalArgumentException("amount " + amount + " is not a finite number");
        }
        GenericRecord v2 = new GenericData.Record(target);
        v2.put("event_id", v1.get("event_id"));
        v2.put("tenant", v1.get("tenant"));
        v2.put("seq", v1.get("seq"));
        v2.put("invoice_id", v1.get("invoice_id"));
        // BigDecimal.valueOf uses the shortest decimal form of the double, so 19.99 becomes 1999 cents, not 1998.
        v2.put("amount_cents", BigDecimal.valueOf(amount).movePointRight(2).setScale(0, RoundingMode.HALF_EVEN).longValueExact());
        v2.put("currency", "USD");
        v2.put("occurred_at", v1.get("occurred_at"));
        return v2;
    }
}
