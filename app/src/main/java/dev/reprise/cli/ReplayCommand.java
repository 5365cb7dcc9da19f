package dev.reprise.cli;

import dev.reprise.runner.ReplayRunner;
import org.apache.kafka.clients.admin.Admin;
import picocli.CommandLine.Command;

/**
 * Plan, reset, run and verdict in one process and one command, for Kubernetes Jobs and CI: no client, consumer
 * group or plan is set up twice.
 */
@Command(name = "replay", mixinStandardHelpOptions = true,
        description = {"Replays the contract's history from scratch in one process and exits with the verdict: plans a run, makes it the "
                + "run in force, sets the group's offsets to its start, runs it and prints its evidence (0 trusted, 3 degraded, 4 untrusted).",
                "A restarted replay (a Job's pod started again) resumes the unfinished run in force of the same contract instead of starting over. "
                        + "'reprise run' instead continues or joins the run in force and never plans a new one over a complete run."},
        footer = {"", "Example:", "  reprise replay --contract config/inventory.yaml --bootstrap-server localhost:9092 --json"})
public final class ReplayCommand extends RunCommand {
    @Override
    ReplayRunner.Prepared prepare(ReplayRunner runner, Admin admin) {
        return runner.prepareReplay(admin);
    }

    @Override
    String name() {
        return "replay";
    }
}
