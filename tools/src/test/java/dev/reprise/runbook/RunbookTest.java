package dev.reprise.runbook;

import dev.reprise.Main;
import dev.reprise.contract.Contract;
import dev.reprise.contract.ContractLoader;
import dev.reprise.it.MetricsIT;
import dev.reprise.metrics.MetricsServer;
import dev.reprise.plan.CompiledContract;
import dev.reprise.projection.Event;
import dev.reprise.projection.Invariant;
import dev.reprise.projection.Projection;
import org.apache.avro.specific.SpecificRecord;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

/** Runbooks written offline from the sample contracts and from contracts made to answer every question, or few. */
class RunbookTest {
    private static final Path CONFIG = Path.of("..", "config");
    private static final List<String> SECTIONS = List.of("The contract's answers and the replay loop", "Goal, scope, assumptions and non-goals",
            "Pre-flight", "Event selection", "Idempotency and deduplication", "Batch sizing, throttling, pause and resume", "Validation",
            "Monitoring", "Rollback, abort and recovery", "Operator timeline", "Post-replay cleanup and lessons learned");

    static Runbook offline(Contract contract, CompiledContract codecs, String contractArg) {
        return Runbook.write(new Facts(contract, codecs, new Commands(contractArg, null, null), null,
                new Facts.Options(20_000, "User:reprise", "/var/lib/reprise", MetricsServer.DEFAULT_PORT), Instant.parse("2026-11-30T08:00:00Z")));
    }

    static Runbook sample(String name) {
        Contract c = ContractLoader.load(CONFIG.resolve(name + ".yaml"));
        return offline(c, CompiledContract.forContract(c), "config/" + name + ".yaml");
    }

    static Contract parse(String yaml) {
        return ContractLoader.parse(yaml.getBytes(StandardCharsets.UTF_8), CONFIG.toAbsolutePath(), null);
    }

    /** Every question answered: a reference, a live topic, a sequence field, a tenant field, thresholds, invariants and totals. */
    static final String ANSWERED = """
            name: invoice-full
            application_id: reprise-invoice-full
            history:
              topics: [invoice-events]
              encoding: confluent
              schemas: {source: local, directory: ../schemas, id_map: ../schemas/registry-ids.yaml}
              keyed_by_ordering_key: true
            ordering: {key_field: tenant, sequence_field: seq}
            idempotency: {event_id_field: event_id}
            projection: {name: invoice-summary, topic: invoice-summary-rebuilt}
            scope: {from: earliest, to: latest-at-start, tenant_field: tenant}
            reconciliation:
              reference_topic: invoice-summary
              reference_must_match: false
              invariants:
                - {name: outstanding_not_negative, expression: outstanding_cents >= 0}
              totals:
                - {name: keys_come_from_events, expression: projection_keys <= events_processed}
              thresholds:
                - {name: poison-flood, metric: dead_letter_ratio, above: 0.005, window: 1000, action: pause}
                - {name: p0-invariants, metric: invariant_failures, tenants: [acme], action: abort}
            evidence:
              topic: reprise-evidence
              max_dead_letter_ratio: 0.002
              max_ordering_violations: 3
              max_live_diff_ratio: 0.05
              min_events_processed: 1000
              min_projection_keys: 10
            dead_letter: {topic: invoice-events-dlq}
            promote: {max_changed_ratio: 0.2}
            allowed_write_topics: [invoice-summary-rebuilt, reprise-evidence, invoice-events-dlq, invoice-summary]
            """;

    /** As little as a contract can say: no reference, no live topic, no sequence or tenant field, no thresholds. */
    static final String BARE = """
            name: bare
            application_id: reprise-bare
            history:
              topics: [inventory-events]
              encoding: confluent
              schemas: {source: local, directory: ../schemas, id_map: ../schemas/registry-ids.yaml}
            ordering: {key_field: sku}
            idempotency: {event_id_field: event_id}
            projection: {name: inventory-levels, topic: bare-rebuilt}
            evidence: {topic: bare-evidence}
            dead_letter: {topic: bare-dlq}
            allowed_write_topics: [bare-rebuilt, bare-evidence, bare-dlq]
            """;

    /** A projection that declares no invariants: the sample projection with its invariants taken away. */
    record WithoutInvariants<S extends SpecificRecord>(Projection<S> inner) implements Projection<S> {
        public String name() {
            return inner.name();
        }

