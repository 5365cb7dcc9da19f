package dev.reprise.drill;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.reprise.cli.Json;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code reprise drill --json} is read by CI jobs and DrillIT: its field names and nesting are a contract. The golden lists
 * are the fields of the maps the account was built of before it became records, in the order those maps wrote them
 * (JSON objects are unordered; the one move is a sample's {@code partitions}, now before {@code contract} rather than
 * after {@code sample}). {@code machine} and {@code clean_run} were written by {@code Map.of}, in no fixed order.
 */
class DrillJsonTest {
    private static final ObjectMapper READ = new ObjectMapper();
    private static final List<String> TAIL = List.of("differences", "notes", "seconds");
    private static final List<String> VERDICT = List.of("confidence_status", "failed_checks", "confidence_reasons");

    private static List<String> fieldNames(JsonNode node) {
        List<String> names = new ArrayList<>();
        node.fieldNames().forEachRemaining(names::add);
        return names;
    }

    private static List<String> scenarioFields(boolean identical, List<String> facts, boolean compared) {
        List<String> out = new ArrayList<>(List.of("scenario", "held"));
        if (identical) {
            out.add("identical");
        }
        out.addAll(facts);
        if (compared) {
            out.add("compared");
        }
        out.addAll(TAIL);
        return out;
    }

    private static List<String> mutantFields(String... result) {
        List<String> out = new ArrayList<>(List.of("mutant", "fault", "expected", "caught"));
        out.addAll(List.of(result));
        return out;
    }

    private static Map<String, Comparison.Compared> compared() {
        Map<String, Comparison.Compared> c = new LinkedHashMap<>();
        c.put("events_read", new Comparison.Compared(2_040L, 2_040L, true));
        c.put("dead_letter_reasons", new Comparison.Compared(Map.of("corrupt-avro", 3L), Map.of("corrupt-avro", 3L), true));
        c.put("checksum", new Comparison.Compared("ab12", "ab13", false));
        c.put("projection_topic", new Comparison.Compared("100 keys", "100 keys, 0 differing", true));
        return c;
    }

    private static ScenarioReport.Result ran(String name, Facts facts) {
        return new ScenarioReport.Result(name, true, null, true, facts, compared(), List.of(), List.of("upcasts not compared"), 12.5);
    }

    private static EvidenceDrill.Observed.Builder verdict(String status, String... failed) {
        return EvidenceDrill.Observed.builder().verdict(status, List.of(failed), List.of("a reason"));
    }

    static List<EvidenceDrill.Mutant> mutants() {
        return List.of(
                new EvidenceDrill.Mutant("drop-events", "the projection ignores one event in 50", "untrusted with matches_reference_projection failed",
                        verdict("untrusted", "matches_reference_projection").eventsMishandledThatChangeState(7).build(), true),
                EvidenceDrill.Mutant.skip("wrong-upcast", "StockMovement v1 -> v2 forgets that v1 counts cases of 12", "made for the inventory sample"),
                new EvidenceDrill.Mutant("skip-partition-end-by-offsets", "offsets moved", "put back",
                        verdict("trusted").runSaid(List.of("history-0")).identicalToCleanRun(true).build(), true),
                new EvidenceDrill.Mutant("skip-partition-end-undelivered", "never delivered", "untrusted",
                        verdict("untrusted", "every_partition_replayed_to_its_end").exitCode(1).appSaid("reprise: stopped").build(), false),
                new EvidenceDrill.Mutant("stale-records", "records of an earlier run", "ignored and counted",
                        verdict("trusted").stale(9, 9L).identicalToCleanRun(true).differences(List.of()).build(), true),
                new EvidenceDrill.Mutant("old-run-instance", "an old plan", "stops",
                        EvidenceDrill.Observed.builder().runSaid("the run in force is r-2").offsetsOfTheRunInForceUntouched(true).build(), true),
                new EvidenceDrill.Mutant("at-least-once-aborted-transaction", "aborted", "degraded",
                        verdict("degraded").abortedEventsApplied(false).build(), true),
                new EvidenceDrill.Mutant("at-least-once-sample", "aborted", "degraded", verdict("degraded").abortedRecordsRead(false).build(), true),
                new EvidenceDrill.Mutant("empty-scope", "(see the error)", "an outcome",
                        EvidenceDrill.Observed.builder().error("the drill could not finish this mutant: boom").build(), false));
    }

