package io.qcow2conformance.model.crypto;

/**
 * The Serpent block cipher (Anderson, Biham, Knudsen, "Serpent: A Proposal for the Advanced
 * Encryption Standard", 1998), in its bitslice form, for 128-, 192- and 256-bit keys. The JDK
 * has no Serpent; LUKS1 names it "serpent" (LUKS1 on-disk format, "Cipher and Hash specification
 * registry").
 *
 * <p>Byte order is the one of the Linux kernel, nettle and libgcrypt, which cryptsetup and QEMU
 * use: the key and each block are read as little-endian 32-bit words, the first four bytes of a
 * block being word X0. (The submission's reference vectors print the same numbers with their
 * bytes reversed.) A key shorter than 256 bits is padded with a single 1 bit after its last byte,
 * then zeros (paper, section 2, "Key schedule").
 *
 * <p>Each S-box is applied bit-sliced: bit {@code j} of X0..X3 is a 4-bit input whose least
 * significant bit comes from X0. Written for clarity, one bit position at a time: LUKS images in
 * the corpus are small.
 */
final class Serpent implements BlockCipher {
    private static final int ROUNDS = 32;
    /** The golden ratio constant of the key schedule. */
    private static final int PHI = 0x9e3779b9;

    /** S0..S7 of the paper (section 2, "The S-boxes"). */
    private static final byte[][] S = {
            {3, 8, 15, 1, 10, 6, 5, 11, 14, 13, 4, 2, 7, 0, 9, 12},
            {15, 12, 2, 7, 9, 0, 5, 10, 1, 11, 14, 8, 6, 13, 3, 4},
            {8, 6, 7, 9, 3, 12, 10, 15, 13, 1, 14, 4, 0, 11, 5, 2},
            {0, 15, 11, 8, 12, 9, 6, 3, 13, 1, 2, 4, 10, 7, 5, 14},
            {1, 15, 8, 3, 12, 0, 11, 6, 2, 5, 4, 10, 9, 14, 7, 13},
            {15, 5, 2, 11, 4, 10, 9, 12, 0, 3, 14, 8, 13, 6, 7, 1},
            {7, 2, 12, 5, 8, 4, 6, 11, 14, 9, 1, 15, 13, 3, 10, 0},
            {1, 13, 15, 0, 14, 8, 2, 11, 7, 4, 12, 10, 9, 3, 5, 6},
    };
    private static final byte[][] S_INV = new byte[8][16];

    static {
        for (int b = 0; b < 8; b++) {
            for (int i = 0; i < 16; i++) {
                S_INV[b][S[b][i]] = (byte) i;
            }
        }
    }

    /** The 33 round keys K0..K32, four words each. */
    private final int[] k = new int[4 * (ROUNDS + 1)];

    Serpent(byte[] key) {
        if (key.length != 16 && key.length != 24 && key.length != 32) {
            throw new IllegalArgumentException("Serpent key of " + key.length + " bytes");
        }
        // w[0..7] are the paper's w(-8)..w(-1): the padded key; w[8 + i] is prekey w(i).
        int[] w = new int[8 + 4 * (ROUNDS + 1)];
        byte[] padded = new byte[32];
        System.arraycopy(key, 0, padded, 0, key.length);
        if (key.length < 32) {
            padded[key.length] = 1;
        }
        for (int i = 0; i < 8; i++) {
            w[i] = le32(padded, 4 * i);
        }
        for (int i = 0; i < 4 * (ROUNDS + 1); i++) {
            w[8 + i] = Integer.rotateLeft(w[i] ^ w[i + 3] ^ w[i + 5] ^ w[i + 7] ^ PHI ^ i, 11);
        }
        // Round key i is S((3 - i) mod 8) applied to prekeys 4i..4i+3.
        int[] x = new int[4];
        for (int i = 0; i <= ROUNDS; i++) {
            System.arraycopy(w, 8 + 4 * i, x, 0, 4);
            sbox(S[(3 - i + 8 * ROUNDS) % 8], x);
            System.arraycopy(x, 0, k, 4 * i, 4);
        }
    }

