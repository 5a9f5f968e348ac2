package io.qcow2conformance.model.write;

import java.util.NavigableMap;
import java.util.TreeMap;

/**
 * Guest clusters of an image with extended L2 entries (spec: Extended L2 Entries): each
 * standard cluster is cut into {@value #SUBCLUSTERS} subclusters that are allocated, read as
 * zeros or are unallocated on their own, as the 64-bit subcluster bitmap after the entry
 * says (bits 0-31: allocated, bits 32-63: zero). Here the guest operations of an
 * {@link ImageDescription} are applied at subcluster granularity, the bitmap of each L2
 * entry is derived and the guest bytes of such a cluster are produced. {@link GuestContent}
 * and {@link Qcow2Writer} call in here when {@link ImageDescription#extendedL2()} is set.
 *
 * <p>What the operations mean here: {@link GuestOp.Write} allocates the subclusters it
 * covers (a host cluster is taken when the first one is); {@link GuestOp.Zero} marks them as
 * reading zeros (with {@code preallocated} the host cluster is kept even if no subcluster is
 * allocated; without it, a zero over the whole cluster drops the host cluster); {@link
 * GuestOp.Discard} makes them unallocated (a whole cluster loses its host cluster); {@link
 * GuestOp.WriteCompressed} makes whole compressed clusters, whose bitmap is zero (compressed
 * clusters have no subclusters). A write over a compressed cluster allocates every
 * subcluster: the compressed data is the same layer's pattern.
 */
public final class ExtendedL2 {
    /** Subclusters per cluster. */
    public static final int SUBCLUSTERS = 32;
    /** Every subcluster, as a 32-bit mask. */
    public static final int ALL = -1;
    /** Extended L2 entries need subclusters of at least 512 bytes: cluster_bits 14 (spec: Extended L2 Entries). */
    public static final int MIN_CLUSTER_BITS = 14;
    /** Bytes per extended L2 entry: the standard descriptor, then the subcluster bitmap. */
    public static final int ENTRY_SIZE = 16;

    /** What the layer below shows at guest bytes {@code [offset, offset+len)}, into {@code buf[pos, ...)}. */
    interface Below {
        void read(long offset, byte[] buf, int pos, int len);
    }

    private ExtendedL2() {
    }

    /** The 64-bit subcluster bitmap stored after the L2 entry of a cluster in state {@code s} (null: unallocated). */
    public static long bitmap(ClusterState s) {
        if (s instanceof ClusterState.Subclusters x) {
            return ((long) x.zero() << 32) | (x.allocated() & 0xffffffffL);
        }
        return 0; // unallocated, or compressed: a compressed cluster's bitmap is zero
    }

    /** Refuses descriptions no valid image with extended L2 entries can have. */
    static void validate(ImageDescription d) {
        if (!d.extendedL2()) {
            return;
        }
        require(d.version() == 3, "extended L2 entries need version 3");
        require(d.clusterBits() >= MIN_CLUSTER_BITS, "extended L2 entries need clusters of 16 KiB or more");
        long sc = d.clusterSize() / SUBCLUSTERS;
        for (GuestOp op : d.operations()) {
            require(!(op instanceof GuestOp.Share), "shared clusters are not modelled with extended L2 entries");
            if (op instanceof GuestOp.WriteCompressed) {
                continue; // whole clusters, checked with the other images
            }
            long end = op.offset() + op.length();
            require(op.offset() % sc == 0 && (end % sc == 0 || end == d.virtualSize()),
                    "with extended L2 entries an operation covers whole subclusters: " + op);
        }
    }

    /** The final state of every guest cluster that is not unallocated. */
    static NavigableMap<Long, ClusterState> apply(ImageDescription d) {
        long cs = d.clusterSize();
        long sc = cs / SUBCLUSTERS;
        TreeMap<Long, ClusterState> m = new TreeMap<>();
        for (GuestOp op : d.operations()) {
            long first = op.offset() / cs;
            long last = (op.offset() + op.length() - 1) / cs;
            for (long c = first; c <= last; c++) {
                if (op instanceof GuestOp.WriteCompressed) {
                    m.put(c, new ClusterState.Compressed());
                    continue;
                }
                long start = Math.max(op.offset(), c * cs) - c * cs;
                long end = Math.min(op.offset() + op.length(), (c + 1) * cs) - c * cs;
                int firstSc = (int) (start / sc);
                int lastSc = (int) ((end + sc - 1) / sc) - 1;
                int mask = lastSc - firstSc == SUBCLUSTERS - 1 ? ALL : ((1 << (lastSc - firstSc + 1)) - 1) << firstSc;
                ClusterState.Subclusters next = next(subclusters(m.get(c)), op, mask);
                if (next.allocated() == 0 && next.zero() == 0 && !next.preallocated()) {
                    m.remove(c);
                } else {
                    m.put(c, next);
                }
            }
        }
        return m;
    }

    private static ClusterState.Subclusters subclusters(ClusterState prev) {
        if (prev instanceof ClusterState.Subclusters x) {
            return x;
        }
        if (prev instanceof ClusterState.Compressed) {
            return new ClusterState.Subclusters(ALL, 0, false);
        }
        return new ClusterState.Subclusters(0, 0, false);
    }

    private static ClusterState.Subclusters next(ClusterState.Subclusters s, GuestOp op, int mask) {
        boolean whole = mask == ALL;
        if (op instanceof GuestOp.Write) {
            return new ClusterState.Subclusters(s.allocated() | mask, s.zero() & ~mask, s.preallocated());
        }
        if (op instanceof GuestOp.Zero z) {
            boolean keep = z.preallocated() || (!whole && s.preallocated());
            return new ClusterState.Subclusters(s.allocated() & ~mask, s.zero() | mask, keep);
        }
        // Discard
        return new ClusterState.Subclusters(s.allocated() & ~mask, s.zero() & ~mask, !whole && s.preallocated());
    }

    /**
     * Fills {@code buf[0, clusterSize)} with the guest bytes of a cluster in state {@code s}
     * starting at guest offset {@code base}: the layer's pattern at allocated subclusters,
     * zeros at zero subclusters, the layer below elsewhere.
     */
    static void fill(ClusterState.Subclusters s, long base, int layer, int clusterSize, byte[] buf, Below below) {
        int sc = clusterSize / SUBCLUSTERS;
        for (int i = 0; i < SUBCLUSTERS; i++) {
            int pos = i * sc;
            if ((s.allocated() >>> i & 1) != 0) {
                GuestPattern.fill(base + pos, layer, buf, pos, sc);
            } else if ((s.zero() >>> i & 1) != 0) {
                java.util.Arrays.fill(buf, pos, pos + sc, (byte) 0);
            } else {
                below.read(base + pos, buf, pos, sc);
            }
        }
    }

    private static void require(boolean ok, String message) {
        if (!ok) {
            throw new IllegalArgumentException(message);
        }
    }
}