    static List<ScenarioReport.Result> scenarios() {
        Map<String, Long> reasons = new TreeMap<>(Map.of("corrupt-avro", 3L, "unknown-schema-id", 2L));
        return List.of(
                ran("crash", new Facts.Crash(3, List.of(21.4, 40.0, 77.9), 1)),
                ran("instance-loss", new Facts.InstanceLoss(2, 1, 2, 35.2)),
                ran("broker-restart", new Facts.BrokerRestart(List.of(new Facts.BrokerStop("SIGTERM (controlled shutdown)", 22.1, 5.3),
                        new Facts.BrokerStop("SIGKILL", 61.0, 5.1)), 0)),
                new ScenarioReport.Result("broker-restart", false, null, null,
                        new Facts.BrokerRestart(List.of(new Facts.BrokerStop("SIGKILL", 61.0, 5.1)), null), null,
                        List.of("the drill stopped: broker gone"), List.of(), 3.0),
                ran("poison", new Facts.Poison(800, 790, 10, 0, reasons)),
                ran("duplicate-storm", new Facts.DuplicateStorm(5_000, "1 to 5", "random partitions")),
                new ScenarioReport.Result("evidence", true, null, null, new Facts.Evidence(9, 7, 1, mutants()), null, List.of(),
                        List.of("mutant wrong-upcast not run: made for the inventory sample"), 60.0),
                new ScenarioReport.Result("poison", true, "the contract reads 2 history topics; the input drills write one topic", null, null,
                        null, List.of(), List.of(), 0.0));
    }

    static Drill.Result generated() {
        return new Drill.Result("2026-12-07T10:00:00Z", "the drill's own broker", new Drill.Machine(2, "Linux amd64", "17.0.9"), 2_000L,
                new Drill.Partitions(4, null), null, 7, "reprise-drill-abc123-", null,
                new Drill.CleanRun("r-1", "trusted", 2_040, "ab12"), scenarios(), false, 80.5);
    }

    static Drill.Result sampled() {
        Sample.Copied copied = new Sample.Copied(Map.of("orders", "reprise-drill-abc123-history"), Map.of("orders", 3), 2_008, 40, 10, 512, 8, 2);
        return new Drill.Result("2026-12-07T10:00:00Z", "kafka-staging:9092", new Drill.Machine(2, "Linux amd64", "17.0.9"), null,
                new Drill.Partitions(null, copied.partitions()), "config/orders.yaml", 11, "reprise-drill-abc123-", copied,
                new Drill.CleanRun("r-1", "trusted", 512, "ab12"), List.of(ran("crash", new Facts.Crash(3, List.of(20.0, 45.5, 80.1), 1))),
                true, 40.0);
    }

    @Test
    void theTopLevelOfTheGeneratedHistorysAccountIsThatOfTheMapItWas() throws Exception {
        JsonNode json = READ.readTree(Json.of(generated()));

        assertThat(fieldNames(json)).containsExactly("started_at", "cluster", "machine", "events", "partitions", "seed", "prefix", "clean_run",
                "scenarios", "held", "seconds");
        assertThat(fieldNames(json.get("machine"))).containsExactly("cores", "os", "java");
        assertThat(fieldNames(json.get("clean_run"))).containsExactly("run_id", "confidence_status", "events_read", "checksum");
        assertThat(json.get("partitions").isInt()).as("a number for the generated history").isTrue();
        assertThat(json.get("partitions").asInt()).isEqualTo(4);
        assertThat(json.get("events").asLong()).isEqualTo(2_000);
        assertThat(json.get("clean_run").get("events_read").isIntegralNumber()).isTrue();
        assertThat(json.get("held").isBoolean()).isTrue();
    }

