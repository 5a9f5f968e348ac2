package io.qcow2conformance.model.bitmap;

/**
 * Field access on a raw bitmap table entry (spec: Bitmaps > Bitmap table), static over
 * {@code long}s like {@code mapping.L2Entry}.
 */
public final class BitmapTableEntry {
    /** Bits 9-55: the host cluster offset. */
    public static final long OFFSET_MASK = 0x00fffffffffffe00L;
    /** Bits 1-8 and 56-63. */
    public static final long RESERVED_MASK = 0xff000000000001feL;
    /** Bit 0: with no offset, the cluster reads as all ones. */
    public static final long ALL_ONES = 1L;

    private BitmapTableEntry() {
    }

    public static long offset(long entry) {
        return entry & OFFSET_MASK;
    }

    public static long reservedBits(long entry) {
        return entry & RESERVED_MASK;
    }

    /** Bit 0, which means "all ones" only when the offset is 0 (and is reserved otherwise). */
    public static boolean bit0(long entry) {
        return (entry & ALL_ONES) != 0;
    }

    /** An unallocated cluster that reads as all ones. */
    public static boolean allOnes(long entry) {
        return offset(entry) == 0 && bit0(entry);
    }
}
