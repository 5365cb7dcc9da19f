package dev.reprise.preview;

import dev.reprise.plan.RunPlan;
import dev.reprise.contract.Contract;
import dev.reprise.contract.ContractLoader;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

class PlanPreviewTest {
    static final Path CONFIG = Path.of("..", "config").toAbsolutePath().normalize();
    static final Instant NOW = Instant.parse("2026-12-01T00:00:00Z");
    static final TopicPartition P0 = new TopicPartition("inventory-events", 0);
    static final TopicPartition P1 = new TopicPartition("inventory-events", 1);

    static Contract inventory(String scope) throws Exception {
        String yaml = Files.readString(CONFIG.resolve("inventory.yaml"));
        int start = yaml.indexOf("scope:");
        int end = yaml.indexOf("\n# Q:");
        yaml = yaml.substring(0, start) + scope + yaml.substring(end);
        return ContractLoader.parse(yaml.getBytes(StandardCharsets.UTF_8), CONFIG, null);
    }

    static RunPlan plan(long start0, long end0, long start1, long end1) {
        return new RunPlan("run", "inventory", "h", "app", 0, List.of(
                new RunPlan.PartitionRange("inventory-events", 0, start0, end0, end0 > start0 ? end0 - 1 : -1),
                new RunPlan.PartitionRange("inventory-events", 1, start1, end1, end1 > start1 ? end1 - 1 : -1)), 2);
    }

    @Test
    void theWrittenTopicsAreTheNamesKafkaStreamsGivesTheTopologysRepartitionsAndLoggedStores() throws Exception {
        Contract c = inventory("scope:\n  from: earliest\n");
        assertThat(PlanPreview.writtenTopics(c)).as("the contract's outputs, then the internal topics (the id check's with more than one apply task)")
                .containsExactly("inventory-levels-rebuilt", "reprise-evidence", "inventory-events-dlq",
                        "reprise-inventory-reprise-by-key-repartition", "reprise-inventory-reprise-evidence-parts-repartition",
                        "reprise-inventory-reprise-by-event-id-repartition", "reprise-inventory-reprise-id-check-parts-repartition",
                        "reprise-inventory-reprise-source-counters-changelog", "reprise-inventory-reprise-dedup-changelog",
                        "reprise-inventory-reprise-projection-changelog", "reprise-inventory-reprise-apply-counters-changelog",
                        "reprise-inventory-reprise-evidence-parts-changelog", "reprise-inventory-reprise-id-check-changelog",
                        "reprise-inventory-reprise-id-check-counters-changelog", "reprise-inventory-reprise-runs", "reprise-inventory-reprise-control");
    }

    @Nested
    class AnEmptyScope {
        // Regression: scope.from in 2099 read nothing and the run was trusted.
        @Test
        void aStartInTheFutureIsNamed() throws Exception {
            Contract c = inventory("scope:\n  from: 2099-01-01T00:00:00Z\n");

            PlanPreview.Warning w = PlanPreview.emptyScope(c, plan(500, 500, 480, 480), Map.of(P0, 0L, P1, 0L), Map.of(P0, 500L, P1, 480L), NOW);

            assertThat(w.code()).isEqualTo(PlanPreview.EMPTY_SCOPE);
            assertThat(w.message()).startsWith("the scope selects nothing: scope.from 2099-01-01T00:00:00Z is in the future")
                    .contains("fix scope.from / scope.to");
        }

        @Test
        void anEmptyHistoryIsNamedAsSuch() throws Exception {
            PlanPreview.Warning w = PlanPreview.emptyScope(inventory("scope:\n  from: earliest\n"), plan(0, 0, 0, 0),
                    Map.of(P0, 0L, P1, 0L), Map.of(P0, 0L, P1, 0L), NOW);

            assertThat(w.message()).contains("the history topics [inventory-events] hold no records");
        }

        @Test
        void aPastStartAfterTheLastRecordAndAnEmptyOffsetRangeAreNamed() throws Exception {
            assertThat(PlanPreview.emptyScope(inventory("scope:\n  from: 2026-11-30T00:00:00Z\n"), plan(9, 9, 9, 9),
                    Map.of(P0, 0L, P1, 0L), Map.of(P0, 9L, P1, 9L), NOW).message())
                    .contains("no record was written at or after scope.from 2026-11-30T00:00:00Z");
            assertThat(PlanPreview.emptyScope(inventory("scope:\n  from: {inventory-events: {0: 5, 1: 5}}\n  to: {inventory-events: {0: 5, 1: 5}}\n"),
                    plan(5, 5, 5, 5), Map.of(P0, 0L, P1, 0L), Map.of(P0, 9L, P1, 9L), NOW).message())
                    .contains("leave no offset to read in any partition");
        }
    }

