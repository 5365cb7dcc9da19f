package dev.reprise;

import dev.reprise.cli.AclsCommand;
import dev.reprise.cli.ControlCommands;
import dev.reprise.cli.EvidenceCommand;
import dev.reprise.cli.KeysCommand;
import dev.reprise.cli.ExitCodes;
import dev.reprise.cli.PlanCommand;
import dev.reprise.cli.PromoteCommand;
import dev.reprise.cli.ReferenceCommand;
import dev.reprise.cli.ReplayCommand;
import dev.reprise.cli.ResetCommand;
import dev.reprise.cli.RunCommand;
import dev.reprise.cli.RunbookCommand;
import dev.reprise.cli.StatusCommand;
import dev.reprise.cli.ToolCommands;
import dev.reprise.plugin.Plugins;
import dev.reprise.cli.VerifyCommand;
import dev.reprise.contract.Contract;
import dev.reprise.contract.ContractException;
import dev.reprise.contract.ContractLoader;
import dev.reprise.cluster.AuthorizationFailure;
import dev.reprise.cluster.ClusterUnreachableException;
import picocli.CommandLine.Command;
import picocli.CommandLine;

/**
 * The {@code reprise} command line. Results go to stdout ({@code --json} for machines), diagnostics
 * to stderr; exit codes are {@link ExitCodes}.
 */
@Command(name = "reprise", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        description = "Replays event history through Kafka Streams and proves the rebuilt projection with recovery evidence.",
        subcommands = {PlanCommand.class, ResetCommand.class, RunCommand.class, ReplayCommand.class, StatusCommand.class,
                ControlCommands.Pause.class, ControlCommands.Resume.class, ControlCommands.Throttle.class, ControlCommands.Abort.class,
                EvidenceCommand.class, VerifyCommand.class, PromoteCommand.class, AclsCommand.class, KeysCommand.class, RunbookCommand.class, ReferenceCommand.class},
        footer = {"", "Exit codes: 0 ok/trusted, 1 failure, 2 invalid input, 3 degraded, 4 untrusted."})
