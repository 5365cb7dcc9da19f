package dev.reprise.runbook;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The Markdown of a runbook as it is written, section by section, with its steps numbered per section. Written by
 * hand rather than with a template engine: a runbook is headings, paragraphs, tables and code blocks whose content
 * is computed line by line from the contract and the plan, which a template would only wrap in loops.
 */
final class Doc {
    private final StringBuilder md = new StringBuilder();
    private final List<Step> steps = new ArrayList<>();
    /** Steps by a name the sections share ("run", "go"), so a later section refers to an earlier step's number. */
    private final Map<String, Step> named = new TreeMap<>();
    private int section = -1;
    private int stepInSection;

    void title(String text) {
        md.append("# ").append(text).append("\n\n");
    }

    void section(int number, String title) {
        section = number;
        stepInSection = 0;
        md.append("## ").append(number).append(". ").append(title).append("\n\n");
    }

    void subsection(String title) {
        md.append("### ").append(title).append("\n\n");
    }

    void para(String text) {
        md.append(text.strip()).append("\n\n");
    }

    void bullets(List<String> items) {
        if (items.isEmpty()) {
            return;
        }
        items.forEach(i -> md.append("- ").append(i.strip().replace("\n", " ")).append('\n'));
        md.append('\n');
    }

    void checklist(List<String> items) {
        items.forEach(i -> md.append("- [ ] ").append(i.strip().replace("\n", " ")).append('\n'));
        md.append('\n');
    }

    /** A table; cells are Markdown, with pipes and line breaks made safe. */
    void table(List<String> header, List<List<String>> rows) {
        md.append(row(header));
        md.append('|').append("---|".repeat(header.size())).append('\n');
        rows.forEach(r -> md.append(row(r)));
        md.append('\n');
    }

    private static String row(List<String> cells) {
        StringBuilder out = new StringBuilder("|");
        cells.forEach(c -> out.append(' ').append(cell(c)).append(" |"));
        return out.append('\n').toString();
    }

    private static String cell(String text) {
        return text == null || text.isEmpty() ? " " : text.replace("\\|", "|").replace("|", "\\|").replace("\r", "").replace("\n", " ");
    }

    /** A fenced block that is not a step: pseudocode, a file's content. */
    void fenced(String info, String text) {
        String fence = text.contains("```") ? "~~~~" : "```";
        md.append(fence).append(info).append('\n').append(text.stripTrailing()).append('\n').append(fence).append("\n\n");
    }

    /**
     * A loud notice: a question the contract leaves open, or a warning of the plan, with the risk it leaves. Rendered
     * as a block quote starting with the label in capitals, so it stands out on a code host and in print.
     */
    void loud(String label, String text) {
        md.append("> **").append(label).append(":** ").append(text.strip().replace("\n", " ")).append("\n\n");
    }

    /** A Kafka tool's command: not Reprise's, marked so, never mistaken for a step. */
    void kafkaTool(String text) {
        md.append("```sh kafka-tool\n").append(text.stripTrailing()).append("\n```\n\n");
    }

    /** A shell command that is neither Reprise's nor Kafka's (removing a directory). */
    void shell(String text) {
        md.append("```sh shell\n").append(text.stripTrailing()).append("\n```\n\n");
    }

    /**
     * A step: its title, the command as a marked block, the expected exit code and what the others mean.
     *
     * @param name a name later sections use to refer to the step ({@link #ref}), or null
     */
    Step step(String name, String title, List<String> args, int exit, String outcome, Step.When when) {
        if (section < 0) {
            throw new IllegalStateException("a step outside a section");
        }
        Step s = new Step(section + "." + (++stepInSection), title, args, exit, outcome, when);
        steps.add(s);
        if (name != null) {
            named.put(name, s);
        }
        md.append("**Step ").append(s.id()).append(": ").append(title).append("**");
        if (!when.sentence().isEmpty()) {
            md.append(" ").append(when.sentence());
        }
        md.append("\n\n```").append(s.info()).append('\n').append(s.commandLine()).append("\n```\n\n");
        md.append("Expected exit: **").append(exit).append("**. ").append(outcome.strip()).append("\n\n");
        return s;
    }

    /** The number of a step written earlier under {@code name}, e.g. "5.3". */
    String ref(String name) {
        Step s = named.get(name);
        if (s == null) {
            throw new IllegalStateException("no step named " + name + " was written yet");
        }
        return s.id();
    }

    boolean has(String name) {
        return named.containsKey(name);
    }

    List<Step> steps() {
        return List.copyOf(steps);
    }

    String markdown() {
        return md.toString();
    }

    /** Inline code, with a longer fence when the text holds a backtick. */
    static String code(String text) {
        return text.contains("`") ? "`` " + text + " ``" : "`" + text + "`";
    }
}
