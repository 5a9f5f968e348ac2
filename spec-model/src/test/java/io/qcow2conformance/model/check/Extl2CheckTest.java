package io.qcow2conformance.model.check;

import static io.qcow2conformance.model.check.ImageCheckerTest.check;
import static io.qcow2conformance.model.check.TinyImage.COMPRESSED;
import static io.qcow2conformance.model.check.TinyImage.COPIED;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.qcow2conformance.model.rules.Finding;
import io.qcow2conformance.model.rules.Rule;
import org.junit.jupiter.api.Test;

import java.util.List;

/**
 * The checker's extended L2 rules (spec: Extended L2 Entries; Header > cluster_bits) on
 * images built byte by byte: the valid image has no findings, each broken entry exactly the
 * finding for its rule, at the entry's offset.
 */
class Extl2CheckTest {
    private static final long ALL_ALLOCATED = 0xffffffffL;

    /** Guest cluster 0 fully allocated, 1 partly allocated and partly zero, 2 unallocated with zero subclusters. */
    static TinyImage valid(int clusterBits) {
        TinyImage t = TinyImage.extendedL2(clusterBits);
        t.data(0);
        t.bitmap(0, ALL_ALLOCATED);
        t.data(1);
        t.bitmap(1, 0x0fL | 0x30L << 32);
        t.bitmap(2, 0xffL << 32);
        return t;
    }

    static Finding only(TinyImage t) {
        List<Finding> f = check(t.build()).findings();
        assertEquals(1, f.size(), f.toString());
        return f.get(0);
    }

    @Test
    void validImageHasNoFindings() {
        CheckReport r = check(valid(14).build());
        assertEquals(List.of(), r.findings());
        assertEquals(2, r.allocatedClusters());
    }

    @Test
    void clustersUnder16KiBAreRefusedWithExtendedL2() {
        Finding f = only(valid(13));
        assertEquals(Rule.HEADER_EXTENDED_L2_CLUSTER_BITS_MIN, f.rule());
        assertEquals(20, f.offset());
    }

    @Test
    void bit0OfAStandardDescriptorIsAlways0() {
        TinyImage t = valid(14);
        t.l2Entry(1, t.offsetOf(t.clusters() - 1) | COPIED | 1);
        Finding f = only(t);
        assertEquals(Rule.MAPPING_EXTENDED_L2_ZERO_FLAG, f.rule());
        assertEquals(t.l2EntryOffset(1), f.offset());
    }

    @Test
    void aSubclusterIsNotBothAllocatedAndZero() {
        TinyImage t = valid(14);
        t.bitmap(0, ALL_ALLOCATED | 1L << 40);
        Finding f = only(t);
        assertEquals(Rule.MAPPING_SUBCLUSTER_ALLOC_AND_ZERO, f.rule());
        assertEquals(t.l2EntryOffset(0), f.offset());
    }

    @Test
    void anEntryWithoutHostClusterAllocatesNoSubcluster() {
        TinyImage t = valid(14);
        t.bitmap(2, 0x100L);
        Finding f = only(t);
        assertEquals(Rule.MAPPING_SUBCLUSTER_UNALLOCATED_CLUSTER, f.rule());
        assertEquals(t.l2EntryOffset(2), f.offset());
    }

    @Test
    void aCompressedClusterHasAZeroBitmap() {
        TinyImage t = valid(14);
        // QEMU does not count such a cluster: its host cluster keeps refcount 0 here, so no refcount finding.
        int host = t.allocate(0);
        t.l2Entry(3, COMPRESSED | t.offsetOf(host));
        t.bitmap(3, 1);
        Finding f = only(t);
        assertEquals(Rule.MAPPING_SUBCLUSTER_COMPRESSED, f.rule());
        assertEquals(t.l2EntryOffset(3), f.offset());
    }
}