        public Class<S> stateClass() {
            return inner.stateClass();
        }

        public S initial(String key) {
            return inner.initial(key);
        }

        public S apply(S state, Event event) {
            return inner.apply(state, event);
        }

        public List<Invariant<S>> invariants() {
            return List.of();
        }
    }

    @Nested
    class TheSampleContracts {
        final Runbook inventory = sample("inventory");
        final Runbook invoice = sample("invoice");

        @Test
        void everySectionIsThereInOrder() {
            for (Runbook r : List.of(inventory, invoice)) {
                Map<Integer, String> sections = RunbookText.sections(r.markdown());
                assertThat(sections.keySet()).as("sections of %s", r.title()).containsExactly(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10);
                for (int i = 0; i < SECTIONS.size(); i++) {
                    assertThat(sections.get(i)).as("heading of section %d", i).startsWith("## " + i + ". " + SECTIONS.get(i) + "\n");
                }
            }
        }

        @Test
        void monitoringNamesOnlyMetricsARunServesAndTheDashboardAndAlertsThatQueryThem() {
            String monitoring = RunbookText.sections(inventory.markdown()).get(7);
            java.util.Set<String> named = new java.util.TreeSet<>();
            java.util.regex.Matcher m = java.util.regex.Pattern.compile("\\breprise_[a-z_]+").matcher(monitoring);
            while (m.find()) {
                named.add(m.group());
            }
            // MetricsIT checks each of these names against a scrape of a real run.
            assertThat(named).as("metrics the runbook tells the operator to watch").hasSizeGreaterThanOrEqualTo(6)
                    .isSubsetOf(MetricsIT.REPRISE_METRICS);
            assertThat(monitoring).contains("--metrics-port` (default 9464)", "/health/ready", "deploy/grafana/reprise-dashboard.json",
                    "deploy/prometheus/reprise-alerts.yaml", "this contract's limits are 1% and 50%");
        }

        @Test
        void theCutOverIsThereOnlyForTheContractWithALiveTopic() {
            assertThat(inventory.steps()).extracting(Step::commandLine)
                    .contains("reprise promote --contract config/inventory.yaml --bootstrap-server \"$BOOTSTRAP\" --to inventory-levels",
                            "reprise promote --contract config/inventory.yaml --bootstrap-server \"$BOOTSTRAP\" --to inventory-levels --execute");
            assertThat(invoice.steps()).extracting(Step::commandLine).noneMatch(l -> l.contains("promote"));
            String goal = RunbookText.sections(invoice.markdown()).get(1);
            assertThat(goal).contains("> **UNANSWERED (F):** no live projection topic");
            assertThat(RunbookText.sections(inventory.markdown()).get(1)).doesNotContain("UNANSWERED")
                    .contains("promote it into the live topic `inventory-levels`");
        }

        @Test
        void eachCommandNamesItsOwnContract() {
            assertThat(inventory.steps()).allSatisfy(s -> assertThat(s.args()).containsSequence("--contract", "config/inventory.yaml"));
            assertThat(invoice.steps()).allSatisfy(s -> assertThat(s.args()).containsSequence("--contract", "config/invoice.yaml"));
        }

        @Test
        void theLoopIsTheOneEachContractRuns() {
            String inv = RunbookText.sections(inventory.markdown()).get(0);
            String bill = RunbookText.sections(invoice.markdown()).get(0);
            assertThat(inv).contains("SOURCE TASK, one per source partition", "repartition partition murmur2(key) mod N", "key ← e.sku; id ← e.event_id",
                    "APPLY TASK, one per repartition partition").doesNotContain("seq ←", "misplaced_events");
            assertThat(bill).contains("no repartition: history.keyed_by_ordering_key", "key ← e.tenant; id ← e.event_id", "seq ← e.seq",
                    "if seq ≤ last_seq[key]: ordering_violations += 1", "misplaced_events += 1", "invoice-summary.apply")
                    .doesNotContain("APPLY TASK, one per repartition partition");
            assertThat(inv).contains("**degraded** (exit 3) when none of that holds but dead letters above 1% of the records read.");
            assertThat(bill).contains("dead letters above 0.1% of the records read; or more than 0 ordering violations on `seq`");
        }

