package io.qcow2conformance.model.refcount;

import io.qcow2conformance.model.header.Header;
import io.qcow2conformance.model.image.Limits;
import io.qcow2conformance.model.io.ImageSource;
import io.qcow2conformance.model.rules.ImageException;
import io.qcow2conformance.model.rules.Rule;

import java.nio.ByteBuffer;

/** The one place that decodes the refcount table and refcount blocks (spec: Host cluster management). */
public final class RefcountDecoder {
    public static final long TABLE_OFFSET_MASK = 0xfffffffffffffe00L;
    public static final long TABLE_RESERVED_MASK = 0x1ffL;

    private RefcountDecoder() {
    }

    /** Reads the refcount table, bounded by {@link Limits#maxRefcountTableBytes()}. */
    public static long[] readTable(ImageSource src, Header h, Limits limits) {
        long bytes = h.refcountTableClusters() * h.clusterSize();
        if (bytes > limits.maxRefcountTableBytes() || bytes < 0) {
            throw new ImageException(Rule.LIMIT_REFCOUNT_TABLE_SIZE, "refcount_table_clusters", 56,
                    Rule.LIMIT_REFCOUNT_TABLE_SIZE.format(h.refcountTableClusters(), bytes, limits.maxRefcountTableBytes()));
        }
        ByteBuffer b = src.read(h.refcountTableOffset(), (int) bytes, Rule.FILE_STRUCTURE_IN_BOUNDS, "refcount table");
        long[] out = new long[(int) (bytes / 8)];
        b.asLongBuffer().get(out);
        return out;
    }

    /** Entries per refcount block: cluster_size * 8 / refcount_bits. */
    public static long entriesPerBlock(Header h) {
        return h.clusterSize() * 8 / h.refcountBits();
    }

    /** The largest refcount an entry of 2^refcountOrder bits holds, unsigned (-1 for 64 bits). */
    public static long maxRefcount(int refcountOrder) {
        return refcountOrder >= 6 ? -1L : (1L << (1 << refcountOrder)) - 1;
    }

    /**
     * Decodes one refcount block into {@code out} (length {@link #entriesPerBlock}). Sub-byte
     * widths count bit 0 as the least significant bit of each byte (spec: Refcount block entry).
     */
    public static void decodeBlock(byte[] block, int refcountOrder, long[] out) {
        decodeBlock(block, refcountOrder, out, out.length);
    }

    /**
     * Decodes the first {@code count} entries of {@code block} (a whole refcount block, or a
     * part of one that starts at a byte boundary) into {@code out}. Values are unsigned:
     * 64-bit refcounts above 2^63-1 come out negative.
     */
    public static void decodeBlock(byte[] block, int refcountOrder, long[] out, int count) {
        int bits = 1 << refcountOrder;
        switch (bits) {
            case 1, 2, 4 -> {
                int perByte = 8 / bits;
                int mask = (1 << bits) - 1;
                // Whole bytes first, with a constant inner trip count per width and no division
                // per entry (RefcountDecodeBenchmark), then the entries of a last partial byte.
                int whole = count / perByte;
                switch (bits) {
                    case 1 -> {
                        for (int p = 0; p < whole; p++) {
                            int b = block[p];
                            for (int k = 0; k < 8; k++) {
                                out[8 * p + k] = (b >>> k) & 1;
                            }
                        }
                    }
                    case 2 -> {
                        for (int p = 0; p < whole; p++) {
                            int b = block[p];
                            for (int k = 0; k < 4; k++) {
                                out[4 * p + k] = (b >>> 2 * k) & 3;
                            }
                        }
                    }
                    default -> {
                        for (int p = 0; p < whole; p++) {
                            int b = block[p];
                            out[2 * p] = b & 15;
                            out[2 * p + 1] = (b >>> 4) & 15;
                        }
                    }
                }
                for (int i = whole * perByte; i < count; i++) {
                    out[i] = ((block[i / perByte] & 0xff) >>> ((i % perByte) * bits)) & mask;
                }
            }
            case 8 -> {
                for (int i = 0; i < count; i++) {
                    out[i] = block[i] & 0xffL;
                }
            }
            case 16 -> {
                for (int i = 0; i < count; i++) {
                    out[i] = ((block[2 * i] & 0xffL) << 8) | (block[2 * i + 1] & 0xffL);
                }
            }
            case 32 -> {
                for (int i = 0; i < count; i++) {
                    int p = 4 * i;
                    out[i] = ((block[p] & 0xffL) << 24) | ((block[p + 1] & 0xffL) << 16) | ((block[p + 2] & 0xffL) << 8)
                            | (block[p + 3] & 0xffL);
                }
            }
            case 64 -> ByteBuffer.wrap(block).asLongBuffer().get(out, 0, count);
            default -> throw new IllegalArgumentException("refcount_order " + refcountOrder);
        }
    }
}
