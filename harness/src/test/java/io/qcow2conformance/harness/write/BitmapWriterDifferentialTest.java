package io.qcow2conformance.harness.write;

import io.qcow2conformance.harness.adapter.Implementation;
import io.qcow2conformance.harness.adapter.QemuAdapter;
import io.qcow2conformance.harness.adapter.Status;
import io.qcow2conformance.harness.adapter.TestImages;
import io.qcow2conformance.harness.process.ProcessRunner;
import io.qcow2conformance.harness.testkit.Cli;
import io.qcow2conformance.harness.testkit.Qemu;
import io.qcow2conformance.model.bitmap.Range;
import io.qcow2conformance.model.rules.Rule;
import io.qcow2conformance.model.write.ImageDescription;
import io.qcow2conformance.model.write.Layout;
import io.qcow2conformance.model.write.PersistentBitmap;
import io.qcow2conformance.model.write.PersistentBitmap.Storage;
import io.qcow2conformance.model.write.Qcow2Writer;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Persistent bitmaps written by {@link Qcow2Writer}, against the real QEMU 7.2:
 * {@code qemu-img check} finds the image clean (so every bitmap cluster is refcounted
 * exactly), and QEMU's dirty map of each bitmap ({@code qemu-nbd -B} through the harness's
 * {@link QemuAdapter}) is the written guest ranges widened to whole granules (spec: Bitmaps:
 * one bit per granule).
 */
class BitmapWriterDifferentialTest {
    @TempDir
    Path dir;

    final QemuAdapter qemu = new QemuAdapter(Duration.ofSeconds(60));

    @BeforeEach
    void requireTools() {
        Qemu.require("qemu-img");
        Qemu.require("qemu-nbd");
        TestImages.require("nbdinfo", "libnbd-bin");
    }

    /** The set ranges QEMU must report: each written range widened to granules, merged, capped at the disk. */
    static List<List<Long>> expected(List<Range> set, int granularityBits, long virtualSize) {
        long g = 1L << granularityBits;
        boolean[] granule = new boolean[(int) ((virtualSize + g - 1) / g)];
        for (Range r : set) {
            for (long b = r.start() / g; b <= (r.start() + r.length() - 1) / g; b++) {
                granule[(int) b] = true;
            }
        }
        List<List<Long>> out = new ArrayList<>();
        for (int b = 0; b < granule.length; b++) {
            if (!granule[b]) {
                continue;
            }
            int e = b;
            while (e < granule.length && granule[e]) {
                e++;
            }
            out.add(List.of(b * g, Math.min(e * g, virtualSize) - b * g));
            b = e;
        }
        return out;
    }

    static List<List<Long>> ranges(Implementation.Result r) {
        assertEquals(Status.OK, r.status(), r.detail());
        return r.ranges().stream().map(a -> List.of(a[0], a[1])).toList();
    }

    void assertCleanForBoth(Path p) {
        ProcessRunner.Result check = Qemu.run("qemu-img", "check", p.toString());
        assertEquals(0, check.exitCode(), check.out() + check.err());
        Cli.Result ours = Cli.run("check", p.toString());
        assertEquals(0, ours.exitCode(), ours.out() + ours.err());
    }

    @ParameterizedTest(name = "clusters 2^{0}, {1} bytes, granularity 2^{2}, {3}")
    @CsvSource({
            "9, 1048576, 9, CLUSTERS",
            "9, 4194304, 9, ALL_ONES_UNALLOCATED",   // 4096 bits per cluster: two table entries, the second all ones
            "12, 1048576, 12, CLUSTERS",
            "12, 999936, 16, ALL_ONES_UNALLOCATED",  // a disk that ends inside a granule (whole sectors: NBD exports sectors)
            "16, 4194304, 16, CLUSTERS"})
    void qemuFindsTheImageCleanAndReadsTheRangesWritten(int clusterBits, long size, int granularityBits,
                                                        Storage storage) throws IOException {
        long cs = 1L << clusterBits;
        long bitsPerCluster = cs * 8 << granularityBits; // guest bytes one data cluster covers
        List<Range> set = new ArrayList<>(List.of(new Range(0, 1), new Range(3 * (1L << granularityBits) + 5, 700),
                new Range(size - 1, 1)));
        if (bitsPerCluster < size) {
            set.add(new Range(bitsPerCluster, Math.min(bitsPerCluster, size - bitsPerCluster))); // a whole data cluster
        }
        List<Range> other = List.of(new Range(size / 2, 1L << granularityBits));
        ImageDescription d = ImageDescription.builder().clusterBits(clusterBits).virtualSize(size)
                .write(0, cs).write(size - cs, cs)
                .bitmap(PersistentBitmap.of("dirty", granularityBits, set).withStorage(storage))
                .bitmap(new PersistentBitmap("second, disabled", granularityBits, false, false, 1, other, storage))
                .bitmap(PersistentBitmap.of("empty", granularityBits, List.of()))
                .build();
        Path p = dir.resolve("b.qcow2");
        Layout layout = Qcow2Writer.write(d, p);
        assertTrue(layout.find(Layout.bitmapDirectoryEntry(2)).isPresent());
        assertFalse(layout.find(Layout.bitmapData(2, 0)).isPresent(), "an empty bitmap stores no data cluster");
        if (bitsPerCluster < size) {
            assertEquals(storage == Storage.CLUSTERS, layout.find(Layout.bitmapData(0, 1)).isPresent(),
                    "a data cluster whose bits are all set is stored unless written as an all-ones entry");
        }

        assertCleanForBoth(p);
        assertEquals(expected(set, granularityBits, size), ranges(qemu.bitmap(p, "dirty")));
        assertEquals(expected(other, granularityBits, size), ranges(qemu.bitmap(p, "second, disabled")));
        assertEquals(List.of(), ranges(qemu.bitmap(p, "empty")));
    }

