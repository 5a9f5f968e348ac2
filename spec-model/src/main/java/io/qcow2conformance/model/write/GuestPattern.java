package io.qcow2conformance.model.write;

/**
 * Self-checking guest data: every byte written by the writer is a function of its guest
 * offset and the layer (image in a backing chain, or snapshot) that wrote it, so a reader
 * that returns the wrong cluster, the wrong layer or stale data is caught by comparing a
 * single 8-byte word, without a whole-disk reference.
 *
 * <p>The guest disk is cut into aligned 8-byte words. The word at guest offset {@code o}
 * ({@code o} a multiple of 8) written by layer {@code L} is, big-endian:
 * <pre>
 *   byte 0     0x51 ('Q'): never zero, so data is told apart from zero clusters
 *   byte 1     L (0..255)
 *   bytes 2-7  o / 8 (48 bits)
 * </pre>
 * The encoding is injective for guest offsets below 2^51 and layers 0..255, so two words
 * that differ in offset or layer always differ. It is deliberately not hashed: compressed
 * clusters must really shrink (a 512-byte cluster allows at most two sectors of
 * compressed data), and runs of words that share their high bytes compress well with both
 * deflate and zstd.
 */
public final class GuestPattern {
    public static final int TAG = 0x51;
    public static final int MAX_LAYER = 255;
    /** Guest offsets from here on would reuse words. */
    public static final long MAX_OFFSET = 1L << 51;

    private GuestPattern() {
    }

    /** The 64-bit word at the aligned guest offset {@code offset & ~7} for {@code layer}. */
    public static long word(long offset, int layer) {
        checkLayer(layer);
        if (offset < 0 || offset >= MAX_OFFSET) {
            throw new IllegalArgumentException("guest offset " + offset + " is outside the pattern's range");
        }
        return ((long) TAG << 56) | ((long) layer << 48) | (offset >>> 3);
    }

    /** The byte at {@code offset}. */
    public static byte byteAt(long offset, int layer) {
        return (byte) (word(offset, layer) >>> (8 * (7 - (int) (offset & 7))));
    }

    /** Fills {@code dst[pos, pos+length)} with the pattern of guest bytes {@code [offset, offset+length)}. */
    public static void fill(long offset, int layer, byte[] dst, int pos, int length) {
        checkLayer(layer);
        int i = 0;
        while (i < length) {
            long o = offset + i;
            long w = word(o, layer);
            int inWord = (int) (o & 7);
            int n = Math.min(8 - inWord, length - i);
            for (int k = 0; k < n; k++) {
                dst[pos + i + k] = (byte) (w >>> (8 * (7 - inWord - k)));
            }
            i += n;
        }
    }

    private static void checkLayer(int layer) {
        if (layer < 0 || layer > MAX_LAYER) {
            throw new IllegalArgumentException("layer " + layer + " is outside 0.." + MAX_LAYER);
        }
    }
}
