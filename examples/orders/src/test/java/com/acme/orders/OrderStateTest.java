package com.acme.orders;

import com.acme.orders.projection.OrderState;
import dev.reprise.testkit.ReplayKit;
import dev.reprise.testkit.ReplayResult;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static com.acme.orders.OrderEvents.cancelled;
import static com.acme.orders.OrderEvents.paid;
import static com.acme.orders.OrderEvents.placed;
import static com.acme.orders.OrderEvents.placedV1;
import static com.acme.orders.OrderEvents.shipped;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The order-state projection through Reprise's topology, in memory (Reprise's test kit, TopologyTestDriver). */
class OrderStateTest {
    final ReplayKit kit = ReplayKit.load(OrderEvents.CONTRACT);

    @Test
    void anOrderThatIsPlacedPaidAndShippedIsRebuiltAndTrusted() {
        ReplayResult<OrderState> result = kit.replayInMemory(kit.history()
                .event("o-1", placed("o-1", 1, "SKU-1", 2, 250L, "SKU-2", 1, 1_000L))
                .event("o-1", paid("o-1", 2, 1_500L))
                .event("o-1", shipped("o-1", 3, "DHL"))
                .event("o-2", placedV1("o-2", 1, "SKU-3", 3, 4.99))
                .event("o-2", cancelled("o-2", 2, "customer asked")));

        result.assertTrusted();
        OrderState o1 = result.state("o-1");
        assertEquals("SHIPPED", o1.getStatus());
        assertEquals(1_500L, o1.getTotalCents());
        assertEquals(3L, o1.getItems());
        assertEquals("DHL", o1.getCarrier());
        OrderState o2 = result.state("o-2");
        assertEquals("CANCELLED", o2.getStatus());
        assertEquals(1_497L, o2.getTotalCents(), "v1's 4.99 euros upcast to 499 cents");
        assertEquals(1L, result.evidence().getUpcasts().get(0).getCount());
        assertTrue(result.check("paid_orders_paid_in_full").getPassed());
        assertTrue(result.check("shipped_orders_have_a_carrier").getPassed());
    }

    @Test
    void theWholeHistoryIsTrustedWithItsRetriesSkipped() {
        ReplayResult<OrderState> result = kit.replayInMemory(OrderEvents.history(kit, 40));

        result.assertTrusted();
        assertEquals(40, result.count("projection_keys"));
        assertEquals(5, result.count("duplicates_skipped"));
        assertEquals(0, result.count("dead_lettered"));
        assertEquals("SHIPPED", result.state("order-00004").getStatus());
        assertEquals("PLACED", result.state("order-00003").getStatus());
    }

    @Test
    void anIllegalTransitionIsDeadLetteredAndTheRunIsNotTrusted() {
        // Shipped before it was paid: the status machine refuses it.
        ReplayResult<OrderState> result = kit.replayInMemory(kit.history()
                .event("o-1", placed("o-1", 1, "SKU-1", 1, 500L))
                .event("o-1", shipped("o-1", 2, "DHL")));

        result.assertNotTrusted();
        assertEquals("degraded", result.verdict());
        assertEquals(1L, result.deadLetterReasons().get("illegal-transition"));
        assertEquals("PLACED", result.state("o-1").getStatus());
    }

    @Test
    void eventsOutOfTheirSequenceAreCountedAndTheRunIsNotTrusted() {
        ReplayResult<OrderState> result = kit.replayInMemory(kit.history()
                .event("o-1", placed("o-1", 2, "SKU-1", 1, 500L))
                .event("o-1", paid("o-1", 1, 500L)));

        assertFalse(result.trusted(), result.report());
        assertEquals(1, result.count("ordering_violations"));
    }

    @Test
    void aValueThatIsNotAnEventIsDeadLetteredWithItsOffset() {
        ReplayResult<OrderState> result = kit.replayInMemory(kit.history()
                .event("o-1", placed("o-1", 1, "SKU-1", 1, 500L))
                .raw("o-1", "{\"order_id\": \"o-1\"}".getBytes(StandardCharsets.UTF_8)));

        result.assertNotTrusted();
        assertEquals(1, result.deadLetters().size());
        assertEquals(1L, result.deadLetters().get(0).offset());
    }
}
