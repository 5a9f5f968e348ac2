package io.qcow2conformance.model.crypto;

import java.security.GeneralSecurityException;
import java.util.Arrays;
import javax.crypto.Cipher;
import javax.crypto.spec.SecretKeySpec;

/**
 * Decrypts whole 512-byte sectors with one {@link CipherSpec} and key; each sector's IV
 * comes from its sector number. Not thread-safe: one per reader.
 *
 * <p>Every mode is built on the JCE's raw AES block cipher ({@code AES/ECB/NoPadding}):
 * CBC as decrypt-then-XOR with the previous ciphertext block, and XTS (IEEE 1619) by hand,
 * because the JDK has no XTS mode. Sectors are whole AES blocks, so XTS never needs
 * ciphertext stealing.
 */
public final class SectorCipher {
    public static final int SECTOR_SIZE = 512;
    private static final int BLOCK = 16;

    private final CipherSpec spec;
    /** Decrypts data blocks (XTS: with key 1). */
    private final Cipher data;
    /** Encrypts data blocks with the same key (the writer's direction). */
    private final Cipher dataEncrypt;
    /** Encrypts IVs into tweaks (XTS: key 2) or ESSIV IVs (hash of the key); null for CBC plain/plain64. */
    private final Cipher ivCipher;
    private final byte[] scratch = new byte[SECTOR_SIZE];
    private final byte[] tweaks = new byte[SECTOR_SIZE];
    private final byte[] iv = new byte[BLOCK];

    public SectorCipher(CipherSpec spec, byte[] key) {
        if (!spec.validKeyLength(key.length)) {
            throw new IllegalArgumentException("key of " + key.length + " bytes for " + spec);
        }
        this.spec = spec;
        try {
            if (spec.mode() == CipherSpec.Mode.XTS) {
                int half = key.length / 2;
                data = aes(Cipher.DECRYPT_MODE, Arrays.copyOfRange(key, 0, half));
                dataEncrypt = aes(Cipher.ENCRYPT_MODE, Arrays.copyOfRange(key, 0, half));
                ivCipher = aes(Cipher.ENCRYPT_MODE, Arrays.copyOfRange(key, half, key.length));
            } else {
                data = aes(Cipher.DECRYPT_MODE, key);
                dataEncrypt = aes(Cipher.ENCRYPT_MODE, key);
                ivCipher = spec.ivGen() == CipherSpec.IvGen.ESSIV
                        ? aes(Cipher.ENCRYPT_MODE, spec.ivHash().digest().digest(key))
                        : null;
            }
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES unavailable", e);
        }
    }

    private static Cipher aes(int op, byte[] key) throws GeneralSecurityException {
        Cipher c = Cipher.getInstance("AES/ECB/NoPadding");
        c.init(op, new SecretKeySpec(key, "AES"));
        return c;
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
        try {
            for (int at = off; at < off + len; at += SECTOR_SIZE, sector++) {
                if (encrypt) {
                    encryptUnit(buf, at, SECTOR_SIZE, sector);
                } else {
                    decryptUnit(buf, at, SECTOR_SIZE, sector);
                }
            }
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES failed", e);
        }
    }

    /**
     * Decrypts one data unit of {@code len} bytes (a multiple of 16) in place. Package-private for the
     * IEEE 1619 vectors, whose data units are not all 512 bytes.
     */
    void decryptUnit(byte[] buf, int at, int len, long sector) throws GeneralSecurityException {
        ivFor(sector);
        byte[] tmp = len == SECTOR_SIZE ? scratch : new byte[len];
        if (spec.mode() == CipherSpec.Mode.XTS) {
            xts(data, buf, at, len, tmp);
        } else {
            if (ivCipher != null) {
                ivCipher.doFinal(iv, 0, BLOCK, iv, 0);
            }
            data.doFinal(buf, at, len, tmp, 0);
            // P[i] = D(C[i]) ^ C[i-1], with C[-1] the IV; walk backwards so C[i-1] is still ciphertext.
            for (int i = len - 1; i >= 0; i--) {
                byte prev = i >= BLOCK ? buf[at + i - BLOCK] : iv[i];
                buf[at + i] = (byte) (tmp[i] ^ prev);
            }
        }
    }

    /** The inverse of {@link #decryptUnit}. */
    void encryptUnit(byte[] buf, int at, int len, long sector) throws GeneralSecurityException {
        ivFor(sector);
        if (spec.mode() == CipherSpec.Mode.XTS) {
            xts(dataEncrypt, buf, at, len, len == SECTOR_SIZE ? scratch : new byte[len]);
            return;
        }
        if (ivCipher != null) {
            ivCipher.doFinal(iv, 0, BLOCK, iv, 0);
        }
        // C[i] = E(P[i] ^ C[i-1]), with C[-1] the IV.
        for (int b = 0; b < len; b += BLOCK) {
            for (int i = 0; i < BLOCK; i++) {
                buf[at + b + i] ^= b == 0 ? iv[i] : buf[at + b - BLOCK + i];
            }
            dataEncrypt.doFinal(buf, at + b, BLOCK, buf, at + b);
        }
    }

    /** XTS (IEEE 1619) in either direction: each block XORed with its tweak, through {@code c}, XORed again. */
    private void xts(Cipher c, byte[] buf, int at, int len, byte[] tmp) throws GeneralSecurityException {
        byte[] t = len == SECTOR_SIZE ? tweaks : new byte[len];
        ivCipher.doFinal(iv, 0, BLOCK, t, 0);
        for (int b = BLOCK; b < len; b += BLOCK) {
            timesAlpha(t, b - BLOCK, t, b);
        }
        for (int i = 0; i < len; i++) {
            tmp[i] = (byte) (buf[at + i] ^ t[i]);
        }
        c.doFinal(tmp, 0, len, tmp, 0);
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
