package dev.reprise.sample.inventory;

import dev.reprise.projection.Event;
import dev.reprise.projection.InvalidEventException;
import dev.reprise.projection.Invariant;
import dev.reprise.projection.Projection;

import java.util.List;

/**
 * Stock per SKU. Every movement adds to a running total, so the result does not depend on the order of
 * a SKU's events: the inventory contract needs no sequence field.
 */
public class InventoryProjection implements Projection<InventoryLevel> {
    public static final String NAME = "inventory-levels";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Class<InventoryLevel> stateClass() {
        return InventoryLevel.class;
    }

    @Override
    public InventoryLevel initial(String sku) {
        return new InventoryLevel(sku, 0L, 0L, 0L, 0L, 0L, 0L, 0L);
    }

    @Override
    public void validate(Event event) {
        long quantity = event.number("quantity");
        String kind = event.text("kind");
        switch (kind == null ? "" : kind) {
            case "RECEIVED", "SHIPPED", "RESERVED", "RELEASED" -> {
                if (quantity <= 0) {
                    throw new InvalidEventException("invalid-quantity", kind + " with quantity " + quantity + "; expected a positive quantity");
                }
            }
            case "ADJUSTED" -> {
                if (quantity == 0) {
                    throw new InvalidEventException("invalid-quantity", "ADJUSTED with quantity 0");
                }
            }
            default -> throw new InvalidEventException("unknown-kind", "kind '" + kind + "' is not RECEIVED, SHIPPED, ADJUSTED, RESERVED or RELEASED");
        }
    }

    @Override
    public InventoryLevel apply(InventoryLevel s, Event event) {
        long q = event.number("quantity");
        switch (event.text("kind")) {
            case "RECEIVED" -> s.setReceived(s.getReceived() + q);
            case "SHIPPED" -> s.setShipped(s.getShipped() + q);
            case "ADJUSTED" -> s.setAdjusted(s.getAdjusted() + q);
            case "RESERVED" -> s.setReserved(s.getReserved() + q);
            case "RELEASED" -> s.setReserved(s.getReserved() - q);
            default -> throw new IllegalStateException("validate() lets only known kinds through");
        }
        s.setStockOnHand(s.getReceived() - s.getShipped() + s.getAdjusted());
        s.setSellable(s.getStockOnHand() - s.getReserved());
        s.setMovements(s.getMovements() + 1);
        return s;
    }

    @Override
    public List<Invariant<InventoryLevel>> invariants() {
        return List.of(
                new Invariant<>("stock_on_hand_is_sum_of_movements", "stock_on_hand == received - shipped + adjusted",
                        s -> s.getStockOnHand() == s.getReceived() - s.getShipped() + s.getAdjusted()),
                new Invariant<>("sellable_is_on_hand_minus_reserved", "sellable == stock_on_hand - reserved",
                        s -> s.getSellable() == s.getStockOnHand() - s.getReserved()),
                new Invariant<>("sellable_not_negative", "sellable >= 0", s -> s.getSellable() >= 0),
                new Invariant<>("reserved_not_negative", "reserved >= 0", s -> s.getReserved() >= 0));
    }
}
