package io.qcow2conformance.model.mapping;

/**
 * Field access on a raw L2 table entry, the first 64 bits of it with extended L2 entries
 * (spec: Cluster mapping > L2 table entry, Standard and Compressed Clusters Descriptor).
 * Static methods over {@code long}s, so that scanning millions of entries allocates nothing.
 */
public final class L2Entry {
    public static final long OFFSET_MASK = 0x00fffffffffffe00L;
    /** Bits 1-8 and 56-61 of a standard descriptor. */
    public static final long STD_RESERVED_MASK = 0x3f000000000001feL;
    public static final long COMPRESSED = 1L << 62;
    public static final long COPIED = 1L << 63;
    public static final long ZERO_FLAG = 1L;

    private L2Entry() {
    }

    public static boolean compressed(long entry) {
        return (entry & COMPRESSED) != 0;
    }

    public static boolean copied(long entry) {
        return (entry & COPIED) != 0;
    }

    public static boolean zeroFlag(long entry) {
        return (entry & ZERO_FLAG) != 0;
    }

    /** Host offset of a standard cluster (bits 9-55). */
    public static long hostOffset(long entry) {
        return entry & OFFSET_MASK;
    }

    public static long reservedBits(long entry) {
        return entry & STD_RESERVED_MASK;
    }

    /**
     * The type of a standard or compressed entry. With extended L2 entries bit 0 is not a
     * zero flag (the subcluster bitmap says which parts read as zero), so pass
     * {@code zeroFlagDefined = false}; for version 2 images it is reserved, but it is
     * reported as zero here and flagged by the rules.
     */
    public static ClusterType type(long entry, boolean zeroFlagDefined) {
        if (compressed(entry)) {
            return ClusterType.COMPRESSED;
        }
        long offset = hostOffset(entry);
        if (zeroFlagDefined && zeroFlag(entry)) {
            return offset == 0 ? ClusterType.ZERO_PLAIN : ClusterType.ZERO_ALLOCATED;
        }
        return offset == 0 && !copied(entry) ? ClusterType.UNALLOCATED : ClusterType.NORMAL;
    }

    /** Host offset field of a compressed descriptor: bits 0 to x-1, x = 62 - (cluster_bits - 8). */
    public static long compressedOffset(long entry, long clusterBits) {
        int x = (int) (62 - (clusterBits - 8));
        return entry & ((1L << x) - 1);
    }

    /** Additional 512-byte sectors beyond the one holding the offset: bits x to 61. */
    public static long compressedAdditionalSectors(long entry, long clusterBits) {
        int x = (int) (62 - (clusterBits - 8));
        return (entry & ((1L << 62) - 1)) >>> x;
    }

    /** Bytes from the compressed offset to the end of the last sector the descriptor names. */
    public static long compressedLength(long entry, long clusterBits) {
        long off = compressedOffset(entry, clusterBits);
        return (compressedAdditionalSectors(entry, clusterBits) + 1) * 512 - (off & 511);
    }
}
