package dev.reprise.drill;

import dev.reprise.embedded.Directories;
import dev.reprise.contract.Contract;
import dev.reprise.runner.ReplayRunner;
import dev.reprise.plan.RunPlan;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The drills that hit the processes: the app SIGKILLed and restarted (crash), one of two instances lost
 * (instance-loss), the broker stopped and started again under a run (broker-restart). The app always runs as
 * an operator runs it, {@code reprise run} in a process of its own, throttled through the control topic so that
 * the blows land in the middle of the run, and unthrottled for its last stretch.
 */
final class ProcessDrills {
    /** Seconds of throttled reading between two blows. */
    private static final double SECONDS_PER_STRETCH = 2;
    /** How long the broker stays down. */
    static final int OUTAGE_SECONDS = 5;

    private ProcessDrills() {
    }

    /** A drilled run: its contract (as an object and as a file for the app processes) and its plan, already the run in force. */
    private record Drilled(Contract contract, Path file, RunPlan plan) {
        static Drilled begin(Drill.Base b, String label) {
            Workbench.Names names = b.wb().names(label);
            String yaml = b.wb().yaml(names, b.wb().history(), null, "", "");
            Contract contract = b.wb().contract(yaml);
            ReplayRunner runner = b.wb().runner(contract, b.wb().codecs, label + "-plan", Map.of());
            return new Drilled(contract, b.wb().contractFile(yaml), b.wb().begin(runner, contract));
        }

        AppProcess start(Drill.Base b, Path stateDir, String name) {
            return AppProcess.start(b.wb(), b.bootstrap(), file, stateDir, name);
        }
    }

    static void crash(Drill.Base b, ScenarioReport r) {
        Drilled d = Drilled.begin(b, "crash");
        int kills = b.options().kills();
        b.throttle(d.contract(), d.plan().runId(), rate(b, kills + 1));
        Path state = b.wb().dir.resolve("crash-state");
        List<Double> killedAt = new ArrayList<>();
        int deleted = 0;
        // One random point in each of 'kills' equal stretches between 10% and 85% of the offsets.
        double stretch = 75.0 / kills;
        for (int i = 0; i < kills; i++) {
            double target = 10 + stretch * i + stretch * (0.2 + 0.6 * b.random().nextDouble());
            AppProcess app = d.start(b, state, "crash-" + (i + 1));
            double at = awaitPercent(app, target);
            if (at < 0) {
                r.fail("instance " + (i + 1) + " did not reach " + Math.round(target) + "% to be killed there (" + (app.isAlive()
                        ? "still below it after " + stretchTimeout() + " s" : "it exited " + app.exitCode()) + "): " + app.stderrTail());
                app.kill();
                break;
            }
            app.kill();
            killedAt.add(Math.round(at * 10) / 10.0);
            // Every second kill also loses the instance's state directory, as a pod rescheduled without its volume.
            if (i % 2 == 1) {
                Directories.deleteQuietly(state, "the drill instance's state directory");
                deleted++;
            }
        }
        r.facts(new Facts.Crash(killedAt.size(), List.copyOf(killedAt), deleted));
        if (killedAt.size() < 3) {
            r.fail("only " + killedAt.size() + " kills landed; the drill needs at least 3");
        }
        b.throttle(d.contract(), d.plan().runId(), 0);
        AppProcess last = d.start(b, state, "crash-last");
        finish(b, r, last, d);
    }

    static void instanceLoss(Drill.Base b, ScenarioReport r) {
        Drilled d = Drilled.begin(b, "instance-loss");
        b.throttle(d.contract(), d.plan().runId(), rate(b, 3));
        AppProcess one = d.start(b, b.wb().dir.resolve("instance-1"), "instance-1");
        AppProcess two = d.start(b, b.wb().dir.resolve("instance-2"), "instance-2");
        double target = 20 + 40 * b.random().nextDouble();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(stretchTimeout() * 3L);
        // Both instances up (each has printed progress) and the run past the target.
        while ((one.percent() < 0 || two.percent() < 0 || Math.max(one.percent(), two.percent()) < target)
                && one.isAlive() && two.isAlive() && System.nanoTime() < deadline) {
            sleep(200);
        }
        boolean killFirst = b.random().nextBoolean();
        AppProcess victim = killFirst ? one : two;
        AppProcess survivor = killFirst ? two : one;
        if (!one.isAlive() || !two.isAlive() || one.percent() < 0 || two.percent() < 0) {
            r.fail("both instances were to be running before one was killed: instance 1 " + state(one) + ", instance 2 " + state(two));
            one.kill();
            two.kill();
            return;
        }
        double at = Math.max(one.percent(), two.percent());
        victim.kill();
        r.facts(new Facts.InstanceLoss(2, 1, killFirst ? 1 : 2, Math.round(at * 10) / 10.0));
        b.throttle(d.contract(), d.plan().runId(), 0);
        finish(b, r, survivor, d);
    }