        @Test
        void theValidationTablesCarryEachContractsChecksAndLimits() {
            List<List<String>> inv = RunbookText.table(RunbookText.sections(inventory.markdown()).get(6), "check");
            List<List<String>> bill = RunbookText.table(RunbookText.sections(invoice.markdown()).get(6), "check");
            assertThat(row(inv, "dead letters")).containsExactly("dead letters", "dead_lettered ≤ 1% of events_read",
                    "above: degraded; above 50% (`dead_letters_below_hard_limit`): untrusted: no promotion");
            assertThat(row(bill, "dead letters").get(1)).isEqualTo("dead_lettered ≤ 0.1% of events_read");
            assertThat(row(bill, "ordering violations")).containsExactly("ordering violations on `seq`", "≤ 0", "more: degraded");
            assertThat(inv).noneMatch(r -> r.get(0).startsWith("ordering violations"));
            assertThat(row(inv, "`stock_on_hand_is_sum_of_movements`")).containsExactly("`stock_on_hand_is_sum_of_movements` (projection, *verify*)",
                    "`stock_on_hand == received - shipped + adjusted` on every key", "fails on a key: untrusted: no promotion");
            assertThat(row(inv, "`stock_covers_reservations`").get(1)).isEqualTo("`stock_on_hand >= reserved` on every key");
            assertThat(row(inv, "`keys_come_from_events`").get(1)).isEqualTo("`projection_keys <= events_processed`");
            assertThat(row(bill, "`outstanding_is_invoiced_minus_paid`").get(1)).isEqualTo("`outstanding_cents == total_invoiced_cents - total_paid_cents` on every key");
            assertThat(row(bill, "`history_keyed_by_ordering_key`").get(2)).isEqualTo("any: untrusted: no promotion");
            assertThat(inv).noneMatch(r -> r.get(0).equals("`history_keyed_by_ordering_key`"));
            assertThat(row(inv, "promotion's changed share").get(1)).startsWith("at most 10% of the live keys");
            assertThat(bill).noneMatch(r -> r.get(0).startsWith("promotion"));
        }

        @Test
        void onlyTheInventoryContractLeavesTheOrderUnchecked() {
            assertThat(RunbookText.sections(inventory.markdown()).get(3)).contains("> **UNANSWERED (O):** no ordering.sequence_field");
            assertThat(RunbookText.sections(invoice.markdown()).get(3)).doesNotContain("UNANSWERED")
                    .contains("`seq` must increase").contains("The ordering key is the tenant");
        }

        @Test
        void everyStepIsACommandTheRealCommandLineAccepts() {
            for (Runbook r : List.of(inventory, invoice)) {
                for (RunbookText.Extracted s : RunbookText.steps(r.markdown())) {
                    String[] args = s.args("localhost:9092");
                    assertThatCode(() -> new CommandLine(new Main()).parseArgs(args)).as("step %s: %s", s.id(), s.line()).doesNotThrowAnyException();
                }
            }
        }

        @Test
        void theMarkdownShowsEveryStepAsTheRunbookHoldsIt() {
            for (Runbook r : List.of(inventory, invoice)) {
                List<RunbookText.Extracted> extracted = RunbookText.steps(r.markdown());
                assertThat(extracted).hasSameSizeAs(r.steps());
                for (int i = 0; i < extracted.size(); i++) {
                    Step s = r.steps().get(i);
                    RunbookText.Extracted e = extracted.get(i);
                    assertThat(List.of(e.id(), e.exit(), e.when(), e.line())).isEqualTo(List.of(s.id(), s.exit(), s.when(), s.commandLine()));
                    assertThat(RunbookText.split(e.line(), "$BOOTSTRAP")).isEqualTo(concat("reprise", s.args()));
                    assertThat(r.markdown()).contains(e.line() + "\n```\n\nExpected exit: **" + s.exit() + "**.");
                }
                assertThat(extracted).extracting(RunbookText.Extracted::id).doesNotHaveDuplicates();
            }
        }

        @Test
        void everyOtherShellBlockIsMarkedAsNotReprise() {
            for (Runbook r : List.of(inventory, invoice)) {
                for (RunbookText.Block b : RunbookText.blocks(r.markdown())) {
                    if (Step.parseInfo(b.info()) != null || b.info().equals("text")) {
                        continue;
                    }
                    assertThat(b.info()).as("block %s", b.text()).isIn("sh kafka-tool", "sh shell");
                    assertThat(b.text().lines()).as("a %s block", b.info()).noneMatch(l -> l.startsWith("reprise"));
                }
            }
        }

