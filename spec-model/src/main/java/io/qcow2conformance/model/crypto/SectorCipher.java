package io.qcow2conformance.model.crypto;

import java.util.Arrays;

/**
 * Decrypts whole 512-byte sectors with one {@link CipherSpec} and key; each sector's IV
 * comes from its sector number. Not thread-safe: one per reader.
 *
 * <p>Every mode is built on the raw block cipher ({@link BlockCipher}: AES from the JCE,
 * Serpent in plain Java): CBC as decrypt-then-XOR with the previous ciphertext block, and XTS
 * (IEEE 1619) by hand, because the JDK has no XTS mode. Sectors are whole 16-byte blocks, so
 * XTS never needs ciphertext stealing.
 */
public final class SectorCipher {
    public static final int SECTOR_SIZE = 512;
    private static final int BLOCK = BlockCipher.BLOCK;

    private final CipherSpec spec;
    /** En- and decrypts data blocks (XTS: with key 1). */
    private final BlockCipher data;
    /** Encrypts IVs into tweaks (XTS: key 2) or ESSIV IVs (the cipher keyed with a hash of the key); null for CBC plain/plain64. */
    private final BlockCipher ivCipher;
    private final byte[] scratch = new byte[SECTOR_SIZE];
    private final byte[] tweaks = new byte[SECTOR_SIZE];
    private final byte[] iv = new byte[BLOCK];

    public SectorCipher(CipherSpec spec, byte[] key) {
        if (!spec.validKeyLength(key.length)) {
            throw new IllegalArgumentException("key of " + key.length + " bytes for " + spec);
        }
        this.spec = spec;
        CipherSpec.Algorithm a = spec.algorithm();
        if (spec.mode() == CipherSpec.Mode.XTS) {
            int half = key.length / 2;
            data = a.keyed(Arrays.copyOfRange(key, 0, half));
            ivCipher = a.keyed(Arrays.copyOfRange(key, half, key.length));
        } else {
            data = a.keyed(key);
            ivCipher = spec.ivGen() == CipherSpec.IvGen.ESSIV ? a.keyed(spec.ivHash().digest().digest(key)) : null;
        }
    }

    /** Decrypts {@code len} bytes (whole sectors) of {@code buf} at {@code off} in place; the first is sector {@code sector}. */
    public void decrypt(byte[] buf, int off, int len, long sector) {
        sectors(buf, off, len, sector, false);
    }

    /** Encrypts {@code len} bytes (whole sectors) of {@code buf} at {@code off} in place; the first is sector {@code sector}. */
    public void encrypt(byte[] buf, int off, int len, long sector) {
        sectors(buf, off, len, sector, true);
    }

    private void sectors(byte[] buf, int off, int len, long sector, boolean encrypt) {
        if (len % SECTOR_SIZE != 0) {
            throw new IllegalArgumentException("not whole sectors: " + len);
        }
        for (int at = off; at < off + len; at += SECTOR_SIZE, sector++) {
            if (encrypt) {
                encryptUnit(buf, at, SECTOR_SIZE, sector);
            } else {
                decryptUnit(buf, at, SECTOR_SIZE, sector);
            }
        }
    }

    /**
     * Decrypts one data unit of {@code len} bytes (a multiple of 16) in place. Package-private for the
     * IEEE 1619 vectors, whose data units are not all 512 bytes.
     */
    void decryptUnit(byte[] buf, int at, int len, long sector) {
        ivFor(sector);
        byte[] tmp = len == SECTOR_SIZE ? scratch : new byte[len];
        if (spec.mode() == CipherSpec.Mode.XTS) {
            xts(false, buf, at, len, tmp);
        } else {
            if (ivCipher != null) {
                ivCipher.encrypt(iv, 0, BLOCK, iv, 0);
            }
            data.decrypt(buf, at, len, tmp, 0);
            // P[i] = D(C[i]) ^ C[i-1], with C[-1] the IV; walk backwards so C[i-1] is still ciphertext.
            for (int i = len - 1; i >= 0; i--) {
                byte prev = i >= BLOCK ? buf[at + i - BLOCK] : iv[i];
                buf[at + i] = (byte) (tmp[i] ^ prev);
            }
        }
    }

    /** The inverse of {@link #decryptUnit}. */
    void encryptUnit(byte[] buf, int at, int len, long sector) {
        ivFor(sector);
        if (spec.mode() == CipherSpec.Mode.XTS) {
            xts(true, buf, at, len, len == SECTOR_SIZE ? scratch : new byte[len]);
            return;
        }
        if (ivCipher != null) {
            ivCipher.encrypt(iv, 0, BLOCK, iv, 0);
        }
        // C[i] = E(P[i] ^ C[i-1]), with C[-1] the IV.
        for (int b = 0; b < len; b += BLOCK) {
            for (int i = 0; i < BLOCK; i++) {
                buf[at + b + i] ^= b == 0 ? iv[i] : buf[at + b - BLOCK + i];
            }
            data.encrypt(buf, at + b, BLOCK, buf, at + b);
        }
    }

    /** XTS (IEEE 1619) in either direction: each block XORed with its tweak, through the data cipher, XORed again. */
    private void xts(boolean encrypt, byte[] buf, int at, int len, byte[] tmp) {
        byte[] t = len == SECTOR_SIZE ? tweaks : new byte[len];
        ivCipher.encrypt(iv, 0, BLOCK, t, 0);
        for (int b = BLOCK; b < len; b += BLOCK) {
            timesAlpha(t, b - BLOCK, t, b);
        }
        for (int i = 0; i < len; i++) {
            tmp[i] = (byte) (buf[at + i] ^ t[i]);
        }
        if (encrypt) {
            data.encrypt(tmp, 0, len, tmp, 0);
        } else {
            data.decrypt(tmp, 0, len, tmp, 0);
        }
        for (int i = 0; i < len; i++) {
            buf[at + i] = (byte) (tmp[i] ^ t[i]);
        }
    }

    /** The IV before encryption: the sector number little-endian, 32 bits for plain, 64 otherwise. */
    private void ivFor(long sector) {
        Arrays.fill(iv, (byte) 0);
        int bytes = spec.ivGen() == CipherSpec.IvGen.PLAIN ? 4 : 8;
        for (int i = 0; i < bytes; i++) {
            iv[i] = (byte) (sector >>> (8 * i));
        }
    }

    /** XTS: multiplies the 128-bit little-endian tweak at {@code src} by x in GF(2^128) into {@code dst}. */
    private static void timesAlpha(byte[] src, int s, byte[] dst, int d) {
        int carry = 0;
        for (int i = 0; i < BLOCK; i++) {
            int v = src[s + i] & 0xff;
            dst[d + i] = (byte) ((v << 1) | carry);
            carry = v >>> 7;
        }
        if (carry != 0) {
            dst[d] ^= (byte) 0x87;
        }
    }
}
