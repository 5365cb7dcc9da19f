package dev.reprise.pipeline.support;

import dev.reprise.codec.InfrastructureException;
import dev.reprise.codec.PoisonRecordException;
import org.apache.kafka.common.KafkaException;

/**
 * The one decision the stages make on a failure while they handle one record. Three kinds, by type:
 * <ul>
 *   <li>{@link InfrastructureException} anywhere in the chain of causes (a schema registry that does not answer, after
 *       its retries) or a {@link KafkaException} (Kafka Streams' own failure: a fenced producer, a failed send, a store):
 *       not the record's. Thrown on: the stream thread stops, the run stops, and under exactly_once_v2 the transaction of
 *       the batch is aborted, so nothing of it is committed and the run resumes from its last commit when started again.
 *       Never dead-lettered: dead-lettering during an outage would drop valid events from a run that looks complete.</li>
 *   <li>{@link PoisonRecordException}: the record itself (its framing, its schema id unknown to the registry, its bytes,
 *       its fields, an event the projection rejects). Dead-lettered with its own reason code.</li>
 *   <li>Anything else (a projection, upcaster or invariant that throws, a library's bug): dead-lettered as
 *       {@value #UNEXPECTED_ERROR} with the exception, counted apart from poison, and the run is at best degraded.</li>
 * </ul>
 */
public final class Failures {
    /** The reason code (and dead_letter_reasons key) of a failure that is neither the record's poison nor the infrastructure's. */
    public static final String UNEXPECTED_ERROR = PoisonRecordException.UNEXPECTED_ERROR;

    private Failures() {
    }

    /**
     * @param where what was being done, e.g. "projection inventory-levels failed on StockMovement event e-1"
     * @return the poison to dead-letter: the record's own, or an {@value #UNEXPECTED_ERROR} naming {@code where} and the exception
     * @throws InfrastructureException the failure's, when it is not the record's: the run stops
     * @throws KafkaException          Kafka Streams' own failure: the run stops
     */
    public static PoisonRecordException deadLetterOrStop(Throwable failure, String where) {
        InfrastructureException infrastructure = InfrastructureException.in(failure);
        if (infrastructure != null) {
            throw infrastructure;
        }
        if (failure instanceof KafkaException kafka) {
            throw kafka;
        }
        if (failure instanceof dev.reprise.projection.InvalidEventException invalid) {
            // The projection rejects the event (the API's exception): poison with the projection's own reason code.
            return new PoisonRecordException(invalid.reasonCode(), invalid.getMessage(), invalid);
        }
        return PoisonRecordException.unexpected(UNEXPECTED_ERROR, where, failure);
    }
}
