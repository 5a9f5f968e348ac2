package io.qcow2conformance.model.mapping;

/** Field access on a raw L1 table entry (spec: Cluster mapping > L1 table entry). */
public final class L1Entry {
    public static final long OFFSET_MASK = 0x00fffffffffffe00L;
    public static final long RESERVED_MASK = 0x7f000000000001ffL;
    public static final long COPIED = 1L << 63;

    private L1Entry() {
    }

    public static long l2Offset(long entry) {
        return entry & OFFSET_MASK;
    }

    public static boolean copied(long entry) {
        return (entry & COPIED) != 0;
    }

    public static long reservedBits(long entry) {
        return entry & RESERVED_MASK;
    }
}
