package dev.reprise.evidence;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.X509EncodedKeySpec;
import java.util.Base64;
import java.util.HexFormat;

/**
 * The Ed25519 keys of evidence signatures (see docs/evidence-signature.md): the private key as a PKCS#8 PEM file
 * ({@code -----BEGIN PRIVATE KEY-----}), the public key as an X.509 SubjectPublicKeyInfo PEM file
 * ({@code -----BEGIN PUBLIC KEY-----}), both as {@code openssl genpkey -algorithm ed25519} and {@code openssl pkey -pubout}
 * write them. A key is named by its id: {@code sha256:} and the lowercase hex SHA-256 of the public key's DER encoding.
 */
public final class EvidenceKeys {
    public static final String ALGORITHM = "Ed25519";
    public static final String PRIVATE_KEY_FILE = "evidence-signing.key";
    public static final String PUBLIC_KEY_FILE = "evidence-signing.pub";

    private EvidenceKeys() {
    }

    /** {@code sha256:<hex of SHA-256(DER SubjectPublicKeyInfo)>}: what header {@code reprise.signature.key-id} carries. */
    public static String keyId(PublicKey key) {
        try {
            return "sha256:" + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(key.getEncoded()));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * @param what the setting that named the file, for the message
     * @throws IllegalArgumentException naming the file and the setting when it cannot be read or is no Ed25519 private key
     */
    public static PrivateKey readPrivate(Path file, String what) {
        byte[] der = pem(file, "PRIVATE KEY", what);
        try {
            return KeyFactory.getInstance(ALGORITHM).generatePrivate(new PKCS8EncodedKeySpec(der));
        } catch (GeneralSecurityException | RuntimeException e) {
            throw new IllegalArgumentException(what + ": " + file + " is not an Ed25519 private key in PKCS#8 PEM (" + e.getMessage()
                    + "); 'reprise keys generate --out DIR' writes one");
        }
    }

    /** @throws IllegalArgumentException naming the file and the setting when it cannot be read or is no Ed25519 public key */
    public static PublicKey readPublic(Path file, String what) {
        byte[] der = pem(file, "PUBLIC KEY", what);
        try {
            return KeyFactory.getInstance(ALGORITHM).generatePublic(new X509EncodedKeySpec(der));
        } catch (GeneralSecurityException | RuntimeException e) {
            throw new IllegalArgumentException(what + ": " + file + " is not an Ed25519 public key in X.509 PEM (" + e.getMessage()
                    + "); 'reprise keys generate --out DIR' writes one");
        }
    }

    private static byte[] pem(Path file, String type, String what) {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.US_ASCII);
        } catch (IOException | RuntimeException e) {
            throw new IllegalArgumentException(what + ": cannot read " + file + ": " + e.getMessage());
        }
        String begin = "-----BEGIN " + type + "-----";
        String end = "-----END " + type + "-----";
        int from = text.indexOf(begin);
        int to = text.indexOf(end);
        if (from < 0 || to < from) {
            throw new IllegalArgumentException(what + ": " + file + " holds no '" + begin + "' block; expected an Ed25519 "
                    + type.toLowerCase(java.util.Locale.ROOT) + " in PEM, as 'reprise keys generate --out DIR' writes it");
        }
        try {
            return Base64.getMimeDecoder().decode(text.substring(from + begin.length(), to));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(what + ": " + file + ": the PEM block is not base64: " + e.getMessage());
        }
    }

    public static KeyPair generate() {
        try {
            return KeyPairGenerator.getInstance(ALGORITHM).generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The PEM text of a key: {@code PRIVATE KEY} (PKCS#8) or {@code PUBLIC KEY} (X.509). */
    public static String toPem(java.security.Key key) {
        String type = key instanceof PrivateKey ? "PRIVATE KEY" : "PUBLIC KEY";
        return "-----BEGIN " + type + "-----\n" + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(key.getEncoded())
                + "\n-----END " + type + "-----\n";
    }

    /**
     * Writes a new key pair into {@code dir} ({@value #PRIVATE_KEY_FILE} readable by its owner only, {@value #PUBLIC_KEY_FILE}),
     * refusing to overwrite an existing key.
     *
     * @return the key id of the new public key
     */
    public static String writeNew(Path dir) throws IOException {
        Files.createDirectories(dir);
        Path privateFile = dir.resolve(PRIVATE_KEY_FILE);
        Path publicFile = dir.resolve(PUBLIC_KEY_FILE);
        for (Path p : new Path[] {privateFile, publicFile}) {
            if (Files.exists(p)) {
                throw new IllegalArgumentException("--out: " + p + " exists; Reprise does not overwrite a key (evidence signed with it "
                        + "could no longer be verified). Choose another directory or move the old key away first");
            }
        }
        KeyPair pair = generate();
        Files.createFile(privateFile);
        try {
            Files.setPosixFilePermissions(privateFile, PosixFilePermissions.fromString("rw-------"));
        } catch (UnsupportedOperationException notPosix) {
            // A file system without POSIX permissions: the directory's own protection applies.
        }
        Files.writeString(privateFile, toPem(pair.getPrivate()), StandardCharsets.US_ASCII);
        Files.writeString(publicFile, toPem(pair.getPublic()), StandardCharsets.US_ASCII);
        return keyId(pair.getPublic());
    }

    /** Whether {@code publicKey} is the public half of {@code privateKey}: a test message signed by one verifies with the other. */
    public static boolean matches(PrivateKey privateKey, PublicKey publicKey) {
        byte[] probe = "reprise evidence key check".getBytes(StandardCharsets.US_ASCII);
        try {
            Signature s = Signature.getInstance(ALGORITHM);
            s.initSign(privateKey);
            s.update(probe);
            byte[] signature = s.sign();
            Signature v = Signature.getInstance(ALGORITHM);
            v.initVerify(publicKey);
            v.update(probe);
            return v.verify(signature);
        } catch (GeneralSecurityException e) {
            return false;
        }
    }
}
