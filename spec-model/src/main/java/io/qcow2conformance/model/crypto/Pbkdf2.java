package io.qcow2conformance.model.crypto;

import java.security.MessageDigest;

/**
 * PBKDF2 (RFC 8018, section 5.2) with HMAC (RFC 2104) over a {@link LuksHash}. Written out
 * rather than taken from {@code SecretKeyFactory.getInstance("PBKDF2WithHmac...")} because that
 * API takes the password as {@code char[]} and re-encodes it, whereas LUKS (and QEMU's secrets)
 * hand over raw bytes, because it refuses empty passwords, and because the JDK has no HMAC for
 * every LUKS hash (RIPEMD-160).
 */
public final class Pbkdf2 {
    private static final byte IPAD = 0x36;
    private static final byte OPAD = 0x5c;
    private static final byte[] NOTHING = {};

    private Pbkdf2() {
    }

    /** Derives {@code length} bytes from {@code password} and {@code salt} with {@code iterations} rounds. */
    public static byte[] derive(LuksHash hash, byte[] password, byte[] salt, long iterations, int length) {
        if (iterations < 1 || length < 0) {
            throw new IllegalArgumentException("iterations " + iterations + ", length " + length);
        }
        Hmac prf = new Hmac(hash, password);
        int hLen = hash.length();
        byte[] out = new byte[length];
        byte[] t = new byte[hLen];
        for (int block = 1, done = 0; done < length; block++, done += hLen) {
            byte[] u = prf.mac(salt, new byte[] {(byte) (block >>> 24), (byte) (block >>> 16), (byte) (block >>> 8),
                    (byte) block});
            System.arraycopy(u, 0, t, 0, hLen);
            for (long i = 1; i < iterations; i++) {
                u = prf.mac(u, NOTHING);
                for (int j = 0; j < hLen; j++) {
                    t[j] ^= u[j];
                }
            }
            System.arraycopy(t, 0, out, done, Math.min(hLen, length - done));
        }
        return out;
    }

    /** HMAC (RFC 2104) of {@code data} under {@code key}. */
    static byte[] hmac(LuksHash hash, byte[] key, byte[] data) {
        return new Hmac(hash, key).mac(data, NOTHING);
    }

    /**
     * HMAC with one key: the key (hashed first if longer than a block) zero-padded to a block and
     * XORed with ipad and opad starts the inner and outer hash; both keyed states are computed once
     * and copied for every MAC.
     */
    private static final class Hmac {
        private final MessageDigest inner;
        private final MessageDigest outer;

        Hmac(LuksHash hash, byte[] key) {
            byte[] k = key.length > hash.blockSize() ? hash.digest().digest(key) : key;
            inner = hash.digest();
            outer = hash.digest();
            for (int i = 0; i < hash.blockSize(); i++) {
                byte b = i < k.length ? k[i] : 0;
                inner.update((byte) (b ^ IPAD));
                outer.update((byte) (b ^ OPAD));
            }
        }

        /** The MAC of {@code a} followed by {@code b}. */
        byte[] mac(byte[] a, byte[] b) {
            MessageDigest i = copy(inner);
            i.update(a);
            i.update(b);
            MessageDigest o = copy(outer);
            o.update(i.digest());
            return o.digest();
        }

        private static MessageDigest copy(MessageDigest md) {
            try {
                return (MessageDigest) md.clone();
            } catch (CloneNotSupportedException e) {
                throw new IllegalStateException(md.getAlgorithm() + " cannot be copied", e);
            }
        }
    }
}
