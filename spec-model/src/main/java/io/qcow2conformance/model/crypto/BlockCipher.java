package io.qcow2conformance.model.crypto;

/**
 * A 128-bit block cipher keyed once, used in ECB fashion over whole blocks: the building
 * block of every LUKS sector mode ({@link SectorCipher}). {@code in} and {@code out} may be
 * the same array at the same offset.
 */
interface BlockCipher {
    int BLOCK = 16;

    /** Encrypts {@code len} bytes (whole blocks) of {@code in} at {@code inOff} into {@code out} at {@code outOff}. */
    void encrypt(byte[] in, int inOff, int len, byte[] out, int outOff);

    /** The inverse of {@link #encrypt}. */
    void decrypt(byte[] in, int inOff, int len, byte[] out, int outOff);
}
