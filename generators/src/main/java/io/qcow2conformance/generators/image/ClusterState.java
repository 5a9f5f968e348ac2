package io.qcow2conformance.generators.image;

/** What a scenario says one guest cluster is (spec: Cluster mapping > L2 table entry). */
public sealed interface ClusterState {
    /** A standard cluster with its own host cluster holding the guest pattern. */
    record Data() implements ClusterState {
    }

    /** A standard cluster pointing at the host cluster of another guest cluster (refcount 2, no copied flag). */
    record Shared(long guestCluster) implements ClusterState {
    }

    /** Zero flag set, no host cluster (descriptor 1). */
    record Zero() implements ClusterState {
    }

    /** Zero flag set on a preallocated host cluster that holds stale data. */
    record ZeroAllocated() implements ClusterState {
    }

    /** A compressed cluster; {@code oddOffset} puts its data at an odd host byte offset. */
    record Compressed(boolean oddOffset) implements ClusterState {
    }

    /**
     * With extended L2 entries (spec: Extended L2 Entries): bit i of {@code allocated} says
     * subcluster i holds data, bit i of {@code zero} that it reads as zeros; the others are
     * unallocated. The masks are disjoint. {@code preallocated} keeps a host cluster even
     * when no subcluster is allocated.
     */
    record Subclusters(int allocated, int zero, boolean preallocated) implements ClusterState {
        public Subclusters {
            if ((allocated & zero) != 0) {
                throw new IllegalArgumentException("a subcluster either holds data or is zero");
            }
        }
    }
}
