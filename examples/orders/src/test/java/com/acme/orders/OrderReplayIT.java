package com.acme.orders;

import com.acme.orders.projection.OrderState;
import dev.reprise.testkit.RealBroker;
import dev.reprise.testkit.RealBrokerExtension;
import dev.reprise.testkit.ReplayKit;
import dev.reprise.testkit.ReplayResult;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The example's whole history on a real KRaft broker (started by the test kit), replayed as 'reprise replay' replays it. */
@ExtendWith(RealBrokerExtension.class)
class OrderReplayIT {
    @Test
    void theHistoryReplaysTrustedOnARealBroker(RealBroker broker) {
        ReplayKit kit = ReplayKit.load(OrderEvents.CONTRACT);
        ReplayResult<OrderState> result = broker.replay(kit, OrderEvents.history(kit, 200));

        result.assertTrusted();
        assertEquals(200, result.count("projection_keys"));
        assertEquals(200, result.projection().size());
        assertEquals("SHIPPED", result.state("order-00004").getStatus());
        assertEquals("CANCELLED", result.state("order-00005").getStatus());
        assertEquals(1_497L, result.state("order-00005").getTotalCents(), "an OrderPlaced v1, upcast");
    }
}
