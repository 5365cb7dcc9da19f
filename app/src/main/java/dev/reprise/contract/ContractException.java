package dev.reprise.contract;

/**
 * A Recovery Contract that cannot be used. The message names the field (as a dotted path) and
 * says how to fix it; the CLI maps this exception to exit code 2 and nothing starts.
 */
public class ContractException extends RuntimeException {
    private final String field;

    public ContractException(String field, String message) {
        super(field + ": " + message);
        this.field = field;
    }

    /** The dotted path of the offending field, e.g. {@code scope.from}. */
    public String field() {
        return field;
    }
}
