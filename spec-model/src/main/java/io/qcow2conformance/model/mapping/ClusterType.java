package io.qcow2conformance.model.mapping;

/** What an L2 entry says about its guest cluster (spec: Cluster mapping, Extended L2 Entries). */
public enum ClusterType {
    /** Offset 0, no zero flag: read from the backing file, or zeros. */
    UNALLOCATED,
    /** Zero flag set, offset 0: reads as zeros, never from the backing file. */
    ZERO_PLAIN,
    /** Zero flag set with a preallocated host offset: reads as zeros. */
    ZERO_ALLOCATED,
    /** Standard cluster with data at a host offset. */
    NORMAL,
    /** Compressed cluster. */
    COMPRESSED;

    public String id() {
        return name().toLowerCase().replace('_', '-');
    }
}
