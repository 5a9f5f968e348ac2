package io.qcow2conformance.model.write;

import java.util.Arrays;

/**
 * The final state of one guest cluster after an {@link ImageDescription}'s operations.
 * Unallocated clusters have no state (they are absent from {@link GuestContent#clusters()}).
 */
public sealed interface ClusterState {

    /**
     * Whether the cluster owns a host cluster of its own (its L2 entry has a host offset): a
     * normal cluster, a preallocated zero cluster, or subclusters of which one is allocated or
     * that were preallocated. Compressed and shared clusters are placed otherwise.
     */
    default boolean hasHostCluster() {
        return this instanceof Normal || this instanceof Zero z && z.preallocated() || this instanceof Subclusters x && x.host();
    }

    /** Reads as zeros (spec: Cluster mapping, zero flag); {@code preallocated} keeps a host cluster. */
    record Zero(boolean preallocated) implements ClusterState {
    }

    /**
     * A standard cluster with its own host cluster. The bytes in {@code written} (pairs of
     * start/end offsets inside the cluster, sorted, disjoint) hold the layer's pattern; the
     * other bytes hold zeros when {@code zeroBase}, else what the backing file shows there.
     */
    record Normal(boolean zeroBase, long[] written) implements ClusterState {
        public Normal {
            written = written.clone();
        }

        @Override
        public long[] written() {
            return written.clone();
        }

        /** This state with {@code [start, end)} also written. */
        Normal plus(long start, long end) {
            long[] merged = new long[written.length + 2];
            int n = 0;
            boolean placed = false;
            long s = start;
            long e = end;
            for (int i = 0; i < written.length; i += 2) {
                long ws = written[i];
                long we = written[i + 1];
                if (we < s) {
                    merged[n++] = ws;
                    merged[n++] = we;
                } else if (ws > e) {
                    if (!placed) {
                        merged[n++] = s;
                        merged[n++] = e;
                        placed = true;
                    }
                    merged[n++] = ws;
                    merged[n++] = we;
                } else {
                    s = Math.min(s, ws);
                    e = Math.max(e, we);
                }
            }
            if (!placed) {
                merged[n++] = s;
                merged[n++] = e;
            }
            return new Normal(zeroBase, sortPairs(Arrays.copyOf(merged, n)));
        }

        boolean covers(long start, long end) {
            for (int i = 0; i < written.length; i += 2) {
                if (written[i] <= start && written[i + 1] >= end) {
                    return true;
                }
            }
            return false;
        }

        private static long[] sortPairs(long[] pairs) {
            long[][] p = new long[pairs.length / 2][];
            for (int i = 0; i < p.length; i++) {
                p[i] = new long[] {pairs[2 * i], pairs[2 * i + 1]};
            }
            Arrays.sort(p, (a, b) -> Long.compare(a[0], b[0]));
            long[] out = new long[pairs.length];
            for (int i = 0; i < p.length; i++) {
                out[2 * i] = p[i][0];
                out[2 * i + 1] = p[i][1];
            }
            return out;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Normal n && n.zeroBase == zeroBase && Arrays.equals(n.written, written);
        }

        @Override
        public int hashCode() {
            return Boolean.hashCode(zeroBase) * 31 + Arrays.hashCode(written);
        }

        @Override
        public String toString() {
            return "Normal[zeroBase=" + zeroBase + ", written=" + Arrays.toString(written) + "]";
        }
    }

    /** The whole cluster holds the layer's pattern, stored compressed. */
    record Compressed() implements ClusterState {
    }

    /** Shares the host cluster of guest cluster {@code source} (a {@link Normal} cluster). */
    record Shared(long source) implements ClusterState {
    }

    /**
     * A standard cluster of an image with extended L2 entries, subcluster by subcluster (spec:
     * Extended L2 Entries): bit i of {@code allocated} says subcluster i holds the layer's
     * pattern, bit i of {@code zero} that it reads as zeros; any other subcluster reads from
     * the layer below. The two masks are disjoint. {@code preallocated} keeps a host cluster
     * even when no subcluster is allocated. See {@link ExtendedL2}.
     */
    record Subclusters(int allocated, int zero, boolean preallocated) implements ClusterState {
        public Subclusters {
            if ((allocated & zero) != 0) {
                throw new IllegalArgumentException("a subcluster is either allocated or zero");
            }
        }

        /** Whether the cluster has a host cluster: some subcluster is allocated, or it was preallocated. */
        public boolean host() {
            return allocated != 0 || preallocated;
        }
    }
}
