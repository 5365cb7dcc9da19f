package dev.reprise.embedded.compat;

import dev.reprise.compat.KafkaInternals;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The broker's non-public classes are used only with the versions they were read in; any other is refused, loudly. */
class BrokerInternalsTest {
    @Test
    void theBrokerOnTheClassPathIsAVerifiedOneAndAnotherIsRefused() {
        BrokerInternals.check();
        assertThat(BrokerInternals.VERIFIED_BROKER_VERSIONS).contains(BrokerInternals.brokerVersion(), BrokerInternals.metadataVersion());
        assertThatThrownBy(() -> BrokerInternals.check("4.5.0", BrokerInternals.metadataVersion()))
                .isInstanceOf(KafkaInternals.IncompatibleKafkaException.class)
                .hasMessageContaining("kafka_2.13 4.5.0 is on the class path").hasMessageContaining("tools/target/lib");
        assertThatThrownBy(() -> BrokerInternals.check(BrokerInternals.brokerVersion(), "4.3.0"))
                .isInstanceOf(KafkaInternals.IncompatibleKafkaException.class).hasMessageContaining("kafka-metadata 4.3.0");
        assertThatThrownBy(() -> BrokerInternals.check("unknown (no kafka/kafka-version.properties)", BrokerInternals.metadataVersion()))
                .as("a version that cannot be read is refused too").isInstanceOf(KafkaInternals.IncompatibleKafkaException.class);
    }
}
