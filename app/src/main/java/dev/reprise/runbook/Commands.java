package dev.reprise.runbook;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * The command lines of a runbook: every Reprise command names the contract as the operator named it, and the
 * cluster as given ({@code --bootstrap-server}, {@code --command-config}) or, for a runbook written offline, as
 * {@code "$BOOTSTRAP"} for the shell to fill in.
 */
public final class Commands {
    /** The shell variable an offline runbook's commands use for the bootstrap servers. */
    public static final String BOOTSTRAP_VARIABLE = "$BOOTSTRAP";
    private static final Pattern SHELL_SAFE = Pattern.compile("[A-Za-z0-9_.:=,@/+%-]+");

    private final String contract;
    private final String bootstrap;
    private final String commandConfig;

    /**
     * @param contract      the contract path as the operator gave it
     * @param bootstrap     the bootstrap servers, or null for {@link #BOOTSTRAP_VARIABLE}
     * @param commandConfig the client properties file, or null when none was given
     */
    public Commands(String contract, String bootstrap, String commandConfig) {
        this.contract = contract;
        this.bootstrap = bootstrap == null ? BOOTSTRAP_VARIABLE : bootstrap;
        this.commandConfig = commandConfig;
    }

    public String bootstrap() {
        return bootstrap;
    }

    /** The client properties file the commands name, or null. */
    public String commandConfig() {
        return commandConfig;
    }

    public boolean bootstrapIsVariable() {
        return bootstrap.equals(BOOTSTRAP_VARIABLE);
    }

    /** A command that needs no cluster: {@code sub --contract C rest...}. */
    public List<String> offline(String sub, String... rest) {
        List<String> args = new ArrayList<>(List.of(sub, "--contract", contract));
        args.addAll(List.of(rest));
        return args;
    }

    /** A command against the cluster: {@code sub --contract C --bootstrap-server B [--command-config F] rest...}. */
    public List<String> cluster(String sub, String... rest) {
        List<String> args = new ArrayList<>(List.of(sub, "--contract", contract, "--bootstrap-server", bootstrap));
        if (commandConfig != null) {
            args.add("--command-config");
            args.add(commandConfig);
        }
        args.addAll(List.of(rest));
        return args;
    }

    /** {@code reprise} and the arguments, each quoted for a POSIX shell where it needs it. */
    public static String line(List<String> args) {
        StringBuilder out = new StringBuilder("reprise");
        for (String a : args) {
            out.append(' ').append(quote(a));
        }
        return out.toString();
    }

    /** Single quotes unless the word is safe as it is; the bootstrap variable in double quotes, so the shell expands it. */
    public static String quote(String word) {
        if (word.equals(BOOTSTRAP_VARIABLE)) {
            return "\"" + BOOTSTRAP_VARIABLE + "\"";
        }
        return SHELL_SAFE.matcher(word).matches() ? word : "'" + word.replace("'", "'\\''") + "'";
    }
}
