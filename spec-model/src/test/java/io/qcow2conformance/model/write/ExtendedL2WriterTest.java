package io.qcow2conformance.model.write;

import io.qcow2conformance.model.check.CheckReport;
import io.qcow2conformance.model.check.ImageChecker;
import io.qcow2conformance.model.image.Limits;
import io.qcow2conformance.model.io.BigEndian;
import io.qcow2conformance.model.read.BackingChain;
import io.qcow2conformance.model.read.Qcow2Disk;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * Extended L2 entries in the writer (spec: Extended L2 Entries). The stored bytes are
 * checked against values worked out by hand from the spec (incompatible bit 4, 16-byte
 * entries, bits 0-31 allocated and 32-63 zero per subcluster); the expected guest content
 * against the pattern at subcluster granularity; then the model's own reader and checker
 * must agree with both (QEMU is compared in harness/write/WriterDifferentialTest).
 */
class ExtendedL2WriterTest {
    private static final int CB = 14;
    private static final long CS = 1L << CB;
    private static final long SC = CS / 32;

    @TempDir
    Path dir;

    /** Cluster 0 mixed, 1 all data, 2 all zero (no host), 3 compressed, 4 zero on a preallocated host, 5 unallocated. */
    static ImageDescription.Builder mixed() {
        return ImageDescription.builder().clusterBits(CB).virtualSize(6 * CS).extendedL2(true)
                .write(0, 4 * SC)                 // subclusters 0-3 allocated
                .zero(8 * SC, 2 * SC, false)      // 8-9 zero; the rest unallocated
                .write(CS, CS)
                .zero(2 * CS, CS, false)
                .writeCompressed(3 * CS, CS)
                .zero(4 * CS, CS, true);
    }

    @Test
    void entriesAreSixteenBytesWithTheBitmapsTheSpecDefines() throws IOException {
        Path p = dir.resolve("x.qcow2");
        Layout layout = Qcow2Writer.write(mixed().build(), p);
        byte[] img = Files.readAllBytes(p);
        assertEquals(1L << 4, BigEndian.u64(img, 72) & (1L << 4), "incompatible bit 4");
        assertEquals(1, BigEndian.u32(img, 36), "l1_size: 6 clusters fit one table of 1024 entries");
        long l2 = BigEndian.u64(img, (int) BigEndian.u64(img, 40)) & 0x00fffffffffffe00L;
        long[] bitmaps = {0xfL | 0x300L << 32, 0xffffffffL, 0xffffffffL << 32, 0, 0xffffffffL << 32, 0};
        for (int c = 0; c < bitmaps.length; c++) {
            assertEquals(l2 + 16L * c, layout.region(Layout.l2Entry(c)).offset(), "entry " + c);
            assertEquals(l2 + 16L * c + 8, layout.region(Layout.l2Bitmap(c)).offset(), "bitmap " + c);
            assertEquals(bitmaps[c], BigEndian.u64(img, (int) (l2 + 16L * c + 8)), "bitmap of cluster " + c);
        }
        long e0 = BigEndian.u64(img, (int) l2);
        assertEquals(1L << 63, e0 & (1L << 63), "copied flag on a cluster with refcount 1");
        assertEquals(0, e0 & 1, "bit 0 is never set with extended L2 entries");
        assertEquals(0, BigEndian.u64(img, (int) (l2 + 32)), "an all-zero cluster without a host cluster has entry 0");
        assertEquals(1L << 62, BigEndian.u64(img, (int) (l2 + 48)) & (3L << 62), "compressed, not copied");
        long host4 = BigEndian.u64(img, (int) (l2 + 64)) & 0x00fffffffffffe00L;
        assertEquals(layout.region(Layout.data(4)).offset(), host4, "preallocated zero cluster keeps its host cluster");
        assertEquals(1024, layout.l2Entries(), "16-byte entries: 1024 per 16 KiB table");
        // every subcluster of a host cluster holds the pattern, so a reader ignoring the bitmap is caught
        byte[] want = new byte[(int) CS];
        GuestPattern.fill(0, 0, want, 0, (int) CS);
        int d0 = (int) layout.region(Layout.data(0)).offset();
        assertArrayEquals(want, Arrays.copyOfRange(img, d0, d0 + (int) CS));
    }

    @Test
    void guestContentFollowsEachSubcluster() {
        ImageDescription base = ImageDescription.builder().clusterBits(12).virtualSize(6 * CS).layer(1)
                .write(0, 6 * CS).build();
        for (ImageDescription d : new ImageDescription[] {mixed().build(),
                mixed().layer(2).backing("base.qcow2", base).build()}) {
            int below = d.backing() == null ? -1 : 1;
            GuestContent g = GuestContent.of(d);
            byte[] got = new byte[(int) CS];
            g.read(0, got, 0, got.length);
            for (int i = 0; i < 32; i++) {
                byte[] want = new byte[(int) SC];
                if (i < 4) {
                    GuestPattern.fill(i * SC, d.layer(), want, 0, want.length);
                } else if ((i < 8 || i >= 10) && below >= 0) { // 4-7 and 10-31 are unallocated
                    GuestPattern.fill(i * SC, below, want, 0, want.length);
                }
                assertArrayEquals(want, Arrays.copyOfRange(got, (int) (i * SC), (int) ((i + 1) * SC)), "subcluster " + i);
            }
        }
    }

