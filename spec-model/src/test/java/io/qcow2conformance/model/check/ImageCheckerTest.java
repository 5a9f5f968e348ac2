package io.qcow2conformance.model.check;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.qcow2conformance.model.image.Limits;
import io.qcow2conformance.model.io.BigEndian;
import io.qcow2conformance.model.rules.Finding;
import io.qcow2conformance.model.rules.Rule;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The checker on tiny images built byte by byte ({@link TinyImage}): a valid image has no
 * findings, and breaking exactly one thing gives exactly the rule for it. Expected
 * findings and counts come from the spec's layout, not from the checker's output.
 */
class ImageCheckerTest {

    /**
     * The metadata walk only: {@link TinyImage} fills compressed clusters with placeholder
     * bytes, so decoding their data is switched off here ({@link CompressedDataCheckTest}
     * covers it on images with real compressed data).
     */
    static ImageChecker walkOnly(Limits limits) {
        return new ImageChecker(limits).withCompressedDataCheck(CompressedDataCheck.NONE);
    }

    static CheckReport check(byte[] image) {
        Path p = TinyImage.write(image);
        try {
            return walkOnly(Limits.DEFAULT).check(p);
        } finally {
            try {
                Files.deleteIfExists(p);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    static Set<Rule> rules(CheckReport r) {
        return r.findings().stream().map(Finding::rule).collect(Collectors.toSet());
    }

    static List<Finding> of(CheckReport r, Rule rule) {
        List<Finding> out = new ArrayList<>();
        for (Finding f : r.findings()) {
            if (f.rule() == rule) {
                out.add(f);
            }
        }
        return out;
    }

    /** A small image with data, a preallocated zero cluster and two compressed clusters sharing a host cluster. */
    static TinyImage sample(int clusterBits, int refcountOrder) {
        TinyImage t = TinyImage.v3(clusterBits, refcountOrder);
        t.data(0);
        t.data(5);
        t.data(1);
        t.zeroAllocated(7);
        int host = t.allocate(0);
        t.compressed(9, host, 0);
        if (refcountOrder > 0) {
            t.compressed(10, host, 256);
        }
        return t;
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 1, 2, 3, 4, 5, 6})
    void validImageOfEveryRefcountWidthIsClean(int order) {
        TinyImage t = sample(9, order);
        CheckReport r = check(t.build());
        assertEquals(List.of(), r.findings());
        assertEquals(CheckReport.Verdict.CLEAN, r.verdict());
        assertNull(r.fatal());
        int compressed = order > 0 ? 2 : 1;
        assertEquals(4 + compressed, r.allocatedClusters());
        assertEquals(compressed, r.compressedClusters());
        // guests 0, 1, 5, 7 sit in host clusters 5, 7, 6, 8: each after the first is not where the
        // previous one ends; compressed clusters always count as fragmented
        assertEquals(3 + compressed, r.fragmentedClusters());
        assertEquals(t.l2Size(), r.totalClusters());
        assertEquals(t.clusters() * t.clusterSize, r.imageEndOffset());
    }

    @Test
    void storedZeroForAUsedMetadataClusterIsTooLow() {
        TinyImage t = sample(9, 4);
        byte[] b = t.build();
        t.putRefcount(b, TinyImage.REFTABLE, 0);
        CheckReport r = check(b);
        assertEquals(Set.of(Rule.REFCOUNT_TOO_LOW), rules(r));
        Finding f = of(r, Rule.REFCOUNT_TOO_LOW).get(0);
        assertTrue(f.message().startsWith("cluster 1 (0x200): refcount=0 reference=1"), f.message());
        assertEquals(t.offsetOf(TinyImage.REFBLOCK) + 2, f.offset());
        assertEquals(1, r.corruptions());
        assertEquals(CheckReport.Verdict.CORRUPTIONS, r.verdict());
    }

    @Test
    void storedZeroForADataClusterIsTooLowAndBreaksTheCopiedFlag() {
        TinyImage t = TinyImage.v3(9, 4);
        int k = t.data(3);
        byte[] b = t.build();
        t.putRefcount(b, k, 0);
        CheckReport r = check(b);
        assertEquals(Set.of(Rule.REFCOUNT_TOO_LOW, Rule.MAPPING_COPIED_FLAG), rules(r));
        assertEquals(t.l2EntryOffset(3), of(r, Rule.MAPPING_COPIED_FLAG).get(0).offset());
    }

    @Test
    void refcountOfAnUnusedClusterIsALeak() {
        TinyImage t = sample(9, 4);
        byte[] b = TinyImage.grow(t.build(), 512);
        int free = t.clusters();
        t.putRefcount(b, free, 1);
        CheckReport r = check(b);
        assertEquals(Set.of(Rule.REFCOUNT_TOO_HIGH), rules(r));
        assertTrue(of(r, Rule.REFCOUNT_TOO_HIGH).get(0).message().startsWith("cluster " + free + " "));
        assertEquals(1, r.leaks());
        assertEquals(0, r.corruptions());
        assertEquals(CheckReport.Verdict.LEAKS, r.verdict());
        assertEquals((free + 1) * 512L, r.imageEndOffset());
    }

    @Test
    void refcountTwoOnAnUnsharedRefcountTableIsALeak() {
        TinyImage t = sample(9, 4);
        byte[] b = t.build();
        t.putRefcount(b, TinyImage.REFTABLE, 2);
        assertEquals(Set.of(Rule.REFCOUNT_TOO_HIGH), rules(check(b)));
    }

    @Test
    void dataClusterOnTheRefcountBlockIsAnOverlap() {
        TinyImage t = sample(9, 4);
        t.l2Entry(20, t.offsetOf(TinyImage.REFBLOCK) | TinyImage.COPIED);
        CheckReport r = check(t.build());
        assertEquals(Set.of(Rule.LAYOUT_OVERLAP, Rule.REFCOUNT_TOO_LOW), rules(r));
        Finding f = of(r, Rule.LAYOUT_OVERLAP).get(0);
        assertTrue(f.message().contains("data cluster") && f.message().contains("refcount block"), f.message());
        assertEquals(t.offsetOf(TinyImage.REFBLOCK), f.offset());
    }

    @Test
    void l2TableOnTheL1TableIsAnOverlap() {
        TinyImage t = new TinyImage(9, 4, 3, 2);
        byte[] b = t.build();
        BigEndian.put64(b, (int) t.offsetOf(TinyImage.L1) + 8, t.offsetOf(TinyImage.L1) | TinyImage.COPIED);
        // the L2 table that L1[1] named is no longer used
        CheckReport r = check(b);
        assertTrue(of(r, Rule.LAYOUT_OVERLAP).get(0).message().contains("active L1 table"), r.findings().toString());
        assertTrue(of(r, Rule.LAYOUT_OVERLAP).get(0).message().contains("L2 table"));
    }

    @Test
    void clearedCopiedFlagOnAnUnsharedClusterIsReported() {
        TinyImage t = sample(9, 4);
        int k = t.data(12);
        t.l2Entry(12, t.offsetOf(k));
        CheckReport r = check(t.build());
        assertEquals(Set.of(Rule.MAPPING_COPIED_FLAG), rules(r));
    }

    @Test
    void copiedFlagOnASharedClusterIsReported() {
        TinyImage t = sample(9, 4);
        int k = t.data(12);
        t.l2Entry(13, t.offsetOf(k) | TinyImage.COPIED); // a second reference, refcount 2
        byte[] b = t.build();
        t.putRefcount(b, k, 2);
        CheckReport r = check(b);
        assertEquals(Set.of(Rule.MAPPING_COPIED_FLAG), rules(r));
        assertEquals(2, of(r, Rule.MAPPING_COPIED_FLAG).size());
    }

    @Test
    void unalignedDataClusterIsReported() {
        TinyImage t = TinyImage.v3(12, 4);
        int k = t.data(2); // the last cluster of the file: the range stays within it and the end of file
        t.l2Entry(2, (t.offsetOf(k) + 0x200) | TinyImage.COPIED);
        CheckReport r = check(t.build());
        assertEquals(Set.of(Rule.MAPPING_L2_ENTRY_ALIGNED), rules(r));
        assertEquals(t.l2EntryOffset(2), r.findings().get(0).offset());
    }

    @Test
    void unalignedL2TableIsReported() {
        TinyImage t = new TinyImage(12, 4, 3, 2);
        byte[] b = t.build();
        long l1Entry1 = t.offsetOf(TinyImage.L1) + 8;
        // L1[1] names the empty table in the last cluster; 512 bytes on, the table still starts in it
        BigEndian.put64(b, (int) l1Entry1, (t.offsetOf(t.l2Cluster(1)) + 0x200) | TinyImage.COPIED);
        CheckReport r = check(b);
        assertEquals(Set.of(Rule.MAPPING_L1_ENTRY_ALIGNED), rules(r), r.findings().toString());
    }

    @Test
    void reservedBitInL1EntryIsReported() {
        TinyImage t = sample(9, 4);
        byte[] b = t.build();
        BigEndian.put64(b, (int) t.offsetOf(TinyImage.L1), t.offsetOf(t.l2Cluster(0)) | TinyImage.COPIED | (1L << 56));
        CheckReport r = check(b);
        assertEquals(Set.of(Rule.MAPPING_L1_ENTRY_RESERVED), rules(r));
        assertEquals(t.offsetOf(TinyImage.L1), r.findings().get(0).offset());
    }

    @Test
    void reservedBitInL2EntryIsReported() {
        TinyImage t = sample(9, 4);
        int k = t.data(12);
        t.l2Entry(12, t.offsetOf(k) | TinyImage.COPIED | 0x2);
        assertEquals(Set.of(Rule.MAPPING_L2_ENTRY_RESERVED), rules(check(t.build())));
    }

    @Test
    void l2TablePastTheEndOfTheFileIsReported() {
        TinyImage t = new TinyImage(9, 4, 3, 2);
        byte[] b = t.build();
        BigEndian.put64(b, (int) t.offsetOf(TinyImage.L1) + 8, 0x100000L | TinyImage.COPIED);
        t.putRefcount(b, t.l2Cluster(1), 0); // the table L1[1] named before is free now
        CheckReport r = check(b);
        assertEquals(Set.of(Rule.MAPPING_L2_TABLE_IN_FILE), rules(r));
    }

    @Test
    void dataClusterPastTheEndOfTheFileIsReported() {
        TinyImage t = sample(9, 4);
        t.l2Entry(30, 0x100000L | TinyImage.COPIED);
        assertEquals(Set.of(Rule.MAPPING_DATA_CLUSTER_IN_FILE), rules(check(t.build())));
    }

    @Test
    void zeroFlagInVersion2IsReported() {
        TinyImage t = new TinyImage(9, 4, 2, 1);
        int k = t.data(0);
        t.l2Entry(0, t.offsetOf(k) | TinyImage.COPIED | 1);
        assertEquals(Set.of(Rule.MAPPING_L2_ZERO_FLAG_V2), rules(check(t.build())));
    }

    @Test
    void validVersion2ImageIsClean() {
        TinyImage t = new TinyImage(9, 4, 2, 1);
        t.data(0);
        t.data(3);
        assertEquals(List.of(), check(t.build()).findings());
    }

    @Test
    void hostOffsetZeroWithCopiedFlagIsReported() {
        TinyImage t = sample(9, 4);
        t.l2Entry(30, TinyImage.COPIED);
        assertEquals(Set.of(Rule.MAPPING_L2_OFFSET_ZERO_COPIED), rules(check(t.build())));
    }

    @Test
    void copiedFlagOnCompressedClusterIsReported() {
        TinyImage t = sample(9, 4);
        int host = t.allocate(0);
        t.compressed(30, host, 0);
        t.l2Entry(30, TinyImage.COMPRESSED | TinyImage.COPIED | t.offsetOf(host));
        assertEquals(Set.of(Rule.MAPPING_COMPRESSED_COPIED), rules(check(t.build())));
    }

    @Test
    void compressedOffsetAbove56BitsIsReported() {
        TinyImage t = sample(9, 4);
        // 512-byte clusters: the offset field has 61 bits; bit 57 lies above 64 PiB
        t.l2Entry(30, TinyImage.COMPRESSED | (1L << 57) | 0x400);
        assertEquals(Set.of(Rule.MAPPING_COMPRESSED_OFFSET_HIGH_BITS), rules(check(t.build())));
    }

    @Test
    void compressedDataCountsEveryClusterItsSectorsTouch() {
        TinyImage t = TinyImage.v3(12, 4);
        int first = t.allocate(1);
        t.allocate(1);
        // offset 0xe00 of the first cluster, 2 sectors: 0x200 bytes in the first, 0x200 in the second cluster
        int x = 62 - (12 - 8);
        t.l2Entry(0, TinyImage.COMPRESSED | (1L << x) | (t.offsetOf(first) + 0xe00));
        CheckReport r = check(t.build());
        assertEquals(List.of(), r.findings());
        assertEquals(1, r.compressedClusters());
    }

    @Test
    void l1TableThatCannotMapTheVirtualSizeIsReported() {
        TinyImage t = sample(9, 4);
        t.virtualSize = 2 * t.l2Size() * t.clusterSize;
        CheckReport r = check(t.build());
        assertEquals(Set.of(Rule.MAPPING_L1_TOO_SMALL), rules(r));
        assertEquals(36, r.findings().get(0).offset());
    }

    @Test
    void refcountTableEntryWithReservedBitsIsReportedAndItsBlockLeaks() {
        TinyImage t = sample(9, 4);
        byte[] b = t.build();
        BigEndian.put64(b, (int) t.offsetOf(TinyImage.REFTABLE), t.offsetOf(TinyImage.REFBLOCK) | 1);
        CheckReport r = check(b);
        // as qemu-img check: the entry is reported, its block is still read but not counted as used
        assertEquals(Set.of(Rule.REFCOUNT_TABLE_ENTRY_RESERVED, Rule.REFCOUNT_TOO_HIGH), rules(r));
        assertTrue(of(r, Rule.REFCOUNT_TOO_HIGH).get(0).message().startsWith("cluster 2 "));
    }

    @Test
    void unalignedRefcountBlockMakesItsRefcountsUncheckable() {
        TinyImage t = TinyImage.v3(12, 4);
        t.data(0);
        byte[] b = t.build();
        BigEndian.put64(b, (int) t.offsetOf(TinyImage.REFTABLE), t.offsetOf(TinyImage.REFBLOCK) + 0x200);
        CheckReport r = check(b);
        assertTrue(rules(r).contains(Rule.REFCOUNT_TABLE_ENTRY_ALIGNED));
        assertEquals(t.clusters(), r.checkErrors());
        // the broken table entry is itself a corruption that was found: it outranks the check errors
        assertEquals(CheckReport.Verdict.CORRUPTIONS, r.verdict());
    }

    @Test
    void refcountBlockOutsideTheFileReadsAsZeros() {
        TinyImage t = TinyImage.v3(9, 4);
        byte[] b = t.build();
        BigEndian.put64(b, (int) t.offsetOf(TinyImage.REFTABLE), 0x100000L);
        CheckReport r = check(b);
        assertEquals(Set.of(Rule.REFCOUNT_BLOCK_IN_FILE, Rule.REFCOUNT_TOO_LOW, Rule.MAPPING_COPIED_FLAG), rules(r));
        assertEquals(t.clusters() - 1, of(r, Rule.REFCOUNT_TOO_LOW).size()); // all but the (no longer used) block
    }

    @Test
    void moreReferencesThanOneBitHoldsIsAnOverflow() {
        TinyImage t = TinyImage.v3(9, 0);
        int host = t.allocate(0);
        t.compressed(0, host, 0);
        t.compressed(1, host, 256); // two references to a cluster whose refcount holds at most 1
        byte[] b = t.build();
        t.putRefcount(b, host, 1);
        CheckReport r = check(b);
        assertEquals(Set.of(Rule.REFCOUNT_OVERFLOW), rules(r));
    }

    @Test
    void sixtyFourBitRefcountsAreUnsigned() {
        TinyImage t = TinyImage.v3(9, 6);
        byte[] b = TinyImage.grow(t.build(), 512);
        t.putRefcount(b, t.clusters(), -1L);
        CheckReport r = check(b);
        assertEquals(Set.of(Rule.REFCOUNT_TOO_HIGH), rules(r));
        assertTrue(r.findings().get(0).message().contains("refcount=18446744073709551615 reference=0"),
                r.findings().get(0).message());
    }

    @Test
    void dirtyImageIsStillCrossChecked() {
        TinyImage t = sample(9, 4);
        t.incompatibleFeatures = 1;
        byte[] b = t.build();
        t.putRefcount(b, TinyImage.REFTABLE, 3);
        CheckReport r = check(b);
        assertEquals(Set.of(Rule.HEADER_DIRTY, Rule.REFCOUNT_TOO_HIGH), rules(r));
        assertEquals(CheckReport.Verdict.LEAKS, r.verdict());
    }

    @Test
    void unknownIncompatibleBitStopsTheCheck() {
        TinyImage t = sample(9, 4);
        t.incompatibleFeatures = 1L << 40;
        CheckReport r = check(t.build());
        assertNotNull(r.fatal());
        assertEquals(Rule.HEADER_INCOMPATIBLE_UNKNOWN, r.fatal().rule());
        assertEquals(CheckReport.Verdict.NOT_CHECKED, r.verdict());
        assertTrue(rules(r).contains(Rule.HEADER_INCOMPATIBLE_UNKNOWN));
    }

    @Test
    void missingFileIsNotChecked() {
        CheckReport r = new ImageChecker(Limits.DEFAULT).check(Path.of("/nonexistent/image.qcow2"));
        assertEquals(Rule.FILE_READABLE, r.fatal().rule());
        assertEquals(1, r.checkErrors());
    }

    @Test
    void sparseImageOfEightTebibytesIsCheckedFromItsMetadataOnly() {
        // 64 KiB clusters: one L2 table maps 512 MiB, so 8 TiB needs 16384 L1 entries (one 128 KiB table)
        TinyImage t = new TinyImage(16, 4, 3, 16384, 1);
        t.virtualSize = 8L << 40;
        t.data(5);
        CheckReport r = check(t.build());
        assertEquals(List.of(), r.findings());
        assertEquals((8L << 40) >> 16, r.totalClusters());
    }

    @Test
    void hostClustersBeyondTheMetadataLimitAreRefused() {
        TinyImage t = sample(9, 4);
        Limits tiny = new Limits(Limits.DEFAULT.maxL1Bytes(), Limits.DEFAULT.maxRefcountTableBytes(), 24, 16,
                ImageChecker.BYTES_PER_HOST_CLUSTER * 3L, false);
        Path p = TinyImage.write(t.build());
        CheckReport r = new ImageChecker(tiny).check(p);
        assertEquals(Rule.REFCOUNT_CHECK_HOST_CLUSTERS, r.fatal().rule());
    }

    @Test
    void snapshotL1TableCountedByAReferenceSourceSharesTheL2TableAndData() {
        TinyImage t = TinyImage.v3(9, 4);
        int data = t.data(0);
        t.l2Entry(0, t.offsetOf(data)); // shared with the snapshot: refcount 2, copied flag clear
        int snapshotL1 = t.allocate(1);
        byte[] b = t.build();
        long l2 = t.offsetOf(t.l2Cluster(0));
        BigEndian.put64(b, (int) t.offsetOf(TinyImage.L1), l2);
        BigEndian.put64(b, (int) t.offsetOf(snapshotL1), l2);
        t.putRefcount(b, t.l2Cluster(0), 2);
        t.putRefcount(b, data, 2);
        Path p = TinyImage.write(b);
        ReferenceSource snapshot = ctx -> ctx.countL1Table(t.offsetOf(snapshotL1), 1, "snapshot 1 L1 table");
        CheckReport with = walkOnly(Limits.DEFAULT).withReferenceSources(List.of(snapshot)).check(p);
        assertEquals(List.of(), with.findings());
        // without the source, the snapshot's clusters are leaks: its L1 table, and one reference each to L2 and data
        CheckReport without = walkOnly(Limits.DEFAULT).check(p);
        assertEquals(Set.of(Rule.REFCOUNT_TOO_HIGH), rules(without));
        assertEquals(3, without.leaks());
    }

    @Test
    void referenceSourcesAddReferencesAndCompressedHookSeesEachCompressedCluster() {
        TinyImage t = sample(9, 4);
        byte[] b = TinyImage.grow(t.build(), 512);
        int extra = t.clusters();
        t.putRefcount(b, extra, 1);
        Path p = TinyImage.write(b);
        List<Long> seen = new ArrayList<>();
        CheckReport r = new ImageChecker(Limits.DEFAULT)
                .withReferenceSources(List.of(ctx -> ctx.reference(extra * 512L, 512, ClusterRole.SNAPSHOT_TABLE, "snapshot table")))
                .withCompressedDataCheck((ctx, guest, host, length) -> seen.add(guest))
                .check(p);
        assertEquals(List.of(), r.findings());
        assertEquals(List.of(9 * 512L, 10 * 512L), seen);
    }
}
