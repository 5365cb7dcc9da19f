package dev.reprise.contract;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

class DurationsTest {
    @ParameterizedTest(name = "{0} is {1} ms")
    @CsvSource({"500ms,500", "15s,15000", "1.5s,1500", "2m,120000", "1h,3600000", "30,30000", "' 5S ',5000", "PT10S,10000", "0,0"})
    void theFormsPeopleWriteAreRead(String text, long millis) {
        assertThat(Durations.parse(text)).contains(Duration.ofMillis(millis));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "soon", "5x", "ms", "1e400s", "NaN"})
    void anythingElseIsNotADuration(String text) {
        assertThat(Durations.parse(text)).isEmpty();
    }
}