    @Test
    void theModelReadsAndChecksWhatWasWritten() throws IOException {
        ImageDescription base = ImageDescription.builder().clusterBits(12).virtualSize(6 * CS).layer(1)
                .write(0, 6 * CS).build();
        ImageDescription[] all = {
            mixed().build(),
            mixed().layer(2).backing("base.qcow2", base).build(),
            ImageDescription.builder().clusterBits(16).virtualSize(3 << 16).extendedL2(true).refcountOrder(0)
                    .write(0, 3 << 16).discard(1 << 16, 1 << 15).zero((1 << 16) + (1 << 15), 1 << 11, false).build(),
        };
        for (ImageDescription d : all) {
            Path p = dir.resolve("x" + d.clusterBits() + d.layer() + ".qcow2");
            assertWrittenCleanAndReadAsComputed(d, p);
        }
    }

    /** Writes {@code d} (and its backing file) to {@code p}: the model's checker finds it clean, its reader reads {@link GuestContent}. */
    private static void assertWrittenCleanAndReadAsComputed(ImageDescription d, Path p) throws IOException {
        Qcow2Writer.writeChain(d, p);
        assertEquals(CheckReport.Verdict.CLEAN, new ImageChecker(Limits.DEFAULT).check(p).verdict());
        byte[] want;
        try (InputStream in = GuestContent.of(d).stream()) {
            want = in.readAllBytes();
        }
        ByteBuffer got = ByteBuffer.allocate((int) d.virtualSize());
        try (Qcow2Disk disk = BackingChain.open(p, Limits.DEFAULT)) {
            disk.read(0, got);
        }
        assertArrayEquals(want, got.array());
    }

    /** One operation on subclusters {@code first} to {@code first + count - 1} of a guest cluster (kind 3: compressed, whole cluster). */
    record Op(int kind, int cluster, int first, int count) {
    }

    @Provide
    Arbitrary<List<Op>> ops() {
        Arbitrary<Op> op = Combinators.combine(Arbitraries.integers().between(0, 3), Arbitraries.integers().between(0, 3),
                Arbitraries.integers().between(0, 31), Arbitraries.integers().between(1, 32))
                .as((k, c, f, n) -> new Op(k, c, f, Math.min(n, 32 - f)));
        return op.list().ofMaxSize(12);
    }

    /**
     * Any sequence of subcluster writes, zeros, discards and compressed clusters, over a
     * backing file or not, gives an image the model's checker finds clean and its reader
     * reads as {@link GuestContent} computes.
     */
    @Property(tries = 40)
    void anySequenceOfSubclusterOperationsReadsAsComputed(@ForAll("ops") List<Op> ops, @ForAll boolean backing)
            throws IOException {
        ImageDescription.Builder b = ImageDescription.builder().clusterBits(CB).virtualSize(4 * CS).extendedL2(true);
        if (backing) {
            b.layer(2).backing("base.qcow2", ImageDescription.builder().clusterBits(12).virtualSize(3 * CS).layer(1)
                    .write(100, 3 * CS - 200).build());
        }
        for (Op op : ops) {
            long at = op.cluster() * CS + op.first() * SC;
            switch (op.kind()) {
                case 0 -> b.write(at, op.count() * SC);
                case 1 -> b.zero(at, op.count() * SC, op.first() % 2 == 0);
                case 2 -> b.discard(at, op.count() * SC);
                default -> b.writeCompressed(op.cluster() * CS, CS);
            }
        }
        ImageDescription d = b.build();
        Path p = Files.createTempDirectory("xl2-property").resolve("x.qcow2");
        try {
            assertWrittenCleanAndReadAsComputed(d, p);
        } finally {
            Files.deleteIfExists(p.resolveSibling("base.qcow2"));
            Files.deleteIfExists(p);
            Files.delete(p.getParent());
        }
    }

    @Test
    void descriptionsNoValidImageHasAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> mixed().clusterBits(13).build(), "subclusters under 512 bytes");
        assertThrows(IllegalArgumentException.class, () -> ImageDescription.builder().version(2).clusterBits(CB)
                .extendedL2(true).build());
        assertThrows(IllegalArgumentException.class, () -> mixed().write(CS * 5, 100).build(), "part of a subcluster");
        assertThrows(IllegalArgumentException.class, () -> mixed().share(5, 1).build());
    }
}