    @Test
    void aSamplesAccountHasItsContractSampleAndPartitionsByTopic() throws Exception {
        JsonNode json = READ.readTree(Json.of(sampled()));

        assertThat(fieldNames(json)).containsExactly("started_at", "cluster", "machine", "partitions", "contract", "seed", "prefix", "sample",
                "clean_run", "scenarios", "held", "seconds");
        assertThat(fieldNames(json.get("sample"))).containsExactly("topics", "records_read", "keys", "keys_sampled", "records_copied",
                "records_without_a_readable_key", "of_which_copied");
        assertThat(json.get("sample").get("records_without_a_readable_key").asLong()).isEqualTo(8);
        assertThat(json.get("sample").get("of_which_copied").asLong()).isEqualTo(2);
        assertThat(json.get("sample").get("topics").get("orders").asText()).isEqualTo("reprise-drill-abc123-history");
        assertThat(json.get("partitions").isObject()).as("topic → partitions for a sample").isTrue();
        assertThat(json.get("partitions").get("orders").asInt()).isEqualTo(3);
    }

    @Test
    void eachScenarioHasItsFactsInlineBetweenIdenticalAndCompared() throws Exception {
        JsonNode s = READ.readTree(Json.of(generated())).get("scenarios");

        assertThat(fieldNames(s.get(0))).containsExactlyElementsOf(scenarioFields(true, List.of("kills", "kill_points_percent", "state_dirs_deleted"), true));
        assertThat(s.get(0).get("kill_points_percent").get(0).asDouble()).isEqualTo(21.4);
        assertThat(fieldNames(s.get(0).get("compared"))).containsExactly("events_read", "dead_letter_reasons", "checksum", "projection_topic");
        assertThat(fieldNames(s.get(0).get("compared").get("checksum"))).containsExactly("expected", "actual", "identical");
        assertThat(s.get(0).get("compared").get("checksum").get("identical").asBoolean()).isFalse();
        assertThat(s.get(0).get("compared").get("dead_letter_reasons").get("expected").get("corrupt-avro").asLong()).isEqualTo(3);

        assertThat(fieldNames(s.get(1))).containsExactlyElementsOf(scenarioFields(true, List.of("instances", "kills", "killed_instance",
                "killed_at_percent"), true));
        assertThat(fieldNames(s.get(2))).containsExactlyElementsOf(scenarioFields(true, List.of("broker_stops", "app_restarts"), true));
        assertThat(fieldNames(s.get(2).get("broker_stops").get(0))).containsExactly("stop", "at_percent", "seconds_down");
        assertThat(fieldNames(s.get(3))).as("stopped before the restarts were counted, nothing compared")
                .containsExactlyElementsOf(scenarioFields(false, List.of("broker_stops"), false));
        assertThat(fieldNames(s.get(4))).containsExactlyElementsOf(scenarioFields(true, List.of("records_fuzzed", "poison_records",
                "decodable_left_out", "decoder_escapes", "poison_reasons"), true));
        assertThat(s.get(4).get("poison_reasons").get("unknown-schema-id").asLong()).isEqualTo(2);
        assertThat(fieldNames(s.get(5))).containsExactlyElementsOf(scenarioFields(true, List.of("copies", "copies_per_event", "copies_in"), true));
        assertThat(fieldNames(s.get(6))).containsExactlyElementsOf(scenarioFields(false, List.of("mutants", "caught", "skipped", "outcomes"), false));
        assertThat(s.get(6).get("skipped").isIntegralNumber()).as("the evidence scenario's skipped counts mutants").isTrue();

        List<String> skipped = new ArrayList<>(List.of("scenario", "held", "skipped"));
        skipped.addAll(TAIL);
        assertThat(fieldNames(s.get(7))).containsExactlyElementsOf(skipped);
        assertThat(s.get(7).get("skipped").asText()).contains("history topics");
    }

