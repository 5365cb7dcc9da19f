package com.acme.orders;

import dev.reprise.testkit.RealBroker;
import dev.reprise.testkit.ReplayKit;

import java.util.Map;

/**
 * Writes the example's history (the orders of {@link OrderEvents#history}) to a cluster, as the order service wrote it:
 * {@code mvn -f examples/orders/pom.xml exec:java -Dexec.args="HOST:PORT [ORDERS]"}, from the repository's root.
 */
public final class WriteHistory {
    public static void main(String[] args) {
        if (args.length < 1) {
            System.err.println("usage: WriteHistory HOST:PORT [ORDERS]");
            System.exit(2);
        }
        int orders = args.length > 1 ? Integer.parseInt(args[1]) : 1_000;
        ReplayKit kit = ReplayKit.load(OrderEvents.CONTRACT);
        var history = OrderEvents.history(kit, orders);
        RealBroker.writeTo(Map.of("bootstrap.servers", args[0]), kit, history, 3);
        System.out.println("Wrote " + history.records().size() + " records of " + orders + " orders to topic "
                + kit.contract().history().topics().get(0) + " at " + args[0]);
    }
}
