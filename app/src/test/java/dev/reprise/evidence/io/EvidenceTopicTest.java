package dev.reprise.evidence.io;

import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class EvidenceTopicTest {

    @Test
    void kafkasDefaultSevenDayRetentionIsAWarningThatSaysHowToKeepTheEvidence() {
        assertThat(EvidenceTopic.retentionWarning("ev", Map.of("cleanup.policy", "delete", "retention.ms", "604800000", "retention.bytes", "-1")))
                .hasValueSatisfying(w -> assertThat(w).contains("ev deletes records after 7 days (retention.ms=604800000, cleanup.policy=delete)")
                        .contains("--add-config retention.ms=-1"));
    }

    @Test
    void unlimitedRetentionOrCompactionOnlyKeepsTheEvidence() {
        assertThat(EvidenceTopic.retentionWarning("ev", Map.of("cleanup.policy", "delete", "retention.ms", "-1", "retention.bytes", "-1"))).isEmpty();
        assertThat(EvidenceTopic.retentionWarning("ev", Map.of("cleanup.policy", "compact", "retention.ms", "604800000"))).isEmpty();
    }

    @Test
    void compactAndDeleteStillDeletesAndSoDoesASizeLimit() {
        assertThat(EvidenceTopic.retentionWarning("ev", Map.of("cleanup.policy", "compact,delete", "retention.ms", "3600000")))
                .hasValueSatisfying(w -> assertThat(w).contains("after 1 hour"));
        assertThat(EvidenceTopic.retentionWarning("ev", Map.of("cleanup.policy", "delete", "retention.ms", "-1", "retention.bytes", "1048576")))
                .hasValueSatisfying(w -> assertThat(w).contains("beyond 1048576 bytes per partition"));
    }

    @Test
    void durationsReadAsPeopleSayThem() {
        assertThat(EvidenceTopic.describe(86_400_000L)).isEqualTo("1 day");
        assertThat(EvidenceTopic.describe(7_200_000L)).isEqualTo("2 hours");
        assertThat(EvidenceTopic.describe(90_000L)).isEqualTo("1m30s");
    }
}
