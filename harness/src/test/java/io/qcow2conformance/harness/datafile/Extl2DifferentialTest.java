package io.qcow2conformance.harness.datafile;

import static io.qcow2conformance.harness.check.CheckDifferentialTest.assertCountersEqual;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.qcow2conformance.harness.check.CheckDifferentialTest;
import io.qcow2conformance.harness.check.CheckDifferentialTest.Outcome;
import io.qcow2conformance.harness.check.ImageFile;
import io.qcow2conformance.harness.process.ProcessRunner;
import io.qcow2conformance.harness.testkit.Qemu;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Path;
import java.util.Set;

/**
 * Extended L2 entries against the real QEMU (spec: Extended L2 Entries): images made by
 * {@code qemu-img create -o extended_l2=on} over a qcow2 backing file and written by
 * {@code qemu-io} in pieces smaller than a cluster at odd offsets, so that a cluster mixes
 * allocated, zero and backing subclusters. Our {@code convert} must equal
 * {@code qemu-img convert -O raw} and our {@code check} must agree with {@code qemu-img
 * check}; copies with broken entries must give the rule and QEMU's verdict.
 */
class Extl2DifferentialTest {
    @TempDir
    Path dir;

    @BeforeEach
    void tools() {
        Qemu.require("qemu-img");
        Qemu.require("qemu-io");
    }

    /** A 4 MiB overlay with extended L2 entries over a 3 MiB qcow2 backing file full of data. */
    Path overlay(int clusterSize) {
        Path base = dir.resolve("base.qcow2");
        Qemu.img("create", "-q", "-f", "qcow2", "-o", "cluster_size=4096", base.toString(), "3M");
        CheckDifferentialTest.io(base, "write -P 0xa1 0 1m", "write -P 0xa2 1m 2m");
        Path img = dir.resolve("ext.qcow2");
        Qemu.img("create", "-q", "-f", "qcow2", "-o", "extended_l2=on,cluster_size=" + clusterSize, "-F", "qcow2",
                "-b", "base.qcow2", img.toString(), "4M");
        int sub = clusterSize / 32;
        CheckDifferentialTest.io(img,
                "write -P 0x31 " + (sub + 7) + " 1000",            // inside one subcluster, odd offset
                "write -P 0x32 " + (3 * sub - 5) + " " + (2 * sub), // across subcluster edges
                "write -z " + (6 * sub) + " " + (3 * sub),          // zero subclusters over backing data
                "write -P 0x33 " + (clusterSize + 513) + " 777",
                "discard " + (2 * clusterSize) + " " + (4 * sub),
                "write -z 1m " + clusterSize,
                "write -P 0x34 3100k 1536");                        // past the end of the backing file
        return img;
    }

    void assertConvertsLikeQemu(Path img) {
        OurConvert.assertSameAs(Qemu.convertToRaw(img, dir.resolve("qemu.raw"), "-f", "qcow2"), dir, img);
    }

    void assertConvertRefused(Path img, String ruleId) {
        OurConvert.assertRefused(dir, img, ruleId);
    }

    @ParameterizedTest(name = "cluster_size={0}")
    @ValueSource(ints = {16384, 65536, 262144})
    void subclustersMixingDataZerosAndBackingMatchQemu(int clusterSize) {
        Path img = overlay(clusterSize);
        assertConvertsLikeQemu(img);
        Outcome q = CheckDifferentialTest.qemu(img.toString());
        Outcome o = CheckDifferentialTest.ours(img);
        assertEquals(0, q.exitCode(), "qemu-img check: " + q.json());
        assertEquals(0, o.exitCode(), "ours: " + o.json());
        assertEquals(0, o.json().get("findings").size(), o.json().toString());
        assertCountersEqual(q, o, Set.of());
    }

    /** QEMU ignores bit 0 with extended L2 entries (research/qemu-behaviour.md §3): reads agree, its check passes. */
    @Test
    void bit0OfAnEntryIsACorruptionThatReadsIgnore() {
        ImageFile f = new ImageFile(overlay(65536));
        f.putLong(f.l2EntryOffset(0), f.l2Entry(0) | 1);
        assertConvertsLikeQemu(f.path);
        Outcome q = CheckDifferentialTest.qemu(f.path.toString());
        Outcome o = CheckDifferentialTest.ours(f.path);
        assertEquals(0, q.exitCode(), "qemu-img check: " + q.json());
        assertEquals(2, o.exitCode(), "ours: " + o.json());
        assertEquals(Set.of("mapping.extended-l2.zero-flag"), o.rules());
    }

    @Test
    void allocatedAndZeroSubclusterIsUnreadableAndACorruptionForBoth() {
        ImageFile f = new ImageFile(overlay(65536));
        long bitmapAt = f.l2EntryOffset(0) + 8;
        long bitmap = f.readLong(bitmapAt);
        int sc = Long.numberOfTrailingZeros(bitmap); // an allocated subcluster, now also marked zero
        f.putLong(bitmapAt, bitmap | 1L << (32 + sc));
        Outcome q = CheckDifferentialTest.qemu(f.path.toString());
        Outcome o = CheckDifferentialTest.ours(f.path);
        assertEquals(2, q.exitCode(), "qemu-img check: " + q.json());
        assertEquals(2, o.exitCode(), "ours: " + o.json());
        assertEquals(Set.of("mapping.extended-l2.bitmap.alloc-and-zero"), o.rules());
        assertCountersEqual(q, o, Set.of());
        ProcessRunner.Result qc = Qemu.run("qemu-img", "convert", "-O", "raw", f.path.toString(),
                dir.resolve("qemu.raw").toString());
        assertEquals(1, qc.exitCode(), qc.err());
        assertConvertRefused(f.path, "mapping.extended-l2.bitmap.alloc-and-zero");
    }

    /** QEMU's read ignores the bitmap of a compressed cluster and its check flags it (and leaks the cluster). */
    @Test
    void compressedClusterWithABitmapIsACorruptionThatReadsIgnore() {
        Path src = overlay(65536);
        Path c = dir.resolve("c.qcow2");
        Qemu.img("convert", "-q", "-c", "-O", "qcow2", "-o", "extended_l2=on,cluster_size=65536", src.toString(),
                c.toString());
        ImageFile f = new ImageFile(c);
        f.putLong(f.l2EntryOffset(0) + 8, 1);
        assertConvertsLikeQemu(c);
        Outcome q = CheckDifferentialTest.qemu(c.toString());
        Outcome o = CheckDifferentialTest.ours(c);
        assertEquals(q.exitCode(), o.exitCode(), "qemu-img check: " + q.json() + "\nours: " + o.json());
        assertEquals(2, o.exitCode());
        assertTrue(o.rules().contains("mapping.extended-l2.bitmap.compressed"), o.rules().toString());
        assertCountersEqual(q, o, Set.of());
    }

    @Test
    void clustersUnder16KiBAreRefusedLikeQemu() {
        ImageFile f = new ImageFile(overlay(16384));
        f.write(20, new byte[] {0, 0, 0, 13}); // spec: Header, cluster_bits
        ProcessRunner.Result q = Qemu.run("qemu-img", "convert", "-O", "raw", f.path.toString(),
                dir.resolve("qemu.raw").toString());
        assertEquals(1, q.exitCode());
        assertTrue(q.err().contains("Unsupported subcluster size"), q.err());
        assertConvertRefused(f.path, "header.cluster_bits.min-with-extended-l2");
    }
}
