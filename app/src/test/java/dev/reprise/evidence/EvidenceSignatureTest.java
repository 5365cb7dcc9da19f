package dev.reprise.evidence;

import dev.reprise.config.RepriseConfig;
import dev.reprise.contract.Contract;
import dev.reprise.contract.ContractLoader;
import dev.reprise.evidence.avro.ConfidenceStatus;
import dev.reprise.evidence.avro.EvidenceKind;
import dev.reprise.evidence.avro.RecoveryEvidence;
import dev.reprise.evidence.io.EvidenceTrust;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.PublicKey;
import java.security.Signature;
import java.util.Base64;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class EvidenceSignatureTest {
    private static final Contract INVENTORY = ContractLoader.load(Path.of("..", "config", "inventory.yaml"));
    private static final KeyPair PAIR = EvidenceKeys.generate();
    private static final EvidenceSignature.Signer SIGNER = EvidenceSignature.Signer.of(PAIR.getPrivate(), PAIR.getPublic());

    private static RecoveryEvidence evidence(ConfidenceStatus status) {
        return EvidenceSamples.of(INVENTORY, "20250101T100000-aaaaaa", EvidenceKind.FINAL, status, 1_000, "inventory-events");
    }

    /** The record's value and headers as a reader sees them. */
    private record Written(byte[] value, Map<String, byte[]> headers) {
        EvidenceSignature.Check checkWith(PublicKey key) {
            return EvidenceSignature.check(key, value, headers::get);
        }
    }

    private static Written write(EvidenceSignature.Signer signer, RecoveryEvidence e) {
        byte[] value = EvidenceCodec.encode(signer.stamp(e));
        return new Written(value, new HashMap<>(signer.headers(value)));
    }

    @Nested
    class Verification {
        @Test
        void aSignedRecordVerifiesWithItsPublicKeyAndNamesItsKeyInTheValue() {
            Written w = write(SIGNER, evidence(ConfidenceStatus.trusted));

            assertThat(w.checkWith(PAIR.getPublic())).isEqualTo(EvidenceSignature.Check.VERIFIED);
            assertThat(EvidenceCodec.decode(w.value()).getSignatureKeyId()).isEqualTo(EvidenceKeys.keyId(PAIR.getPublic()));
            assertThat(new String(w.headers().get(EvidenceSignature.KEY_ID_HEADER), StandardCharsets.US_ASCII))
                    .matches("sha256:[0-9a-f]{64}").isEqualTo(EvidenceKeys.keyId(PAIR.getPublic()));
        }

        @Test
        void aRecordChangedAfterSigningFailsVerification() {
            // The forgery seen on a real broker: an untrusted run's final record copied with its verdict set to trusted.
            Written untrusted = write(SIGNER, evidence(ConfidenceStatus.untrusted));
            RecoveryEvidence changed = RecoveryEvidence.newBuilder(EvidenceCodec.decode(untrusted.value())).setConfidenceStatus(ConfidenceStatus.trusted).build();
            Written forged = new Written(EvidenceCodec.encode(changed), untrusted.headers());

            assertThat(forged.checkWith(PAIR.getPublic())).isEqualTo(EvidenceSignature.Check.BAD_SIGNATURE);
        }

        @Test
        void aSingleFlippedBitInTheValueFailsVerification() {
            Written w = write(SIGNER, evidence(ConfidenceStatus.trusted));
            byte[] flipped = w.value().clone();
            flipped[flipped.length / 2] ^= 1;

            assertThat(new Written(flipped, w.headers()).checkWith(PAIR.getPublic())).isEqualTo(EvidenceSignature.Check.BAD_SIGNATURE);
        }

        @Test
        void aRecordSignedWithAnotherKeyIsNotVerifiedEvenWhenItClaimsTheRightKeyId() {
            KeyPair other = EvidenceKeys.generate();
            Written w = write(EvidenceSignature.Signer.of(other.getPrivate(), other.getPublic()), evidence(ConfidenceStatus.trusted));

            assertThat(w.checkWith(PAIR.getPublic())).isEqualTo(EvidenceSignature.Check.OTHER_KEY);
            w.headers().put(EvidenceSignature.KEY_ID_HEADER, EvidenceKeys.keyId(PAIR.getPublic()).getBytes(StandardCharsets.US_ASCII));
            assertThat(w.checkWith(PAIR.getPublic())).isEqualTo(EvidenceSignature.Check.BAD_SIGNATURE);
        }

        @Test
        void anUnsignedRecordSaysSoInItsValueAndCarriesNoSignature() {
            Written w = write(EvidenceSignature.Signer.unsigned(), evidence(ConfidenceStatus.trusted));

            assertThat(EvidenceCodec.decode(w.value()).getSignatureKeyId()).isNull();
            assertThat(w.headers()).doesNotContainKey(EvidenceSignature.SIGNATURE_HEADER);
            assertThat(w.checkWith(PAIR.getPublic())).isEqualTo(EvidenceSignature.Check.UNSIGNED);
            assertThat(w.checkWith(null)).isEqualTo(EvidenceSignature.Check.UNSIGNED);
        }

        @Test
        void aSignedRecordWithoutAPublicKeyIsNotChecked() {
            assertThat(write(SIGNER, evidence(ConfidenceStatus.trusted)).checkWith(null)).isEqualTo(EvidenceSignature.Check.NOT_CHECKED);
        }

        @Test
        void aSignatureThatIsNotBase64FailsVerification() {
            Written w = write(SIGNER, evidence(ConfidenceStatus.trusted));
            w.headers().put(EvidenceSignature.SIGNATURE_HEADER, "not base64 at all!".getBytes(StandardCharsets.US_ASCII));

            assertThat(w.checkWith(PAIR.getPublic())).isEqualTo(EvidenceSignature.Check.BAD_SIGNATURE);
        }

        @Test
        void theFormatIsWhatTheDocumentSays() throws Exception {
            // docs/evidence-signature.md: Ed25519 over the value bytes, base64 in reprise.signature; key id = sha256 of the DER public key.
            Written w = write(SIGNER, evidence(ConfidenceStatus.trusted));
            Signature plainJdk = Signature.getInstance("Ed25519");
            plainJdk.initVerify(PAIR.getPublic());
            plainJdk.update(w.value());
            assertThat(plainJdk.verify(Base64.getDecoder().decode(w.headers().get(EvidenceSignature.SIGNATURE_HEADER)))).isTrue();
            assertThat(EvidenceKeys.keyId(PAIR.getPublic())).isEqualTo("sha256:"
                    + HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(PAIR.getPublic().getEncoded())));
        }
    }

    @Nested
    class WriterMark {
        @Test
        void anUnsignedProcessRecognisesItsOwnRecordsOnly() {
            EvidenceSignature.Signer unsigned = EvidenceSignature.Signer.unsigned();
            Written own = write(unsigned, evidence(ConfidenceStatus.untrusted));
            assertThat(unsigned.writtenHere(own.value(), own.headers()::get)).isTrue();

            // A copy with its verdict changed keeps the header, but the mark covers the old value.
            RecoveryEvidence changed = RecoveryEvidence.newBuilder(EvidenceCodec.decode(own.value())).setConfidenceStatus(ConfidenceStatus.trusted).build();
            Written copied = new Written(EvidenceCodec.encode(changed), own.headers());
            assertThat(unsigned.writtenHere(copied.value(), copied.headers()::get)).isFalse();

            Written noMark = new Written(own.value(), Map.of());
            assertThat(unsigned.writtenHere(noMark.value(), noMark.headers()::get)).isFalse();
        }

        @Test
        void aKeyedProcessRecognisesRecordsSignedWithItsKeyWhoeverWroteThem() {
            Written w = write(SIGNER, evidence(ConfidenceStatus.trusted));
            EvidenceSignature.Signer anotherInstance = EvidenceSignature.Signer.of(PAIR.getPrivate(), PAIR.getPublic());
            w.headers().remove(EvidenceSignature.WRITER_HEADER);

            assertThat(anotherInstance.writtenHere(w.value(), w.headers()::get)).isTrue();
            Written unsignedCopy = write(EvidenceSignature.Signer.unsigned(), evidence(ConfidenceStatus.trusted));
            assertThat(anotherInstance.writtenHere(unsignedCopy.value(), unsignedCopy.headers()::get)).isFalse();
        }
    }

    @Nested
    class Keys {
        @Test
        void generatedKeysAreReadBackAndNeverOverwritten(@TempDir Path dir) throws Exception {
            String keyId = EvidenceKeys.writeNew(dir);

            PublicKey publicKey = EvidenceKeys.readPublic(dir.resolve(EvidenceKeys.PUBLIC_KEY_FILE), "test");
            assertThat(EvidenceKeys.keyId(publicKey)).isEqualTo(keyId);
            assertThat(EvidenceKeys.matches(EvidenceKeys.readPrivate(dir.resolve(EvidenceKeys.PRIVATE_KEY_FILE), "test"), publicKey)).isTrue();
            assertThat(Files.readString(dir.resolve(EvidenceKeys.PRIVATE_KEY_FILE))).startsWith("-----BEGIN PRIVATE KEY-----\n");
            assertThat(java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve(EvidenceKeys.PRIVATE_KEY_FILE)))).isEqualTo("rw-------");
            assertThatThrownBy(() -> EvidenceKeys.writeNew(dir)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("does not overwrite");
        }

        @Test
        void aSigningKeyWithoutItsPublicKeyOrWithAnotherOneIsRefusedNamingTheSetting(@TempDir Path dir) throws Exception {
            EvidenceKeys.writeNew(dir.resolve("a"));
            EvidenceKeys.writeNew(dir.resolve("b"));
            String privateA = dir.resolve("a").resolve(EvidenceKeys.PRIVATE_KEY_FILE).toString();

            assertThatThrownBy(() -> EvidenceTrust.signer(Map.of(RepriseConfig.EVIDENCE_SIGNING_KEY_FILE, privateA), Map.of()))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining(RepriseConfig.EVIDENCE_PUBLIC_KEY_FILE);
            assertThatThrownBy(() -> EvidenceTrust.signer(Map.of(RepriseConfig.EVIDENCE_SIGNING_KEY_FILE, privateA,
                    RepriseConfig.EVIDENCE_PUBLIC_KEY_FILE, dir.resolve("b").resolve(EvidenceKeys.PUBLIC_KEY_FILE).toString()), Map.of()))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("not a pair");
            assertThatThrownBy(() -> EvidenceTrust.signer(Map.of(RepriseConfig.EVIDENCE_SIGNING_KEY_FILE, dir.resolve("a").resolve(EvidenceKeys.PUBLIC_KEY_FILE).toString(),
                    RepriseConfig.EVIDENCE_PUBLIC_KEY_FILE, dir.resolve("a").resolve(EvidenceKeys.PUBLIC_KEY_FILE).toString()), Map.of()))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining(RepriseConfig.EVIDENCE_SIGNING_KEY_FILE).hasMessageContaining("PRIVATE KEY");
        }

        @Test
        void keysComeFromTheEnvironmentWhenNoPropertyNamesThem(@TempDir Path dir) throws Exception {
            String keyId = EvidenceKeys.writeNew(dir);
            Map<String, String> env = Map.of(EvidenceTrust.SIGNING_KEY_ENV, dir.resolve(EvidenceKeys.PRIVATE_KEY_FILE).toString(),
                    EvidenceTrust.PUBLIC_KEY_ENV, dir.resolve(EvidenceKeys.PUBLIC_KEY_FILE).toString());

            assertThat(EvidenceTrust.signer(Map.of(), env).keyId()).isEqualTo(keyId);
            assertThat(EvidenceTrust.signer(Map.of(), Map.of()).signs()).as("no key anywhere: unsigned").isFalse();
            assertThat(EvidenceTrust.publicKey(null, Map.of(), env).map(EvidenceKeys::keyId)).contains(keyId);
            assertThat(EvidenceTrust.publicKey(null, Map.of(), Map.of())).isEmpty();
        }
    }
}
