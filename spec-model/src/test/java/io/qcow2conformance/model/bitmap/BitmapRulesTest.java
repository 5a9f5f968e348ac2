package io.qcow2conformance.model.bitmap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.qcow2conformance.model.check.CheckReport;
import io.qcow2conformance.model.check.ImageChecker;
import io.qcow2conformance.model.check.Proposal;
import io.qcow2conformance.model.image.Limits;
import io.qcow2conformance.model.rules.Finding;
import io.qcow2conformance.model.rules.Rule;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Each bitmap rule on an image built byte by byte ({@link BitmapImage}) that breaks exactly
 * that rule: the full check (refcounts included) reports exactly that finding. The valid
 * images are clean, which also shows that the directory, tables and data clusters are counted.
 */
class BitmapRulesTest {
    static final long MIB = 1 << 20;

    static CheckReport check(BitmapImage img, Proposal... proposals) {
        return new ImageChecker(Limits.DEFAULT).withProposals(Set.of(proposals)).check(BitmapImage.write(img.build()));
    }

    static Set<Rule> rules(CheckReport r) {
        return r.findings().stream().map(Finding::rule).collect(Collectors.toSet());
    }

    static void assertOnly(BitmapImage img, Rule... expected) {
        CheckReport r = check(img);
        assertEquals(Set.of(expected), rules(r), () -> r.findings().toString());
        assertEquals(expected.length, r.findings().size(), () -> r.findings().toString());
    }

    /** 1 MiB at 512 bytes per bit: 2048 bits, 256 bytes of data in one 512-byte cluster. */
    static BitmapImage oneBitmap() {
        BitmapImage img = new BitmapImage(MIB);
        img.bitmap("b0", 9).set(0).set(100);
        return img;
    }

    @Test
    void validImagesWithBitmapsAreClean() {
        BitmapImage img = oneBitmap();
        img.bitmap("disabled", 16).flags = 0;
        img.bitmap("empty", 12);
        CheckReport r = check(img);
        assertEquals(List.of(), r.findings());
        assertEquals(CheckReport.Verdict.CLEAN, r.verdict());
    }

    @Test
    void withoutTheReferenceSourceTheBitmapClustersLeak() {
        BitmapImage img = oneBitmap();
        CheckReport r = new ImageChecker(Limits.DEFAULT).withReferenceSources(List.of())
                .check(BitmapImage.write(img.build()));
        assertEquals(3, r.leaks(), r.findings()::toString); // directory, table, one data cluster
    }

    @Test
    void entryOverrunningTheDirectory() {
        BitmapImage img = oneBitmap();
        img.directorySize = 24 + 2; // the entry needs 32 with its padding
        CheckReport r = check(img);
        // the entry cannot be read, so its table and data cluster are not counted: they leak
        assertEquals(Set.of(Rule.BITMAP_DIRECTORY_ENTRY_IN_DIRECTORY, Rule.REFCOUNT_TOO_HIGH), rules(r), r.findings()::toString);
        assertEquals(2, r.leaks());
        assertEquals(1, r.corruptions());
    }

    @Test
    void directoryLongerThanItsEntries() {
        BitmapImage img = oneBitmap();
        img.directorySize = 32 + 8;
        assertOnly(img, Rule.BITMAP_DIRECTORY_SIZE_MATCHES);
    }

    @Test
    void entryCountDiffersFromNbBitmaps() {
        BitmapImage img = oneBitmap();
        img.bitmap("b1", 9);
        img.nbBitmaps = 1;
        assertOnly(img, Rule.BITMAP_DIRECTORY_COUNT_MATCHES);
    }

    @Test
    void emptyName() {
        BitmapImage img = new BitmapImage(MIB);
        img.bitmap("", 9);
        assertOnly(img, Rule.BITMAP_NAME_NON_EMPTY);
    }

    @Test
    void duplicateNames() {
        BitmapImage img = oneBitmap();
        img.bitmap("b0", 12);
        assertOnly(img, Rule.BITMAP_NAME_UNIQUE);
    }

    @Test
    void nameLongerThanQemuAccepts() {
        BitmapImage img = new BitmapImage(MIB);
        img.bitmap("n".repeat(1024), 9);
        assertOnly(img, Rule.BITMAP_NAME_QEMU_MAX);
    }

    @Test
    void reservedType() {
        BitmapImage img = oneBitmap();
        img.bitmaps.get(0).type = 2;
        assertOnly(img, Rule.BITMAP_TYPE_KNOWN);
    }

