package io.qcow2conformance.model.bitmap;

import java.nio.charset.StandardCharsets;

/**
 * One decoded bitmap directory entry (spec: Bitmaps > Bitmap directory). Fields keep their
 * raw values, unsigned, so that every rule can judge them; the geometry helpers follow
 * spec: Bitmaps (one bit per granule of the virtual disk) and Bitmaps > Bitmap data.
 *
 * @param entryOffset       byte offset of the entry in the image file
 * @param bitmapTableOffset offset of the bitmap table (bytes 0-7)
 * @param bitmapTableSize   number of bitmap table entries (bytes 8-11, unsigned)
 * @param flags             bytes 12-15 (unsigned)
 * @param type              byte 16
 * @param granularityBits   byte 17
 * @param nameSize          bytes 18-19
 * @param extraDataSize     bytes 20-23 (unsigned)
 * @param firstNonZeroPadding file offset of the first non-zero padding byte, or -1
 */
public record BitmapDirectoryEntry(
        long entryOffset,
        long bitmapTableOffset,
        long bitmapTableSize,
        long flags,
        int type,
        int granularityBits,
        int nameSize,
        long extraDataSize,
        byte[] extraData,
        byte[] nameBytes,
        long firstNonZeroPadding) {

    /** The fixed part of an entry, before extra data and name. */
    public static final int FIXED_SIZE = 24;
    public static final long FLAG_IN_USE = 1L;
    public static final long FLAG_AUTO = 1L << 1;
    public static final long FLAG_EXTRA_DATA_COMPATIBLE = 1L << 2;
    /** Bits 3-31 of flags. */
    public static final long FLAGS_RESERVED = 0xfffffff8L;
    public static final int TYPE_DIRTY_TRACKING = 1;

    public BitmapDirectoryEntry {
        extraData = extraData.clone();
        nameBytes = nameBytes.clone();
    }

    @Override
    public byte[] extraData() {
        return extraData.clone();
    }

    @Override
    public byte[] nameBytes() {
        return nameBytes.clone();
    }

    public String name() {
        return new String(nameBytes, StandardCharsets.UTF_8);
    }

    /** Bytes the entry takes in the directory: fixed part, extra data, name, padding to 8. */
    public long size() {
        return entrySize(extraDataSize, nameSize);
    }

    static long entrySize(long extraDataSize, int nameSize) {
        return (FIXED_SIZE + extraDataSize + nameSize + 7) & ~7L;
    }

    public boolean inUse() {
        return (flags & FLAG_IN_USE) != 0;
    }

    public boolean auto() {
        return (flags & FLAG_AUTO) != 0;
    }

    public boolean extraDataCompatible() {
        return (flags & FLAG_EXTRA_DATA_COMPATIBLE) != 0;
    }

    /** File offset of the name field (after the extra data). */
    public long nameOffset() {
        return entryOffset + FIXED_SIZE + extraDataSize;
    }

    /**
     * Bits of the bitmap for a virtual disk of {@code virtualSize} bytes (unsigned): one per
     * granule, the last one possibly partial (spec: Bitmaps).
     */
    public long bits(long virtualSize) {
        if (virtualSize == 0) {
            return 0;
        }
        return granularityBits >= 64 ? 1 : ((virtualSize - 1) >>> granularityBits) + 1;
    }

    /** Bytes of bitmap data for a virtual disk of {@code virtualSize} bytes. */
    public long dataBytes(long virtualSize) {
        return (bits(virtualSize) + 7) >>> 3;
    }

    /** Bitmap table entries (data clusters) needed to hold the whole bitmap (spec: Bitmaps > Bitmap data). */
    public long tableEntriesNeeded(long virtualSize, long clusterSize) {
        long bytes = dataBytes(virtualSize);
        return bytes / clusterSize + (bytes % clusterSize != 0 ? 1 : 0);
    }

    /** Guest bytes covered by one bit; {@link Long#MAX_VALUE} for granularities of 2^63 or more. */
    public long granularity() {
        return granularityBits >= 63 ? Long.MAX_VALUE : 1L << granularityBits;
    }
}
