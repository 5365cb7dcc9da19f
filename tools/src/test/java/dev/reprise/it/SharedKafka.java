package dev.reprise.it;

import dev.reprise.embedded.EmbeddedKafka;

/**
 * One real KRaft broker for all integration tests in the JVM, started on first use from Apache
 * Kafka's jars and stopped when the JVM exits. Tests isolate themselves by topic names and
 * application ids, never by restarting the broker.
 */
final class SharedKafka {
    private static EmbeddedKafka kafka;

    private SharedKafka() {
    }

    static synchronized EmbeddedKafka get() {
        if (kafka == null) {
            kafka = EmbeddedKafka.start();
            Runtime.getRuntime().addShutdownHook(new Thread(kafka::close));
        }
        return kafka;
    }
}
