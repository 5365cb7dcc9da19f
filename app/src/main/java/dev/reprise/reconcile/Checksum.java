package dev.reprise.reconcile;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * The projection checksum: the sum modulo 2^64 of the first 8 bytes of SHA-256(key, 0x00, value) over
 * every key, where value is the state's plain Avro binary. A sum does not depend on the order in which
 * keys are visited or on how they are spread over tasks and instances.
 */
public final class Checksum {
    private Checksum() {
    }

    public static long keyHash(byte[] key, byte[] value) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            sha.update(key);
            sha.update((byte) 0);
            sha.update(value);
            byte[] d = sha.digest();
            long h = 0;
            for (int i = 0; i < 8; i++) {
                h = (h << 8) | (d[i] & 0xff);
            }
            return h;
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    public static String hex(long sum) {
        return String.format("%016x", sum);
    }
}
