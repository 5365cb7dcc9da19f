package dev.reprise.it;

import dev.reprise.Cli;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** The benchmark is not a test; this only checks that it runs on a small input and reports sane fields. */
@Timeout(value = 240, unit = TimeUnit.SECONDS)
class BenchIT {

    @Test
    void benchRunsOnASmallInputAndReportsEveryFigure() throws Exception {
        Cli.Outcome o = Cli.reprise("bench", "--events", "3000", "--rounds", "1", "--partitions", "2",
                "--contract", "../config/inventory.yaml", "--json");

        assertThat(o.exitCode()).as(o.stderr()).isZero();
        JsonNode r = new ObjectMapper().readTree(o.stdout());
        assertThat(r.get("events").asLong()).isEqualTo(3000);
        for (String field : new String[]{"identity_copy_events_per_second", "with_repartition_events_per_second",
                "without_repartition_events_per_second", "dedup_floor_with_repartition_events_per_second",
                "dedup_floor_without_repartition_events_per_second", "peak_heap_bytes", "process_rss_peak_bytes"}) {
            assertThat(r.get(field).asLong()).as(field).isPositive();
        }
        // Timing belongs to the benchmark, not to a test: on 3,000 events a ratio swings with the machine's
        // load (16.1 was seen once). Checked here: each ratio is present, positive and equal to the rates it
        // is computed from (rounded to three places).
        double copy = r.get("identity_copy_events_per_second").asDouble();
        assertRatio(r, "ratio_with_repartition", r.get("with_repartition_events_per_second").asDouble() / copy);
        assertRatio(r, "ratio_without_repartition", r.get("without_repartition_events_per_second").asDouble() / copy);
        assertRatio(r, "floor_ratio_with_repartition", r.get("dedup_floor_with_repartition_events_per_second").asDouble() / copy);
        assertThat(r.get("rocksdb_memory_bytes").asLong()).isNotNegative();
        for (String measured : new String[]{"identity_copy", "pipeline_with_repartition", "pipeline_without_repartition",
                "dedup_floor_with_repartition", "dedup_floor_without_repartition"}) {
            JsonNode cpu = r.get("cpu_seconds_per_million_events").get(measured);
            assertThat(cpu.get("stream_threads").asDouble()).as(measured).isPositive();
            assertThat(cpu.get("broker_process").asDouble()).as(measured).isPositive();
            assertThat(cpu.get("process").asDouble()).as(measured).isGreaterThanOrEqualTo(cpu.get("stream_threads").asDouble());
            assertThat(r.get("rss_peak_bytes_by_measurement").get(measured).asLong()).as(measured).isPositive();
        }
    }

    @Test
    void withoutFloorsItMeasuresTheCopyAndBothPipelinesOnlyAndPrintsATable() throws Exception {
        Cli.Outcome o = Cli.reprise("bench", "--events", "2000", "--rounds", "1", "--partitions", "2",
                "--contract", "../config/inventory.yaml", "--no-floors");

        assertThat(o.exitCode()).as(o.stderr()).isZero();
        assertThat(o.stdout()).contains("identity copy", "pipeline with repartition", "pipeline without repartition")
                .doesNotContain("dedup floor");
        assertThat(o.stderr()).contains("pipeline_without_repartition").doesNotContain("dedup_floor");
    }

    /** A ratio the bench printed: positive, and the quotient of the rounded rates it reports, to within rounding. */
    private static void assertRatio(JsonNode r, String field, double expected) {
        assertThat(r.get(field)).as(field + " is reported").isNotNull();
        double ratio = r.get(field).asDouble();
        assertThat(ratio).as(field).isPositive();
        assertThat(ratio).as(field + " = rate / copy rate").isCloseTo(expected, org.assertj.core.data.Offset.offset(0.001 + expected * 0.001));
    }
}