    @Test
    void granularityAbove63() {
        BitmapImage img = new BitmapImage(MIB);
        img.bitmap("b0", 64);
        assertOnly(img, Rule.BITMAP_GRANULARITY_MAX);
    }

    @Test
    void granularityOutsideQemusRange() {
        BitmapImage img = new BitmapImage(MIB);
        img.bitmap("b0", 8).set(3);
        assertOnly(img, Rule.BITMAP_GRANULARITY_QEMU);
        BitmapImage coarse = new BitmapImage(MIB);
        coarse.bitmap("b0", 32);
        assertOnly(coarse, Rule.BITMAP_GRANULARITY_QEMU);
    }

    @Test
    void reservedFlag() {
        BitmapImage img = oneBitmap();
        img.bitmaps.get(0).flags |= 1L << 3;
        assertOnly(img, Rule.BITMAP_FLAGS_RESERVED);
    }

    @Test
    void inUseIsAWarning() {
        BitmapImage img = oneBitmap();
        img.bitmaps.get(0).flags |= BitmapImage.IN_USE;
        assertOnly(img, Rule.BITMAP_IN_USE);
        assertEquals(CheckReport.Verdict.CLEAN, check(img).verdict());
    }

    @Test
    void extraDataWithAndWithoutTheCompatibleFlag() {
        BitmapImage img = oneBitmap();
        img.bitmaps.get(0).extraData = new byte[] {1, 2, 3};
        assertOnly(img, Rule.BITMAP_EXTRA_DATA_SIZE_ZERO, Rule.BITMAP_EXTRA_DATA_UNUSABLE, Rule.BITMAP_EXTRA_DATA_QEMU);
        img.bitmaps.get(0).flags |= BitmapImage.EXTRA_DATA_COMPATIBLE;
        assertOnly(img, Rule.BITMAP_EXTRA_DATA_SIZE_ZERO, Rule.BITMAP_EXTRA_DATA_QEMU);
        img.bitmaps.get(0).extraData = new byte[0];
        assertOnly(img, Rule.BITMAP_EXTRA_DATA_QEMU);
    }

    @Test
    void unalignedTableOffset() {
        BitmapImage img = new BitmapImage(MIB);
        img.bitmap("b0", 9).tableOffsetShift = 8; // reads a zero entry of the same cluster
        assertOnly(img, Rule.BITMAP_TABLE_OFFSET_ALIGNED);
    }

    @Test
    void tableTooSmallForTheDisk() {
        BitmapImage img = new BitmapImage(4 * MIB); // 8192 bits: two clusters of data
        img.bitmap("b0", 9).tableSize = 1;
        assertOnly(img, Rule.BITMAP_TABLE_SIZE_COVERS_DISK);
        img.bitmaps.get(0).flags |= BitmapImage.IN_USE; // an in_use bitmap may be outdated
        assertOnly(img, Rule.BITMAP_IN_USE);
    }

    @Test
    void tableLargerThanQemuAccepts() {
        BitmapImage img = new BitmapImage(MIB);
        img.bitmap("b0", 9).tableSize = 2;
        assertOnly(img, Rule.BITMAP_TABLE_SIZE_QEMU_EXACT);
    }

    @Test
    void emptyTableOfAnEmptyDisk() {
        BitmapImage img = new BitmapImage(0);
        img.bitmap("b0", 9).tableSize = 0;
        assertOnly(img, Rule.BITMAP_TABLE_SIZE_QEMU_RANGE);
    }

    @Test
    void tablePastTheEndOfTheFile() {
        BitmapImage img = new BitmapImage(MIB);
        img.bitmap("b0", 9).tableOffset = 64L * BitmapImage.CLUSTER;
        assertOnly(img, Rule.BITMAP_TABLE_IN_FILE);
    }

    @Test
    void tableEntryReservedBits() {
        BitmapImage img = new BitmapImage(MIB);
        img.bitmap("b0", 9).entryOverride.put(0, 1L << 56);
        assertOnly(img, Rule.BITMAP_TABLE_ENTRY_RESERVED);
        BitmapImage allOnesWithOffset = oneBitmap();
        allOnesWithOffset.build();
        BitmapImage.Bitmap b = allOnesWithOffset.bitmaps.get(0);
        b.entryOverride.put(0, b.dataClusterOffsets.get(0) | 1);
        assertOnly(allOnesWithOffset, Rule.BITMAP_TABLE_ENTRY_RESERVED);
    }

