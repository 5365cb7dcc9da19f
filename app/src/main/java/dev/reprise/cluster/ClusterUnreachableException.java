package dev.reprise.cluster;

/**
 * The cluster could not be reached, or would not let Reprise in: the message names the bootstrap
 * address and the cause (DNS, connection refused, no answer, TLS handshake, SASL authentication) and
 * what to check. Nothing was read or changed. The CLI exits 1.
 */
public class ClusterUnreachableException extends RuntimeException {
    public ClusterUnreachableException(String message) {
        super(message);
    }

    public ClusterUnreachableException(String message, Throwable cause) {
        super(message, cause);
    }
}
