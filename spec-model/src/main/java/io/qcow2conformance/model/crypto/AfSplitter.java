package io.qcow2conformance.model.crypto;

import java.security.MessageDigest;

/**
 * The LUKS anti-forensic splitter's merge step (LUKS1 on-disk format, "AF-Splitter"): the
 * key material holds {@code stripes} blocks of the key's length; every block but the last
 * is XORed into an accumulator that is then diffused with the hash, and the last block
 * XORed with the result is the master key. {@link #split} is the writer's direction.
 */
public final class AfSplitter {
    private AfSplitter() {
    }

    /** The key of {@code keyLength} bytes merged from {@code stripes} blocks of {@code material}. */
    public static byte[] merge(LuksHash hash, byte[] material, int keyLength, int stripes) {
        if ((long) keyLength * stripes > material.length || stripes < 1) {
            throw new IllegalArgumentException(stripes + " stripes of " + keyLength + " bytes in " + material.length);
        }
        MessageDigest md = hash.digest();
        byte[] d = new byte[keyLength];
        for (int s = 0; s < stripes - 1; s++) {
            xor(d, material, s * keyLength);
            diffuse(md, d);
        }
        xor(d, material, (stripes - 1) * keyLength);
        return d;
    }

    /**
     * The key material of {@code stripes} blocks that {@link #merge} turns back into {@code key}:
     * the first {@code stripes - 1} blocks are {@code filler} (random in cryptsetup and QEMU; the
     * caller's choice here), the last is the key XORed with the diffused accumulator.
     */
    public static byte[] split(LuksHash hash, byte[] key, int stripes, byte[] filler) {
        int n = key.length;
        if (stripes < 1 || filler.length != (long) n * (stripes - 1)) {
            throw new IllegalArgumentException(stripes + " stripes of " + n + " bytes with " + filler.length + " filler bytes");
        }
        byte[] out = new byte[n * stripes];
        System.arraycopy(filler, 0, out, 0, filler.length);
        MessageDigest md = hash.digest();
        byte[] d = new byte[n];
        for (int s = 0; s < stripes - 1; s++) {
            xor(d, out, s * n);
            diffuse(md, d);
        }
        xor(d, key, 0);
        System.arraycopy(d, 0, out, (stripes - 1) * n, n);
        return out;
    }

    private static void xor(byte[] d, byte[] src, int from) {
        for (int i = 0; i < d.length; i++) {
            d[i] ^= src[from + i];
        }
    }

    /** Replaces each digest-sized piece of {@code d} by the hash of its big-endian index and itself. */
    private static void diffuse(MessageDigest md, byte[] d) {
        int h = md.getDigestLength();
        for (int i = 0, at = 0; at < d.length; i++, at += h) {
            int n = Math.min(h, d.length - at);
            md.update(new byte[] {(byte) (i >>> 24), (byte) (i >>> 16), (byte) (i >>> 8), (byte) i});
            md.update(d, at, n);
            System.arraycopy(md.digest(), 0, d, at, n);
        }
    }
}
