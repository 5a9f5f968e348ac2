package io.qcow2conformance.model.read;

import io.airlift.compress.zstd.ZstdCompressor;
import io.qcow2conformance.model.image.Limits;
import io.qcow2conformance.model.rules.ImageException;
import io.qcow2conformance.model.rules.Rule;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.zip.Deflater;

import static io.qcow2conformance.model.read.TinyImage.concat;
import static io.qcow2conformance.model.read.TinyImage.pattern;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** The read path on hand-built images: expected bytes are what the spec says each entry maps to. */
class Qcow2DiskTest {
    private static final int CS = 512;

    @TempDir
    Path dir;

    /** Reads with a buffer full of 0xEE, so that a byte the reader forgets to write shows. */
    static byte[] read(GuestDisk disk, long offset, int length) {
        byte[] b = new byte[length];
        Arrays.fill(b, (byte) 0xEE);
        ByteBuffer buf = ByteBuffer.wrap(b);
        disk.read(offset, buf);
        assertEquals(length, buf.position());
        return b;
    }

    static byte[] readAll(GuestDisk disk) {
        return read(disk, 0, (int) disk.size());
    }

    private Qcow2Disk open(Path p) {
        return BackingChain.open(p, Limits.DEFAULT);
    }

    private static ImageException fails(Rule rule, Runnable r) {
        ImageException e = assertThrows(ImageException.class, r::run);
        assertEquals(rule, e.rule(), e.getMessage());
        return e;
    }

    @Test
    void unallocatedWithoutBackingReadsZerosAndDataReadsHostBytes() throws IOException {
        TinyImage t = new TinyImage(9, 8 * CS);
        byte[] c2 = pattern(CS, 2);
        byte[] c3 = pattern(CS, 3);
        t.data(2, c2);
        t.data(3, c3);
        try (Qcow2Disk d = open(t.write(dir, "a.qcow2"))) {
            byte[] all = readAll(d);
            byte[] expected = concat(new byte[2 * CS], c2, c3, new byte[4 * CS]);
            assertArrayEquals(expected, all);
            assertArrayEquals(Arrays.copyOfRange(expected, 700, 1900), read(d, 700, 1200));
            assertEquals(2 * CS, d.holeLength(0, d.size()));
            assertEquals(0, d.holeLength(2 * CS, d.size() - 2 * CS));
            assertEquals(4 * CS, d.holeLength(4 * CS, d.size() - 4 * CS));
        }
    }

    @Test
    void zeroFlagReadsZerosAndHidesTheBackingFile() throws IOException {
        TinyImage base = new TinyImage(9, 4 * CS);
        for (int c = 0; c < 4; c++) {
            base.data(c, pattern(CS, 10 + c));
        }
        base.write(dir, "base.qcow2");
        TinyImage top = new TinyImage(9, 4 * CS);
        top.backingName = "base.qcow2";
        top.backingFormat = "qcow2";
        top.setL2(1, 1L);                               // zero, plain
        long pre = top.data(2, pattern(CS, 99));
        top.setL2(2, pre | 1L);                          // zero, preallocated: the stale data must not show
        try (Qcow2Disk d = open(top.write(dir, "top.qcow2"))) {
            byte[] expected = concat(pattern(CS, 10), new byte[2 * CS], pattern(CS, 13));
            assertArrayEquals(expected, readAll(d));
            assertEquals(0, d.holeLength(0, d.size()));
            assertEquals(2 * CS, d.holeLength(CS, d.size() - CS));
        }
    }

    @Test
    void zeroFlagInVersion2IsAnError() throws IOException {
        TinyImage t = new TinyImage(9, 4 * CS);
        t.version = 2;
        t.setL2(1, 1L);
        try (Qcow2Disk d = open(t.write(dir, "v2.qcow2"))) {
            read(d, 0, CS); // cluster 0 is unallocated and still readable
            fails(Rule.MAPPING_L2_ZERO_FLAG_V2, () -> read(d, CS, CS));
        }
    }

    @Test
    void backingFileSmallerThanTheImageReadsZerosBeyondItsEnd() throws IOException {
        TinyImage base = new TinyImage(9, 2 * CS);
        base.data(0, pattern(CS, 1));
        base.data(1, pattern(CS, 2));
        base.write(dir, "base.qcow2");
        TinyImage top = new TinyImage(9, 5 * CS);
        top.backingName = "base.qcow2";             // no format extension: probed as qcow2
        top.data(4, pattern(CS, 5));
        try (Qcow2Disk d = open(top.write(dir, "top.qcow2"))) {
            byte[] expected = concat(pattern(CS, 1), pattern(CS, 2), new byte[2 * CS], pattern(CS, 5));
            assertArrayEquals(expected, readAll(d));
            assertEquals(2 * CS, d.holeLength(2 * CS, 3 * CS));
        }
    }