    @Test
    void withTheAutoclearBitClearQemuIgnoresTheBitmapsAndCountsTheirClustersAsLeaks() throws IOException {
        ImageDescription d = ImageDescription.builder().clusterBits(12).virtualSize(1 << 20)
                .bitmap(PersistentBitmap.of("b", 12, List.of(new Range(0, 4096))))
                .bitmapsAutoclear(false).build();
        Path p = dir.resolve("c.qcow2");
        Qcow2Writer.write(d, p);
        // directory, table and one data cluster: refcounted, but unused once the bitmaps are inconsistent
        assertEquals(3, Qemu.run("qemu-img", "check", p.toString()).exitCode());
        assertEquals(Status.REJECTED, qemu.bitmap(p, "b").status());
    }

    @Test
    void anEntryWithNoTableIsRefusedByQemuWhileTheAutoclearBitIsSet() throws IOException {
        ImageDescription d = ImageDescription.builder().clusterBits(12).virtualSize(1 << 20)
                .bitmap(PersistentBitmap.of("none", 16, List.of()).withStorage(Storage.NO_TABLE)).build();
        Path p = dir.resolve("z.qcow2");
        Layout layout = Qcow2Writer.write(d, p);
        assertFalse(layout.find(Layout.bitmapTable(0)).isPresent());
        ProcessRunner.Result info = Qemu.run("qemu-img", "info", p.toString());
        assertEquals(1, info.exitCode(), info.err());
        assertTrue(info.err().contains("doesn't satisfy the constraints"), info.err());
    }

    /**
     * QEMU 7.2 opens at most 65535 bitmaps (qcow2.h, QCOW2_MAX_BITMAPS); the spec bounds
     * nb_bitmaps only by its four bytes. With thousands of bitmaps qemu-img check finds our
     * image clean (each table, one zero entry, refcounted once) and QEMU reads the last bitmap
     * as empty; 65536 are refused by QEMU, naming its maximum, while our check reports the
     * limit and nothing else (the image is valid). The accepted case stays far below the
     * maximum: QEMU's loading of the directory takes time quadratic in the number of bitmaps
     * (about 3 s of CPU for 16000, so near a minute for 65535).
     */
    @ParameterizedTest(name = "{0} bitmaps")
    @CsvSource({"4096", "65536"})
    void qemuOpensAtMost65535Bitmaps(int count) throws IOException {
        ImageDescription.Builder b = ImageDescription.builder().clusterBits(9).virtualSize(1 << 16).write(0, 512);
        for (int i = 0; i < count; i++) {
            b.bitmap(PersistentBitmap.of("b" + i, 16, List.of()));
        }
        Path p = dir.resolve("many.qcow2");
        Qcow2Writer.write(b.build(), p);

        Cli.Result ours = Cli.run("check", p.toString());
        assertEquals(0, ours.exitCode(), ours.out() + ours.err());
        ProcessRunner.Result check = Qemu.run("qemu-img", "check", p.toString());
        String limit = Rule.EXTENSIONS_BITMAPS_COUNT_QEMU_MAX.id();
        if (count <= 65535) {
            assertEquals(0, check.exitCode(), check.out() + check.err());
            assertFalse(ours.out().contains(limit), ours.out());
            assertEquals(List.of(), ranges(qemu.bitmap(p, "b" + (count - 1))));
        } else {
            assertEquals(1, check.exitCode(), check.out() + check.err());
            assertTrue(check.err().contains("exceeding the QEMU supported maximum of 65535"), check.err());
            assertTrue(ours.out().contains(limit), ours.out());
        }
    }
}
