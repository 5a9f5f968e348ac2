package io.qcow2conformance.model.mapping;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link L2Entry} against entries put together bit by bit from the spec (spec: Cluster
 * mapping > L2 table entry, Standard Cluster Descriptor, Compressed Clusters Descriptor).
 */
class L2EntryTest {
    private static final long BIT62 = 1L << 62;
    private static final long BIT63 = 1L << 63;

    /**
     * x = 62 - (cluster_bits - 8): the offset takes bits 0..x-1 and the additional sector
     * count bits x..61. The test uses the widest sector count the field can hold.
     */
    @ParameterizedTest(name = "cluster_bits {0}: x = {1}")
    @CsvSource({"9, 61", "16, 54", "21, 49"})
    void compressedDescriptorSplit(int clusterBits, int x) {
        long maxSectors = (1L << (62 - x)) - 1;
        long offset = 0x0000_0012_3456_79a7L; // not sector aligned: 0x1a7 bytes into its sector
        long entry = BIT62 | (maxSectors << x) | offset;
        assertTrue(L2Entry.compressed(entry));
        assertEquals(offset, L2Entry.compressedOffset(entry, clusterBits));
        assertEquals(maxSectors, L2Entry.compressedAdditionalSectors(entry, clusterBits));
        // from the offset to the end of the last named sector
        assertEquals((maxSectors + 1) * 512 - 0x1a7, L2Entry.compressedLength(entry, clusterBits));
        assertEquals(ClusterType.COMPRESSED, L2Entry.type(entry, true));
    }

    @ParameterizedTest(name = "cluster_bits {0}: x = {1}")
    @CsvSource({"9, 61", "16, 54", "21, 49"})
    void compressedOffsetUsesEveryBitBelowX(int clusterBits, int x) {
        long offset = (1L << x) - 1; // all offset bits set, sector count 0
        long entry = BIT62 | offset;
        assertEquals(offset, L2Entry.compressedOffset(entry, clusterBits));
        assertEquals(0, L2Entry.compressedAdditionalSectors(entry, clusterBits));
        assertEquals(512 - 511, L2Entry.compressedLength(entry, clusterBits));
    }

    @Test
    void copiedBitIsNotPartOfTheSectorCount() {
        long entry = BIT63 | BIT62 | (3L << 54) | 0x200;
        assertEquals(3, L2Entry.compressedAdditionalSectors(entry, 16));
        assertEquals(0x200, L2Entry.compressedOffset(entry, 16));
        assertEquals(4 * 512, L2Entry.compressedLength(entry, 16));
        assertTrue(L2Entry.copied(entry));
    }

    @Test
    void standardDescriptorFields() {
        long entry = BIT63 | 0x0000_1234_5678_0000L | 1;
        assertEquals(0x0000_1234_5678_0000L, L2Entry.hostOffset(entry));
        assertTrue(L2Entry.copied(entry));
        assertTrue(L2Entry.zeroFlag(entry));
        assertFalse(L2Entry.compressed(entry));
        assertEquals(0, L2Entry.reservedBits(entry));
        // reserved: bits 1-8 and 56-61
        for (int bit : new int[] {1, 8, 56, 61}) {
            assertEquals(1L << bit, L2Entry.reservedBits(entry | (1L << bit)), "bit " + bit);
        }
        for (int bit : new int[] {0, 9, 55, 62, 63}) {
            assertEquals(0, L2Entry.reservedBits(1L << bit), "bit " + bit);
        }
    }

    @Test
    void clusterTypes() {
        assertEquals(ClusterType.UNALLOCATED, L2Entry.type(0, true));
        assertEquals(ClusterType.ZERO_PLAIN, L2Entry.type(1, true));
        assertEquals(ClusterType.ZERO_ALLOCATED, L2Entry.type(BIT63 | 0x10000 | 1, true));
        assertEquals(ClusterType.NORMAL, L2Entry.type(BIT63 | 0x10000, true));
        // with extended L2 entries bit 0 is not a zero flag
        assertEquals(ClusterType.UNALLOCATED, L2Entry.type(1, false));
        assertEquals(ClusterType.NORMAL, L2Entry.type(0x10000 | 1, false));
    }
}
