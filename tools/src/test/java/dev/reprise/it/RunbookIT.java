package dev.reprise.it;

import dev.reprise.Cli.Outcome;
import dev.reprise.runbook.RunbookText;
import dev.reprise.runbook.Step;
import dev.reprise.sample.inventory.InventoryGenerator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static dev.reprise.Cli.reprise;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * A runbook written against a real broker, then followed: every Reprise command it holds is taken out of its
 * Markdown and run, in order, through the real command line, and each must exit as the runbook says it will.
 */
@Timeout(value = 600, unit = TimeUnit.SECONDS)
class RunbookIT {

    @Test
    void everyCommandOfTheRunbookExitsAsTheRunbookSays() throws Exception {
        ReplayFixture f = new ReplayFixture(3, "");
        f.generate(new InventoryGenerator.Options(3_000, 0.05, 3, 3, 60, 16L, System.currentTimeMillis() - 3_600_000, false, 0));
        Path contract = f.contractFile();
        String bootstrap = f.kafka.bootstrapServers();
        Path stateDir = f.stateDir.resolve("runbook-state");

        // Written before the live topic exists: the cut-over could not work, and the runbook says so.
        String early = write(f, contract, stateDir, f.stateDir.resolve("early.md"));
        assertThat(early).contains("> **NO-GO:** topic `" + f.live + "` does not exist");
        f.kafka.createTopic(f.live, 1, Map.of("cleanup.policy", "compact"));
        String markdown = write(f, contract, stateDir, f.stateDir.resolve("runbook.md"));
        assertThat(markdown).doesNotContain("NO-GO");

        theClusterFactsAreThePlans(f, contract, markdown);

        List<RunbookText.Extracted> steps = RunbookText.steps(markdown);
        assertThat(steps).extracting(RunbookText.Extracted::line).allMatch(l -> l.startsWith("reprise "));
        List<String> log = new Follower(steps, bootstrap).followAll();
        assertThat(log).as("every step was run").hasSizeGreaterThanOrEqualTo(steps.size());

        // What the steps did, seen from outside: the promotion wrote the live topic, and the last run is trusted.
        assertThat(f.readLatest(f.live)).as("keys promoted into the live topic").isNotEmpty();
        Outcome gate = reprise(OperatorWorkflowIT.args(f, contract, "evidence", "--json"));
        assertThat(gate.exitCode()).isZero();
        assertThat(gate.json().get("events_processed").asLong()).isEqualTo(3_000);
    }

    private static String write(ReplayFixture f, Path contract, Path stateDir, Path out) throws Exception {
        // The runbook's commands carry this file: the run signs its evidence, verify and promote check the signature.
        Path keys = Files.writeString(f.stateDir.resolve("evidence-keys.properties"), "reprise.evidence.signing.key.file="
                + f.keys().resolve(dev.reprise.evidence.EvidenceKeys.PRIVATE_KEY_FILE) + "\nreprise.evidence.public.key.file=" + f.publicKey() + "\n");
        Outcome o = reprise("runbook", "--contract", contract.toString(), "--bootstrap-server", f.kafka.bootstrapServers(), "--rate", "400",
                "--command-config", keys.toString(), "--state-dir", stateDir.toString(), "-o", out.toString());
        assertThat(o.exitCode()).as("runbook; stderr: %s", o.stderr()).isZero();
        return Files.readString(out);
    }

    /** The runbook's ranges, offsets and estimate are those `reprise plan` finds on the same cluster. */
    private static void theClusterFactsAreThePlans(ReplayFixture f, Path contract, String markdown) {
        Outcome plan = reprise(OperatorWorkflowIT.args(f, contract, "plan", "--json"));
        assertThat(plan.exitCode()).as(plan.stderr()).isZero();
        long total = plan.json().get("total_offsets").asLong();
        Map<Integer, String> sections = RunbookText.sections(markdown);
        List<List<String>> ranges = RunbookText.table(sections.get(3), "partition");
        assertThat(ranges).extracting(r -> r.get(0)).containsExactly(f.source + "-0", f.source + "-1", f.source + "-2");
        assertThat(ranges.stream().mapToLong(r -> Long.parseLong(r.get(3).replace(",", ""))).sum()).isEqualTo(total);
        assertThat(sections.get(3)).contains(String.format(Locale.ROOT, "%,d offsets in 3 partitions", total));
        assertThat(sections.get(9)).contains(String.format(Locale.ROOT, "(%,d offsets at 400 events/s", total));
        List<List<String>> versions = RunbookText.table(sections.get(3), "event type");
        for (String v : List.of("v1", "v2", "v3")) {
            List<String> row = versions.stream().filter(r -> r.get(0).equals("StockMovement") && r.get(1).equals(v)).findFirst().orElseThrow();
            assertThat(Long.parseLong(row.get(3).replace(",", ""))).as("StockMovement %s found in the sample", v).isPositive();
        }
        assertThat(sections.get(2)).contains("When this runbook was written the plan had no warnings");
        assertThat(RunbookText.table(sections.get(6), "check")).anyMatch(r -> r.get(1).contains(String.format(Locale.ROOT, "events_read ≤ %,d", total)));
    }

