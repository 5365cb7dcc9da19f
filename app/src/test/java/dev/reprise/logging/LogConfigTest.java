package dev.reprise.logging;

import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.core.LogEvent;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.config.Configurator;
import org.apache.logging.log4j.core.config.LoggerConfig;
import org.apache.logging.log4j.core.impl.Log4jLogEvent;
import org.apache.logging.log4j.message.SimpleMessage;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The terminal shows Reprise's own lines: the CLI's logging configuration ({@code reprise-log4j2.xml}) keeps out the
 * library lines that only repeat what Reprise says, and lets every other error through.
 */
class LogConfigTest {
    private static LoggerContext context;

    @BeforeAll
    static void load() throws Exception {
        context = Configurator.initialize("reprise-cli-config-under-test", LogConfigTest.class.getClassLoader(),
                LogConfigTest.class.getResource("/reprise-log4j2.xml").toURI());
    }

    @AfterAll
    static void stop() {
        Configurator.shutdown(context);
    }

    private static boolean shown(String logger, Level level, String message) {
        LoggerConfig config = context.getConfiguration().getLoggerConfig(logger);
        LogEvent event = Log4jLogEvent.newBuilder().setLoggerName(logger).setLevel(level).setMessage(new SimpleMessage(message)).build();
        return config.getLevel().isLessSpecificThan(level) && !config.isFiltered(event);
    }

    @Test
    void kafkaStreamsRepeatingWhatTheUncaughtExceptionHandlerSaidIsNotShown() {
        assertThat(shown("org.apache.kafka.streams.KafkaStreams", Level.ERROR, "stream-client [reprise-inventory-1] Encountered the following "
                + "exception during processing and the registered exception handler opted to SHUTDOWN_CLIENT.")).isFalse();
    }

    @Test
    void otherErrorsOfKafkaStreamsAndTheRestoreAfterACrashAreTold() {
        assertThat(shown("org.apache.kafka.streams.KafkaStreams", Level.ERROR, "stream-client [reprise-inventory-1] Failed to close")).isTrue();
        assertThat(shown("org.apache.kafka.streams.KafkaStreams", Level.WARN, "a warning")).isFalse();
        assertThat(shown("org.apache.kafka.streams.processor.internals.TaskManager", Level.ERROR,
                "stream-thread [t-1] TaskCorruptedException: tasks [0_1] are corrupted and hence need to be re-initialized")).isFalse();
        assertThat(shown("org.apache.kafka.streams.processor.internals.TaskManager", Level.ERROR, "stream-thread [t-1] Failed to commit")).isTrue();
        assertThat(shown("dev.reprise.runner.ReplayRunner", Level.ERROR, "The replay stopped: this instance was started for run a")).isTrue();
    }
}