    @Nested
    class FiltersThatMatchNothing {
        static PlanPreview.Sample sample(long events, long inScope) {
            PlanPreview.Sample s = new PlanPreview.Sample();
            s.events = events;
            s.inScope = inScope;
            s.types.add("StockMovement");
            s.tenants.add("acme");
            return s;
        }

        // Regression: a typo in scope.event_types filtered all 20,402 records and the run was trusted.
        @Test
        void aMisspelledEventTypeIsNamedWithTheTypesOfTheSampleAndOfTheSchemas() throws Exception {
            Contract c = inventory("scope:\n  event_types: [StockMovment]\n  tenant_field: tenant\n");

            var w = PlanPreview.filtersMatchNothing(c.scope(), Set.of("StockMovement"), sample(400, 0));

            assertThat(w).hasValueSatisfying(x -> {
                assertThat(x.code()).isEqualTo(PlanPreview.FILTERS_MATCH_NOTHING);
                assertThat(x.message()).startsWith("none of the 400 sampled events passes the scope's filters: event_types [StockMovment] "
                        + "(the sample holds [StockMovement]); [StockMovment] is no event type of the schemas [StockMovement]");
            });
        }

        @Test
        void aTenantThatIsNotInTheSampleIsNamed() throws Exception {
            Contract c = inventory("scope:\n  tenant_field: tenant\n  tenants: [acme-typo]\n");

            assertThat(PlanPreview.filtersMatchNothing(c.scope(), Set.of("StockMovement"), sample(10, 0)))
                    .hasValueSatisfying(x -> assertThat(x.message()).contains("tenants [acme-typo] (field tenant; the sample holds [acme])"));
        }

        @Test
        void noWarningWhenSomeSampledEventPassesOrThereAreNoFiltersOrNoSample() throws Exception {
            Contract filtered = inventory("scope:\n  event_types: [StockMovement]\n");
            assertThat(PlanPreview.filtersMatchNothing(filtered.scope(), Set.of("StockMovement"), sample(400, 1))).isEmpty();
            assertThat(PlanPreview.filtersMatchNothing(filtered.scope(), Set.of("StockMovement"), sample(0, 0))).isEmpty();
            assertThat(PlanPreview.filtersMatchNothing(inventory("scope:\n  from: earliest\n").scope(), Set.of("StockMovement"), sample(400, 0))).isEmpty();
        }

        @Test
        void inScopeAppliesEveryFilter() throws Exception {
            Contract.Scope s = inventory("scope:\n  tenant_field: tenant\n  event_types: [StockMovement]\n  tenants: [acme]\n  keys: [SKU-1]\n").scope();

            assertThat(s.includes("StockMovement", "SKU-1", "acme")).isTrue();
            assertThat(s.includes("Other", "SKU-1", "acme")).isFalse();
            assertThat(s.includes("StockMovement", "SKU-2", "acme")).isFalse();
            assertThat(s.includes("StockMovement", "SKU-1", "other")).isFalse();
            assertThat(s.includes("StockMovement", "SKU-1", null)).isFalse();
        }
    }

    @Test
    void misplacedEventsAreCountedWithSamples() throws Exception {
        Contract c = inventory("scope:\n  from: earliest\n");
        PlanPreview.Sample s = new PlanPreview.Sample();
        s.events = 100;
        assertThat(PlanPreview.misplaced(c, s)).isEmpty();
        for (int i = 0; i < 7; i++) {
            s.misplaced(new PlanPreview.Misplaced("SKU-" + i, "inventory-events", 1, i, 0));
        }

        assertThat(PlanPreview.misplaced(c, s)).hasValueSatisfying(w -> {
            assertThat(w.code()).isEqualTo(PlanPreview.MISPLACED_EVENTS);
            assertThat(w.message()).startsWith("7 of the 100 sampled events are not in their ordering key's partition, e.g. "
                    + "[SKU-0 at inventory-events-1 offset 0 (its key's partition is 0)").contains("SKU-4").doesNotContain("SKU-5");
        });
    }
}