    /**
     * Follows a runbook's steps as an operator would: {@code background} steps start {@code reprise run} and the
     * following steps go on beside it; {@code after-run} steps wait for it first, {@code ends-run} steps end it. A
     * {@code during-run} step with no run going is the runbook's rehearsal of section 8: the steps that started the
     * first run are followed again first, as the runbook says.
     */
    private static final class Follower {
        private final List<RunbookText.Extracted> steps;
        private final String bootstrap;
        private final List<String> log = new ArrayList<>();
        private CompletableFuture<Outcome> running;
        private RunbookText.Extracted runningStep;

        Follower(List<RunbookText.Extracted> steps, String bootstrap) {
            this.steps = steps;
            this.bootstrap = bootstrap;
        }

        List<String> followAll() throws Exception {
            for (RunbookText.Extracted s : steps) {
                follow(s);
            }
            assertThat(running).as("a background run left going after the last step").isNull();
            return log;
        }

        private void follow(RunbookText.Extracted s) throws Exception {
            switch (s.when()) {
                case BACKGROUND -> {
                    assertThat(running).as("step %s starts a run while another is going", s.id()).isNull();
                    String[] args = s.args(bootstrap);
                    running = CompletableFuture.supplyAsync(() -> reprise(args));
                    runningStep = s;
                    log.add(s.id() + " started");
                }
                case DURING_RUN -> {
                    if (running == null) {
                        rehearse();
                        untilItRuns(s);
                    }
                    run(s);
                }
                case ENDS_RUN -> {
                    assertThat(running).as("step %s ends a run, but none is going", s.id()).isNotNull();
                    run(s);
                    Outcome ended = running.get(120, TimeUnit.SECONDS);
                    assertThat(ended.exitCode()).as("the run of step %s after step %s; stderr: %s", runningStep.id(), s.id(), ended.stderr())
                            .isEqualTo(s.exit());
                    running = null;
                }
                case AFTER_RUN -> {
                    assertThat(running).as("step %s waits for a run, but none was started", s.id()).isNotNull();
                    Outcome ended = running.get(180, TimeUnit.SECONDS);
                    assertThat(ended.exitCode()).as("step %s `%s`; stderr: %s", runningStep.id(), runningStep.line(), ended.stderr())
                            .isEqualTo(runningStep.exit());
                    log.add(runningStep.id() + " exited " + ended.exitCode());
                    running = null;
                    run(s);
                }
                case NOW -> run(s);
            }
        }

        /** The steps of the section that started the first run, up to that run, again. */
        private void rehearse() throws Exception {
            RunbookText.Extracted first = steps.stream().filter(x -> x.when() == Step.When.BACKGROUND).findFirst().orElseThrow();
            String section = first.id().substring(0, first.id().indexOf('.'));
            for (RunbookText.Extracted s : steps) {
                if (s.id().startsWith(section + ".")) {
                    follow(s);
                }
                if (s == first) {
                    return;
                }
            }
        }

        /**
         * Waits, as the operator of the rehearsal would, until `reprise status` shows the run going (records read): the
         * starting point of section 8 is a run that is going, not one still starting.
         */
        private void untilItRuns(RunbookText.Extracted s) throws InterruptedException {
            String[] status = s.args(bootstrap).clone();
            List<String> args = new ArrayList<>(List.of("status", "--json"));
            for (int i = 0; i < status.length; i++) {
                if (List.of("--contract", "--bootstrap-server", "--command-config").contains(status[i])) {
                    args.add(status[i]);
                    args.add(status[++i]);
                }
            }
            long deadline = System.currentTimeMillis() + 120_000;
            while (System.currentTimeMillis() < deadline) {
                Outcome o = reprise(args.toArray(String[]::new));
                if (o.exitCode() == 0 && o.json().get("state").asText().equals("running") && o.json().get("offsets_done").asLong() > 0) {
                    return;
                }
                Thread.sleep(200);
            }
            throw new AssertionError("the rehearsed run did not start reading within 120 s");
        }

        private void run(RunbookText.Extracted s) {
            Outcome o = reprise(s.args(bootstrap));
            assertThat(o.exitCode()).as("step %s `%s` (steps so far: %s)%nstdout: %s%nstderr: %s", s.id(), s.line(), log, o.stdout(), o.stderr())
                    .isEqualTo(s.exit());
            log.add(s.id() + " exited " + o.exitCode());
        }
    }
}
