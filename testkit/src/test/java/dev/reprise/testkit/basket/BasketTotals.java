package dev.reprise.testkit.basket;

import dev.reprise.projection.Event;
import dev.reprise.projection.InvalidEventException;
import dev.reprise.projection.Invariant;
import dev.reprise.projection.Projection;

import java.util.List;

/** The kit's sample projection: items and total of a basket. {@link Buggy} forgets removals, on purpose. */
public class BasketTotals implements Projection<BasketTotal> {
    @Override
    public String name() {
        return "basket-total";
    }

    @Override
    public Class<BasketTotal> stateClass() {
        return BasketTotal.class;
    }

    @Override
    public BasketTotal initial(String key) {
        return new BasketTotal(key, 0L, 0L, 0L);
    }

    @Override
    public void validate(Event event) {
        if (event.number("quantity") <= 0) {
            throw new InvalidEventException("invalid-quantity", event.type() + " " + event.eventId() + ": quantity must be positive, got "
                    + event.number("quantity"));
        }
    }

    @Override
    public BasketTotal apply(BasketTotal state, Event event) {
        long quantity = event.number("quantity");
        long cents = quantity * event.number("unit_price_cents");
        long sign = event.type().equals("ItemRemoved") ? removalSign() : 1;
        state.setItems(state.getItems() + sign * quantity);
        state.setTotalCents(state.getTotalCents() + sign * cents);
        state.setEvents(state.getEvents() + 1);
        return state;
    }

    long removalSign() {
        return -1;
    }

    @Override
    public List<Invariant<BasketTotal>> invariants() {
        return List.of(new Invariant<>("items_not_negative", "items >= 0", s -> s.getItems() >= 0));
    }

    /** The same projection with a bug: a removal is added instead of subtracted. */
    public static final class Buggy extends BasketTotals {
        @Override
        public String name() {
            return "basket-total-buggy";
        }

        @Override
        long removalSign() {
            return 1;
        }
    }
}
