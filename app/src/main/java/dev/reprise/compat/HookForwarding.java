package dev.reprise.compat;

import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.internals.InternalProcessorContext;
import org.apache.kafka.streams.processor.internals.ProcessorNode;
import org.apache.kafka.streams.processor.internals.ProcessorRecordContext;

/**
 * Forwarding records from a {@link CommitHook} listener, which runs outside any process call or
 * punctuation: Kafka Streams forwards to the children of its current node, so the forwarding processor's
 * node must be made current, as Kafka Streams' record cache does when it forwards on a flush
 * ({@code TimestampedCacheFlushListener}). {@code InternalProcessorContext#setCurrentNode},
 * {@code #setRecordContext} and the {@code ProcessorRecordContext} constructor are internal APIs
 * (checked in Kafka Streams 4.4.0).
 */
public final class HookForwarding {
    private final InternalProcessorContext<?, ?> context;
    private final ProcessorNode<?, ?, ?, ?> node;

    private HookForwarding(InternalProcessorContext<?, ?> context, ProcessorNode<?, ?, ?, ?> node) {
        this.context = context;
        this.node = node;
    }

    /**
     * Captures the calling processor's node; call from its {@code init}.
     *
     * @throws KafkaInternals.IncompatibleKafkaException when the context is not Kafka Streams' own: no weaker path is taken
     */
    public static HookForwarding of(ProcessorContext<?, ?> context) {
        if (!(context instanceof InternalProcessorContext<?, ?> internal)) {
            throw new KafkaInternals.IncompatibleKafkaException("the processor context is a " + context.getClass().getName()
                    + ", not Kafka Streams' InternalProcessorContext: events cannot be sent from the commit hook. Kafka Streams "
                    + KafkaInternals.streamsVersion() + " is not a version Reprise was verified with, or the stage runs outside Kafka Streams");
        }
        return new HookForwarding(internal, internal.currentNode());
    }

    /** Runs {@code forwards} (calls to {@code context.forward}) with the captured node current and an empty record context. */
    public void run(long timestamp, Runnable forwards) {
        ProcessorNode<?, ?, ?, ?> previousNode = context.currentNode();
        ProcessorRecordContext previousContext = context.recordContext();
        context.setCurrentNode(node);
        context.setRecordContext(new ProcessorRecordContext(timestamp, -1L, -1, null, NewHeaders.empty()));
        try {
            forwards.run();
        } finally {
            context.setRecordContext(previousContext);
            context.setCurrentNode(previousNode);
        }
    }
}
