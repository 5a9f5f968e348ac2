package io.qcow2conformance.model.header;

/**
 * The qcow2 header (spec: Header), all fields as stored. Unsigned 32-bit fields are held
 * in {@code long}s. For version 2 the version 3 fields hold the values the spec says to
 * assume (refcount_order 4, header_length 72, no feature bits).
 *
 * @param additionalFields bytes from offset 105 up to header_length: padding and fields
 *                         unknown to this model, kept so that they can be checked and
 *                         preserved (spec: Header > Additional fields)
 */
public record Header(
        long magic,
        long version,
        long backingFileOffset,
        long backingFileSize,
        long clusterBits,
        long size,
        long cryptMethod,
        long l1Size,
        long l1TableOffset,
        long refcountTableOffset,
        long refcountTableClusters,
        long nbSnapshots,
        long snapshotsOffset,
        long incompatibleFeatures,
        long compatibleFeatures,
        long autoclearFeatures,
        long refcountOrder,
        long headerLength,
        int compressionType,
        byte[] additionalFields) {

    public static final long MAGIC = 0x514649fbL;
    public static final int V2_LENGTH = 72;
    public static final int V3_MIN_LENGTH = 104;
    /** Byte offset of compression_type (spec: Header > Additional fields). */
    public static final int COMPRESSION_TYPE_OFFSET = 104;

    public static final long INCOMPAT_DIRTY = 1L;
    public static final long INCOMPAT_CORRUPT = 1L << 1;
    public static final long INCOMPAT_DATA_FILE = 1L << 2;
    public static final long INCOMPAT_COMPRESSION = 1L << 3;
    public static final long INCOMPAT_EXTL2 = 1L << 4;
    public static final long INCOMPAT_KNOWN = 0x1fL;
    public static final long COMPAT_LAZY_REFCOUNTS = 1L;
    public static final long AUTOCLEAR_BITMAPS = 1L;
    public static final long AUTOCLEAR_DATA_FILE_RAW = 1L << 1;

    public static final int COMPRESSION_DEFLATE = 0;
    public static final int COMPRESSION_ZSTD = 1;

    public Header {
        additionalFields = additionalFields.clone();
    }

    @Override
    public byte[] additionalFields() {
        return additionalFields.clone();
    }

    public long clusterSize() {
        return 1L << clusterBits;
    }

    public int refcountBits() {
        return 1 << refcountOrder;
    }

    public boolean isV3() {
        return version >= 3;
    }

    public boolean hasBackingFile() {
        return backingFileOffset != 0;
    }

    public boolean hasIncompatible(long bit) {
        return (incompatibleFeatures & bit) != 0;
    }

    public boolean hasAutoclear(long bit) {
        return (autoclearFeatures & bit) != 0;
    }

    public boolean extendedL2() {
        return hasIncompatible(INCOMPAT_EXTL2);
    }

    public boolean externalDataFile() {
        return hasIncompatible(INCOMPAT_DATA_FILE);
    }

    /** Where header extensions start: right after the header (spec: Header extensions). */
    public long extensionsOffset() {
        return isV3() ? headerLength : V2_LENGTH;
    }

    /** Bytes per L2 entry: 8, or 16 with extended L2 entries (spec: Extended L2 Entries). */
    public int l2EntrySize() {
        return extendedL2() ? 16 : 8;
    }

    public long l2Entries() {
        return clusterSize() / l2EntrySize();
    }

    /** L1 entries needed to map every guest cluster of the virtual disk. */
    public long l1EntriesNeeded() {
        return l1EntriesNeeded(size);
    }

    /** L1 entries needed to map a virtual disk of {@code virtualSize} bytes (a snapshot's, for one). */
    public long l1EntriesNeeded(long virtualSize) {
        long clusters = Long.divideUnsigned(virtualSize, clusterSize())
                + (Long.remainderUnsigned(virtualSize, clusterSize()) != 0 ? 1 : 0);
        long perL2 = l2Entries();
        return Long.divideUnsigned(clusters, perL2) + (Long.remainderUnsigned(clusters, perL2) != 0 ? 1 : 0);
    }

    /** Width in bits of the compressed host offset field: 62 - (cluster_bits - 8). */
    public int compressedOffsetBits() {
        return (int) (62 - (clusterBits - 8));
    }

    public String compatLevel() {
        return isV3() ? "1.1" : "0.10";
    }
}
