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
}
