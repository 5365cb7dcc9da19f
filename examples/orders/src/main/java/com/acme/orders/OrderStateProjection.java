package com.acme.orders;

import com.acme.orders.projection.OrderState;
import dev.reprise.projection.Event;
import dev.reprise.projection.InvalidEventException;
import dev.reprise.projection.Invariant;
import dev.reprise.projection.Projection;
import org.apache.avro.generic.GenericRecord;

import java.util.List;

/**
 * The state of one order from its events. The status is a machine, so the result depends on the order of the events:
 *
 * <pre>
 *   NEW --OrderPlaced--> PLACED --OrderPaid--> PAID --OrderShipped--> SHIPPED
 *                          |                    |
 *                          +--OrderCancelled--> CANCELLED <--+
 * </pre>
 *
 * Any other transition (paid before placed, shipped before paid, anything after SHIPPED or CANCELLED, placed twice) can
 * never be applied: it is an {@link InvalidEventException} with reason {@code illegal-transition}, and Reprise
 * dead-letters the event. Deterministic and free of side effects: the state depends on the order's events alone.
 */
public final class OrderStateProjection implements Projection<OrderState> {
    public static final String NAME = "order-state";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Class<OrderState> stateClass() {
        return OrderState.class;
    }

    @Override
    public OrderState initial(String orderId) {
        return OrderState.newBuilder().setOrderId(orderId).setStatus("NEW").setCustomer("").setLines(0).setItems(0L)
                .setTotalCents(0L).setPaidCents(0L).setCarrier(null).build();
    }

    /** What can be refused without the state: an order without lines, a line without a positive quantity, a payment of nothing. */
    @Override
    public void validate(Event event) {
        switch (event.type()) {
            case "OrderPlaced" -> {
                List<?> lines = (List<?>) event.payload().get("lines");
                if (lines == null || lines.isEmpty()) {
                    throw new InvalidEventException("no-lines", "OrderPlaced " + event.eventId() + " of order " + event.key() + " has no lines");
                }
                for (Object l : lines) {
                    GenericRecord line = (GenericRecord) l;
                    if (((Number) line.get("quantity")).intValue() <= 0) {
                        throw new InvalidEventException("invalid-quantity", "OrderPlaced " + event.eventId() + ": lines[].quantity of "
                                + line.get("sku") + " must be positive, got " + line.get("quantity"));
                    }
                }
            }
            case "OrderPaid" -> {
                if (event.number("amount_cents") <= 0) {
                    throw new InvalidEventException("invalid-amount", "OrderPaid " + event.eventId() + ": amount_cents must be positive");
                }
            }
            case "OrderShipped", "OrderCancelled" -> { }
            default -> throw new InvalidEventException("unknown-event", "no transition for event type " + event.type());
        }
    }

    @Override
    public OrderState apply(OrderState state, Event event) {
        String from = state.getStatus();
        switch (event.type()) {
            case "OrderPlaced" -> {
                require(from, event, "NEW");
                long total = 0;
                long items = 0;
                List<?> lines = (List<?>) event.payload().get("lines");
                for (Object l : lines) {
                    GenericRecord line = (GenericRecord) l;
                    long quantity = ((Number) line.get("quantity")).longValue();
                    items += quantity;
                    total += quantity * ((Number) line.get("unit_price_cents")).longValue();
                }
                state.setCustomer(event.text("customer"));
                state.setLines(lines.size());
                state.setItems(items);
                state.setTotalCents(total);
                state.setStatus("PLACED");
            }
            case "OrderPaid" -> {
                require(from, event, "PLACED");
                state.setPaidCents(event.number("amount_cents"));
                state.setStatus("PAID");
            }
            case "OrderShipped" -> {
                require(from, event, "PAID");
                state.setCarrier(event.text("carrier"));
                state.setStatus("SHIPPED");
            }
            case "OrderCancelled" -> {
                require(from, event, "PLACED", "PAID");
                state.setStatus("CANCELLED");
            }
            default -> throw new InvalidEventException("unknown-event", "no transition for event type " + event.type());
        }
        return state;
    }

    private static void require(String from, Event event, String... allowed) {
        if (!List.of(allowed).contains(from)) {
            throw new InvalidEventException("illegal-transition", event.type() + " " + event.eventId() + " (seq " + event.sequence()
                    + ") cannot apply to order " + event.key() + " in status " + from + "; it needs " + String.join(" or ", allowed));
        }
    }

    @Override
    public List<Invariant<OrderState>> invariants() {
        return List.of(
                new Invariant<>("totals_not_negative", "total_cents >= 0 && paid_cents >= 0", s -> s.getTotalCents() >= 0 && s.getPaidCents() >= 0),
                new Invariant<>("shipped_orders_have_a_carrier", "status == 'SHIPPED' -> carrier != null",
                        s -> !"SHIPPED".equals(s.getStatus()) || s.getCarrier() != null));
    }
}