    static void brokerRestart(Drill.Base b, ScenarioReport r) {
        Drilled d = Drilled.begin(b, "broker-restart");
        b.throttle(d.contract(), d.plan().runId(), rate(b, 3));
        Path state = b.wb().dir.resolve("broker-restart-state");
        AppProcess[] app = {d.start(b, state, "broker-restart-1")};
        int[] restarts = {0};
        List<Facts.BrokerStop> stops = new ArrayList<>();
        for (boolean clean : new boolean[]{true, false}) {
            double target = (clean ? 15 : 50) + 20 * b.random().nextDouble();
            double at = awaitPercent(app[0], target);
            if (at < 0) {
                r.fail("the app did not reach " + Math.round(target) + "% before the broker's " + (clean ? "clean stop" : "kill") + ": " + app[0].stderrTail());
                app[0].kill();
                return;
            }
            long down = System.nanoTime();
            if (clean) {
                b.broker().stop();
            } else {
                b.broker().kill();
            }
            sleep(OUTAGE_SECONDS * 1000L);
            b.broker().startAgain();
            stops.add(new Facts.BrokerStop(clean ? "SIGTERM (controlled shutdown)" : "SIGKILL", Math.round(at * 10) / 10.0,
                    Math.round((System.nanoTime() - down) / 1e8) / 10.0));
            if (!app[0].isAlive()) {
                // An app that gave up during the outage is started again, as its supervisor (Kubernetes, systemd) would.
                r.note("the app exited " + app[0].exitCode() + " while the broker was down and was started again: " + lastLine(app[0]));
                restarts[0]++;
                app[0] = d.start(b, state, "broker-restart-" + (restarts[0] + 1));
            }
        }
        r.facts(new Facts.BrokerRestart(List.copyOf(stops), null));
        b.throttle(d.contract(), d.plan().runId(), 0);
        // An app that fails after the outage is restarted too, at most three times.
        while (restarts[0] < 3) {
            if (!app[0].waitFor(runTimeout(b)) || app[0].exitCode() == 0 || app[0].exitCode() == 3 || app[0].exitCode() == 4) {
                break;
            }
            r.note("the app exited " + app[0].exitCode() + " after the outage and was started again: " + lastLine(app[0]));
            restarts[0]++;
            app[0] = d.start(b, state, "broker-restart-" + (restarts[0] + 1));
        }
        r.facts(new Facts.BrokerRestart(List.copyOf(stops), restarts[0]));
        r.note("after an unclean broker kill, a transaction committed just before it can stay unreadable to read_committed "
                + "consumers until a producer with the same transactional id starts again (a Kafka behaviour); the app's "
                + "producers do so when they start again, so no committed record is lost to the run");
        finish(b, r, app[0], d);
    }

    /** Waits for the app that finishes the run, then compares its evidence and projection with the clean run's. */
    private static void finish(Drill.Base b, ScenarioReport r, AppProcess app, Drilled d) {
        if (!app.waitFor(runTimeout(b))) {
            r.fail("the last instance did not finish within " + runTimeout(b) + " s: " + app.stderrTail());
            return;
        }
        if (app.exitCode() != 0) {
            r.fail("the last instance exited " + app.exitCode() + " (0 is trusted): " + app.stderrTail());
        }
        r.compared(Comparison.of(b.clean(), b.outcome(d.contract(), d.plan().runId()), Map.of()));
    }

    /** Events per second that make the base history take about {@code stretches} times {@link #SECONDS_PER_STRETCH} to read. */
    private static double rate(Drill.Base b, int stretches) {
        return Math.max(50, Math.ceil(b.records() / (SECONDS_PER_STRETCH * stretches)));
    }

    /** Waits until the app's progress reaches {@code target} percent; -1 when it exits or does not get there in time. */
    private static double awaitPercent(AppProcess app, double target) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (System.nanoTime() < deadline) {
            double p = app.percent();
            if (p >= target && p < 100) {
                return p;
            }
            if (!app.isAlive() || p >= 100) {
                return -1;
            }
            sleep(100);
        }
        return -1;
    }

    /** Seconds an instance may take to reach its kill point. */
    private static long stretchTimeout() {
        return 120;
    }

    /** Seconds an unthrottled app may take to finish: generous, for a busy machine. */
    private static long runTimeout(Drill.Base b) {
        return 180 + b.records() / 500;
    }

    private static String state(AppProcess app) {
        return app.isAlive() ? (app.percent() < 0 ? "printed no progress" : "at " + app.percent() + "%") : "exited " + app.exitCode() + ": " + lastLine(app);
    }

    private static String lastLine(AppProcess app) {
        List<String> lines = app.stderr().lines().filter(l -> l.startsWith("reprise") || l.contains("ERROR")).toList();
        return lines.isEmpty() ? "(nothing on stderr)" : lines.get(lines.size() - 1);
    }


    static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }
}
