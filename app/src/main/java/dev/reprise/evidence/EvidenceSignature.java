package dev.reprise.evidence;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Function;

/**
 * The authentication of evidence records, as docs/evidence-signature.md describes it for any client: an Ed25519
 * signature over the record's value bytes exactly as they are on the topic, carried in two record headers,
 * {@value #SIGNATURE_HEADER} (the 64-byte signature in standard base64, ASCII) and {@value #KEY_ID_HEADER} (the signing
 * key's id, {@link EvidenceKeys#keyId}). The value already names the run, the contract (name, hash), the application id
 * and the projection, so a signature binds the verdict to all of them.
 */
public final class EvidenceSignature {
    public static final String SIGNATURE_HEADER = "reprise.signature";
    public static final String KEY_ID_HEADER = "reprise.signature.key-id";
    /**
     * HMAC-SHA256 of the value under a secret that exists only in the memory of the process that wrote the record
     * ({@link Signer#writtenHere}); no reader can check it, and no other process can make it.
     */
    public static final String WRITER_HEADER = "reprise.writer.mac";

    /** What checking one record's signature found. */
    public enum Check {
        /** Signed by the configured public key's private key, over exactly this value. */
        VERIFIED,
        /** No signature header: the writer had no signing key. */
        UNSIGNED,
        /** Signed, but the reader has no public key to check it with. */
        NOT_CHECKED,
        /** Signed by another key than the configured one. */
        OTHER_KEY,
        /** The signature does not verify: the value or the signature was changed, or it is no signature. */
        BAD_SIGNATURE;

        /** Whether a reader with a public key may take the record as evidence. */
        public boolean verified() {
            return this == VERIFIED;
        }
    }

    private EvidenceSignature() {
    }

    public static byte[] sign(PrivateKey key, byte[] value) {
        try {
            Signature s = Signature.getInstance(EvidenceKeys.ALGORITHM);
            s.initSign(key);
            s.update(value);
            return s.sign();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot sign the evidence with the configured Ed25519 key: " + e.getMessage(), e);
        }
    }

    public static boolean verify(PublicKey key, byte[] value, byte[] signature) {
        try {
            Signature s = Signature.getInstance(EvidenceKeys.ALGORITHM);
            s.initVerify(key);
            s.update(value);
            return s.verify(signature);
        } catch (GeneralSecurityException | RuntimeException e) {
            return false;
        }
    }

    /**
     * Checks one record.
     *
     * @param key    the reader's public key, or {@code null} when it has none
     * @param header the record's last header of a name, or {@code null} when absent
     */
    public static Check check(PublicKey key, byte[] value, Function<String, byte[]> header) {
        byte[] signature = header.apply(SIGNATURE_HEADER);
        if (signature == null) {
            return Check.UNSIGNED;
        }
        if (key == null) {
            return Check.NOT_CHECKED;
        }
        byte[] keyId = header.apply(KEY_ID_HEADER);
        if (keyId != null && !EvidenceKeys.keyId(key).equals(new String(keyId, StandardCharsets.US_ASCII))) {
            return Check.OTHER_KEY;
        }
        byte[] raw;
        try {
            raw = Base64.getDecoder().decode(signature);
        } catch (IllegalArgumentException notBase64) {
            return Check.BAD_SIGNATURE;
        }
        return verify(key, value, raw) ? Check.VERIFIED : Check.BAD_SIGNATURE;
    }

    /** The key id a record says it was signed with, or {@code null}. */
    public static String keyIdOf(Function<String, byte[]> header) {
        byte[] keyId = header.apply(KEY_ID_HEADER);
        return keyId == null ? null : new String(keyId, StandardCharsets.US_ASCII);
    }

    /**
     * What a Reprise process writes its evidence with: the Ed25519 key pair when one is configured (then every instance of
     * the run shares it), and always this process's own secret.
     */
    public static final class Signer {
        /**
         * Made once per process, never written anywhere. A record that carries an HMAC under it was written by this process:
         * nobody else can make one, even after reading the header, because the MAC covers the value it came with.
         */
        private static final byte[] PROCESS_SECRET = randomSecret();
        private static final Signer UNSIGNED = new Signer(null, null);
        private final PrivateKey privateKey;
        private final PublicKey publicKey;

        private Signer(PrivateKey privateKey, PublicKey publicKey) {
            this.privateKey = privateKey;
            this.publicKey = publicKey;
        }

        /** A signer without a key: its evidence says it is unsigned ({@code signature_key_id} null, no signature header). */
        public static Signer unsigned() {
            return UNSIGNED;
        }

        /**
         * @throws IllegalArgumentException when the public key is not the private key's other half
         */
        public static Signer of(PrivateKey privateKey, PublicKey publicKey) {
            if (!EvidenceKeys.matches(privateKey, publicKey)) {
                throw new IllegalArgumentException("the evidence signing key and the public key given with it are not a pair: evidence signed "
                        + "with it would fail verification. Give the public key 'reprise keys generate' wrote beside the private key");
            }
            return new Signer(privateKey, publicKey);
        }

        public boolean signs() {
            return privateKey != null;
        }

        /** The id of the signing key, or {@code null} when this signer has none. */
        public String keyId() {
            return publicKey == null ? null : EvidenceKeys.keyId(publicKey);
        }

        /** The public key of the signing key, or {@code null}. */
        public PublicKey publicKey() {
            return publicKey;
        }

        /** The evidence as it will be written: {@code signature_key_id} set to this signer's key id, or null when unsigned. */
        public dev.reprise.evidence.avro.RecoveryEvidence stamp(dev.reprise.evidence.avro.RecoveryEvidence evidence) {
            return dev.reprise.evidence.avro.RecoveryEvidence.newBuilder(evidence).setSignatureKeyId(keyId()).build();
        }

        /** The headers to add to the record whose value is {@code value}, in order. */
        public Map<String, byte[]> headers(byte[] value) {
            Map<String, byte[]> out = new LinkedHashMap<>();
            if (privateKey != null) {
                out.put(SIGNATURE_HEADER, Base64.getEncoder().encode(sign(privateKey, value)));
                out.put(KEY_ID_HEADER, keyId().getBytes(StandardCharsets.US_ASCII));
            }
            out.put(WRITER_HEADER, mac(value));
            return out;
        }

        /**
         * Whether this process wrote the record: with a key pair, its signature verifies with this signer's public key (so
         * every instance of the run is recognised); without one, it carries this process's HMAC.
         */
        public boolean writtenHere(byte[] value, Function<String, byte[]> header) {
            if (publicKey != null) {
                return check(publicKey, value, header).verified();
            }
            byte[] mac = header.apply(WRITER_HEADER);
            return mac != null && MessageDigest.isEqual(mac, mac(value));
        }

        private static byte[] randomSecret() {
            byte[] secret = new byte[32];
            new SecureRandom().nextBytes(secret);
            return secret;
        }

        private static byte[] mac(byte[] value) {
            try {
                Mac mac = Mac.getInstance("HmacSHA256");
                mac.init(new SecretKeySpec(PROCESS_SECRET, "HmacSHA256"));
                return Base64.getEncoder().encode(mac.doFinal(value));
            } catch (GeneralSecurityException e) {
                throw new IllegalStateException(e);
            }
        }
    }
}
