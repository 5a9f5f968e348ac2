package io.qcow2conformance.model.robust;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;

import java.util.Arrays;
import java.util.List;

/**
 * One structure-aware change to a seed image. {@code target} and {@code value} are raw
 * choices that {@link #apply} reduces modulo what the seed offers, so that jqwik can shrink
 * them; the {@code kind} decides what they mean. Truncation keeps the magic and version and
 * cluster copies never land on the header cluster: the header field targets break those,
 * so that most inputs get past the first checks.
 */
record FuzzEdit(Kind kind, int target, int value, int bit) {
    enum Kind {
        /** Sets a header field or decoded table entry to a boundary value. */
        SET_BOUNDARY,
        /** Flips one bit of a header field or decoded table entry. */
        FLIP_TARGET_BIT,
        /** Flips one bit anywhere in the file. */
        FLIP_ANY_BIT,
        /** Cuts the file (at a cluster boundary, half the time). */
        TRUNCATE,
        /** Appends clusters (zeros, or copies of the header cluster). */
        EXTEND,
        /** Copies one cluster over another. */
        DUPLICATE_CLUSTER
    }

    /** Largest file a mutation may produce: enough for any seed plus a few clusters. */
    static final int MAX_FILE = 4 << 20;

    static Arbitrary<FuzzEdit> arbitrary() {
        return Combinators.combine(
                Arbitraries.of(Kind.class),
                Arbitraries.integers().greaterOrEqual(0),
                Arbitraries.integers().greaterOrEqual(0),
                Arbitraries.integers().between(0, 63)).as(FuzzEdit::new);
    }

    /** Applies {@code mutations} in order to a copy of the seed's bytes. */
    static byte[] apply(Seeds.Seed seed, List<FuzzEdit> mutations) {
        byte[] b = seed.bytes().clone();
        for (FuzzEdit m : mutations) {
            b = m.apply(seed, b);
        }
        return b;
    }

    private byte[] apply(Seeds.Seed seed, byte[] b) {
        int cluster = seed.clusterSize();
        switch (kind) {
            case SET_BOUNDARY -> {
                Seeds.Target t = seed.targets().get(target % seed.targets().size());
                long v = boundary(value, t.width(), cluster, b.length);
                put(b, t.offset(), t.width(), v);
            }
            case FLIP_TARGET_BIT -> {
                Seeds.Target t = seed.targets().get(target % seed.targets().size());
                long old = get(b, t.offset(), t.width());
                put(b, t.offset(), t.width(), old ^ (1L << (bit % (8 * t.width()))));
            }
            case FLIP_ANY_BIT -> {
                if (b.length > 0) {
                    int at = target % b.length;
                    b[at] ^= (byte) (1 << (bit % 8));
                }
            }
            case TRUNCATE -> {
                int len = b.length <= Seeds.HEADER_BYTES ? b.length : Seeds.HEADER_BYTES + target % (b.length - Seeds.HEADER_BYTES);
                if ((value & 1) == 0) {
                    len -= len % cluster;
                }
                b = Arrays.copyOf(b, len);
            }
            case EXTEND -> {
                int clusters = 1 + value % 4;
                int old = b.length;
                b = Arrays.copyOf(b, Math.min(MAX_FILE, old + clusters * cluster));
                if ((bit & 1) == 1) {
                    for (int at = old; at < b.length; at += cluster) {
                        System.arraycopy(b, 0, b, at, Math.min(Math.min(cluster, old), b.length - at));
                    }
                }
            }
            case DUPLICATE_CLUSTER -> {
                int clusters = b.length / cluster;
                if (clusters >= 2) {
                    int from = target % clusters;
                    int to = 1 + value % (clusters - 1); // the header cluster is a target of its own
                    System.arraycopy(b, from * cluster, b, to * cluster, cluster);
                }
            }
            default -> throw new AssertionError(kind);
        }
        return b;
    }

    /** The boundary values of a field: 0, 1, all ones, 2^31, 2^63, cluster-1, cluster, file size, and their neighbours. */
    static long boundary(int choice, int width, int cluster, int fileSize) {
        long all = width == 8 ? -1L : (1L << (8 * width)) - 1;
        long[] values = {0, 1, all, 1L << 31, (1L << 31) - 1, 1L << 63, (1L << 63) - 1, 1L << 32, cluster - 1L,
                cluster, cluster + 1L, fileSize, fileSize - 1L, fileSize + cluster, 0x7fffffffL, 0xffffffffL,
                1L << 62, 2, 8, 64, 0x200, 0x100000, 0x00fffffffffffe00L};
        return values[choice % values.length] & all;
    }

    private static boolean inside(byte[] b, long offset, int width) {
        return offset >= 0 && offset <= b.length - (long) width;
    }

    static long get(byte[] b, long offset, int width) {
        if (!inside(b, offset, width)) {
            return 0;
        }
        long v = 0;
        for (int i = 0; i < width; i++) {
            v = (v << 8) | (b[(int) offset + i] & 0xff);
        }
        return v;
    }

    static void put(byte[] b, long offset, int width, long v) {
        if (!inside(b, offset, width)) {
            return; // the field was cut off by an earlier truncation
        }
        for (int i = width - 1; i >= 0; i--) {
            b[(int) offset + i] = (byte) v;
            v >>>= 8;
        }
    }
}
