package dev.reprise.runbook;

import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One Reprise command of a runbook: what it is for, the exact command line and the exit code it is expected to end
 * with. In the Markdown a step is a fenced code block whose info string carries the same facts, so a person reads
 * them beside the command and a program extracts them without guessing:
 * <pre>
 * ```sh reprise-step id=5.3 exit=0 when=background
 * reprise run --contract config/inventory.yaml --bootstrap-server kafka:9092 --state-dir /var/lib/reprise
 * ```
 * </pre>
 *
 * @param id      section and number, e.g. {@code 5.3}
 * @param title   what the step does, in a few words
 * @param args    the command line after {@code reprise}
 * @param exit    the exit code the step is expected to end with when everything is as the runbook expects
 * @param outcome what that exit code and the other possible ones mean, for the operator
 * @param when    when the step runs relative to the replay
 */
public record Step(String id, String title, List<String> args, int exit, String outcome, When when) {
    /** The first word of every step's info string after the language. */
    public static final String MARKER = "reprise-step";
    private static final Pattern INFO = Pattern.compile("^sh " + MARKER + " id=(\\S+) exit=(\\d+) when=(\\S+)$");

    public Step {
        args = List.copyOf(args);
    }

    /** When a step runs, relative to {@code reprise run}. */
    public enum When {
        /** Now, in order: the command ends by itself. */
        NOW("now", ""),
        /** Starts {@code reprise run}, which keeps going until the run's final evidence is written. */
        BACKGROUND("background", "Keeps running until the run's final evidence is written: start it on every instance (a Job or a pod each) "
                + "and go on with the next step in another terminal."),
        /** Needs a run that is going (started by the last BACKGROUND step). */
        DURING_RUN("during-run", "While the run is going."),
        /** Ends the run that is going: every {@code reprise run} of it exits with this step's exit code. */
        ENDS_RUN("ends-run", "Ends the run that is going: every instance's `reprise run` exits with the same code."),
        /** Needs the run's final evidence: after {@code reprise run} has exited. */
        AFTER_RUN("after-run", "After `reprise run` has exited (the run's final evidence is written).");

        private final String word;
        private final String sentence;

        When(String word, String sentence) {
            this.word = word;
            this.sentence = sentence;
        }

        public String word() {
            return word;
        }

        /** What the operator must know about the timing, or "" when there is nothing to say. */
        public String sentence() {
            return sentence;
        }

        public static When of(String word) {
            for (When w : values()) {
                if (w.word.equals(word)) {
                    return w;
                }
            }
            throw new IllegalArgumentException("unknown step timing '" + word + "'");
        }
    }

    /** The fenced code block's info string. */
    public String info() {
        return "sh " + MARKER + " id=" + id + " exit=" + exit + " when=" + when.word();
    }

    /** The command line as the operator types it. */
    public String commandLine() {
        return Commands.line(args);
    }

    /**
     * The step facts of a fenced block's info string, or null when the block is not a step (pseudocode, a Kafka
     * tool's command).
     */
    public static Marker parseInfo(String info) {
        Matcher m = INFO.matcher(info.trim());
        return m.matches() ? new Marker(m.group(1), Integer.parseInt(m.group(2)), When.of(m.group(3))) : null;
    }

    /** What an info string says about its step. */
    public record Marker(String id, int exit, When when) {
    }
}
