package dev.reprise.codec;

import java.net.URI;
import java.net.URISyntaxException;

/**
 * The schema registry did not give the writer schema of a schema id: it could not be reached (connection refused,
 * timeout), answered with an error that is not "no such id" (HTTP 5xx, 429, 401, 403, any other status), or answered
 * something that is not a schema. Not a property of the record: the run stops and can be started again
 * ({@link InfrastructureException}). Only a 404 for the id makes the record poison ({@code unknown-schema-id}).
 */
public class RegistryUnavailableException extends InfrastructureException {
    private final String registry;
    private final int schemaId;
    private final String answer;

    /**
     * @param registry the registry's base URL without credentials ({@link #redact})
     * @param answer   what went wrong, e.g. "answered 503: store unavailable" or "is unreachable: Connection refused"
     */
    public RegistryUnavailableException(String registry, int schemaId, String answer, Throwable cause) {
        super("schema registry " + registry + " " + answer + " for schema id " + schemaId, cause);
        this.registry = registry;
        this.schemaId = schemaId;
        this.answer = answer;
    }

    private RegistryUnavailableException(RegistryUnavailableException last, String message) {
        super(message, last);
        this.registry = last.registry;
        this.schemaId = last.schemaId;
        this.answer = last.answer;
    }

    /**
     * The failure that stops the run after the last attempt: says how long the registry was tried, that nothing was
     * dead-lettered, and that the run can be started again.
     */
    public RegistryUnavailableException afterAttempts(int attempts, long elapsedMillis) {
        return new RegistryUnavailableException(this, "schema registry " + registry + " " + answer + " for schema id " + schemaId
                + " (" + attempts + (attempts == 1 ? " attempt" : " attempts") + " over " + Math.max(1, Math.round(elapsedMillis / 1000.0)) + " s)"
                + "; this is not the record's fault, so nothing was dead-lettered: the run stops, and nothing of the batch being processed "
                + "is committed. Start the run again once the registry answers: it resumes from its last commit "
                + "(reprise.registry.retry.attempts and reprise.registry.retry.timeout.ms say how long to keep trying)");
    }

    /** The registry's base URL without credentials. */
    public String registry() {
        return registry;
    }

    public int schemaId() {
        return schemaId;
    }

    /** A URL as it may be printed: without user info (user:password@), query or fragment. */
    public static String redact(URI url) {
        try {
            return new URI(url.getScheme(), null, url.getHost(), url.getPort(), url.getPath(), null, null).toString();
        } catch (URISyntaxException e) {
            return url.getScheme() + "://" + url.getHost() + (url.getPort() < 0 ? "" : ":" + url.getPort()) + "/";
        }
    }
}