    @Test
    void rawBackingFileIsGuestDataNamedOrProbed() throws IOException {
        byte[] raw = pattern(CS + 100, 7);
        Files.write(dir.resolve("base.img"), raw);
        for (String format : new String[] {"raw", null}) {
            TinyImage top = new TinyImage(9, 3 * CS);
            top.backingName = "base.img";
            top.backingFormat = format;
            try (Qcow2Disk d = open(top.write(dir, "top-" + format + ".qcow2"))) {
                assertArrayEquals(concat(raw, new byte[3 * CS - raw.length]), readAll(d));
            }
        }
    }

    @Test
    void dataClusterPartlyPastTheEndOfTheFileReadsZerosForTheTail() throws IOException {
        TinyImage t = new TinyImage(9, 2 * CS);
        t.setL2(0, 0); // the L2 table first, so that cutting the file cuts only the data
        byte[] c = pattern(CS, 4);
        long host = t.data(1, c);
        t.truncate((int) host + 200);
        try (Qcow2Disk d = open(t.write(dir, "short.qcow2"))) {
            byte[] expected = concat(new byte[CS], Arrays.copyOf(c, 200), new byte[CS - 200]);
            assertArrayEquals(expected, readAll(d));
        }
    }

    @Test
    void mappingFaultsNameTheirRules() throws IOException {
        TinyImage t = new TinyImage(9, 4 * CS);
        t.data(0, pattern(CS, 1));
        t.setL2(1, (t.fileLength() + 10L * CS) | (1L << 63));   // past the end of the file
        try (Qcow2Disk d = open(t.write(dir, "bad.qcow2"))) {
            assertArrayEquals(pattern(CS, 1), read(d, 0, CS));
            fails(Rule.MAPPING_DATA_CLUSTER_IN_FILE, () -> read(d, CS, 1));
        }
        // With 512-byte clusters bits 0-8 are not part of the offset: use 4 KiB clusters.
        TinyImage w = new TinyImage(12, 4 * 4096);
        w.data(0, pattern(4096, 1));
        w.setL2(1, (2L * 4096 + 1024) | (1L << 63));
        w.setL2(2, (2L * 4096 + 512) | 1L);               // a preallocated zero cluster is checked too
        try (Qcow2Disk d = open(w.write(dir, "unaligned.qcow2"))) {
            fails(Rule.MAPPING_L2_ENTRY_ALIGNED, () -> read(d, 4096, 1));
            fails(Rule.MAPPING_L2_ENTRY_ALIGNED, () -> read(d, 2 * 4096, 1));
        }
        TinyImage u = new TinyImage(12, 4 * 4096);
        u.setL1(0, 3L * 4096 + 512);
        try (Qcow2Disk d = open(u.write(dir, "badl1.qcow2"))) {
            fails(Rule.MAPPING_L1_ENTRY_ALIGNED, () -> read(d, 0, 1));
        }
        TinyImage v = new TinyImage(9, 4 * CS);
        v.setL1(0, 1L << 40);
        try (Qcow2Disk d = open(v.write(dir, "farl2.qcow2"))) {
            fails(Rule.MAPPING_L2_TABLE_IN_FILE, () -> read(d, 0, 1));
        }
    }

    @Test
    void guestClustersPastTheL1TableReadAsZerosAndRangesPastTheSizeAreRejected() throws IOException {
        // 512-byte clusters: one L2 table maps 64 clusters, so this disk needs two L1 entries.
        TinyImage t = new TinyImage(9, 100 * CS);
        byte[] c = pattern(CS, 8);
        t.data(99, c);
        Path p = t.write(dir, "l1.qcow2");
        try (Qcow2Disk d = open(p)) {
            assertArrayEquals(c, read(d, 99L * CS, CS));
            assertThrows(IndexOutOfBoundsException.class, () -> read(d, 99L * CS + 1, CS));
            assertThrows(IndexOutOfBoundsException.class, () -> read(d, -1, 1));
        }
        try (var f = java.nio.channels.FileChannel.open(p, java.nio.file.StandardOpenOption.WRITE)) {
            f.write(ByteBuffer.allocate(4).putInt(0, 1), 36); // l1_size 1: cluster 99 is no longer mapped
        }
        try (Qcow2Disk d = open(p)) {
            assertArrayEquals(new byte[CS], read(d, 99L * CS, CS));
            assertEquals(36L * CS, d.holeLength(64L * CS, 100L * CS));
        }
    }

