package dev.reprise.runbook;

import java.util.List;

/**
 * An operator runbook for one replay, written by {@link #write} from a contract, its plan and the run's settings:
 * Markdown that renders on a code host, or one self-contained HTML page ({@link #html()}) to print or attach to a
 * change ticket.
 *
 * @param title      the runbook's title
 * @param markdown   the whole runbook
 * @param steps      its Reprise commands in order, as the Markdown shows them
 * @param unanswered what the contract leaves open, each as "(letter) what is missing: risk"
 */
public record Runbook(String title, String markdown, List<Step> steps, List<String> unanswered) {

    public Runbook {
        steps = List.copyOf(steps);
        unanswered = List.copyOf(unanswered);
    }

    /** Writes the runbook of a replay. */
    public static Runbook write(Facts facts) {
        return RunbookWriter.write(facts);
    }

    /** The runbook as one HTML page with its style inline and no external resource. */
    public String html() {
        return Html.render(title, markdown);
    }
}
