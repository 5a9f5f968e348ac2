package io.qcow2conformance.model.write;

import java.util.Arrays;

/**
 * A raw deflate encoder (RFC 1951: one final block with the fixed Huffman codes, greedy
 * LZ77 matching) written out here so that compressed clusters are the same bytes on every
 * host: {@link java.util.zip.Deflater} uses whatever zlib the JDK links (system zlib,
 * zlib-ng on some distributions), whose output is not fixed across versions.
 *
 * <p>Match distances stay within what a 4 KiB window (window bits 12, as QEMU's own deflate
 * writer uses) keeps, less zlib's look-ahead margin, so readers that inflate with QEMU's
 * window size accept the data. Memory does not grow with the input (the match chains are a
 * ring), so whole golden images are deflated with it too ({@link Gzip}).
 */
final class FixedHuffmanDeflater {
    /** Largest match distance: a 4 KiB window less zlib's minimum look-ahead (258 + 3 + 1). */
    static final int MAX_DISTANCE = 4096 - 262;
    private static final int MIN_MATCH = 3;
    private static final int MAX_MATCH = 258;
    private static final int MAX_CHAIN = 64;
    private static final int HASH_BITS = 13;
    /** Chain links kept per position, in a ring: only positions within MAX_DISTANCE are ever followed. */
    private static final int WINDOW = 4096;
    /** Positions at the end of a long run that are indexed: more than a chain walk visits, plus a trigram's reach past it. */
    private static final int RUN_KEEP = MAX_CHAIN + MIN_MATCH;

    private static final int[] LENGTH_BASE = {3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59,
        67, 83, 99, 115, 131, 163, 195, 227, 258};
    private static final int[] LENGTH_EXTRA = {0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5,
        5, 5, 5, 0};
    private static final int[] DIST_BASE = {1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769,
        1025, 1537, 2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577};
    private static final int[] DIST_EXTRA = {0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11,
        11, 12, 12, 13, 13};

    private byte[] out;
    private int outLen;
    private long bitBuf;
    private int bitCount;

    private FixedHuffmanDeflater(int capacity) {
        out = new byte[capacity];
    }

    static byte[] compress(byte[] in) {
        FixedHuffmanDeflater d = new FixedHuffmanDeflater(Math.min(in.length / 2, 1 << 20) + 64);
        d.bits(1, 1); // BFINAL
        d.bits(1, 2); // BTYPE 01: fixed Huffman codes
        int[] head = new int[1 << HASH_BITS];
        Arrays.fill(head, -1);
        int[] prev = new int[WINDOW];
        int pos = 0;
        while (pos < in.length) {
            int runEnd = longRunEnd(in, pos);
            if (runEnd > 0) {
                // Inside a run of one byte value the greedy search finds distance 1 at full length
                // at every step: emit those matches without searching, and index only the run's last
                // positions, the only ones a chain of at most MAX_CHAIN links can still reach.
                int start = pos;
                while (pos + MAX_MATCH <= runEnd) {
                    d.match(MAX_MATCH, 1);
                    pos += MAX_MATCH;
                }
                for (int p = Math.max(start, pos - RUN_KEEP); p < pos; p++) {
                    insert(in, p, head, prev);
                }
                continue;
            }
            int bestLen = 0;
            int bestDist = 0;
            if (pos + MIN_MATCH <= in.length) {
                int h = hash(in, pos);
                int chain = 0;
                for (int cand = head[h]; cand >= 0 && pos - cand <= MAX_DISTANCE && chain < MAX_CHAIN;
                     cand = prev[cand & (WINDOW - 1)], chain++) {
                    int max = Math.min(MAX_MATCH, in.length - pos);
                    if (bestLen > 0 && in[cand + bestLen] != in[pos + bestLen]) {
                        continue; // it cannot be longer than the best so far: same choice, less work
                    }
                    int len = 0;
                    while (len < max && in[cand + len] == in[pos + len]) {
                        len++;
                    }
                    if (len > bestLen) {
                        bestLen = len;
                        bestDist = pos - cand;
                        if (len == max) {
                            break;
                        }
                    }
                }
            }
            int advance = bestLen >= MIN_MATCH ? bestLen : 1;
            if (bestLen >= MIN_MATCH) {
                d.match(bestLen, bestDist);
            } else {
                d.literal(in[pos] & 0xff);
            }
            for (int i = 0; i < advance; i++, pos++) {
                insert(in, pos, head, prev);
            }
        }
        d.symbol(256); // end of block
        d.flush();
        return Arrays.copyOf(d.out, d.outLen);
    }

    /** Adds position {@code p} to the head of its hash chain. */
    private static void insert(byte[] in, int p, int[] head, int[] prev) {
        if (p + MIN_MATCH <= in.length) {
            int h = hash(in, p);
            prev[p & (WINDOW - 1)] = head[h];
            head[h] = p;
        }
    }

    /**
     * Where the run of bytes equal to {@code in[pos - 1]} that continues at {@code pos} ends,
     * when it goes on for at least a full match from {@code pos}; else 0.
     */
    private static int longRunEnd(byte[] in, int pos) {
        if (pos == 0 || pos + MAX_MATCH > in.length || in[pos - 1] != in[pos] || in[pos + MAX_MATCH - 1] != in[pos]) {
            return 0;
        }
        int end = pos;
        while (end < in.length && in[end] == in[pos - 1]) {
            end++;
        }
        return end - pos >= MAX_MATCH ? end : 0;
    }

    private static int hash(byte[] b, int p) {
        int v = ((b[p] & 0xff) << 16) | ((b[p + 1] & 0xff) << 8) | (b[p + 2] & 0xff);
        return (v * 0x9E3779B1) >>> (32 - HASH_BITS);
    }

    private void literal(int v) {
        symbol(v);
    }

    private void match(int length, int distance) {
        int li = LENGTH_BASE.length - 1;
        while (LENGTH_BASE[li] > length) {
            li--;
        }
        symbol(257 + li);
        bits(length - LENGTH_BASE[li], LENGTH_EXTRA[li]);
        int di = DIST_BASE.length - 1;
        while (DIST_BASE[di] > distance) {
            di--;
        }
        huffman(di, 5);
        bits(distance - DIST_BASE[di], DIST_EXTRA[di]);
    }

    /** A literal/length symbol in the fixed code (RFC 1951, 3.2.6). */
    private void symbol(int v) {
        if (v < 144) {
            huffman(0x30 + v, 8);
        } else if (v < 256) {
            huffman(0x190 + v - 144, 9);
        } else if (v < 280) {
            huffman(v - 256, 7);
        } else {
            huffman(0xc0 + v - 280, 8);
        }
    }

    /** Huffman codes are packed starting with their most significant bit. */
    private void huffman(int code, int length) {
        bits(Integer.reverse(code) >>> (32 - length), length);
    }

    /** Other values are packed starting with their least significant bit. */
    private void bits(int value, int count) {
        bitBuf |= (long) value << bitCount;
        bitCount += count;
        while (bitCount >= 8) {
            put((byte) bitBuf);
            bitBuf >>>= 8;
            bitCount -= 8;
        }
    }

    private void flush() {
        if (bitCount > 0) {
            put((byte) bitBuf);
            bitBuf = 0;
            bitCount = 0;
        }
    }

    private void put(byte b) {
        if (outLen == out.length) {
            out = Arrays.copyOf(out, out.length * 2);
        }
        out[outLen++] = b;
    }
}
