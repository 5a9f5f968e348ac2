package io.qcow2conformance.model.check;

/**
 * What a host cluster is used for, as the checker counts references to it. Metadata roles
 * may not share a cluster with anything else ({@code layout.metadata-overlap}); data roles
 * and L2 tables may be shared with the same role, as snapshots do (their refcounts then
 * say so). Roles for snapshot and bitmap structures are defined here for the
 * {@link ReferenceSource}s that count them.
 */
public enum ClusterRole {
    HEADER("image header", true, false),
    ACTIVE_L1_TABLE("active L1 table", true, false),
    L2_TABLE("L2 table", true, true),
    DATA("data cluster", false, true),
    COMPRESSED_DATA("compressed data", false, true),
    REFCOUNT_TABLE("refcount table", true, false),
    REFCOUNT_BLOCK("refcount block", true, false),
    ENCRYPTION_HEADER("encryption header", true, false),
    SNAPSHOT_TABLE("snapshot table", true, false),
    SNAPSHOT_L1_TABLE("snapshot L1 table", true, false),
    BITMAP_DIRECTORY("bitmap directory", true, false),
    BITMAP_TABLE("bitmap table", true, false),
    BITMAP_DATA("bitmap data", true, false);

    private final String label;
    private final boolean metadata;
    private final boolean shareable;

    ClusterRole(String label, boolean metadata, boolean shareable) {
        this.label = label;
        this.metadata = metadata;
        this.shareable = shareable;
    }

    public String label() {
        return label;
    }

    public boolean metadata() {
        return metadata;
    }

    /** True when a second use of a cluster already used as {@code first} is an overlap. */
    boolean conflictsWith(ClusterRole first) {
        if (!metadata && !first.metadata) {
            return false; // data shared with data: the refcounts decide
        }
        return first != this || !shareable;
    }
}
