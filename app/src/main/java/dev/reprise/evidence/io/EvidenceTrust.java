package dev.reprise.evidence.io;

import dev.reprise.config.RepriseConfig;
import dev.reprise.evidence.EvidenceKeys;
import dev.reprise.evidence.EvidenceSignature;

import java.nio.file.Path;
import java.security.PublicKey;
import java.util.Map;
import java.util.Optional;

/**
 * Where the evidence keys of a command come from: for the private key (signing, run and replay) property
 * {@value RepriseConfig#EVIDENCE_SIGNING_KEY_FILE}, else environment variable {@value #SIGNING_KEY_ENV}; for the public key
 * (verifying) a command's {@code --evidence-public-key}, else property {@value RepriseConfig#EVIDENCE_PUBLIC_KEY_FILE}, else
 * environment variable {@value #PUBLIC_KEY_ENV}. Only paths are configured: a key never appears in a contract or a log.
 */
public final class EvidenceTrust {
    public static final String SIGNING_KEY_ENV = "REPRISE_EVIDENCE_SIGNING_KEY_FILE";
    public static final String PUBLIC_KEY_ENV = "REPRISE_EVIDENCE_PUBLIC_KEY_FILE";

    private EvidenceTrust() {
    }

    /**
     * The signer of a running process: keyed when a signing key is configured, otherwise unsigned.
     *
     * @param props the process's properties (the {@code reprise.*} ones are read)
     * @param env   the environment ({@code System.getenv()})
     * @throws IllegalArgumentException naming the setting when a key file is unreadable, the public key is missing, or the two
     *                                  keys are not a pair
     */
    public static EvidenceSignature.Signer signer(Map<?, ?> props, Map<String, String> env) {
        RepriseConfig settings = RepriseConfig.of(props);
        Optional<Path> privateFile = settings.evidenceSigningKeyFile().or(() -> fromEnv(env, SIGNING_KEY_ENV));
        if (privateFile.isEmpty()) {
            return EvidenceSignature.Signer.unsigned();
        }
        String privateFrom = settings.evidenceSigningKeyFile().isPresent() ? RepriseConfig.EVIDENCE_SIGNING_KEY_FILE : SIGNING_KEY_ENV;
        Optional<Path> publicFile = settings.evidencePublicKeyFile().or(() -> fromEnv(env, PUBLIC_KEY_ENV));
        if (publicFile.isEmpty()) {
            throw new IllegalArgumentException(privateFrom + " is set but " + RepriseConfig.EVIDENCE_PUBLIC_KEY_FILE + " (or " + PUBLIC_KEY_ENV
                    + ") is not: a running instance checks its run's final evidence with the public key, so give the public key file "
                    + "'reprise keys generate' wrote beside the private key");
        }
        String publicFrom = settings.evidencePublicKeyFile().isPresent() ? RepriseConfig.EVIDENCE_PUBLIC_KEY_FILE : PUBLIC_KEY_ENV;
        return EvidenceSignature.Signer.of(EvidenceKeys.readPrivate(privateFile.get(), privateFrom),
                EvidenceKeys.readPublic(publicFile.get(), publicFrom));
    }

    /**
     * The public key a reader verifies evidence with, or empty when none is configured.
     *
     * @param option the command's {@code --evidence-public-key}, or {@code null}
     */
    public static Optional<PublicKey> publicKey(Path option, Map<?, ?> props, Map<String, String> env) {
        if (option != null) {
            return Optional.of(EvidenceKeys.readPublic(option, "--evidence-public-key"));
        }
        RepriseConfig settings = RepriseConfig.of(props);
        if (settings.evidencePublicKeyFile().isPresent()) {
            return Optional.of(EvidenceKeys.readPublic(settings.evidencePublicKeyFile().get(), RepriseConfig.EVIDENCE_PUBLIC_KEY_FILE));
        }
        return fromEnv(env, PUBLIC_KEY_ENV).map(p -> EvidenceKeys.readPublic(p, PUBLIC_KEY_ENV));
    }

    private static Optional<Path> fromEnv(Map<String, String> env, String name) {
        String v = env.get(name);
        return v == null || v.isBlank() ? Optional.empty() : Optional.of(Path.of(v.strip()));
    }
}
