package dev.reprise.run;

import dev.reprise.contract.Contract;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;

/**
 * The control topic {@code <application.id>-reprise-control}: one partition of operator commands
 * (pause, resume, abort, throttle) that every instance of a run follows, so one command reaches a run
 * spread over many pods. Commands name the run they are for; an instance applies, in order, every
 * command of its run, so one that starts late catches up with the state the operator asked for.
 */
public final class Control {
    private static final ObjectMapper JSON = new ObjectMapper();

    /**
     * @param command             pause, resume, abort or throttle
     * @param maxEventsPerSecond  the run's limit for throttle (0 removes it), else {@code null}
     */
    /** What an operator (or a threshold) can ask of a run; written lowercase on the control topic. */
    public enum Action {
        PAUSE, RESUME, ABORT, THROTTLE;

        @com.fasterxml.jackson.annotation.JsonValue
        public String wireName() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }

        /** The action of a wire name; null for one this version does not know (a newer instance's), which is ignored. */
        @com.fasterxml.jackson.annotation.JsonCreator
        public static Action of(String wireName) {
            for (Action a : values()) {
                if (a.wireName().equals(wireName)) {
                    return a;
                }
            }
            return null;
        }
    }

    public record Command(String runId, Action command, Double maxEventsPerSecond, String reason, String issuedBy, long issuedAt) {
        public byte[] toJson() {
            try {
                return JSON.writeValueAsBytes(this);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        static Optional<Command> fromJson(byte[] bytes) {
            try {
                return Optional.of(JSON.readValue(bytes, Command.class));
            } catch (IOException e) {
                return Optional.empty();
            }
        }
    }

    /** What the operator asked of a run so far. */
    public record State(boolean paused, boolean aborted, double maxEventsPerSecond, Action lastCommand, String reason) {
        static final State INITIAL = new State(false, false, 0, null, null);

        State apply(Command c) {
            if (c.command() == null) {
                return this;
            }
            return switch (c.command()) {
                case PAUSE -> new State(true, aborted, maxEventsPerSecond, c.command(), c.reason());
                case RESUME -> new State(false, aborted, maxEventsPerSecond, c.command(), c.reason());
                case ABORT -> new State(paused, true, maxEventsPerSecond, c.command(), c.reason());
                case THROTTLE -> new State(paused, aborted, c.maxEventsPerSecond() == null ? 0 : c.maxEventsPerSecond(), c.command(), reason);
            };
        }
    }

    private final Contract contract;
    private final Map<String, Object> clientConfig;

    public Control(Contract contract, Map<String, Object> clientConfig) {
        this.contract = contract;
        this.clientConfig = clientConfig;
    }

    public String topic() {
        return topic(contract);
    }

    /** The control topic of the contract's application. */
    public static String topic(Contract contract) {
        return contract.applicationId() + "-reprise-control";
    }

    public void ensureTopic(Admin admin) {
        try {
            admin.createTopics(List.of(new NewTopic(topic(), Optional.of(1), Optional.empty()))).all().get();
        } catch (ExecutionException e) {
            if (!(e.getCause() instanceof TopicExistsException)) {
                throw new IllegalStateException("cannot create topic " + topic() + ": " + e.getCause().getMessage(), e.getCause());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    public void send(Admin admin, Command command) {
        ensureTopic(admin);
        Map<String, Object> config = new HashMap<>(clientConfig);
        config.put(ProducerConfig.ACKS_CONFIG, "all");
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(config, new ByteArraySerializer(), new ByteArraySerializer())) {
            producer.send(new ProducerRecord<>(topic(), command.runId().getBytes(StandardCharsets.UTF_8), command.toJson()));
            producer.flush();
        }
    }

    /** A reader of the control topic from its beginning; {@link #poll} returns the run's state after each new command. */
    public Follower follow(String runId) {
        return new Follower(runId);
    }

    public final class Follower implements AutoCloseable {
        private final String runId;
        private final KafkaConsumer<byte[], byte[]> consumer;
        private State state = State.INITIAL;

        private Follower(String runId) {
            this.runId = runId;
            Map<String, Object> config = new HashMap<>(clientConfig);
            config.remove(ConsumerConfig.GROUP_ID_CONFIG);
            this.consumer = new KafkaConsumer<>(config, new ByteArrayDeserializer(), new ByteArrayDeserializer());
            TopicPartition tp = new TopicPartition(topic(), 0);
            consumer.assign(List.of(tp));
            consumer.seekToBeginning(List.of(tp));
        }

        /** Reads what arrived since the last call (waiting at most {@code timeout}) and returns the state. */
        public State poll(Duration timeout) {
            for (ConsumerRecord<byte[], byte[]> r : consumer.poll(timeout)) {
                if (r.value() == null) {
                    continue;
                }
                Command.fromJson(r.value()).filter(c -> runId.equals(c.runId())).ifPresent(c -> state = state.apply(c));
            }
            return state;
        }

        /** Reads the topic to its current end and returns the state. */
        public State catchUp() {
            TopicPartition tp = new TopicPartition(topic(), 0);
            long end = consumer.endOffsets(List.of(tp)).get(tp);
            long deadline = System.currentTimeMillis() + 30_000;
            while (consumer.position(tp) < end && System.currentTimeMillis() < deadline) {
                poll(Duration.ofMillis(200));
            }
            return state;
        }

        @Override
        public void close() {
            consumer.close();
        }
    }
}
