package dev.reprise.compare;

import dev.reprise.sample.inventory.InventoryGenerator;
import dev.reprise.sample.inventory.KeySpace;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class ReportTest {
    private static final OutputCheck CORRECT = new OutputCheck(10, 0, 0, 0, List.of());

    private static Result run(Contender c, long wallMillis, String failure) {
        Map<String, Long> parts = new LinkedHashMap<>();
        parts.put("first", wallMillis / 2);
        parts.put("second", wallMillis - wallMillis / 2);
        return new Result(c, 1, wallMillis, 300L << 20, 12.5, failure == null ? CORRECT : new OutputCheck(10, 1, 0, 0, List.of("k: expected 1 got 2")),
                List.of(), parts, failure, 4.0);
    }

    private static Comparison.Outcome outcome(List<Result> results) {
        Comparison.Settings settings = new Comparison.Settings(1_000_000, new KeySpace(10, 0), 0.02, 10, 6, 1,
                List.of(Contender.REPRISE_REPLAY, Contender.FLINK, Contender.KAFKA_STREAMS), Path.of("work"), 0, "2 s", 60_000);
        InventoryGenerator.Generated generated = new InventoryGenerator.Generated(1_000_000, 20_000, 10, Map.of(), Map.of(), Map.of(), 0);
        return new Comparison.Outcome(settings, generated, 1_020_010, List.of(700L), results);
    }

    @Test
    void eachRebuildsTimeIsGivenAsARatioToReprisesReplay() {
        String table = Report.table(outcome(List.of(run(Contender.REPRISE_REPLAY, 20_000, null), run(Contender.FLINK, 50_000, null),
                run(Contender.KAFKA_STREAMS, 30_000, null))));
        assertThat(table)
                .contains("| Reprise: reprise replay | 20.0 | 51,001 | 1.00 | 300 | 12.5 | 4.0 | yes (1/1) |")
                .contains("| Flink 2.2 job (MiniCluster) | 50.0 | 20,400 | 2.50 | 300 | 12.5 | 4.0 | yes (1/1) |")
                .contains("| Kafka Streams DSL app | 30.0 | 34,000 | 1.50 | 300 | 12.5 | 4.0 | yes (1/1) |");
    }

    @Test
    void aWrongOutputHasNoTimeAndIsNamed() {
        String table = Report.table(outcome(List.of(run(Contender.REPRISE_REPLAY, 20_000, null),
                run(Contender.FLINK, 10_000, "output differs from the ground truth: 1 keys wrong"), run(Contender.KAFKA_STREAMS, 30_000, null))));
        assertThat(table)
                .contains("| Flink 2.2 job (MiniCluster) | — | — | — | — | — | — | NO: 1 of 1 wrong or failed |")
                .contains("round 1, Flink 2.2 job (MiniCluster): output differs from the ground truth");
        Map<String, Object> json = Report.json(outcome(List.of(run(Contender.REPRISE_REPLAY, 20_000, null),
                run(Contender.FLINK, 10_000, "output differs"))));
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> runs = (List<Map<String, Object>>) json.get("runs");
        assertThat(runs.get(1)).containsEntry("ok", false).containsEntry("correct", false).containsEntry("ratio_to_reprise_replay", 0.5);
    }
}