    @Test
    void eachMutantsOutcomeHasTheFieldsItsRunSaidAndNoOthers() throws Exception {
        JsonNode outcomes = READ.readTree(Json.of(generated())).get("scenarios").get(6).get("outcomes");
        List<String> verdict = new ArrayList<>(VERDICT);

        List<String> drop = new ArrayList<>(verdict);
        drop.add("events_mishandled_that_change_state");
        assertThat(fieldNames(outcomes.get(0))).containsExactlyElementsOf(mutantFields(drop.toArray(String[]::new)));
        assertThat(fieldNames(outcomes.get(1))).containsExactlyElementsOf(mutantFields("skipped"));
        assertThat(fieldNames(outcomes.get(2))).containsExactlyElementsOf(mutantFields("confidence_status", "failed_checks", "confidence_reasons",
                "run_said", "identical_to_clean_run"));
        assertThat(outcomes.get(2).get("run_said").isArray()).as("the partitions put back").isTrue();
        assertThat(fieldNames(outcomes.get(3))).containsExactlyElementsOf(mutantFields("confidence_status", "failed_checks", "confidence_reasons",
                "exit_code", "app_said"));
        assertThat(fieldNames(outcomes.get(4))).containsExactlyElementsOf(mutantFields("confidence_status", "failed_checks", "confidence_reasons",
                "injected", "stale_records", "identical_to_clean_run", "differences"));
        assertThat(fieldNames(outcomes.get(5))).containsExactlyElementsOf(mutantFields("run_said", "offsets_of_the_run_in_force_untouched"));
        assertThat(outcomes.get(5).get("run_said").asText()).contains("run in force is");
        assertThat(fieldNames(outcomes.get(6))).containsExactlyElementsOf(mutantFields("confidence_status", "failed_checks", "confidence_reasons",
                "aborted_events_applied"));
        assertThat(fieldNames(outcomes.get(7))).containsExactlyElementsOf(mutantFields("confidence_status", "failed_checks", "confidence_reasons",
                "aborted_records_read"));
        assertThat(fieldNames(outcomes.get(8))).containsExactlyElementsOf(mutantFields("error"));
        assertThat(outcomes.get(0).get("failed_checks").get(0).asText()).isEqualTo("matches_reference_projection");
        assertThat(outcomes.get(0).get("caught").asBoolean()).isTrue();
    }

    @Test
    void theTableShowsTheFactsByTheirJsonNamesAndEveryMutant() {
        String table = DrillTable.render(generated());

        assertThat(table).startsWith("Drill of 2,000 events over 4 partitions (seed 7) on the drill's own broker: NOT every scenario held");
        assertThat(table).contains("kill_points_percent          [21.4,40.0,77.9]", "copies_in                    random partitions",
                "broker_stops                 [{\"stop\":\"SIGTERM (controlled shutdown)\"", "poison_reasons               {\"corrupt-avro\":3",
                "checksum                     ab12                         ab13                         DIFFERENT",
                "drop-events                      caught      untrusted [matches_reference_projection]",
                "skip-partition-end-undelivered   NOT CAUGHT  untrusted [every_partition_replayed_to_its_end]",
                "  ! the drill stopped: broker gone", "  note: upcasts not compared");
        assertThat(table).doesNotContain("outcomes");
        assertThat(DrillTable.render(sampled())).startsWith("Drill of a sample of config/orders.yaml (512 records of 10 keys) over {orders=3} partitions");
    }

    @Test
    void theSummaryLineHasTheFactsNumbers() {
        ScenarioReport r = new ScenarioReport("instance-loss");
        r.facts(new Facts.InstanceLoss(2, 1, 2, 35.2));

        assertThat(r.summary()).isEqualTo("instances=2 kills=1 killed_instance=2 killed_at_percent=35.2");
        assertThat(r.result().identical()).isNull();
    }
}
