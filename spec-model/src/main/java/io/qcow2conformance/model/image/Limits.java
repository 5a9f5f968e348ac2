package io.qcow2conformance.model.image;

/**
 * Resource limits of the model. Everything a header can inflate is bounded before it is
 * allocated; defaults follow QEMU's where QEMU has one (qcow2.h). Exceeding a limit is an
 * {@code implementation-limit} finding or error, never a crash.
 *
 * @param maxL1Bytes            largest active or snapshot L1 table (QEMU: 32 MiB)
 * @param maxRefcountTableBytes largest refcount table (QEMU: 8 MiB)
 * @param maxClusterBits        largest cluster_bits the model reads tables for
 * @param maxBackingDepth       longest backing chain, the image itself not counted
 * @param maxMetadataBytes      metadata read by one operation
 * @param allowOutsidePaths     follow backing/data file names that are absolute or leave the image's folder
 * @param maxSnapshots          most snapshot table entries (QEMU: 65536)
 * @param maxSnapshotTableBytes largest snapshot table, entries with their padding (QEMU: 64 MiB)
 * @param maxSnapshotExtraData  most extra data in one snapshot table entry (QEMU: 1024 bytes)
 */
public record Limits(
        long maxL1Bytes,
        long maxRefcountTableBytes,
        int maxClusterBits,
        int maxBackingDepth,
        long maxMetadataBytes,
        boolean allowOutsidePaths,
        long maxSnapshots,
        long maxSnapshotTableBytes,
        long maxSnapshotExtraData) {

    public static final long DEFAULT_MAX_SNAPSHOTS = 65536;
    public static final long DEFAULT_MAX_SNAPSHOT_TABLE_BYTES = 64L << 20;
    public static final long DEFAULT_MAX_SNAPSHOT_EXTRA_DATA = 1024;

    public static final Limits DEFAULT = new Limits(32L << 20, 8L << 20, 24, 16, 1L << 30, false);

    /** The limits without the snapshot ones (QEMU's snapshot limits). */
    public Limits(long maxL1Bytes, long maxRefcountTableBytes, int maxClusterBits, int maxBackingDepth,
                  long maxMetadataBytes, boolean allowOutsidePaths) {
        this(maxL1Bytes, maxRefcountTableBytes, maxClusterBits, maxBackingDepth, maxMetadataBytes, allowOutsidePaths,
                DEFAULT_MAX_SNAPSHOTS, DEFAULT_MAX_SNAPSHOT_TABLE_BYTES, DEFAULT_MAX_SNAPSHOT_EXTRA_DATA);
    }

    public Limits withAllowOutsidePaths(boolean allow) {
        return new Limits(maxL1Bytes, maxRefcountTableBytes, maxClusterBits, maxBackingDepth, maxMetadataBytes, allow,
                maxSnapshots, maxSnapshotTableBytes, maxSnapshotExtraData);
    }

    public Limits withSnapshotLimits(long snapshots, long tableBytes, long extraData) {
        return new Limits(maxL1Bytes, maxRefcountTableBytes, maxClusterBits, maxBackingDepth, maxMetadataBytes,
                allowOutsidePaths, snapshots, tableBytes, extraData);
    }
}
