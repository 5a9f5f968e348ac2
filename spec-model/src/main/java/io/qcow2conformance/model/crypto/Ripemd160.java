package io.qcow2conformance.model.crypto;

import java.security.MessageDigest;

/**
 * RIPEMD-160 (Dobbertin, Bosselaers, Preneel, "RIPEMD-160: A Strengthened Version of RIPEMD",
 * 1996; also ISO/IEC 10118-3), which LUKS1 names "ripemd160" and the JDK lacks. Two parallel
 * lines of five rounds of sixteen steps over each 64-byte block, words little-endian, message
 * padded as in MD4.
 */
final class Ripemd160 extends MessageDigest implements Cloneable {
    private static final int[] K_LEFT = {0x00000000, 0x5a827999, 0x6ed9eba1, 0x8f1bbcdc, 0xa953fd4e};
    private static final int[] K_RIGHT = {0x50a28be6, 0x5c4dd124, 0x6d703ef3, 0x7a6d76e9, 0x00000000};
    /** Message word selected by each step of the left and right lines. */
    private static final int[] R_LEFT = {
            0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15,
            7, 4, 13, 1, 10, 6, 15, 3, 12, 0, 9, 5, 2, 14, 11, 8,
            3, 10, 14, 4, 9, 15, 8, 1, 2, 7, 0, 6, 13, 11, 5, 12,
            1, 9, 11, 10, 0, 8, 12, 4, 13, 3, 7, 15, 14, 5, 6, 2,
            4, 0, 5, 9, 7, 12, 2, 10, 14, 1, 3, 8, 11, 6, 15, 13};
    private static final int[] R_RIGHT = {
            5, 14, 7, 0, 9, 2, 11, 4, 13, 6, 15, 8, 1, 10, 3, 12,
            6, 11, 3, 7, 0, 13, 5, 10, 14, 15, 8, 12, 4, 9, 1, 2,
            15, 5, 1, 3, 7, 14, 6, 9, 11, 8, 12, 2, 10, 0, 4, 13,
            8, 6, 4, 1, 3, 11, 15, 0, 5, 12, 2, 13, 9, 7, 10, 14,
            12, 15, 10, 4, 1, 5, 8, 7, 6, 2, 13, 14, 0, 3, 9, 11};
    /** Left rotation of each step. */
    private static final int[] S_LEFT = {
            11, 14, 15, 12, 5, 8, 7, 9, 11, 13, 14, 15, 6, 7, 9, 8,
            7, 6, 8, 13, 11, 9, 7, 15, 7, 12, 15, 9, 11, 7, 13, 12,
            11, 13, 6, 7, 14, 9, 13, 15, 14, 8, 13, 6, 5, 12, 7, 5,
            11, 12, 14, 15, 14, 15, 9, 8, 9, 14, 5, 6, 8, 6, 5, 12,
            9, 15, 5, 11, 6, 8, 13, 12, 5, 12, 13, 14, 11, 8, 5, 6};
    private static final int[] S_RIGHT = {
            8, 9, 9, 11, 13, 15, 15, 5, 7, 7, 8, 11, 14, 14, 12, 6,
            9, 13, 15, 7, 12, 8, 9, 11, 7, 7, 12, 7, 6, 15, 13, 11,
            9, 7, 15, 11, 8, 6, 6, 14, 12, 13, 5, 14, 13, 13, 7, 5,
            15, 5, 8, 11, 14, 14, 6, 14, 6, 9, 12, 9, 12, 5, 15, 8,
            8, 5, 12, 9, 12, 5, 14, 6, 8, 13, 6, 5, 15, 13, 11, 11};

    private int[] h = new int[5];
    private byte[] block = new byte[64];
    private int filled;
    private long length;

    Ripemd160() {
        super("RIPEMD160");
        engineReset();
    }

    @Override
    protected int engineGetDigestLength() {
        return 20;
    }

    @Override
    protected void engineReset() {
        h = new int[] {0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476, 0xc3d2e1f0};
        filled = 0;
        length = 0;
    }

    @Override
    protected void engineUpdate(byte input) {
        block[filled++] = input;
        length++;
        if (filled == 64) {
            compress();
        }
    }

    @Override
    protected void engineUpdate(byte[] input, int offset, int len) {
        for (int i = 0; i < len; i++) {
            engineUpdate(input[offset + i]);
        }
    }

    @Override
    protected byte[] engineDigest() {
        long bits = length * 8;
        engineUpdate((byte) 0x80);
        while (filled != 56) {
            engineUpdate((byte) 0);
        }
        for (int i = 0; i < 8; i++) {
            engineUpdate((byte) (bits >>> (8 * i)));
        }
        byte[] out = new byte[20];
        for (int i = 0; i < 20; i++) {
            out[i] = (byte) (h[i / 4] >>> (8 * (i % 4)));
        }
        engineReset();
        return out;
    }

    @Override
    public Object clone() throws CloneNotSupportedException {
        Ripemd160 c = (Ripemd160) super.clone();
        c.h = h.clone();
        c.block = block.clone();
        return c;
    }

    /** The boolean function of step {@code j} (0-79). */
    private static int f(int j, int x, int y, int z) {
        return switch (j / 16) {
            case 0 -> x ^ y ^ z;
            case 1 -> (x & y) | (~x & z);
            case 2 -> (x | ~y) ^ z;
            case 3 -> (x & z) | (y & ~z);
            default -> x ^ (y | ~z);
        };
    }

    private void compress() {
        int[] x = new int[16];
        for (int i = 0; i < 16; i++) {
            x[i] = (block[4 * i] & 0xff) | (block[4 * i + 1] & 0xff) << 8 | (block[4 * i + 2] & 0xff) << 16
                    | (block[4 * i + 3] & 0xff) << 24;
        }
        int al = h[0];
        int bl = h[1];
        int cl = h[2];
        int dl = h[3];
        int el = h[4];
        int ar = al;
        int br = bl;
        int cr = cl;
        int dr = dl;
        int er = el;
        for (int j = 0; j < 80; j++) {
            int t = Integer.rotateLeft(al + f(j, bl, cl, dl) + x[R_LEFT[j]] + K_LEFT[j / 16], S_LEFT[j]) + el;
            al = el;
            el = dl;
            dl = Integer.rotateLeft(cl, 10);
            cl = bl;
            bl = t;
            t = Integer.rotateLeft(ar + f(79 - j, br, cr, dr) + x[R_RIGHT[j]] + K_RIGHT[j / 16], S_RIGHT[j]) + er;
            ar = er;
            er = dr;
            dr = Integer.rotateLeft(cr, 10);
            cr = br;
            br = t;
        }
        int t = h[1] + cl + dr;
        h[1] = h[2] + dl + er;
        h[2] = h[3] + el + ar;
        h[3] = h[4] + al + br;
        h[4] = h[0] + bl + cr;
        h[0] = t;
        filled = 0;
    }
}
