package dev.reprise.cli;

import dev.reprise.evidence.io.EvidenceReader;

import java.util.List;

/**
 * How far the evidence a command read is authenticated, in every {@code --json} that reports a run's evidence
 * ({@code evidence}, {@code verify}, {@code promote}, {@code status}).
 *
 * @param signature      {@code verified}, {@code unsigned} or {@code not-verified} (no public key given); null when no record was read
 * @param keyId          the signing key's id, if the record names one
 * @param ignoredRecords how many records of the run failed verification and were ignored
 * @param ignored        why each of them was ignored
 * @param finalRecords   how many final records of the run were taken
 */
public record Authenticity(String signature, String keyId, int ignoredRecords, List<String> ignored, int finalRecords) {

    static Authenticity of(EvidenceReader.Selection s) {
        String signature = s.authenticity() == null ? null : switch (s.authenticity()) {
            case VERIFIED -> "verified";
            case NOT_CHECKED -> "not-verified";
            default -> "unsigned";
        };
        return new Authenticity(signature, s.keyId(), s.ignored().size(), s.ignored(), s.finals());
    }

    /** " (signature verified)", " (UNSIGNED)", ...: how far a verdict is proven, and how many records were ignored. */
    String note() {
        return " (" + ("verified".equals(signature) ? "signature verified" : String.valueOf(signature).toUpperCase(java.util.Locale.ROOT))
                + (ignoredRecords > 0 ? ", " + ignoredRecords + " evidence record(s) failed verification and were ignored" : "") + ")";
    }
}
