package io.qcow2conformance.model.bitmap;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.qcow2conformance.model.check.Proposal;
import io.qcow2conformance.model.extensions.ExtensionsDecoder;
import io.qcow2conformance.model.extensions.HeaderExtensions;
import io.qcow2conformance.model.header.Header;
import io.qcow2conformance.model.header.HeaderDecoder;
import io.qcow2conformance.model.image.Limits;
import io.qcow2conformance.model.io.ImageSource;
import io.qcow2conformance.model.rules.Rule;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Set ranges read from bitmaps built byte by byte: bit n covers guest bytes
 * [n * granularity, (n + 1) * granularity), least significant bit of each byte first
 * (spec: Bitmaps, Bitmap data); ranges are merged and end at the virtual size.
 */
class BitmapReaderTest {
    static final long MIB = 1 << 20;

    static List<Range> ranges(BitmapImage img, String name) {
        try (ImageSource src = ImageSource.open(BitmapImage.write(img.build()))) {
            Header h = HeaderDecoder.decode(src);
            HeaderExtensions ext = ExtensionsDecoder.decode(src, h);
            return BitmapReader.ranges(src, h, load(src, h, ext).byName(name).orElseThrow());
        }
    }

    static PersistentBitmaps load(ImageSource src, Header h, HeaderExtensions ext) {
        return PersistentBitmaps.load(src, h, ext, Limits.DEFAULT).orElseThrow();
    }

    static PersistentBitmaps load(BitmapImage img) {
        try (ImageSource src = ImageSource.open(BitmapImage.write(img.build()))) {
            Header h = HeaderDecoder.decode(src);
            return load(src, h, ExtensionsDecoder.decode(src, h));
        }
    }

    @Test
    void setBitsBecomeMergedGuestRanges() {
        BitmapImage img = new BitmapImage(MIB);
        img.bitmap("b0", 9).set(0).set(1).set(5).set(2047);
        assertEquals(List.of(new Range(0, 1024), new Range(5 * 512, 512), new Range(2047 * 512, 512)), ranges(img, "b0"));
        img.bitmap("empty", 12);
        assertEquals(List.of(), ranges(img, "empty"));
    }

    @Test
    void rangesRunAcrossDataClusters() {
        BitmapImage img = new BitmapImage(4 * MIB); // 8192 bits: 4096 per 512-byte cluster
        img.bitmap("b0", 9).set(4095).set(4096);
        assertEquals(List.of(new Range(4095L * 512, 1024)), ranges(img, "b0"));
    }

    @Test
    void anUnallocatedAllOnesEntryReadsAsSetBitsUpToTheVirtualSize() {
        BitmapImage img = new BitmapImage(MIB - 100);
        img.bitmap("b0", 16).entryOverride.put(0, 1L);
        assertEquals(List.of(new Range(0, MIB - 100)), ranges(img, "b0"));
    }

    @Test
    void theLastPartialGranuleEndsAtTheVirtualSize() {
        BitmapImage img = new BitmapImage(MIB - 100);
        img.bitmap("b0", 9).set(2047);
        assertEquals(List.of(new Range(2047 * 512, 512 - 100)), ranges(img, "b0"));
    }

    @Test
    void aBitmapWithoutATableIsEmptyAndTrustedOnlyUnderTheProposal() {
        BitmapImage img = new BitmapImage(MIB);
        BitmapImage.Bitmap b = img.bitmap("b0", 9);
        b.tableOffset = 0;
        b.tableSize = 0;
        assertEquals(List.of(), ranges(img, "b0"));
        PersistentBitmaps loaded = load(img);
        StoredBitmap stored = loaded.byName("b0").orElseThrow();
        assertEquals(Rule.BITMAP_TABLE_OFFSET_NON_ZERO,
                loaded.distrust(stored, Set.of()).orElseThrow().rule());
        assertEquals(Optional.empty(), loaded.distrust(stored, Set.of(Proposal.ZERO_BITMAP_TABLE_OFFSET)));
    }

    @Test
    void inconsistentBitmapsAreNotTrusted() {
        BitmapImage img = new BitmapImage(MIB);
        img.bitmap("b0", 9).set(1);
        img.autoclear = false;
        PersistentBitmaps loaded = load(img);
        assertEquals(false, loaded.consistent());
        assertEquals(Rule.EXTENSIONS_BITMAPS_AUTOCLEAR_CLEAR,
                loaded.distrust(loaded.bitmaps().get(0), Set.of()).orElseThrow().rule());
        img.autoclear = true;
        img.bitmaps.get(0).flags |= BitmapImage.IN_USE;
        PersistentBitmaps inUse = load(img);
        assertEquals(Rule.BITMAP_IN_USE,
                inUse.distrust(inUse.bitmaps().get(0), Set.of()).orElseThrow().rule());
    }
}
