package io.qcow2conformance.model.crypto;

import java.security.GeneralSecurityException;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * PBKDF2 (RFC 8018, section 5.2) over the JCE's HMAC. Written out rather than taken from
 * {@code SecretKeyFactory.getInstance("PBKDF2WithHmac...")} because that API takes the
 * password as {@code char[]} and re-encodes it, whereas LUKS (and QEMU's secrets) hand over
 * raw bytes, and because it refuses empty passwords.
 */
public final class Pbkdf2 {
    private Pbkdf2() {
    }

    /** Derives {@code length} bytes from {@code password} and {@code salt} with {@code iterations} rounds. */
    public static byte[] derive(LuksHash hash, byte[] password, byte[] salt, long iterations, int length) {
        if (iterations < 1 || length < 0) {
            throw new IllegalArgumentException("iterations " + iterations + ", length " + length);
        }
        try {
            Mac mac = Mac.getInstance(hash.macName());
            // HMAC pads its key with zeros to the block size, so an empty key is the same as
            // one zero byte; SecretKeySpec refuses empty keys.
            mac.init(new SecretKeySpec(password.length == 0 ? new byte[1] : password, hash.macName()));
            int hLen = mac.getMacLength();
            byte[] out = new byte[length];
            byte[] u = new byte[hLen];
            byte[] t = new byte[hLen];
            for (int block = 1, done = 0; done < length; block++, done += hLen) {
                mac.update(salt);
                mac.update(new byte[] {(byte) (block >>> 24), (byte) (block >>> 16), (byte) (block >>> 8), (byte) block});
                mac.doFinal(u, 0);
                System.arraycopy(u, 0, t, 0, hLen);
                for (long i = 1; i < iterations; i++) {
                    mac.update(u);
                    mac.doFinal(u, 0);
                    for (int j = 0; j < hLen; j++) {
                        t[j] ^= u[j];
                    }
                }
                System.arraycopy(t, 0, out, done, Math.min(hLen, length - done));
            }
            return out;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HMAC " + hash.luksName() + " unavailable", e);
        }
    }
}
