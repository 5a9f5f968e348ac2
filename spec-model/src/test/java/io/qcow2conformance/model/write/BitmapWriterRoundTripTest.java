package io.qcow2conformance.model.write;

import io.qcow2conformance.model.bitmap.BitmapReader;
import io.qcow2conformance.model.bitmap.PersistentBitmaps;
import io.qcow2conformance.model.bitmap.Range;
import io.qcow2conformance.model.bitmap.StoredBitmap;
import io.qcow2conformance.model.check.CheckReport;
import io.qcow2conformance.model.check.ImageChecker;
import io.qcow2conformance.model.check.Proposal;
import io.qcow2conformance.model.header.HeaderField;
import io.qcow2conformance.model.image.Limits;
import io.qcow2conformance.model.image.Qcow2Image;
import io.qcow2conformance.model.io.BigEndian;
import io.qcow2conformance.model.rules.Finding;
import io.qcow2conformance.model.rules.Rule;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Bitmaps written by {@link Qcow2Writer}, read back by the model: each bitmap reads as its
 * written ranges widened to granules (spec: Bitmaps), the image checks clean (refcounts
 * exact), and the {@link Layout} names point at the bytes the spec describes.
 */
class BitmapWriterRoundTripTest {

    @Provide
    Arbitrary<List<Range>> ranges() {
        Arbitrary<Range> r = Combinators.combine(Arbitraries.longs().between(0, (1 << 20) - 1),
                Arbitraries.longs().between(1, 200_000)).as((s, l) -> new Range(s, Math.min(l, (1 << 20) - s)));
        return r.list().ofMaxSize(6);
    }

    @Property(tries = 30)
    void everyBitmapReadsAsTheGranulesItsRangesTouch(@ForAll("ranges") List<Range> set,
                                                     @ForAll("granularity") int granularityBits,
                                                     @ForAll boolean allOnes) throws IOException {
        Path dir = Files.createTempDirectory("bitmap-roundtrip");
        Path p = dir.resolve("b.qcow2");
        try {
            PersistentBitmap b = PersistentBitmap.of("b", granularityBits, set)
                    .withStorage(allOnes ? PersistentBitmap.Storage.ALL_ONES_UNALLOCATED : PersistentBitmap.Storage.CLUSTERS);
            ImageDescription d = ImageDescription.builder().clusterBits(9).virtualSize(1 << 20).write(0, 4096)
                    .bitmap(b).bitmap(PersistentBitmap.of("other", 16, List.of(new Range(4096, 1)))).build();
            Qcow2Writer.write(d, p);
            assertEquals(CheckReport.Verdict.CLEAN, new ImageChecker(Limits.DEFAULT).check(p).verdict());
            try (Qcow2Image img = Qcow2Image.open(p, Limits.DEFAULT)) {
                PersistentBitmaps pb = PersistentBitmaps.load(img.source(), img.header(), img.extensions(), Limits.DEFAULT)
                        .orElseThrow();
                StoredBitmap stored = pb.byName("b").orElseThrow();
                assertTrue(pb.distrust(stored, Set.of()).isEmpty());
                assertEquals(expected(set, granularityBits), BitmapReader.ranges(img.source(), img.header(), stored));
                assertEquals(List.of(new Range(0, 1 << 16)),
                        BitmapReader.ranges(img.source(), img.header(), pb.byName("other").orElseThrow()));
            }
        } finally {
            Files.deleteIfExists(p);
            Files.delete(dir);
        }
    }

    @Provide
    Arbitrary<Integer> granularity() {
        return Arbitraries.integers().between(9, 16);
    }

    /** Each range widened to whole granules, merged; computed here independently of the writer. */
    static List<Range> expected(List<Range> set, int granularityBits) {
        long g = 1L << granularityBits;
        boolean[] on = new boolean[(int) ((1 << 20) / g)];
        for (Range r : set) {
            for (long i = r.start() / g; i <= (r.start() + r.length() - 1) / g; i++) {
                on[(int) i] = true;
            }
        }
        List<Range> out = new java.util.ArrayList<>();
        for (int i = 0; i < on.length; i++) {
            int j = i;
            while (j < on.length && on[j]) {
                j++;
            }
            if (j > i) {
                out.add(new Range(i * g, (j - i) * g));
                i = j;
            }
        }
        return out;
    }

