package dev.reprise.runbook;

import dev.reprise.contract.Contract;

import java.time.temporal.ChronoUnit;
import java.util.List;

/** Writes the sections of a runbook in order, after a header that says how to read it and what the contract leaves open. */
final class RunbookWriter {
    private RunbookWriter() {
    }

    static Runbook write(Facts f) {
        Contract c = f.contract();
        List<Gaps.Gap> gaps = Gaps.of(f);
        Doc doc = new Doc();
        String title = "Runbook: replay of " + c.name() + " into " + c.projection().topic();
        doc.title("Runbook: replay of " + Doc.code(c.name()) + " into " + Doc.code(c.projection().topic()));
        header(doc, f, gaps);
        AnswersSection.write(doc, f, gaps);
        GoalSection.write(doc, f, gaps);
        PreflightSection.write(doc, f, gaps);
        SelectionSection.write(doc, f, gaps);
        IdempotencySection.write(doc, f);
        PacingSection.write(doc, f, gaps);
        ValidationSection.write(doc, f, gaps);
        MonitoringSection.write(doc, f);
        RecoverySection.write(doc, f);
        TimelineSection.write(doc, f);
        CleanupSection.write(doc, f);
        return new Runbook(title, doc.markdown(), doc.steps(),
                gaps.stream().map(g -> "(" + g.letter() + ") " + g.title() + ": " + g.risk()).toList());
    }

    private static void header(Doc doc, Facts f, List<Gaps.Gap> gaps) {
        Contract c = f.contract();
        String source = c.source() == null ? "a contract built in code" : "contract " + Doc.code(String.valueOf(c.source().getFileName()));
        doc.para("Written by `reprise runbook` at " + f.generatedAt().truncatedTo(ChronoUnit.SECONDS) + " from " + source + " (application "
                + Doc.code(c.applicationId()) + ", sha256 " + Doc.code(c.hash().substring(0, 12)) + "), "
                + (f.offline() ? "offline: the sections that need the plan say so." : "with the plan of the cluster at " + Doc.code(f.commands().bootstrap()) + ".")
                + " Regenerate it when the contract changes: the evidence names the contract's hash, and so does this runbook.");
        doc.para("**How to read it.** Every command is a Reprise command, in a block marked `" + Step.MARKER + "` with its number, the exit "
                + "code it is expected to end with and when it runs (`when=`: `now`, `background` for `reprise run`, `during-run`, `ends-run`, "
                + "`after-run`). Blocks marked `kafka-tool` are Kafka's own command-line tools and `shell` a plain shell command: neither is "
                + "Reprise. Run the commands from the directory the contract path is relative to.");
        if (f.commands().bootstrapIsVariable()) {
            doc.para("Set the cluster first, e.g. `export BOOTSTRAP=kafka-1:9092`: the commands use `\"$BOOTSTRAP\"`.");
        }
        if (gaps.isEmpty()) {
            doc.para("The contract answers every question this runbook asks.");
            return;
        }
        doc.loud("UNANSWERED QUESTIONS (" + gaps.size() + ")", "the contract leaves these open; each is explained, with its risk, in its section.");
        doc.bullets(gaps.stream().map(g -> "(" + g.letter() + ") " + g.title() + ": section " + g.section() + ".").toList());
    }
}
