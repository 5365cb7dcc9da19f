package dev.reprise.cli;

import dev.reprise.config.RepriseConfig;
import dev.reprise.evidence.EvidenceKeys;
import dev.reprise.evidence.io.EvidenceTrust;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.Callable;

/** The keys that sign evidence. */
@Command(name = "keys", mixinStandardHelpOptions = true, description = "Manages the Ed25519 key pair that signs recovery evidence "
        + "(docs/evidence-signature.md).", subcommands = KeysCommand.Generate.class)
public final class KeysCommand implements Runnable {
    @Override
    public void run() {
        new picocli.CommandLine(this).usage(System.out);
    }

    @Command(name = "generate", mixinStandardHelpOptions = true,
            description = {"Writes a new Ed25519 key pair: DIR/" + EvidenceKeys.PRIVATE_KEY_FILE + " (PKCS#8 PEM, readable by its owner only) "
                    + "and DIR/" + EvidenceKeys.PUBLIC_KEY_FILE + " (X.509 PEM). Never overwrites a key. No cluster is needed.",
                    "Give both files to every instance that runs the replay (" + RepriseConfig.EVIDENCE_SIGNING_KEY_FILE + " and "
                            + RepriseConfig.EVIDENCE_PUBLIC_KEY_FILE + " in --command-config, or " + EvidenceTrust.SIGNING_KEY_ENV + " and "
                            + EvidenceTrust.PUBLIC_KEY_ENV + "); give only the public key to the readers (--evidence-public-key). Keep "
                            + "the private key in a secret store, never in a contract or an image."},
            footer = {"", "Example:", "  reprise keys generate --out /etc/reprise/keys"})
    static final class Generate implements Callable<Integer> {
        @Option(names = "--out", required = true, paramLabel = "DIR", description = "Directory to write the two files into (created if needed).")
        Path out;

        @Override
        public Integer call() throws IOException {
            String keyId = EvidenceKeys.writeNew(out);
            System.out.println("Wrote the evidence signing key pair, key id " + keyId + ":");
            System.out.println("  private key  " + out.resolve(EvidenceKeys.PRIVATE_KEY_FILE) + "  (secret: give it to the instances that run replays only)");
            System.out.println("  public key   " + out.resolve(EvidenceKeys.PUBLIC_KEY_FILE) + "  (give it to every reader: --evidence-public-key)");
            System.out.println("Next: set " + RepriseConfig.EVIDENCE_SIGNING_KEY_FILE + " and " + RepriseConfig.EVIDENCE_PUBLIC_KEY_FILE
                    + " in the --command-config of 'reprise run'/'replay', and pass --evidence-public-key to 'reprise evidence', 'verify' and 'promote'.");
            return ExitCodes.OK;
        }
    }
}
