package dev.reprise.evidence.io;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Checks on the evidence topic as it exists on the cluster. The evidence is the proof a cut-over is
 * gated on; a topic that deletes old records by retention deletes that proof with them (Kafka's
 * default is 7 days).
 */
public final class EvidenceTopic {
    private EvidenceTopic() {
    }

    /**
     * A warning when {@code topic} exists and deletes records by time or size, or when its configs cannot
     * be read; empty when it keeps them or does not exist yet (the runner creates it).
     */
    public static Optional<String> retentionWarning(Admin admin, String topic) {
        ConfigResource resource = new ConfigResource(ConfigResource.Type.TOPIC, topic);
        try {
            Config config = admin.describeConfigs(List.of(resource)).all().get(30, TimeUnit.SECONDS).get(resource);
            Map<String, String> values = new HashMap<>();
            for (ConfigEntry entry : config.entries()) {
                values.put(entry.name(), entry.value());
            }
            return retentionWarning(topic, values);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof UnknownTopicOrPartitionException) {
                return Optional.empty();
            }
            return Optional.of("cannot check the retention of the evidence topic " + topic + ": " + e.getCause().getMessage()
                    + " (describing its configs needs DESCRIBE_CONFIGS on the topic)");
        } catch (TimeoutException e) {
            return Optional.of("cannot check the retention of the evidence topic " + topic + ": no answer from the cluster within 30 s");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** The same decision on a topic's configs (name → value), for a topic known to exist. */
    public static Optional<String> retentionWarning(String topic, Map<String, String> configs) {
        String policy = configs.getOrDefault(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_DELETE);
        if (!List.of(policy.replace(" ", "").split(",")).contains(TopicConfig.CLEANUP_POLICY_DELETE)) {
            return Optional.empty();
        }
        long ms = parse(configs.get(TopicConfig.RETENTION_MS_CONFIG));
        long bytes = parse(configs.get(TopicConfig.RETENTION_BYTES_CONFIG));
        String fix = "; keep it with: kafka-configs --alter --entity-type topics --entity-name " + topic
                + " --add-config retention.ms=-1,retention.bytes=-1";
        if (ms >= 0) {
            return Optional.of("the evidence topic " + topic + " deletes records after " + describe(ms) + " (retention.ms=" + ms
                    + ", cleanup.policy=" + policy + "): the proof of a run is gone after that" + fix);
        }
        if (bytes >= 0) {
            return Optional.of("the evidence topic " + topic + " deletes its oldest records beyond " + bytes + " bytes per partition (retention.bytes="
                    + bytes + ", cleanup.policy=" + policy + "): the proof of older runs is lost" + fix);
        }
        return Optional.empty();
    }

    private static long parse(String value) {
        if (value == null || value.isBlank()) {
            return -1;
        }
        try {
            return Long.parseLong(value.trim());
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    /** 604800000 → "7 days"; whole days or hours when they fit, else a Duration. */
    static String describe(long ms) {
        Duration d = Duration.ofMillis(ms);
        if (ms > 0 && ms % Duration.ofDays(1).toMillis() == 0) {
            return d.toDays() + (d.toDays() == 1 ? " day" : " days");
        }
        if (ms > 0 && ms % Duration.ofHours(1).toMillis() == 0) {
            return d.toHours() + (d.toHours() == 1 ? " hour" : " hours");
        }
        return d.toString().substring(2).toLowerCase();
    }
}