    @Test
    void aVirtualSizeNear2To63ReadsWithoutOverflow() throws IOException {
        TinyImage t = new TinyImage(9, 4 * CS);
        byte[] c = pattern(CS, 6);
        t.data(0, c);
        Path p = t.write(dir, "huge.qcow2");
        try (var f = java.nio.channels.FileChannel.open(p, java.nio.file.StandardOpenOption.WRITE)) {
            f.write(ByteBuffer.allocate(8).putLong(0, Long.MAX_VALUE), 24); // spec: Header, size
        }
        try (Qcow2Disk d = open(p)) {
            assertEquals(Long.MAX_VALUE, d.size());
            assertArrayEquals(c, read(d, 0, CS));
            assertArrayEquals(new byte[1000], read(d, Long.MAX_VALUE - 1000, 1000));
            assertEquals(Long.MAX_VALUE - CS, d.holeLength(CS, Long.MAX_VALUE));
        }
    }

    @Test
    void deflateClustersDecompressAndTrailingBytesAreIgnored() throws IOException {
        TinyImage t = new TinyImage(12, 3 * 4096);
        byte[] c0 = pattern(4096, 21);
        byte[] c2 = new byte[4096];
        Arrays.fill(c2, 1000, 3000, (byte) 9);
        t.alignEnd();
        t.appendBytes(new byte[100]); // compressed data need not be sector aligned
        long h0 = t.appendBytes(deflate(c0));
        t.setL2(0, t.compressedEntry(h0, (int) (t.fileLength() - h0)));
        byte[] z2 = deflate(c2);
        long h2 = t.appendBytes(concat(z2, pattern(300, 5))); // garbage after the stream
        t.setL2(2, t.compressedEntry(h2, z2.length));
        t.truncate(t.fileLength() - 250); // the last sector named reaches past the end of the file
        try (Qcow2Disk d = open(t.write(dir, "deflate.qcow2"))) {
            assertArrayEquals(concat(c0, new byte[4096], c2), readAll(d));
            assertArrayEquals(Arrays.copyOfRange(c0, 5, 4000), read(d, 5, 3995));
            assertEquals(0, d.holeLength(2 * 4096, 4096));
        }
    }

    @Test
    void zstdClustersDecompressOnlyTheirFrame() throws IOException {
        TinyImage t = new TinyImage(12, 2 * 4096);
        t.compressionType = 1;
        byte[] c0 = pattern(4096, 31);
        byte[] z0 = zstd(c0);
        long h0 = t.appendBytes(concat(z0, zstd(pattern(4096, 32)))); // a second frame follows
        t.setL2(0, t.compressedEntry(h0, z0.length + 40));
        byte[] c1 = new byte[4096];
        Arrays.fill(c1, (byte) 'z');
        byte[] z1 = zstd(c1);
        long h1 = t.appendBytes(concat(z1, new byte[] {1, 2, 3, 4, 5, 6, 7}));
        t.setL2(1, t.compressedEntry(h1, z1.length + 7));
        try (Qcow2Disk d = open(t.write(dir, "zstd.qcow2"))) {
            assertArrayEquals(concat(c0, c1), readAll(d));
        }
    }

