package dev.reprise.verify;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.TreeMap;

import static org.assertj.core.api.Assertions.assertThat;

class OtherWritersTest {
    static final long STARTED = 1_000_000;

    static TopicSnapshot.Entry entry(String runId, long timestamp) {
        return new TopicSnapshot.Entry("v".getBytes(StandardCharsets.UTF_8), runId, timestamp);
    }

    @Test
    void keysOfEarlierRunsAreReportedButDoNotFail() {
        Map<String, TopicSnapshot.Entry> shadow = new TreeMap<>(Map.of("a", entry("run-1", STARTED + 10), "b", entry("run-1", STARTED + 10),
                "old", entry("run-0", STARTED - 1)));

        Verifier.Result r = Verifier.otherWriters("run-1", STARTED, "shadow", shadow);

        assertThat(r.passed()).isTrue();
        assertThat(r.name()).isEqualTo(Verifier.CONCURRENT_WRITERS);
        assertThat(r.detail()).contains("1 keys left by earlier runs {run run-0=1}");
    }

    // Regression: two runs started together split the shadow topic's keys 502/498 between two run ids.
    @Test
    void keysWrittenByAnotherRunSinceThisOneStartedFailWithCountAndSamples() {
        Map<String, TopicSnapshot.Entry> shadow = new TreeMap<>();
        for (int i = 0; i < 10; i++) {
            shadow.put("mine-" + i, entry("run-1", STARTED + 5));
            shadow.put("theirs-" + i, entry("run-2", STARTED));
        }
        shadow.put("nameless", entry(null, STARTED + 7));
        shadow.put("old", entry("run-0", STARTED - 100));

        Verifier.Result r = Verifier.otherWriters("run-1", STARTED, "shadow", shadow);

        assertThat(r.passed()).isFalse();
        assertThat(r.detail()).startsWith("11 keys of shadow were last written by another writer since run run-1 started")
                .contains("run run-2=10").contains("no reprise.run_id header=1")
                .contains("e.g. nameless, theirs-0, theirs-1, theirs-2, theirs-3")
                .contains("1 keys left by earlier runs");
    }

    @Test
    void aShadowTopicHoldingOnlyThisRunPasses() {
        Verifier.Result r = Verifier.otherWriters("run-1", STARTED, "shadow", Map.of("a", entry("run-1", STARTED + 1)));

        assertThat(r.passed()).isTrue();
        assertThat(r.detail()).doesNotContain("earlier runs");
    }
}
