package dev.reprise.cli;

import dev.reprise.contract.Contract;
import dev.reprise.contract.ContractLoader;
import dev.reprise.metrics.RunStatus;
import dev.reprise.run.Progress;
import dev.reprise.runner.RunObserver;
import dev.reprise.plan.RunPlan;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

class ProgressLineTest {
    static final Contract CONTRACT = ContractLoader.load(Path.of("..", "config", "inventory.yaml").toAbsolutePath().normalize());
    final RunPlan plan = new RunPlan("run-7", CONTRACT.name(), CONTRACT.hash(), CONTRACT.applicationId(), 0,
            List.of(new RunPlan.PartitionRange("inventory-events", 0, 0, 1_000, 999)), 1);
    final AtomicLong clock = new AtomicLong(0);
    final RunStatus status = new RunStatus(CONTRACT.applicationId(), clock::get);
    final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    final PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8);

    private void progress(ProgressLine line, long afterMillis, long committed) {
        clock.addAndGet(afterMillis);
        Progress p = Progress.of(plan, Map.of(new TopicPartition("inventory-events", 0), committed));
        status.progress(p);
        line.progress(p);
    }

    /**
     * What a terminal shows for {@code text}: {@code \r} returns to the line's start, {@code ESC[K} erases to its end,
     * {@code \n} starts a new line, other characters overwrite.
     */
    static List<String> screen(String text) {
        List<String> lines = new ArrayList<>();
        StringBuilder line = new StringBuilder();
        int col = 0;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (text.startsWith("\u001b[K", i)) {
                line.setLength(col);
                i += 2;
            } else if (c == '\r') {
                col = 0;
            } else if (c == '\n') {
                lines.add(line.toString());
                line.setLength(0);
                col = 0;
            } else {
                if (col < line.length()) {
                    line.setCharAt(col, c);
                } else {
                    line.append(c);
                }
                col++;
            }
        }
        if (!line.isEmpty()) {
            lines.add(line.toString());
        }
        return lines;
    }

    @Test
    void atATerminalAWarningGetsALineOfItsOwnAndTheProgressLineIsDrawnBelowIt() {
        status.created(plan, null);
        status.state(RunObserver.State.RUNNING);
        ProgressLine line = new ProgressLine(out, true, status, clock::get);
        PrintStream err = new PrintStream(line.guard(), true, StandardCharsets.UTF_8);
        progress(line, 0, 0);
        progress(line, 1_000, 100);
        progress(line, 1_000, 200);
        String warning = "00:07:07.621 WARN  SourceStage - Poison record at inventory-events-0 offset 125 (not-confluent-framing)";
        err.println(warning);
        progress(line, 1_000, 300);
        line.close();
        out.println("Recovery evidence for run run-7");

        List<String> shown = screen(bytes.toString(StandardCharsets.UTF_8));
        assertThat(shown).hasSize(3);
        assertThat(shown.get(0)).as("the warning, whole and alone on its line").isEqualTo(warning);
        assertThat(shown.get(1)).as("the progress line below it, with its latest figures")
                .isEqualTo("   30.0%  300 / 1,000 offsets  0/1 partitions  100 offsets/s  ETA 7 s");
        assertThat(shown.get(2)).as("the result on a line of its own").isEqualTo("Recovery evidence for run run-7");
        assertThat(bytes.toString(StandardCharsets.UTF_8)).as("rewritten in place: one line for four updates").contains("\r");
    }

    @Test
    void aWarningBeforeAnyProgressIsPassedThroughUntouched() {
        ProgressLine line = new ProgressLine(out, true, status, clock::get);
        PrintStream err = new PrintStream(line.guard(), true, StandardCharsets.UTF_8);
        err.println("warning: the plan was made with another version of the contract");
        line.close();
        assertThat(bytes.toString(StandardCharsets.UTF_8)).isEqualTo("warning: the plan was made with another version of the contract" + System.lineSeparator());
    }

    @Test
    void notAtATerminalAPlainLineEveryTenSecondsAndAtEachNewState() {
        status.created(plan, null);
        ProgressLine line = new ProgressLine(out, false, status, clock::get);
        status.state(RunObserver.State.RUNNING);
        line.state(RunObserver.State.RUNNING);
        for (int i = 1; i <= 25; i++) {
            progress(line, 1_000, 40L * i);
        }
        status.state(RunObserver.State.PAUSED);
        line.state(RunObserver.State.PAUSED);
        line.close();

        String text = bytes.toString(StandardCharsets.UTF_8);
        assertThat(text).doesNotContain("\r").doesNotContain("\u001b");
        List<String> lines = text.lines().toList();
        assertThat(lines).as("the new state at 0 s, the progress at 10 s and 20 s, the pause at 25 s").hasSize(4);
        assertThat(lines.get(1)).isEqualTo("   40.0%  400 / 1,000 offsets  0/1 partitions  40 offsets/s  ETA 15 s");
        assertThat(lines.get(2)).isEqualTo("   80.0%  800 / 1,000 offsets  0/1 partitions  40 offsets/s  ETA 5 s");
        assertThat(lines.get(3)).endsWith("paused ('reprise resume' continues)");
    }

    @Test
    void onceTheEvidenceIsFinalTheLineShowsTheEvidencesRateAndDuration() {
        status.created(plan, null);
        status.finalEvidence(dev.reprise.evidence.avro.RecoveryEvidence.newBuilder(
                        dev.reprise.evidence.EvidenceBuilder.progress(CONTRACT, plan, List.of(), 0))
                .setKind(dev.reprise.evidence.avro.EvidenceKind.FINAL)
                .setConfidenceStatus(dev.reprise.evidence.avro.ConfidenceStatus.trusted)
                .setStartedAt(java.time.Instant.ofEpochMilli(1_000))
                .setEndedAt(java.time.Instant.ofEpochMilli(5_100))
                .setEventsPerSecond(243.9)
                .build());
        status.state(RunObserver.State.COMPLETED);
        assertThat(ProgressLine.render(status.snapshot())).endsWith("244 events/s over 4.1 s (evidence)  completed, trusted");
    }
}