        @Test
        void anOfflineRunbookSaysWhereThePlanIsNeeded() {
            assertThat(inventory.markdown()).contains("export BOOTSTRAP=", "Written offline: the ranges per partition are printed by `reprise plan` (step 2.3)");
            assertThat(RunbookText.table(RunbookText.sections(inventory.markdown()).get(3), "event type"))
                    .contains(List.of("StockMovement", "v1", "v1→v2 (`StockMovementV1ToV2`) → v2→v3 (`StockMovementV2ToV3`)", "(offline)"));
        }
    }

    @Nested
    class AContractThatAnswersEverything {
        final Contract contract = parse(ANSWERED);
        final Runbook runbook = offline(contract, CompiledContract.forContract(contract), "full.yaml");

        @Test
        void saysNothingIsUnanswered() {
            assertThat(runbook.unanswered()).isEmpty();
            assertThat(runbook.markdown()).contains("The contract answers every question this runbook asks.").doesNotContain("UNANSWERED");
        }

        @Test
        void itsThresholdsTableFollowsTheContract() {
            List<List<String>> rows = RunbookText.table(RunbookText.sections(runbook.markdown()).get(6), "check");
            assertThat(row(rows, "threshold `poison-flood`")).containsExactly("threshold `poison-flood` (while running)",
                    "dead letters among the last 1,000 records an instance read ≤ 0.5%",
                    "crossed: the run pauses by itself; resume (step 5.6) or abort (section 8)");
            assertThat(row(rows, "threshold `p0-invariants`")).containsExactly("threshold `p0-invariants` (while running)",
                    "no invariant fails on a key of [acme] after an event", "crossed: the run aborts by itself and is untrusted");
            assertThat(row(rows, "`outstanding_not_negative`").get(1)).isEqualTo("`outstanding_cents >= 0` on every key");
            assertThat(row(rows, "comparison with the live projection")).containsExactly("comparison with the live projection `invoice-summary`",
                    "at most 5% of the rebuilt keys differ", "more: degraded");
            assertThat(row(rows, "`rebuild_is_not_empty`").get(1)).isEqualTo("events_processed ≥ 1000 and projection_keys ≥ 10");
            assertThat(row(rows, "dead letters").get(1)).isEqualTo("dead_lettered ≤ 0.2% of events_read");
            assertThat(row(rows, "ordering violations").get(1)).isEqualTo("≤ 3");
            assertThat(row(rows, "promotion's changed share").get(1)).startsWith("at most 20% of the live keys");
            // Each value above comes from the contract: another contract gives another table.
            Contract stricter = parse(ANSWERED.replace("max_dead_letter_ratio: 0.002", "max_dead_letter_ratio: 0.0001")
                    .replace("above: 0.005", "above: 0.02"));
            List<List<String>> other = RunbookText.table(RunbookText.sections(offline(stricter, CompiledContract.forContract(stricter), "s.yaml").markdown()).get(6), "check");
            assertThat(row(other, "dead letters").get(1)).isEqualTo("dead_lettered ≤ 0.01% of events_read");
            assertThat(row(other, "threshold `poison-flood`").get(1)).endsWith("≤ 2%");
        }

        @Test
        void theLoopShowsTheThresholdsAndTheReference() {
            String loop = RunbookText.sections(runbook.markdown()).get(0);
            assertThat(loop).contains("threshold poison-flood: dead letters among the last 1000 records read > 0.005 → pause",
                    "threshold p0-invariants: an invariant fails on key of tenant [acme] → abort",
                    "compare every key with invoice-summary: unchanged, changed, missing, extra");
        }
    }

    @Nested
    class AContractThatLeavesQuestionsOpen {
        final Contract contract = parse(BARE);
        final CompiledContract codecs = withoutInvariants(CompiledContract.forContract(contract));
        final Runbook runbook = offline(contract, codecs, "bare.yaml");

        @SuppressWarnings({"unchecked", "rawtypes"})
        static CompiledContract withoutInvariants(CompiledContract c) {
            return c.withProjection(new WithoutInvariants(c.projection()), List.of());
        }