public final class Main implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    /** The launcher's pid, when it runs this JVM as its child (the start that writes the class-data archive). */
    static final String LAUNCHER_PID = "reprise.launcher.pid";

    public static void main(String[] args) {
        useOwnLogConfiguration();
        String launcher = System.getProperty(LAUNCHER_PID);
        if (launcher != null) {
            followLauncher(launcher, () -> {
                System.err.println("reprise: the launcher (pid " + launcher + ") is gone; stopping as on SIGTERM");
                // Not on the JDK's process-reaper thread: exit runs the shutdown hooks (a run closes Kafka Streams) and waits.
                new Thread(() -> System.exit(ExitCodes.FAILURE), "reprise-launcher-gone").start();
            });
        }
        System.exit(execute(args));
    }

    /**
     * Runs {@code whenGone} once the process {@code pid} has ended (at once if it is not running). The launcher runs the
     * JVM as its child only on the start that writes the class-data archive, and passes on the signals it can; killed
     * with SIGKILL, it cannot, and the JVM would go on replaying, unseen by whoever killed it. The JDK watches a process
     * that is not this one's child by polling it (every 0.3 s at first, every 5 s at most).
     */
    static void followLauncher(String pid, Runnable whenGone) {
        long id;
        try {
            id = Long.parseLong(pid.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("-D" + LAUNCHER_PID + " must be a process id, got '" + pid + "'");
        }
        ProcessHandle.of(id).map(ProcessHandle::onExit).ifPresentOrElse(exit -> exit.thenRun(whenGone), whenGone);
    }

    /**
     * Ours is not named log4j2.xml, so a log4j2 configuration in any jar on the class path cannot win over
     * it and flood stderr; name it explicitly unless the operator chose a configuration.
     */
    static void useOwnLogConfiguration() {
        if (System.getProperty("log4j2.configurationFile") == null && System.getProperty("log4j.configurationFile") == null) {
            System.setProperty("log4j2.configurationFile", "classpath:reprise-log4j2.xml");
        }
    }

    /** Runs a command line and returns its exit code; tests call this. */
    public static int execute(String... args) {
        return execute(CommandLine.defaultFactory(), args);
    }

    /**
     * Runs a command line whose commands {@code factory} makes (e.g. {@code promote} with hooks between its snapshot
     * and its write) and returns its exit code.
     */
    public static int execute(CommandLine.IFactory factory, String... args) {
        args = takePluginPath(args);
        CommandLine cli = withTools(new CommandLine(new Main(), factory).setUsageHelpWidth(120));
        cli.setExecutionExceptionHandler((ex, commandLine, parseResult) -> {
            if (ex instanceof ContractException ce) {
                commandLine.getErr().println("reprise: invalid contract: " + ce.getMessage());
                commandLine.getErr().println("Nothing was started; fix the contract and run again.");
                return ExitCodes.INVALID_INPUT;
            }
            if (ex instanceof ClusterUnreachableException) {
                commandLine.getErr().println("reprise: " + ex.getMessage());
                return ExitCodes.FAILURE;
            }
            if (ex instanceof IllegalArgumentException) {
                commandLine.getErr().println("reprise: " + ex.getMessage());
                return ExitCodes.INVALID_INPUT;
            }
            java.util.Optional<String> denied = AuthorizationFailure.describe(ex, contractOf(parseResult));
            if (denied.isPresent()) {
                commandLine.getErr().println("reprise: " + denied.get());
                return ExitCodes.FAILURE;
            }
            commandLine.getErr().println("reprise: " + ex.getMessage());
            if (System.getenv("REPRISE_DEBUG") != null) {
                ex.printStackTrace(commandLine.getErr());
            } else {
                commandLine.getErr().println("(set REPRISE_DEBUG=1 for the stack trace)");
            }
            return ExitCodes.FAILURE;
        });
        cli.setParameterExceptionHandler((ex, a) -> {
            ex.getCommandLine().getErr().println("reprise: " + ex.getMessage());
            ex.getCommandLine().usage(ex.getCommandLine().getErr());
            return ExitCodes.INVALID_INPUT;
        });
        try {
            return cli.execute(args);
        } catch (OutOfMemoryError e) {
            System.err.println("reprise: out of memory (" + e.getMessage() + ", maximum heap " + Runtime.getRuntime().maxMemory() / (1024 * 1024)
                    + " MiB); give the JVM more with REPRISE_JAVA_OPTS, e.g. REPRISE_JAVA_OPTS='-Xmx2g -XX:+UseParallelGC'");
            return ExitCodes.FAILURE;
        }
    }

    /**
     * Takes {@code --plugin-path PATH} (or {@code --plugin-path=PATH}) from anywhere on the command line, before or after
     * the command, and sets it for every command that loads projections or upcasters ({@link Plugins}).
     */
    public static String[] takePluginPath(String[] args) {
        java.util.List<String> rest = new java.util.ArrayList<>();
        String pluginPath = null;
        for (int i = 0; i < args.length; i++) {
            if (args[i].equals("--plugin-path") && i + 1 < args.length) {
                pluginPath = args[++i];
            } else if (args[i].startsWith("--plugin-path=")) {
                pluginPath = args[i].substring("--plugin-path=".length());
            } else {
                rest.add(args[i]);
            }
        }
        Plugins.usePath(pluginPath);
        return rest.toArray(String[]::new);
    }

    /**
     * Adds the commands of every {@link ToolCommands} on the class path (the tools module: demo, bench, drill...), then
     * {@code help}. The product alone offers its own commands and says where to start without the tools.
     */
    private static CommandLine withTools(CommandLine cli) {
        String startWith = "reprise plan --offline --contract FILE";
        for (ToolCommands tools : java.util.ServiceLoader.load(ToolCommands.class)) {
            tools.commands().forEach(cli::addSubcommand);
            startWith = tools.startWith();
        }
        cli.addSubcommand(new CommandLine.HelpCommand());
        java.util.List<String> footer = new java.util.ArrayList<>(java.util.List.of(cli.getCommandSpec().usageMessage().footer()));
        footer.add("A team's projections and upcasters: --plugin-path DIR[" + java.io.File.pathSeparator + "DIR...] with any command "
                + "(else $REPRISE_PLUGIN_PATH, else plugins/ beside the install): each plugin a jar or a folder of jars.");
        footer.add("Start with: " + startWith);
        cli.getCommandSpec().usageMessage().footer(footer.toArray(String[]::new));
        return cli;
    }

    /** The contract the failed command named, to say which permissions it needs; null when it named none or it cannot be read. */
    private static Contract contractOf(CommandLine.ParseResult parseResult) {
        CommandLine.ParseResult last = parseResult;
        while (last.subcommand() != null) {
            last = last.subcommand();
        }
        java.nio.file.Path file = last.hasMatchedOption("--contract") ? last.matchedOptionValue("--contract", null) : null;
        try {
            return file == null ? null : ContractLoader.load(file);
        } catch (RuntimeException e) {
            return null;
        }
    }

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = Main.class.getPackage().getImplementationVersion();
            return new String[]{"reprise " + (v == null ? "development build" : v) + " (Kafka Streams "
                    + dev.reprise.compat.KafkaInternals.streamsVersion() + ")"};
        }
    }
}
