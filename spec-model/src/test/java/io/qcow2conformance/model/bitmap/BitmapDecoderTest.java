package io.qcow2conformance.model.bitmap;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.qcow2conformance.model.check.CheckReport;
import io.qcow2conformance.model.check.ImageChecker;
import io.qcow2conformance.model.extensions.HeaderExtension.Bitmaps;
import io.qcow2conformance.model.image.Limits;
import io.qcow2conformance.model.io.BigEndian;
import io.qcow2conformance.model.io.ImageSource;
import io.qcow2conformance.model.rules.ImageException;
import io.qcow2conformance.model.rules.Rule;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/** The directory and table decoder on bytes laid out by hand from spec: Bitmaps > Bitmap directory, Bitmap table. */
class BitmapDecoderTest {

    /** One entry: table at 0x1000, 3 entries, flags auto|in_use, type 1, granularity 16, 3 bytes extra data, name "abc". */
    static byte[] entry() {
        byte[] e = new byte[32]; // 24 + 3 + 3 = 30, padded to 32
        BigEndian.put64(e, 0, 0x1000);
        BigEndian.put32(e, 8, 3);
        BigEndian.put32(e, 12, 3);
        e[16] = 1;
        e[17] = 16;
        BigEndian.put16(e, 18, 3);
        BigEndian.put32(e, 20, 3);
        e[24] = 7;
        e[25] = 8;
        e[26] = 9;
        System.arraycopy("abc".getBytes(StandardCharsets.UTF_8), 0, e, 27, 3);
        return e;
    }

    @Test
    void decodesEveryFieldOfAnEntry() {
        BitmapDirectory dir = BitmapDecoder.decodeDirectory(entry(), 0x800, 1);
        assertEquals(1, dir.entries().size());
        BitmapDirectoryEntry e = dir.entries().get(0);
        assertEquals(0x800, e.entryOffset());
        assertEquals(0x1000, e.bitmapTableOffset());
        assertEquals(3, e.bitmapTableSize());
        assertTrue(e.inUse() && e.auto() && !e.extraDataCompatible());
        assertEquals(1, e.type());
        assertEquals(16, e.granularityBits());
        assertEquals(65536, e.granularity());
        assertArrayEquals(new byte[] {7, 8, 9}, e.extraData());
        assertEquals("abc", e.name());
        assertEquals(0x800 + 27, e.nameOffset());
        assertEquals(32, e.size());
        assertEquals(-1, e.firstNonZeroPadding());
        assertEquals(0, dir.undecodedLength());
    }

    @Test
    void paddingAndLeftoverBytesAreKeptForTheRules() {
        byte[] two = new byte[32 + 32 + 8];
        byte[] e = entry();
        e[31] = 1;
        System.arraycopy(e, 0, two, 0, 32);
        System.arraycopy(entry(), 0, two, 32, 32);
        BitmapDirectory dir = BitmapDecoder.decodeDirectory(two, 0, 2);
        assertEquals(0x1f, dir.entries().get(0).firstNonZeroPadding());
        assertEquals(2, dir.entries().size());
        assertEquals(64, dir.undecodedOffset());
        assertEquals(8, dir.undecodedLength());
        assertEquals(0, dir.overrunEntrySize());

        BitmapDirectory cut = BitmapDecoder.decodeDirectory(java.util.Arrays.copyOf(entry(), 28), 0, 1);
        assertEquals(0, cut.entries().size());
        assertEquals(32, cut.overrunEntrySize());
    }

    @Test
    void geometryFollowsTheSpec() {
        BitmapDirectoryEntry e = BitmapDecoder.decodeDirectory(entry(), 0, 1).entries().get(0);
        // 1 GiB at 64 KiB per bit: 16384 bits, 2048 bytes
        assertEquals(16384, e.bits(1L << 30));
        assertEquals(2048, e.dataBytes(1L << 30));
        assertEquals(4, e.tableEntriesNeeded(1L << 30, 512));
        assertEquals(1, e.tableEntriesNeeded((1L << 30) + 1, 4096)); // 16385 bits: 2049 bytes
        assertEquals(0, e.bits(0));
    }

    @Test
    void aDirectoryLargerThanQemuAllowsIsNotRead() throws Exception {
        BitmapImage img = new BitmapImage(1 << 20);
        img.bitmap("b0", 9);
        Path p = BitmapImage.write(img.build());
        try (ImageSource src = ImageSource.open(p)) {
            Bitmaps ext = new Bitmaps(104, 24, 1, 0, BitmapDecoder.MAX_DIRECTORY_BYTES + 1, img.directoryOffset);
            ImageException e = assertThrows(ImageException.class, () -> BitmapDecoder.readDirectory(src, ext, Limits.DEFAULT));
            assertEquals(Rule.EXTENSIONS_BITMAPS_DIRECTORY_SIZE_QEMU_MAX, e.rule());
            Bitmaps past = new Bitmaps(104, 24, 1, 0, 64, src.size());
            assertEquals(Rule.FILE_STRUCTURE_IN_BOUNDS,
                    assertThrows(ImageException.class, () -> BitmapDecoder.readDirectory(src, past, Limits.DEFAULT)).rule());
        }
    }

    @Test
    void aHugeTableSizeIsJudgedWithoutReadingTheTable() {
        BitmapImage img = new BitmapImage(1 << 20);
        img.bitmap("b0", 9);
        byte[] bytes = img.build();
        BigEndian.put32(bytes, (int) img.bitmaps.get(0).entryOffset + 8, 0xffffffffL);
        CheckReport r = new ImageChecker(Limits.DEFAULT).check(BitmapImage.write(bytes));
        assertTrue(BitmapRulesTest.rules(r).contains(Rule.BITMAP_TABLE_SIZE_QEMU_RANGE), r.findings()::toString);
        assertTrue(BitmapRulesTest.rules(r).contains(Rule.BITMAP_TABLE_IN_FILE), r.findings()::toString);
        BitmapDirectoryEntry huge = new BitmapDirectoryEntry(0, 0x1000, BitmapDecoder.MAX_TABLE_ENTRIES + 1, 0, 1, 9, 1, 0,
                new byte[0], new byte[] {'x'}, -1);
        try (ImageSource src = ImageSource.open(BitmapImage.write(bytes))) {
            assertEquals(Rule.BITMAP_TABLE_SIZE_QEMU_RANGE,
                    assertThrows(ImageException.class, () -> BitmapDecoder.readTable(src, huge, Limits.DEFAULT)).rule());
        }
    }
}