        @Test
        void saysEachOneLoudlyInItsSectionWithItsRisk() {
            Map<Integer, String> s = RunbookText.sections(runbook.markdown());
            assertThat(s.get(1)).contains("> **UNANSWERED (F):** no live projection topic", "Risk: this runbook has no cut-over");
            assertThat(s.get(3)).contains("> **UNANSWERED (O):** no ordering.sequence_field", "> **UNANSWERED (S):** no scope.tenant_field");
            assertThat(s.get(5)).contains("> **UNANSWERED (Q):** no reconciliation.thresholds", "Risk: the run never pauses or aborts by itself");
            assertThat(s.get(6)).contains("> **UNANSWERED (Q):** no invariants: projection inventory-levels declares none",
                    "> **UNANSWERED (Q):** no reconciliation.reference_topic", "the difference from the projection in service is never measured");
            assertThat(RunbookText.table(s.get(6), "check")).contains(List.of("comparison with a reference", "**UNANSWERED**: no reference topic",
                    "never: nothing is compared"));
            assertThat(s.get(0)).contains("**UNANSWERED**: no invariants (section 6)", "**UNANSWERED**: no sequence field (section 3)");
        }

        @Test
        void listsThemAllAtTheTop() {
            String top = runbook.markdown().substring(0, runbook.markdown().indexOf("## 0."));
            assertThat(top).contains("> **UNANSWERED QUESTIONS (6):**", "- (F) no live projection topic", "- (O) no ordering.sequence_field",
                    "- (S) no scope.tenant_field", "- (Q) no reconciliation.thresholds", "- (Q) no invariants", "- (Q) no reconciliation.reference_topic");
            assertThat(runbook.unanswered()).hasSize(6);
        }

        @Test
        void theSampleProjectionsOwnInvariantsAnswerTheInvariantQuestion() {
            Runbook withInvariants = offline(contract, CompiledContract.forContract(contract), "bare.yaml");
            assertThat(withInvariants.unanswered()).hasSize(5).noneMatch(u -> u.contains("no invariants"));
        }

        @Test
        void andItsHtmlShowsThemAsWarnings() {
            assertThat(runbook.html()).contains("<blockquote class=\"loud\">\n<p><strong>UNANSWERED (O):</strong> no ordering.sequence_field");
        }
    }

    @Nested
    class TheHtmlPage {
        final Runbook runbook = sample("inventory");
        final String html = runbook.html();

        @Test
        void isOneSelfContainedPage() {
            assertThat(html).startsWith("<!DOCTYPE html>").contains("<style>", "<meta charset=\"utf-8\">", "<title>Runbook: replay of inventory into "
                    + "inventory-levels-rebuilt</title>").endsWith("</html>\n");
            assertThat(html.toLowerCase()).doesNotContain("<script", "<link", "<img", "<iframe", "src=", "http://", "https://", "@import", "url(");
        }

        @Test
        void marksEveryStepWithItsFacts() {
            for (Step s : runbook.steps()) {
                assertThat(html).contains("<pre data-step=\"" + s.id() + "\" data-exit=\"" + s.exit() + "\" data-when=\"" + s.when().word() + "\">");
            }
            assertThat(html).contains("<pre class=\"kafka-tool\">", "<h2>6. Validation</h2>", "<table>");
            assertThat(html).contains("--reason 'a check failed; investigating'", "--bootstrap-server &quot;$BOOTSTRAP&quot;");
        }

        @Test
        void escapesWhatTheContractSays() {
            Contract c = parse(BARE.replace("name: bare", "name: \"<b>bare</b>\""));
            String page = offline(c, CompiledContract.forContract(c), "bare.yaml").html();
            assertThat(page).doesNotContain("<b>bare</b>").contains("&lt;b&gt;bare&lt;/b&gt;");
        }
    }

    private static List<String> row(List<List<String>> rows, String firstCellStart) {
        return rows.stream().filter(r -> r.get(0).startsWith(firstCellStart)).findFirst()
                .orElseThrow(() -> new AssertionError("no row starting with " + firstCellStart + " in " + rows));
    }

    private static List<String> concat(String first, List<String> rest) {
        List<String> out = new ArrayList<>();
        out.add(first);
        out.addAll(rest);
        return out;
    }
}
