package dev.reprise.demo;

import dev.reprise.projection.Event;
import dev.reprise.sample.inventory.InventoryLevel;
import dev.reprise.sample.inventory.InventoryProjection;

/**
 * The inventory projection with a deliberate, silent bug, for showing that the evidence catches a
 * wrong rebuild ({@code reprise demo --inject-bug}): it ignores about one event in 997 (chosen by
 * event id, so the same events in every run) while still counting it as processed. The state stays
 * internally consistent, so the invariants hold: only a comparison with the truth finds it.
 */
public final class InventoryProjectionWithInjectedBug extends InventoryProjection {
    public static final String NAME = "inventory-levels-with-injected-bug";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public InventoryLevel apply(InventoryLevel state, Event event) {
        if (Math.floorMod(event.eventId().hashCode(), 997) == 0) {
            return state;
        }
        return super.apply(state, event);
    }
}
