package dev.reprise.run;

import dev.reprise.pipeline.support.RunFence;
import org.apache.kafka.clients.admin.Admin;

import java.util.Optional;
import java.util.function.Supplier;

/**
 * The {@link RunFence} of a real run: the run in force as the run store holds it, read again when a task is assigned
 * unless it was read in the last second (the tasks of an instance are assigned together, and one read serves them all;
 * an instance that was stopped and resumed reads again). Without a run in force (a plan run by a tool that claims
 * none) nothing is fenced.
 */
public final class RunStoreFence implements RunFence, AutoCloseable {
    private static final long FRESH_NANOS = 1_000_000_000L;
    private final RunStore store;
    private final Supplier<Admin> admins;
    private Admin admin;
    private Optional<String> inForce = Optional.empty();
    private long readAt;

    public RunStoreFence(RunStore store, Supplier<Admin> admins) {
        this.store = store;
        this.admins = admins;
    }

    @Override
    public synchronized void check(String runId) {
        long now = System.nanoTime();
        if (admin == null || now - readAt > FRESH_NANOS) {
            if (admin == null) {
                admin = admins.get();
            }
            inForce = store.current(admin).map(dev.reprise.plan.RunPlan::runId);
            readAt = now;
        }
        if (inForce.isPresent() && !inForce.get().equals(runId)) {
            throw new FencedRunException("this instance was started for run " + runId + ", but the run in force is " + inForce.get()
                    + " (reset since): it stops before processing anything, and nothing of it is committed; start it again to join run "
                    + inForce.get());
        }
    }

    @Override
    public synchronized void close() {
        if (admin != null) {
            admin.close();
            admin = null;
        }
    }
}
