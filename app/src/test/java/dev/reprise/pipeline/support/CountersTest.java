package dev.reprise.pipeline.support;

import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.processor.api.MockProcessorContext;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.Stores;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class CountersTest {
    private KeyValueStore<String, byte[]> store;

    @BeforeEach
    void store() {
        store = Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore("counters"), Serdes.String(), Serdes.ByteArray())
                .withLoggingDisabled().build();
        MockProcessorContext<Object, Object> context = new MockProcessorContext<>();
        store.init(context.getStateStoreContext(), store);
    }

    @Test
    void aScopeIsOneStoreEntryWrittenOnlyWhenPersisted() {
        Counters counters = new Counters(store, "run-1");
        Counters.Scope scope = counters.scope("orders-0");
        assertThat(scope.add("events_read", 1)).isEqualTo(1);
        assertThat(scope.add("events_read", 2)).isEqualTo(3);
        scope.set("ended", 1);
        scope.add("upcast:StockMoved:1:2", 5);
        assertThat(store.get("run-1|orders-0")).isNull();

        counters.persist();
        assertThat(store.approximateNumEntries()).isEqualTo(1);
        assertThat(store.get("run-1|orders-0")).isNotNull();
    }

    @Test
    void aRestartReadsTheLastPersistedCountsAndANewRunStartsFromZero() {
        Counters first = new Counters(store, "run-1");
        first.scope("apply").add("processed", 41);
        first.scope("apply").add("processed", 1);
        first.scope("apply").add("duplicates", 7);
        first.persist();
        first.scope("apply").add("processed", 100); // not persisted: lost with the crash, as its records are

        Counters restarted = new Counters(store, "run-1");
        assertThat(restarted.scope("apply").snapshot()).isEqualTo(Map.of("processed", 42L, "duplicates", 7L));
        assertThat(restarted.scope("apply").get("missing")).isZero();

        Counters nextRun = new Counters(store, "run-2");
        assertThat(nextRun.scope("apply").snapshot()).isEmpty();
    }

    @Test
    void aFedScopeReportsHowMuchEachCounterGrewOncePerPersist() {
        Map<String, Long> fed = new java.util.TreeMap<>();
        Counters counters = new Counters(store, "run-1");
        Counters.Scope scope = counters.scope("orders-0", (name, delta) -> fed.merge(name, delta, Long::sum));
        Counters.Scope unfed = counters.scope("source:orders-0");
        scope.add("events_read", 3);
        scope.set("last_offset", 17);
        unfed.add("events_read", 100);
        assertThat(fed).as("nothing before the commit").isEmpty();

        counters.persist();
        assertThat(fed).isEqualTo(Map.of("events_read", 3L, "last_offset", 17L));
        counters.persist();
        assertThat(fed).as("a second persist with nothing new reports nothing").isEqualTo(Map.of("events_read", 3L, "last_offset", 17L));

        scope.add("events_read", 2);
        counters.persist();
        assertThat(fed.get("events_read")).isEqualTo(5L);
    }

    @Test
    void countsReadBackFromTheStoreWereCountedBeforeAndAreNotReportedAgain() {
        Counters before = new Counters(store, "run-1");
        before.scope("apply").add("processed", 40);
        before.persist();

        Map<String, Long> fed = new java.util.TreeMap<>();
        Counters restarted = new Counters(store, "run-1");
        Counters.Scope scope = restarted.scope("apply", (name, delta) -> fed.merge(name, delta, Long::sum));
        scope.add("processed", 2);
        restarted.persist();
        assertThat(scope.get("processed")).isEqualTo(42);
        assertThat(fed).as("only what this task counted since it read the store").isEqualTo(Map.of("processed", 2L));
    }
}
