package io.qcow2conformance.harness.convert;

import io.qcow2conformance.harness.process.ProcessRunner;
import io.qcow2conformance.harness.testkit.Cli;
import io.qcow2conformance.harness.testkit.Qemu;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Differential tests of {@code convert}: images made by the real qemu-img/qemu-io, our raw
 * output compared byte for byte with {@code qemu-img convert -O raw}.
 */
class ConvertDifferentialTest {
    @TempDir
    Path dir;

    @BeforeAll
    static void tools() {
        Qemu.require("qemu-img");
        Qemu.require("qemu-io");
    }

    @ParameterizedTest(name = "cluster {0}, compat {1}, refcount_bits {2}")
    @CsvSource({
            "512, 1.1, 1",
            "4096, 0.10, 16",
            "4096, 1.1, 16",
            "65536, 1.1, 64",
            "65536, 0.10, 16",
            "2097152, 1.1, 16",
    })
    void writesZeroWritesAndDiscardsMatchQemu(int clusterSize, String compat, int refcountBits) {
        Path img = dir.resolve("img.qcow2");
        Qemu.img("create", "-q", "-f", "qcow2", "-o",
                "cluster_size=" + clusterSize + ",compat=" + compat + ",refcount_bits=" + refcountBits,
                img.toString(), "5M");
        io(img,
                "write -P 0x11 0 64k",
                "write -P 0x22 1000 3000",          // unaligned, inside already written clusters
                "write -P 0x33 1m 1m",
                "write -P 0x44 2047k 4k",            // straddles a 2 MiB cluster boundary
                "write -z 1200k 400k",               // zero clusters (v3) or written zeros (v2)
                "discard 1536k 256k",
                "write -P 0x55 4m 4096",
                "write -P 0x66 5119k 1k");           // the last KiB of the disk
        assertSameAsQemu(img);
    }

    @ParameterizedTest(name = "compressed: {0}, cluster {1}, compat {2}")
    @CsvSource({
            "zlib, 4096, 1.1",
            "zlib, 65536, 0.10",
            "zlib, 512, 1.1",
            "zstd, 4096, 1.1",
            "zstd, 65536, 1.1",
    })
    void compressedClustersMatchQemu(String type, int clusterSize, String compat) throws IOException {
        Path src = dir.resolve("src.raw");
        writeMixedRaw(src, 3 << 20);
        Path img = dir.resolve("c.qcow2");
        String opts = "cluster_size=" + clusterSize + ",compat=" + compat
                + (type.equals("zstd") ? ",compression_type=zstd" : "");
        Qemu.img("convert", "-q", "-c", "-f", "raw", "-O", "qcow2", "-o", opts, src.toString(), img.toString());
        String info = Qemu.img("info", "-f", "qcow2", img.toString()).out();
        assertTrue(info.contains("compression type: " + type) || compat.equals("0.10"), info);
        assertSameAsQemu(img);
    }

    @Test
    void threeLevelChainWithRelativeNamesAndALargerOverlayMatchesQemu() {
        Path base = dir.resolve("base.qcow2");
        Qemu.img("create", "-q", "-f", "qcow2", "-o", "cluster_size=4096", base.toString(), "3M");
        io(base, "write -P 0xa1 0 1m", "write -P 0xa2 2m 1m");
        Path mid = dir.resolve("mid.qcow2");
        // A relative backing name is stored as given and resolved against the overlay's folder.
        Qemu.img("create", "-q", "-f", "qcow2", "-o", "cluster_size=65536", "-F", "qcow2", "-b", "base.qcow2",
                mid.toString(), "4M");
        io(mid, "write -P 0xb1 512k 256k", "write -z 2m 64k", "write -P 0xb2 3m 4k");
        Path top = dir.resolve("top.qcow2");
        Qemu.img("create", "-q", "-f", "qcow2", "-o", "cluster_size=512", "-F", "qcow2", "-b", "mid.qcow2",
                top.toString(), "6M");
        io(top, "write -P 0xc1 100k 7k", "discard 2100k 4k", "write -P 0xc2 5m 512k");
        assertTrue(Qemu.img("info", top.toString()).out().contains("backing file: mid.qcow2"));
        assertSameAsQemu(top);
    }