    @Test
    void compressedDataThatIsNotOneWholeClusterIsAnError() throws IOException {
        TinyImage t = new TinyImage(12, 4 * 4096);
        byte[] half = deflate(pattern(2048, 1));
        long h0 = t.appendBytes(half);
        t.setL2(0, t.compressedEntry(h0, half.length));
        long h1 = t.appendBytes(pattern(600, 2));
        t.setL2(1, t.compressedEntry(h1, 600));
        t.setL2(2, t.compressedEntry(1L << 30, 100));
        byte[] longer = deflate(pattern(8192, 3)); // deflate: decoding stops at one cluster, as in QEMU
        long h3 = t.appendBytes(longer);
        t.setL2(3, t.compressedEntry(h3, longer.length));
        try (Qcow2Disk d = open(t.write(dir, "badz.qcow2"))) {
            fails(Rule.MAPPING_COMPRESSED_DATA, () -> read(d, 0, 1));
            fails(Rule.MAPPING_COMPRESSED_DATA, () -> read(d, 4096, 1));
            fails(Rule.MAPPING_COMPRESSED_IN_FILE, () -> read(d, 2 * 4096, 1));
            assertArrayEquals(Arrays.copyOf(pattern(8192, 3), 4096), read(d, 3 * 4096, 4096));
        }
        TinyImage z = new TinyImage(12, 3 * 4096);
        z.compressionType = 1;
        byte[] big = zstd(pattern(8192, 4)); // zstd: a frame larger than a cluster is an error
        long g0 = z.appendBytes(big);
        z.setL2(0, z.compressedEntry(g0, big.length));
        byte[] small = zstd(pattern(1000, 5));
        long g1 = z.appendBytes(small);
        z.setL2(1, z.compressedEntry(g1, small.length));
        byte[] cut = zstd(pattern(4096, 6));
        long g2 = z.appendBytes(Arrays.copyOf(cut, cut.length - 5));
        z.setL2(2, z.compressedEntry(g2, cut.length - 5));
        try (Qcow2Disk d = open(z.write(dir, "badzstd.qcow2"))) {
            fails(Rule.MAPPING_COMPRESSED_DATA, () -> read(d, 0, 1));
            fails(Rule.MAPPING_COMPRESSED_DATA, () -> read(d, 4096, 1));
            fails(Rule.MAPPING_COMPRESSED_DATA, () -> read(d, 2 * 4096, 1));
        }
    }

    @Test
    void extendedL2SubclustersFollowTheirBitmap() throws IOException {
        int cs = 16384;
        int sub = cs / 32;
        Files.write(dir.resolve("under.raw"), pattern(3 * cs, 77));
        TinyImage t = new TinyImage(14, 3 * cs, true);
        t.backingName = "under.raw";
        t.backingFormat = "raw";
        byte[] data = pattern(cs, 5);
        t.alignEnd();
        long host = t.appendCluster(data);
        // Cluster 0: subclusters 0-3 allocated, 4-5 read as zeros, the rest from the backing file.
        // Bit 0 of the entry is set: with extended L2 entries it is not a zero flag.
        t.setL2(0, host | (1L << 63) | 1L, 0xfL | (0x30L << 32));
        // Cluster 1: no host offset; subcluster 31 reads as zeros, the rest from the backing file.
        t.setL2(1, 0, 1L << 63);
        // Cluster 2: compressed; its bitmap is unused.
        byte[] c2 = pattern(cs, 9);
        byte[] z = deflate(c2);
        long zh = t.appendBytes(z);
        t.setL2(2, t.compressedEntry(zh, z.length), 0);
        byte[] under = pattern(3 * cs, 77);
        byte[] expected = Arrays.copyOf(under, 3 * cs);
        System.arraycopy(data, 0, expected, 0, 4 * sub);
        Arrays.fill(expected, 4 * sub, 6 * sub, (byte) 0);
        Arrays.fill(expected, 2 * cs - sub, 2 * cs, (byte) 0);
        System.arraycopy(c2, 0, expected, 2 * cs, cs);
        try (Qcow2Disk d = open(t.write(dir, "extl2.qcow2"))) {
            assertArrayEquals(expected, readAll(d));
            assertArrayEquals(Arrays.copyOfRange(expected, 3 * sub + 7, 5 * sub), read(d, 3 * sub + 7, 2 * sub - 7));
            assertEquals(2 * sub, d.holeLength(4 * sub, cs));
        }
        TinyImage bad = new TinyImage(14, 2 * cs, true);
        long h = bad.data(0, data);
        bad.setL2(0, h | (1L << 63), 0x1L | (0x1L << 32));
        bad.setL2(1, 0, 0x2L);
        try (Qcow2Disk d = open(bad.write(dir, "badextl2.qcow2"))) {
            fails(Rule.MAPPING_SUBCLUSTER_ALLOC_AND_ZERO, () -> read(d, 5 * sub, 1));
            fails(Rule.MAPPING_SUBCLUSTER_UNALLOCATED_CLUSTER, () -> read(d, cs, 1));
        }
    }

    static byte[] deflate(byte[] data) {
        Deflater d = new Deflater(Deflater.DEFAULT_COMPRESSION, true);
        d.setInput(data);
        d.finish();
        byte[] out = new byte[data.length * 2 + 64];
        int n = d.deflate(out);
        d.end();
        return Arrays.copyOf(out, n);
    }

    static byte[] zstd(byte[] data) {
        ZstdCompressor c = new ZstdCompressor();
        byte[] out = new byte[c.maxCompressedLength(data.length)];
        int n = c.compress(data, 0, data.length, out, 0, out.length);
        return Arrays.copyOf(out, n);
    }
}
