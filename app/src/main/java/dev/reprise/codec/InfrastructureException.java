package dev.reprise.codec;

/**
 * A failure of something the run depends on, not of the record being handled: a schema registry that is down,
 * overloaded or refuses Reprise, a timeout, an answer that cannot be read. It is never poison: the record is
 * neither dead-lettered nor counted. It stops the run instead (under exactly_once_v2 nothing of the batch being
 * processed is committed), and the run resumes from its last commit when it is started again.
 *
 * <p>The opposite is {@link PoisonRecordException}: a property of the record itself (its framing, its schema id
 * unknown to the registry, its bytes, its fields), the same in every run, so dead-lettered.
 */
public abstract class InfrastructureException extends RuntimeException {
    protected InfrastructureException(String message, Throwable cause) {
        super(message, cause);
    }

    /** The first {@link InfrastructureException} in {@code failure}'s chain of causes, or null. */
    public static InfrastructureException in(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof InfrastructureException infrastructure) {
                return infrastructure;
            }
        }
        return null;
    }
}
