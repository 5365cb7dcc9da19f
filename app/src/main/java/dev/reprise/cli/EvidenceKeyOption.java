package dev.reprise.cli;

import dev.reprise.contract.Contract;
import dev.reprise.evidence.io.EvidenceReader;
import dev.reprise.evidence.io.EvidenceTrust;
import dev.reprise.plan.CompiledContract;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.Map;

/** The public key the evidence readers (evidence, verify, promote, status) check signatures with. */
public final class EvidenceKeyOption {
    @Option(names = "--evidence-public-key", paramLabel = "FILE",
            description = "Ed25519 public key (X.509 PEM) the evidence must be signed with; records whose signature does not verify are "
                    + "ignored and counted. Default: property reprise.evidence.public.key.file in --command-config, else environment "
                    + "variable " + EvidenceTrust.PUBLIC_KEY_ENV + "; without any, evidence is reported unsigned or unverified.")
    Path publicKey;

    /** A reader of the contract's evidence that verifies with the configured public key, if any. */
    public EvidenceReader reader(Contract contract, Map<String, Object> clientConfig) {
        return new EvidenceReader(contract, clientConfig, CompiledContract.schemaSources(contract).resolver(),
                EvidenceTrust.publicKey(publicKey, clientConfig, System.getenv()).orElse(null));
    }
}
