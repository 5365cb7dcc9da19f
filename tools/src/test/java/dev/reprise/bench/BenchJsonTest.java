package dev.reprise.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.reprise.cli.Json;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code reprise bench --json} feeds docs/capacity.md and comparisons between machines: its field names are a contract.
 * The golden lists are the output of the map the result was before it became a record.
 */
class BenchJsonTest {
    static final List<String> HEAD = List.of("events", "rounds", "partitions", "keys", "key_skew", "processors", "streams_properties", "watched",
            "identity_copy_events_per_second", "with_repartition_events_per_second", "without_repartition_events_per_second",
            "ratio_with_repartition", "ratio_without_repartition");
    static final List<String> FLOORS = List.of("dedup_floor_with_repartition_events_per_second", "dedup_floor_without_repartition_events_per_second",
            "floor_ratio_with_repartition", "floor_ratio_without_repartition", "pipeline_to_floor_with_repartition",
            "pipeline_to_floor_without_repartition");
    static final List<String> TAIL = List.of("all_rates", "load_average_after_each_round", "rounds_measured_above_the_cores",
            "other_work_cores_each_round", "rounds_shared_with_other_work",
            "cpu_seconds_per_million_events", "peak_heap_bytes", "max_heap_bytes", "process_rss_peak_bytes", "rss_peak_bytes_by_measurement",
            "rocksdb_memory_bytes", "state_dir_bytes_per_million_events");

    static Bench.Result result(Bench.Floors floors) {
        return new Bench.Result(200_000, 3, 6, 4_000, "uniform", 2, Map.of(), true, 90_000, 40_000, 60_000, 0.444, 0.667, floors,
                Map.of("identity_copy", List.of(90_000.0)), Map.of("identity_copy", List.of(1.5)), List.of(),
                Map.of("identity_copy", List.of(0.1)), List.of(),
                Map.of("identity_copy", Map.of("process", 1.0, "broker_process", 2.0)), 1L << 28, 1L << 30, 1L << 29, Map.of("identity_copy", 1L << 29),
                1L << 26, 1L << 20);
    }

    static List<String> fieldNames(String json) throws Exception {
        List<String> names = new ArrayList<>();
        new ObjectMapper().readTree(json).fieldNames().forEachRemaining(names::add);
        return names;
    }

    @Test
    void theFieldNamesOfBenchJsonAreThoseOfTheMapItWas() throws Exception {
        List<String> expected = new ArrayList<>(HEAD);
        expected.addAll(FLOORS);
        expected.addAll(TAIL);
        String json = Json.of(result(new Bench.Floors(30_000, 50_000, 0.333, 0.556, 1.333, 1.2)));
        assertThat(fieldNames(json)).as("the fields of bench --json, in order").containsExactlyElementsOf(expected);
        JsonNode node = new ObjectMapper().readTree(json);
        assertThat(node.get("identity_copy_events_per_second").isIntegralNumber()).isTrue();
        assertThat(node.get("pipeline_to_floor_without_repartition").asDouble()).isEqualTo(1.2);
    }

    @Test
    void withoutFloorsTheirFieldsAreAbsentAsBefore() throws Exception {
        List<String> expected = new ArrayList<>(HEAD);
        expected.addAll(TAIL);
        assertThat(fieldNames(Json.of(result(null)))).containsExactlyElementsOf(expected);
    }
}