    @Test
    void unalignedDataCluster() {
        BitmapImage img = new BitmapImage(MIB, 10); // 1 KiB clusters: offsets 512 apart are expressible
        BitmapImage.Bitmap b = img.bitmap("b0", 9).set(0);
        img.build(); // its data cluster is the last of the file
        b.entryOverride.put(0, b.dataClusterOffsets.get(0) + 512);
        assertOnly(img, Rule.BITMAP_TABLE_ENTRY_ALIGNED);
    }

    @Test
    void dataClusterPastTheEndOfTheFile() {
        BitmapImage img = new BitmapImage(MIB);
        img.bitmap("b0", 9).entryOverride.put(0, 64L * BitmapImage.CLUSTER);
        assertOnly(img, Rule.BITMAP_DATA_IN_FILE);
    }

    @Test
    void tailBitsOfTheLastDataCluster() {
        BitmapImage img = oneBitmap(); // 256 bytes of a 512-byte cluster are used
        img.bitmaps.get(0).dataByte(300, 0x10);
        assertOnly(img, Rule.BITMAP_DATA_TAIL_ZERO);
        BitmapImage partialByte = new BitmapImage(MIB - 512 * 3); // 2045 bits: the top 3 bits of byte 255 are tail
        partialByte.bitmap("b0", 9).dataByte(255, 0x20);
        assertOnly(partialByte, Rule.BITMAP_DATA_TAIL_ZERO);
        partialByte.bitmaps.get(0).dataByte(255, 0x1f);
        assertOnly(partialByte);
    }

    @Test
    void nonZeroPadding() {
        BitmapImage img = oneBitmap();
        img.bitmaps.get(0).paddingByte = 0x55;
        assertOnly(img, Rule.BITMAP_PADDING_ZERO);
    }

    @Test
    void autoclearClearLeavesTheBitmapsUncountedAsQemuDoes() {
        BitmapImage img = oneBitmap();
        img.autoclear = false;
        CheckReport r = check(img);
        assertEquals(Set.of(Rule.EXTENSIONS_BITMAPS_AUTOCLEAR_CLEAR, Rule.REFCOUNT_TOO_HIGH), rules(r));
        assertEquals(3, r.leaks());
    }

    @Test
    void zeroTableOffsetUnderThePublishedSpecAndUnderTheProposal() {
        BitmapImage img = new BitmapImage(MIB);
        BitmapImage.Bitmap b = img.bitmap("b0", 9);
        b.tableOffset = 0;
        b.tableSize = 0;
        assertOnly(img, Rule.BITMAP_TABLE_OFFSET_NON_ZERO);
        assertEquals(CheckReport.Verdict.CORRUPTIONS, check(img).verdict());
        CheckReport under = check(img, Proposal.ZERO_BITMAP_TABLE_OFFSET);
        assertEquals(List.of(), under.findings());
        assertEquals(CheckReport.Verdict.CLEAN, under.verdict());

        b.tableSize = 1;
        assertOnly(img, Rule.BITMAP_TABLE_OFFSET_NON_ZERO);
        assertEquals(Set.of(Rule.BITMAP_TABLE_OFFSET_ZERO_SIZE), rules(check(img, Proposal.ZERO_BITMAP_TABLE_OFFSET)));
    }

    @Test
    void proposalsAreRuleSets() {
        Proposal p = Proposal.ZERO_BITMAP_TABLE_OFFSET;
        assertTrue(Proposal.counts(Rule.BITMAP_TABLE_OFFSET_NON_ZERO, Set.of()));
        assertTrue(!Proposal.counts(Rule.BITMAP_TABLE_OFFSET_NON_ZERO, Set.of(p)));
        assertTrue(!Proposal.counts(Rule.BITMAP_TABLE_OFFSET_ZERO_SIZE, Set.of()));
        assertTrue(Proposal.counts(Rule.BITMAP_TABLE_OFFSET_ZERO_SIZE, Set.of(p)));
        assertTrue(Proposal.counts(Rule.BITMAP_NAME_UNIQUE, Set.of(p)));
        assertEquals(Set.of(p), Proposal.needed(List.of(Finding.of(Rule.BITMAP_TABLE_OFFSET_NON_ZERO, 0, "b", 0))));
        assertEquals(Set.of(), Proposal.needed(List.of(Finding.of(Rule.BITMAP_NAME_UNIQUE, 0, "b"))));
    }
}