    @Test
    void extendedL2SubclustersOverABackingFileMatchQemu() throws IOException {
        Path base = dir.resolve("base.raw");
        writeMixedRaw(base, 3 << 20);
        Path img = dir.resolve("ext.qcow2");
        Qemu.img("create", "-q", "-f", "qcow2", "-o", "extended_l2=on,cluster_size=65536", "-F", "raw",
                "-b", "base.raw", img.toString(), "4M");
        io(img,
                "write -P 0x31 2k 2k",              // one 2 KiB subcluster
                "write -P 0x32 70k 5000",           // unaligned, across subclusters
                "write -z 130k 6k",                 // subclusters reading as zeros over backing data
                "write -P 0x33 1m 64k",
                "discard 1030k 8k",
                "write -z 2m 128k",
                "write -P 0x34 3100k 2k");          // past the end of the backing file
        assertSameAsQemu(img);
        Path c = dir.resolve("ext-c.qcow2");
        Qemu.img("convert", "-q", "-c", "-f", "raw", "-O", "qcow2", "-o", "extended_l2=on,cluster_size=65536",
                base.toString(), c.toString());
        assertSameAsQemu(c);
    }

    @Test
    void rawBackingFileShorterThanTheOverlayMatchesQemu() throws IOException {
        Path base = dir.resolve("base.raw");
        writeMixedRaw(base, (2 << 20) + 4096);
        Path top = dir.resolve("top.qcow2");
        Qemu.img("create", "-q", "-f", "qcow2", "-F", "raw", "-b", "base.raw", top.toString(), "4M");
        io(top, "write -P 0x77 64k 64k", "write -z 1m 64k");
        assertSameAsQemu(top);
    }

    /**
     * The spec gives the virtual size in bytes; QEMU works in 512-byte sectors: qemu-img
     * create rounds a size up to a multiple of 512, and on open QEMU rounds the header's size
     * down (total_sectors = size / 512). So the image is made at 4 MiB + 512 with data up to
     * its end, then its size field is set to 4 MiB + 100. We follow the spec: OUT is 4 MiB +
     * 100 bytes long. QEMU's output is 4 MiB long and must equal our first 4 MiB; our last
     * 100 bytes must be the pattern that qemu-io wrote there.
     */
    @Test
    void unalignedVirtualSizeFollowsTheSpecInBytes() throws IOException {
        Path img = dir.resolve("odd.qcow2");
        Qemu.img("create", "-q", "-f", "qcow2", img.toString(), String.valueOf((4 << 20) + 100));
        io(img, "write -P 0x5a 4032k 64k", "write -P 0x6b 4194304 512");
        long size = (4L << 20) + 100;
        try (RandomAccessFile f = new RandomAccessFile(img.toFile(), "rw")) {
            f.seek(24); // spec: Header, size at byte 24
            f.writeLong(size);
        }
        Path ours = dir.resolve("ours.raw");
        Cli.Result r = Cli.run("convert", img.toString(), ours.toString());
        assertEquals(0, r.exitCode(), r.err());
        byte[] mine = Files.readAllBytes(ours);
        assertEquals(size, mine.length);
        byte[] theirs = Files.readAllBytes(Qemu.convertToRaw(img, dir.resolve("qemu.raw"), "-f", "qcow2"));
        assertEquals(4 << 20, theirs.length);
        assertArrayEquals(theirs, java.util.Arrays.copyOf(mine, theirs.length));
        for (int i = theirs.length; i < mine.length; i++) {
            assertEquals(0x6b, mine[i] & 0xff, "byte " + i);
        }
    }

    @Test
    void dataAcrossTheSegmentsThatWorkersTakeMatchesQemu() {
        // convert hands 16 MiB segments to its worker threads: put data across their edges.
        Path img = dir.resolve("seg.qcow2");
        Qemu.img("create", "-q", "-f", "qcow2", img.toString(), "50M");
        io(img, "write -P 0x81 0 4k", "write -P 0x82 16380k 8k", "write -P 0x83 32m 1m", "write -z 33m 64k",
                "write -P 0x84 49m 1m");
        Path c = dir.resolve("seg-c.qcow2");
        Qemu.img("convert", "-q", "-c", "-f", "qcow2", "-O", "qcow2", img.toString(), c.toString());
        assertSameAsQemu(img);
        assertSameAsQemu(c);
    }

    @Test
    void largeSparseDiskConvertsToASparseFile() {
        Path img = dir.resolve("big.qcow2");
        Qemu.img("create", "-q", "-f", "qcow2", img.toString(), "64G");
        io(img, "write -P 0x42 0 64k", "write -P 0x43 40g 4k");
        Path ours = dir.resolve("ours.raw");
        Cli.Result r = Cli.run("convert", img.toString(), ours.toString());
        assertEquals(0, r.exitCode(), r.err());
        assertEquals(64L << 30, ours.toFile().length());
        ProcessRunner.Result blocks = ProcessRunner.run(List.of("stat", "-c", "%b", ours.toString()), Qemu.TIMEOUT);
        assertTrue(Long.parseLong(blocks.out().strip()) < 1024, "allocated 512-byte blocks: " + blocks.out());
        ProcessRunner.Result cmp = Qemu.run("qemu-img", "compare", "-q", "-f", "qcow2", "-F", "raw", img.toString(),
                ours.toString());
        assertEquals(0, cmp.exitCode(), cmp.out() + cmp.err());
    }