    @Override
    public void encrypt(byte[] in, int inOff, int len, byte[] out, int outOff) {
        int[] x = new int[4];
        for (int b = 0; b < len; b += BLOCK) {
            load(in, inOff + b, x);
            for (int r = 0; r < ROUNDS; r++) {
                addKey(x, r);
                sbox(S[r % 8], x);
                if (r < ROUNDS - 1) {
                    linear(x);
                }
            }
            addKey(x, ROUNDS);
            store(x, out, outOff + b);
        }
    }

    @Override
    public void decrypt(byte[] in, int inOff, int len, byte[] out, int outOff) {
        int[] x = new int[4];
        for (int b = 0; b < len; b += BLOCK) {
            load(in, inOff + b, x);
            addKey(x, ROUNDS);
            for (int r = ROUNDS - 1; r >= 0; r--) {
                if (r < ROUNDS - 1) {
                    inverseLinear(x);
                }
                sbox(S_INV[r % 8], x);
                addKey(x, r);
            }
            store(x, out, outOff + b);
        }
    }

    private void addKey(int[] x, int round) {
        for (int i = 0; i < 4; i++) {
            x[i] ^= k[4 * round + i];
        }
    }

    /** One S-box on every bit position of X0..X3 (X0 the least significant bit of each input and output). */
    private static void sbox(byte[] box, int[] x) {
        int y0 = 0;
        int y1 = 0;
        int y2 = 0;
        int y3 = 0;
        for (int j = 0; j < 32; j++) {
            int in = (x[0] >>> j & 1) | (x[1] >>> j & 1) << 1 | (x[2] >>> j & 1) << 2 | (x[3] >>> j & 1) << 3;
            int o = box[in];
            y0 |= (o & 1) << j;
            y1 |= (o >>> 1 & 1) << j;
            y2 |= (o >>> 2 & 1) << j;
            y3 |= (o >>> 3 & 1) << j;
        }
        x[0] = y0;
        x[1] = y1;
        x[2] = y2;
        x[3] = y3;
    }

    /** The linear transformation of every round but the last (paper, section 2, bitslice form). */
    private static void linear(int[] x) {
        int x0 = Integer.rotateLeft(x[0], 13);
        int x2 = Integer.rotateLeft(x[2], 3);
        int x1 = x[1] ^ x0 ^ x2;
        int x3 = x[3] ^ x2 ^ (x0 << 3);
        x1 = Integer.rotateLeft(x1, 1);
        x3 = Integer.rotateLeft(x3, 7);
        x0 = x0 ^ x1 ^ x3;
        x2 = x2 ^ x3 ^ (x1 << 7);
        x[0] = Integer.rotateLeft(x0, 5);
        x[1] = x1;
        x[2] = Integer.rotateLeft(x2, 22);
        x[3] = x3;
    }

    /** {@link #linear} undone, step by step in reverse. */
    private static void inverseLinear(int[] x) {
        int x0 = Integer.rotateRight(x[0], 5);
        int x1 = x[1];
        int x2 = Integer.rotateRight(x[2], 22);
        int x3 = x[3];
        x2 = x2 ^ x3 ^ (x1 << 7);
        x0 = x0 ^ x1 ^ x3;
        x3 = Integer.rotateRight(x3, 7);
        x1 = Integer.rotateRight(x1, 1);
        x3 = x3 ^ x2 ^ (x0 << 3);
        x1 = x1 ^ x0 ^ x2;
        x[0] = Integer.rotateRight(x0, 13);
        x[1] = x1;
        x[2] = Integer.rotateRight(x2, 3);
        x[3] = x3;
    }

    private static void load(byte[] b, int at, int[] x) {
        for (int i = 0; i < 4; i++) {
            x[i] = le32(b, at + 4 * i);
        }
    }

    private static void store(int[] x, byte[] b, int at) {
        for (int i = 0; i < 4; i++) {
            for (int j = 0; j < 4; j++) {
                b[at + 4 * i + j] = (byte) (x[i] >>> (8 * j));
            }
        }
    }

    private static int le32(byte[] b, int at) {
        return (b[at] & 0xff) | (b[at + 1] & 0xff) << 8 | (b[at + 2] & 0xff) << 16 | (b[at + 3] & 0xff) << 24;
    }
}
