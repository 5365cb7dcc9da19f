package dev.reprise.compare;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Iterator;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The comparison end to end on a small history: its own KRaft broker (a process), 20,000 generated events, and
 * reprise replay, the Flink job and the Kafka Streams app each run once as a process of its own, each output read
 * back and compared key by key with the generator's truth. Asserts that every rebuild was correct and every figure
 * is there and positive; how fast each was is the benchmark's business, not this test's.
 */
class CompareIT {
    @TempDir
    Path work;

    @Test
    void everyRebuildMatchesTheTruthAndEveryFigureIsThere() throws Exception {
        Path json = work.resolve("compare.json");
        StringWriter table = new StringWriter();
        int exit = CompareCommand.commandLine().setOut(new PrintWriter(table))
                .execute("--events", "20000", "--rounds", "1", "--only", "replay,flink,streams",
                        "--work-dir", work.resolve("run").toString(), "--json", json.toString(), "--timeout-minutes", "5");

        assertThat(exit).as("exit code; the table:%n%s", table).isZero();
        JsonNode out = new ObjectMapper().readTree(json.toFile());
        assertThat(out.get("records").asLong()).as("records written").isEqualTo(20_000 + out.get("duplicates").asLong() + out.get("poison").asLong());
        assertThat(out.get("duplicates").asLong()).as("duplicate copies in the history").isPositive();
        assertThat(out.get("poison").asLong()).as("poison records in the history").isPositive();
        int truthKeys = out.get("truth_keys").asInt();
        assertThat(truthKeys).as("SKUs in the ground truth").isPositive();
        assertThat(out.get("jvm_start_ms").get(0).asLong()).as("JVM start").isPositive();

        Set<String> rebuilds = new HashSet<>();
        for (JsonNode run : out.get("runs")) {
            String name = run.get("rebuild").asText();
            rebuilds.add(name);
            assertThat(run.get("ok").asBoolean()).as("%s ok; failure: %s", name, run.get("failure")).isTrue();
            assertThat(run.get("correct").asBoolean()).as("%s output equals the truth", name).isTrue();
            assertThat(run.get("output_keys").asInt()).as("%s keys on its output topic", name).isEqualTo(truthKeys);
            for (String figure : new String[]{"wall_ms", "records_per_second", "peak_rss_bytes", "cpu_seconds", "broker_cpu_seconds", "ratio_to_reprise_replay"}) {
                assertThat(run.get(figure).asDouble()).as("%s %s", name, figure).isPositive();
            }
            JsonNode breakdown = run.get("breakdown_ms");
            assertThat(breakdown.size()).as("%s: where its time went", name).isGreaterThanOrEqualTo(3);
            for (Iterator<Map.Entry<String, JsonNode>> parts = breakdown.fields(); parts.hasNext(); ) {
                Map.Entry<String, JsonNode> part = parts.next();
                assertThat(part.getValue().asLong()).as("%s %s", name, part.getKey()).isPositive();
            }
        }
        assertThat(rebuilds).containsExactlyInAnyOrder("replay", "flink", "streams");
        assertThat(out.get("runs").get(0).get("breakdown_ms").fieldNames()).toIterable().as("reprise replay's phases")
                .contains("cli_contract_plan_reset", "streams_start_to_first_record", "replay_first_record_to_final_evidence", "close_and_exit");

        assertThat(table.toString()).as("the table")
                .contains("Reprise: reprise replay", "Flink 2.2 job (MiniCluster)", "Kafka Streams DSL app", "yes (1/1)")
                .doesNotContain("NOT OK", "Not counted");
    }
}
