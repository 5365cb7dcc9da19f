package dev.reprise.codec;

/**
 * The registry client's settings cannot be used, or the registry refused them before anything started: a wrong
 * password (401), credentials without the right to read (403), a certificate the trust store does not trust, an unknown
 * subject. The message names the setting to fix and the file it is in, never its value; the CLI maps this exception to
 * exit code 2 (a configuration error) and nothing is started.
 */
public class RegistrySettingsException extends IllegalArgumentException {
    /** What happens next, after the message: every such refusal comes before anything starts. */
    static final String NEXT = ". Nothing was started; fix the setting and run again";

    public RegistrySettingsException(String message) {
        super(message + NEXT);
    }

    public RegistrySettingsException(String message, Throwable cause) {
        super(message + NEXT, cause);
    }
}
