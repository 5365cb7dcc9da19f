package dev.reprise.cli;

import dev.reprise.contract.Contract;
import dev.reprise.evidence.EvidenceReport;
import dev.reprise.evidence.avro.RecoveryEvidence;
import dev.reprise.run.Control;
import dev.reprise.evidence.io.EvidenceReader;
import dev.reprise.run.RunStore;
import dev.reprise.plan.RunPlan;
import org.apache.kafka.clients.admin.Admin;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;

/** pause, resume, abort and throttle: commands to every instance of a run through its control topic. */
public final class ControlCommands {
    private ControlCommands() {
    }

    abstract static class Base implements Callable<Integer> {
        @Mixin
        ClusterOptions cluster = new ClusterOptions();

        @Option(names = "--run-id", description = "The run (default: the run in force).")
        String runId;

        @Option(names = "--reason", defaultValue = "", description = "Why; recorded with the command.")
        String reason;

        abstract Control.Action command();

        Double limit() {
            return null;
        }

        @Override
        public Integer call() throws InterruptedException {
            Contract contract = cluster.loadContract();
            Map<String, Object> clientConfig = cluster.clientConfig();
            try (Admin admin = Admin.create(clientConfig)) {
                String run = runId;
                if (run == null) {
                    Optional<RunPlan> current = new RunStore(contract, clientConfig).current(admin);
                    if (current.isEmpty()) {
                        System.err.println("reprise " + command().wireName() + ": no run has been planned for " + contract.applicationId());
                        return ExitCodes.FAILURE;
                    }
                    run = current.get().runId();
                }
                Control control = new Control(contract, clientConfig);
                control.send(admin, new Control.Command(run, command(), limit(), reason, System.getProperty("user.name"), System.currentTimeMillis()));
                System.out.println("Sent " + command().wireName() + (limit() == null ? "" : " " + limit() + " events/s") + " to run " + run + " on " + control.topic());
                return after(contract, clientConfig, run);
            }
        }

        int after(Contract contract, Map<String, Object> clientConfig, String run) throws InterruptedException {
            return ExitCodes.OK;
        }
    }

    @Command(name = "pause", mixinStandardHelpOptions = true, description = "Pauses every instance of the run; counts stay exact.",
            footer = {"", "Example:", "  reprise pause --contract config/inventory.yaml --bootstrap-server localhost:9092 --reason 'peak traffic'"})
    public static final class Pause extends Base {
        @Override
        Control.Action command() {
            return Control.Action.PAUSE;
        }
    }

    @Command(name = "resume", mixinStandardHelpOptions = true, description = "Resumes a paused run on every instance.",
            footer = {"", "Example:", "  reprise resume --contract config/inventory.yaml --bootstrap-server localhost:9092"})
    public static final class Resume extends Base {
        @Override
        Control.Action command() {
            return Control.Action.RESUME;
        }
    }

    @Command(name = "throttle", mixinStandardHelpOptions = true,
            description = "Limits the run to a number of events per second, shared by its instances in proportion to their source partitions; 0 removes the limit.",
            footer = {"", "Example:", "  reprise throttle --contract config/inventory.yaml --bootstrap-server localhost:9092 --max-events-per-second 5000"})
    public static final class Throttle extends Base {
        @picocli.CommandLine.Spec
        picocli.CommandLine.Model.CommandSpec spec;

        double max;

        /** Checked while the command line is read, so a wrong limit is refused before anything connects. */
        @Option(names = "--max-events-per-second", required = true, paramLabel = "N", description = "The run's limit; 0 removes it.")
        void setMax(double value) {
            if (!(value >= 0) || Double.isInfinite(value)) {
                throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--max-events-per-second must be a number >= 0 "
                        + "(0 removes the limit), got " + value);
            }
            max = value;
        }

        @Override
        Control.Action command() {
            return Control.Action.THROTTLE;
        }

        @Override
        Double limit() {
            return max;
        }
    }

    @Command(name = "abort", mixinStandardHelpOptions = true,
            description = "Stops the run on every instance. Its final evidence is untrusted with the reason 'aborted'. Exits 4 once that evidence is written.",
            footer = {"", "Example:", "  reprise abort --contract config/inventory.yaml --bootstrap-server localhost:9092 --reason 'wrong scope'"})
    public static final class Abort extends Base {
        @Option(names = "--wait", defaultValue = "60", description = "Seconds to wait for the run's final evidence (default ${DEFAULT-VALUE}).")
        int waitSeconds;

        @Override
        Control.Action command() {
            return Control.Action.ABORT;
        }

        @Override
        int after(Contract contract, Map<String, Object> clientConfig, String run) throws InterruptedException {
            long deadline = System.currentTimeMillis() + waitSeconds * 1000L;
            EvidenceReader reader = new EvidenceReader(contract, clientConfig);
            while (System.currentTimeMillis() < deadline) {
                Optional<RecoveryEvidence> done = reader.finalOf(run);
                if (done.isPresent()) {
                    System.out.print(EvidenceReport.render(done.get()));
                    return ExitCodes.forVerdict(done.get().getConfidenceStatus());
                }
                Thread.sleep(1000);
            }
            System.err.println("reprise abort: no instance of run " + run + " wrote its final evidence within " + waitSeconds
                    + " s; is the app running? The abort stays recorded and applies when it starts.");
            return ExitCodes.FAILURE;
        }
    }
}