    @Test
    void theLayoutNamesTheBitmapStructuresWhereTheSpecPutsThem(@org.junit.jupiter.api.io.TempDir Path dir) throws IOException {
        ImageDescription d = ImageDescription.builder().clusterBits(12).virtualSize(1 << 20)
                .bitmap(PersistentBitmap.of("first", 12, List.of(new Range(0, 1))))
                .bitmap(PersistentBitmap.of("none", 12, List.of()).withStorage(PersistentBitmap.Storage.NO_TABLE))
                .build();
        Path p = dir.resolve("l.qcow2");
        Layout l = Qcow2Writer.write(d, p);
        byte[] f = Files.readAllBytes(p);
        // spec: Bitmaps extension: nb_bitmaps, reserved, directory size, directory offset
        int ext = (int) l.region(Layout.extension(0)).offset();
        assertEquals(0x23852875L, BigEndian.u32(f, ext));
        assertEquals(2, BigEndian.u32(f, ext + 8));
        assertEquals(l.region(Layout.BITMAP_DIRECTORY).length(), BigEndian.u64(f, ext + 16));
        assertEquals(l.region(Layout.BITMAP_DIRECTORY).offset(), BigEndian.u64(f, ext + 24));
        assertEquals(1, BigEndian.u64(f, (int) l.headerField(HeaderField.AUTOCLEAR_FEATURES).offset()));
        // spec: Bitmap directory: table offset and size of each entry
        int e0 = (int) l.region(Layout.bitmapDirectoryEntry(0)).offset();
        assertEquals(l.region(Layout.bitmapTable(0)).offset(), BigEndian.u64(f, e0));
        assertEquals(1, BigEndian.u32(f, e0 + 8));
        assertEquals(l.region(Layout.bitmapData(0, 0)).offset(),
                BigEndian.u64(f, (int) l.region(Layout.bitmapTableEntry(0, 0)).offset()));
        assertEquals(1, f[(int) l.region(Layout.bitmapData(0, 0)).offset()]);
        int e1 = (int) l.region(Layout.bitmapDirectoryEntry(1)).offset();
        assertEquals(0, BigEndian.u64(f, e1));
        assertEquals(0, BigEndian.u32(f, e1 + 8));
        // under the proposal the image is clean; as published the entry is a corruption
        assertEquals(CheckReport.Verdict.CORRUPTIONS, new ImageChecker(Limits.DEFAULT).check(p).verdict());
        assertEquals(CheckReport.Verdict.CLEAN, new ImageChecker(Limits.DEFAULT)
                .withProposals(Set.of(Proposal.ZERO_BITMAP_TABLE_OFFSET)).check(p).verdict());
    }

    /**
     * QEMU's limit is 65535 bitmaps (qcow2.h, QCOW2_MAX_BITMAPS); the spec bounds nb_bitmaps
     * only by its four bytes. One bitmap more is written, decoded entry by entry and counted:
     * the only finding is that limit, and every table (one zero entry each) is refcounted.
     */
    @Test
    void sixtyFiveThousandFiveHundredThirtySixBitmapsRoundTripThroughTheDecoder(@org.junit.jupiter.api.io.TempDir Path dir)
            throws IOException {
        int count = 65536;
        ImageDescription.Builder b = ImageDescription.builder().clusterBits(9).virtualSize(1 << 16).write(512, 512);
        long directoryBytes = 0;
        for (int i = 0; i < count; i++) {
            b.bitmap(PersistentBitmap.of("b" + i, 16, List.of()));
            // spec: Bitmap directory: 24 fixed bytes and the name, padded to a multiple of 8
            directoryBytes += (24 + ("b" + i).length() + 7) / 8 * 8;
        }
        Path p = dir.resolve("many.qcow2");
        Qcow2Writer.write(b.build(), p);

        CheckReport report = new ImageChecker(Limits.DEFAULT).check(p);
        assertEquals(CheckReport.Verdict.CLEAN, report.verdict(), report.findings().toString());
        assertEquals(List.of(Rule.EXTENSIONS_BITMAPS_COUNT_QEMU_MAX),
                report.findings().stream().map(Finding::rule).toList());
        try (Qcow2Image img = Qcow2Image.open(p, Limits.DEFAULT)) {
            PersistentBitmaps pb = PersistentBitmaps.load(img.source(), img.header(), img.extensions(), Limits.DEFAULT)
                    .orElseThrow();
            assertEquals(count, pb.extension().nbBitmaps());
            assertEquals(directoryBytes, pb.extension().bitmapDirectorySize());
            List<StoredBitmap> stored = pb.bitmaps();
            assertEquals(count, stored.size());
            for (int i = 0; i < count; i++) {
                StoredBitmap s = stored.get(i);
                assertEquals("b" + i, s.name());
                assertEquals(1, s.table().size(), s.name()); // 64 KiB of 64 KiB granules: one bit, one entry
                assertEquals(0, s.table().entry(0), s.name()); // no bit set: no data cluster
            }
            assertEquals(List.of(), BitmapReader.ranges(img.source(), img.header(), stored.get(count - 1)));
        }
    }

    /**
     * A directory larger than the decoder reads (QEMU's 1024 bytes for each of 65535 bitmaps)
     * stops the check with that limit: its tables are not counted, and must not show as leaks.
     */
    @Test
    void aDirectoryBeyondTheDecodersLimitStopsTheCheckInsteadOfShowingLeaks(@org.junit.jupiter.api.io.TempDir Path dir)
            throws IOException {
        ImageDescription d = ImageDescription.builder().clusterBits(9).virtualSize(1 << 16)
                .bitmap(PersistentBitmap.of("b", 16, List.of(new Range(0, 1)))).build();
        Path p = dir.resolve("big-directory.qcow2");
        Layout l = Qcow2Writer.write(d, p);
        byte[] f = Files.readAllBytes(p);
        // spec: Bitmaps extension: bitmap_directory_size at bytes 8-15 of the extension data
        int sizeField = (int) l.region(Layout.extension(0)).offset() + 8 + 8;
        BigEndian.put64(f, sizeField, 1024L * 65535 + 8);
        Files.write(p, f);

        CheckReport report = new ImageChecker(Limits.DEFAULT).check(p);
        assertEquals(CheckReport.Verdict.NOT_CHECKED, report.verdict());
        assertEquals(Rule.EXTENSIONS_BITMAPS_DIRECTORY_SIZE_QEMU_MAX, report.fatal().rule());
        assertEquals(0, report.leaks(), report.findings().toString());
    }
}
