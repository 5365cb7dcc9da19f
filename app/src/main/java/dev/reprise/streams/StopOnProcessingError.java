package dev.reprise.streams;

import org.apache.kafka.streams.errors.ErrorHandlerContext;
import org.apache.kafka.streams.errors.ProcessingExceptionHandler;
import org.apache.kafka.streams.processor.api.Record;

import java.util.Map;

/**
 * Reprise's processing exception handler (KIP-1033): every exception that leaves a processor stops the stream thread,
 * and no dead-letter record is written by Kafka Streams (KIP-1034). The stages dead-letter poison and plugins' errors
 * themselves, with their coordinates and a counted reason; what reaches this handler is, by their decision
 * ({@code pipeline.support.Failures}), not the record's fault (a schema registry that does not answer, Kafka's own
 * failure), so continuing would drop a valid record from a run that then looks complete. Failing aborts the task's
 * transaction under exactly_once_v2; the uncaught exception handler then stops the run, which resumes from its last commit.
 */
public final class StopOnProcessingError implements ProcessingExceptionHandler {
    @Override
    public Response handleError(ErrorHandlerContext context, Record<?, ?> record, Exception exception) {
        return Response.fail();
    }

    @Override
    public void configure(Map<String, ?> configs) {
    }
}