    @Test
    void backingLoopIsRefusedWithoutOutput() {
        Path a = dir.resolve("a.qcow2");
        Path b = dir.resolve("b.qcow2");
        Qemu.img("create", "-q", "-f", "qcow2", a.toString(), "1M");
        Qemu.img("create", "-q", "-f", "qcow2", "-F", "qcow2", "-b", "a.qcow2", b.toString(), "1M");
        Qemu.img("rebase", "-u", "-f", "qcow2", "-F", "qcow2", "-b", "b.qcow2", a.toString());
        assertRefused(b, "backing.chain.loop");
    }

    @Test
    void missingBackingFileIsRefusedWithoutOutput() throws IOException {
        Path base = dir.resolve("gone.qcow2");
        Qemu.img("create", "-q", "-f", "qcow2", base.toString(), "1M");
        Path top = dir.resolve("top.qcow2");
        Qemu.img("create", "-q", "-f", "qcow2", "-F", "qcow2", "-b", "gone.qcow2", top.toString(), "1M");
        Files.delete(base);
        assertRefused(top, "backing.file.readable");
    }

    @Test
    void absoluteBackingPathIsRefusedWithoutOutput() {
        Path base = dir.resolve("abs-base.qcow2");
        Qemu.img("create", "-q", "-f", "qcow2", base.toString(), "1M");
        Path top = dir.resolve("top.qcow2");
        Qemu.img("create", "-q", "-f", "qcow2", "-F", "qcow2", "-b", base.toAbsolutePath().toString(),
                top.toString(), "1M");
        assertRefused(top, "kit.path.outside-image-folder");
        Path ours = dir.resolve("allowed.raw");
        Cli.Result r = Cli.run("convert", "--allow-outside-paths", top.toString(), ours.toString());
        assertEquals(0, r.exitCode(), r.err());
    }

    @Test
    void outMustBeAnotherRegularFile() throws IOException {
        Path img = dir.resolve("u.qcow2");
        Qemu.img("create", "-q", "-f", "qcow2", img.toString(), "1M");
        byte[] before = Files.readAllBytes(img);
        Cli.Result same = Cli.run("convert", img.toString(), img.toString());
        assertEquals(1, same.exitCode(), same.err());
        assertArrayEquals(before, Files.readAllBytes(img));
        Cli.Result folder = Cli.run("convert", img.toString(), dir.toString());
        assertEquals(1, folder.exitCode(), folder.err());
        assertTrue(folder.err().startsWith("qcow2-conformance: error: "), folder.err());
    }

    private void assertRefused(Path img, String ruleId) {
        Path ours = dir.resolve("refused.raw");
        Cli.Result r = Cli.run("convert", img.toString(), ours.toString());
        assertEquals(1, r.exitCode(), r.err());
        String err = r.err().strip();
        assertFalse(err.contains("\n"), err);
        assertTrue(err.contains(ruleId), err);
        assertFalse(Files.exists(ours));
        try (Stream<Path> left = Files.list(dir)) {
            assertTrue(left.noneMatch(p -> p.getFileName().toString().endsWith(".part")), "temporary file left");
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    private void assertSameAsQemu(Path img) {
        Path ours = dir.resolve("ours.raw");
        Cli.Result r = Cli.run("convert", img.toString(), ours.toString());
        assertEquals(0, r.exitCode(), r.err());
        Path theirs = Qemu.convertToRaw(img, dir.resolve("qemu.raw"), "-f", "qcow2");
        try {
            assertEquals(Files.size(theirs), Files.size(ours), "output size");
            assertEquals(-1L, Files.mismatch(theirs, ours), "first differing byte");
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    private static void io(Path img, String... commands) {
        for (String c : commands) {
            Qemu.io("-f", "qcow2", "-c", c, img.toString());
        }
    }

    /** A raw file mixing compressible patterns, random bytes and zero runs. */
    private static void writeMixedRaw(Path file, int size) throws IOException {
        byte[] b = new byte[size];
        Random rnd = new Random(42);
        for (int off = 0; off < size; off += 8192) {
            int kind = (off / 8192) % 4;
            int end = Math.min(size, off + 8192);
            for (int i = off; i < end; i++) {
                b[i] = switch (kind) {
                    case 0 -> (byte) (i / 100);
                    case 1 -> (byte) rnd.nextInt();
                    case 2 -> 0;
                    default -> (byte) (i % 7 == 0 ? rnd.nextInt(4) : 'q');
                };
            }
        }
        Files.write(file, b);
    }
}
