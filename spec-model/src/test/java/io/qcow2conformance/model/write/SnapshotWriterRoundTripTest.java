package io.qcow2conformance.model.write;

import io.qcow2conformance.model.check.CheckReport;
import io.qcow2conformance.model.check.ImageChecker;
import io.qcow2conformance.model.crypto.Secret;
import io.qcow2conformance.model.image.Limits;
import io.qcow2conformance.model.image.Qcow2Image;
import io.qcow2conformance.model.io.BigEndian;
import io.qcow2conformance.model.mapping.L2Entry;
import io.qcow2conformance.model.read.BackingChain;
import io.qcow2conformance.model.read.GuestDisk;
import io.qcow2conformance.model.read.OpenOptions;
import io.qcow2conformance.model.snapshot.Snapshot;
import io.qcow2conformance.model.snapshot.SnapshotDisk;
import io.qcow2conformance.model.snapshot.SnapshotEntryField;
import io.qcow2conformance.model.snapshot.SnapshotTable;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Internal snapshots written by {@link Qcow2Writer}, read back by the model: the image checks
 * clean (refcounts of shared clusters exact), each snapshot reads as the pattern of the
 * operations before it, the active image as all of them, and the entry fields and shared
 * clusters are as the spec describes (spec: Snapshots; Cluster mapping, copied flag).
 */
class SnapshotWriterRoundTripTest {
    private static final int CLUSTER = 512;

    @TempDir
    Path dir;

    @Provide
    Arbitrary<List<Integer>> steps() {
        // each step: -1 takes a snapshot; n >= 0 writes guest cluster n % 16, 100 + n zeroes it,
        // 200 + n writes it compressed
        return Arbitraries.oneOf(Arbitraries.just(-1), Arbitraries.integers().between(0, 15),
                Arbitraries.integers().between(100, 115), Arbitraries.integers().between(200, 215)).list().ofMaxSize(12);
    }

    @Property(tries = 40)
    void everySnapshotReadsAsTheOperationsBeforeIt(@ForAll("steps") List<Integer> steps,
                                                   @ForAll boolean version2) throws IOException {
        ImageDescription.Builder b = ImageDescription.builder().version(version2 ? 2 : 3).clusterBits(9)
                .virtualSize(16 * CLUSTER).write(100, 700);
        int n = 0;
        for (int s : steps) {
            if (s < 0) {
                n++;
                b.snapshot(String.valueOf(n), "s" + n, 1 + n);
            } else if (s < 100) {
                b.write((long) s * CLUSTER, CLUSTER);
            } else if (s >= 200) {
                b.writeCompressed((long) (s - 200) * CLUSTER, CLUSTER);
            } else if (!version2) {
                b.zero((long) (s - 100) * CLUSTER, CLUSTER, s % 2 == 0);
            }
        }
        writeAndRoundTrip(b.build());
    }

    /** Writes {@code d} to a temporary folder of its own (jqwik does not inject @TempDir) and checks the round trip. */
    private static void writeAndRoundTrip(ImageDescription d) throws IOException {
        Path tmp = Files.createTempDirectory("snapshot-roundtrip");
        Path p = tmp.resolve("s.qcow2");
        try {
            Qcow2Writer.write(d, p);
            assertRoundTrip(d, p);
        } finally {
            Files.deleteIfExists(p);
            Files.delete(tmp);
        }
    }

    @Provide
    Arbitrary<List<Integer>> subclusterSteps() {
        // before the first snapshot, n in 0..127 writes subcluster n % 32 of guest cluster n / 32, 200 + n zeroes it;
        // -1 takes a snapshot; after one, the same numbers act on the whole cluster; 400 + c compresses cluster c
        return Arbitraries.oneOf(Arbitraries.just(-1), Arbitraries.integers().between(0, 127),
                Arbitraries.integers().between(200, 327), Arbitraries.integers().between(400, 403)).list().ofMaxSize(10);
    }

    /** The same with extended L2 entries (spec: Extended L2 Entries): each table keeps its own subcluster bitmaps. */
    @Property(tries = 15)
    void everySnapshotKeepsItsSubclusters(@ForAll("subclusterSteps") List<Integer> steps) throws IOException {
        long cs = 1L << ExtendedL2.MIN_CLUSTER_BITS;
        long sc = cs / ExtendedL2.SUBCLUSTERS;
        ImageDescription.Builder b = ImageDescription.builder().clusterBits(ExtendedL2.MIN_CLUSTER_BITS)
                .virtualSize(4 * cs).extendedL2(true);
        int n = 0;
        for (int s : steps) {
            if (s < 0) {
                n++;
                b.snapshot(String.valueOf(n), "s" + n, 1 + n);
            } else if (s >= 400) {
                b.writeCompressed((s - 400) * cs, cs);
            } else {
                int k = s % 200;
                long offset = n == 0 ? k * sc : k / ExtendedL2.SUBCLUSTERS * cs;
                long length = n == 0 ? sc : cs;
                if (s < 200) {
                    b.write(offset, length);
                } else {
                    b.zero(offset, length, false);
                }
            }
        }
        writeAndRoundTrip(b.build());
    }

    @Test
    void extraDataFieldsAndOwnVirtualSizeAreStoredAsDescribed() throws IOException {
        ImageDescription d = ImageDescription.builder().clusterBits(9).virtualSize(8 * CLUSTER).write(0, 2 * CLUSTER)
                .snapshot(InternalSnapshot.of("1", "small", 1, 2).withVirtualSize(3 * CLUSTER))
                .write(CLUSTER, CLUSTER)
                .snapshot(InternalSnapshot.of("7", "extra", 2, 3).withExtraData(40))
                .snapshot(InternalSnapshot.of("8", "sixteen", 2, 3).withExtraData(16).withVirtualSize(20 * CLUSTER))
                .build();
        Path p = dir.resolve("x.qcow2");
        Layout layout = Qcow2Writer.write(d, p);
        assertRoundTrip(d, p);
        try (Qcow2Image img = Qcow2Image.open(p, Limits.DEFAULT)) {
            SnapshotTable t = SnapshotDisk.table(img);
            assertEquals(layout.region(Layout.SNAPSHOT_TABLE).offset(), t.offset());
            assertEquals(0, t.offset() % CLUSTER, "spec: Header, snapshots_offset is cluster aligned");
            Snapshot small = t.entries().get(0);
            assertEquals(3 * CLUSTER, small.virtualDiskSize().orElseThrow());
            assertEquals(-1L, small.icount().orElseThrow(), "no icount, as QEMU writes");
            assertEquals(0, small.vmStateSize());
            Snapshot extra = t.entries().get(1);
            assertEquals(40, extra.extraDataSize());
            byte[] unknown = new byte[16];
            java.util.Arrays.fill(unknown, InternalSnapshot.UNKNOWN_EXTRA_BYTE);
            assertArrayEquals(unknown, extra.unknownExtraData());
            assertEquals(8 * CLUSTER, extra.virtualDiskSize().orElseThrow());
            Snapshot sixteen = t.entries().get(2);
            assertTrue(sixteen.icount().isEmpty());
            // spec: the virtual disk size is extra data bytes 48-55 of the entry; 16 bytes hold no icount
            assertEquals(sixteen.entryOffset() + 48,
                    layout.region(Layout.snapshotEntryField(2, SnapshotEntryField.DISK_SIZE)).offset());
            assertTrue(layout.find(Layout.snapshotEntryField(2, SnapshotEntryField.ICOUNT)).isEmpty());
            assertEquals(1, sixteen.l1Size());
            for (int i = 0; i < 3; i++) {
                Snapshot s = t.entries().get(i);
                assertEquals(layout.region(Layout.snapshotEntry(i)).offset(), s.entryOffset());
                assertEquals(0, s.entryOffset() % 8, "spec: entries are 8-byte aligned");
                assertEquals(layout.region(Layout.snapshotL1Table(i)).offset(), s.l1TableOffset());
            }
        }
    }

    @Test
    void anUnchangedClusterIsSharedWithRefcountTwoAndNoCopiedFlag() throws IOException {
        ImageDescription d = ImageDescription.builder().clusterBits(9).virtualSize(4 * CLUSTER).write(0, 2 * CLUSTER)
                .snapshot("1", "s", 2).write(CLUSTER, CLUSTER).build();
        Path p = dir.resolve("shared.qcow2");
        Layout layout = Qcow2Writer.write(d, p);
        byte[] img = Files.readAllBytes(p);
        long kept = BigEndian.u64(img, (int) layout.region(Layout.l2Entry(0)).offset());
        long rewritten = BigEndian.u64(img, (int) layout.region(Layout.l2Entry(1)).offset());
        assertEquals(0, kept & L2Entry.COPIED, "a shared cluster has no copied flag in the active table");
        assertEquals(2, layout.refcount((kept & L2Entry.OFFSET_MASK) / CLUSTER));
        assertEquals(L2Entry.COPIED, rewritten & L2Entry.COPIED);
        assertEquals(1, layout.refcount((rewritten & L2Entry.OFFSET_MASK) / CLUSTER));
        long snapshotL1 = layout.region(Layout.snapshotL1Table(0)).offset();
        long snapshotL2 = BigEndian.u64(img, (int) snapshotL1) & L2Entry.OFFSET_MASK;
        assertEquals(kept & L2Entry.OFFSET_MASK, BigEndian.u64(img, (int) snapshotL2) & L2Entry.OFFSET_MASK);
        assertNotEquals(rewritten & L2Entry.OFFSET_MASK, BigEndian.u64(img, (int) snapshotL2 + 8) & L2Entry.OFFSET_MASK);
        assertRoundTrip(d, p);
        // guest cluster 1: layer 0 in the snapshot, layer 2 (written after it) in the active image
        byte[] layer0 = new byte[CLUSTER];
        byte[] layer2 = new byte[CLUSTER];
        GuestPattern.fill(CLUSTER, 0, layer0, 0, CLUSTER);
        GuestPattern.fill(CLUSTER, 2, layer2, 0, CLUSTER);
        try (GuestDisk snap = SnapshotDisk.open(p, Limits.DEFAULT, "s").orElseThrow();
             GuestDisk active = BackingChain.open(p, Limits.DEFAULT)) {
            assertArrayEquals(layer0, java.util.Arrays.copyOfRange(readAll(snap), CLUSTER, 2 * CLUSTER));
            assertArrayEquals(layer2, java.util.Arrays.copyOfRange(readAll(active), CLUSTER, 2 * CLUSTER));
        }
    }

    /**
     * Snapshots taken one after the other capture the same clusters: each has its own L1 table,
     * whose entry points at the active image's L2 table, and the refcounts of that table and of
     * the data it maps count every L1 table that reaches them (spec: Host cluster management;
     * QEMU's snapshot creation and check count them so). The table holds every entry in order.
     */
    @Test
    void manySnapshotsOfTheSameContentShareTheActiveL2Table() throws IOException {
        int n = 300;
        ImageDescription.Builder b = ImageDescription.builder().clusterBits(9).virtualSize(2 * CLUSTER).write(0, CLUSTER);
        for (int i = 1; i <= n; i++) {
            b.snapshot(InternalSnapshot.of(String.valueOf(i), "s" + i, 1, GuestPattern.MAX_LAYER));
        }
        ImageDescription d = b.build();
        Path p = dir.resolve("many.qcow2");
        Layout layout = Qcow2Writer.write(d, p);
        byte[] img = Files.readAllBytes(p);
        long activeL1Entry = BigEndian.u64(img, (int) layout.region(Layout.l1Entry(0)).offset());
        long l2 = activeL1Entry & L2Entry.OFFSET_MASK;
        long data = BigEndian.u64(img, (int) layout.region(Layout.l2Entry(0)).offset()) & L2Entry.OFFSET_MASK;
        assertEquals(0, activeL1Entry & L2Entry.COPIED, "a shared L2 table has no copied flag in the L1 entry");
        assertEquals(n + 1, layout.refcount(l2 / CLUSTER));
        assertEquals(n + 1, layout.refcount(data / CLUSTER));
        try (Qcow2Image image = Qcow2Image.open(p, Limits.DEFAULT)) {
            SnapshotTable t = SnapshotDisk.table(image);
            assertEquals(n, t.entries().size());
            long at = t.offset();
            for (int i = 0; i < n; i++) {
                Snapshot s = t.entries().get(i);
                assertEquals(String.valueOf(i + 1), s.id());
                assertEquals("s" + (i + 1), s.name());
                assertEquals(at, s.entryOffset(), "spec: entries follow one another, each padded to 8 bytes");
                at += s.entryLength();
                assertEquals(1, s.l1Size());
                assertEquals(activeL1Entry, BigEndian.u64(img, (int) s.l1TableOffset()), "snapshot " + s.id());
                assertEquals(1, layout.refcount(s.l1TableOffset() / CLUSTER), "each snapshot has its own L1 table");
            }
        }
        assertRoundTrip(d, p);
    }

    /**
     * A compressed cluster that no write has touched since the snapshot is one compressed run
     * for both (its host cluster counted by each L1 table reaching it, no copied flag: spec:
     * Cluster mapping > Compressed Clusters Descriptor; Host cluster management); one rewritten
     * after the snapshot keeps its compressed data for the snapshot alone, in the snapshot's own
     * L2 table, which exists because the rewrite made the tables differ.
     */
    @Test
    void compressedClustersAreSharedOrKeptByTheSnapshot() throws IOException {
        ImageDescription d = ImageDescription.builder().clusterBits(9).virtualSize(8 * CLUSTER)
                .writeCompressed(0, 2 * CLUSTER).write(2 * CLUSTER, CLUSTER)
                .snapshot("1", "s", 2).write(CLUSTER, CLUSTER).writeCompressed(2 * CLUSTER, CLUSTER).build();
        Path p = dir.resolve("compressed.qcow2");
        Layout layout = Qcow2Writer.write(d, p);
        byte[] img = Files.readAllBytes(p);
        long snapshotL2 = BigEndian.u64(img, (int) layout.region(Layout.snapshotL1Table(0)).offset()) & L2Entry.OFFSET_MASK;
        long activeL2 = BigEndian.u64(img, (int) layout.region(Layout.l1Entry(0)).offset()) & L2Entry.OFFSET_MASK;
        assertNotEquals(activeL2, snapshotL2, "the snapshot's L2 table differs from the active one");
        long kept = BigEndian.u64(img, (int) snapshotL2);
        assertTrue(L2Entry.compressed(kept));
        assertEquals(0, kept & L2Entry.COPIED, "spec: a compressed descriptor never has the copied flag");
        assertEquals(kept, BigEndian.u64(img, (int) layout.region(Layout.l2Entry(0)).offset()), "one shared run");
        assertEquals(2, layout.refcount(L2Entry.compressedOffset(kept, 9) / CLUSTER));
        long own = BigEndian.u64(img, (int) snapshotL2 + 8);
        assertTrue(L2Entry.compressed(own), "guest cluster 1 is compressed in the snapshot");
        assertEquals(1, layout.refcount(L2Entry.compressedOffset(own, 9) / CLUSTER));
        long rewritten = BigEndian.u64(img, (int) layout.region(Layout.l2Entry(1)).offset());
        assertEquals(L2Entry.COPIED, rewritten & (L2Entry.COPIED | L2Entry.COMPRESSED), "rewritten as a normal cluster");
        long normal = BigEndian.u64(img, (int) snapshotL2 + 16);
        assertEquals(L2Entry.COPIED, normal & (L2Entry.COPIED | L2Entry.COMPRESSED),
                "guest cluster 2: the snapshot alone keeps the normal cluster");
        assertRoundTrip(d, p);
    }

    /**
     * Two guest clusters on one host cluster (spec: Host cluster management): the snapshot and
     * the active image both map it twice, so it counts four references; after its source is
     * rewritten, the active image's copy of the share follows the new data, the snapshot's the old.
     */
    @Test
    void sharedClustersCountEveryEntryOfEveryTable() throws IOException {
        ImageDescription d = ImageDescription.builder().clusterBits(9).virtualSize(8 * CLUSTER)
                .write(0, 2 * CLUSTER).share(3, 0).share(4, 1)
                .snapshot("1", "s", 2).write(CLUSTER, CLUSTER).share(5, 1).write(6 * CLUSTER, CLUSTER).build();
        Path p = dir.resolve("shared-pair.qcow2");
        Layout layout = Qcow2Writer.write(d, p);
        byte[] img = Files.readAllBytes(p);
        long source = BigEndian.u64(img, (int) layout.region(Layout.l2Entry(0)).offset());
        assertEquals(0, source & L2Entry.COPIED);
        assertEquals(4, layout.refcount((source & L2Entry.OFFSET_MASK) / CLUSTER));
        long newSource = BigEndian.u64(img, (int) layout.region(Layout.l2Entry(1)).offset());
        assertEquals(newSource, BigEndian.u64(img, (int) layout.region(Layout.l2Entry(4)).offset()));
        assertEquals(3, layout.refcount((newSource & L2Entry.OFFSET_MASK) / CLUSTER), "guest clusters 1, 4 and 5");
        long snapshotL2 = BigEndian.u64(img, (int) layout.region(Layout.snapshotL1Table(0)).offset()) & L2Entry.OFFSET_MASK;
        long oldSource = BigEndian.u64(img, (int) snapshotL2 + 8);
        assertEquals(oldSource, BigEndian.u64(img, (int) snapshotL2 + 4 * 8));
        assertEquals(0, oldSource & L2Entry.COPIED);
        assertEquals(2, layout.refcount((oldSource & L2Entry.OFFSET_MASK) / CLUSTER), "the snapshot's guest clusters 1 and 4");
        assertRoundTrip(d, p);
    }

    /**
     * Extended L2 entries (spec: Extended L2 Entries): the snapshot's own L2 table holds 16-byte
     * entries whose subcluster bitmaps are those of the clusters when it was taken: guest cluster
     * 0 had subclusters 0-3 allocated and 8-9 zero before the guest rewrote it whole.
     */
    @Test
    void aSnapshotKeepsTheSubclusterBitmapsOfItsClusters() throws IOException {
        int cs = 1 << ExtendedL2.MIN_CLUSTER_BITS;
        int sc = cs / ExtendedL2.SUBCLUSTERS;
        ImageDescription d = ImageDescription.builder().clusterBits(ExtendedL2.MIN_CLUSTER_BITS).virtualSize(4L * cs)
                .extendedL2(true).write(0, 4 * sc).zero(8 * sc, 2 * sc, false).write(cs, cs).write(2L * cs + sc, sc)
                .snapshot("1", "s", 2).write(0, cs).discard(2L * cs, cs).build();
        Path p = dir.resolve("extended-l2.qcow2");
        Layout layout = Qcow2Writer.write(d, p);
        byte[] img = Files.readAllBytes(p);
        long snapshotL2 = BigEndian.u64(img, (int) layout.region(Layout.snapshotL1Table(0)).offset()) & L2Entry.OFFSET_MASK;
        assertEquals(0x300L << 32 | 0xf, BigEndian.u64(img, (int) snapshotL2 + 8), "zero bits 8-9, allocated bits 0-3");
        assertEquals(0xffffffffL, BigEndian.u64(img, (int) layout.region(Layout.l2Bitmap(0)).offset()));
        assertEquals(BigEndian.u64(img, (int) layout.region(Layout.l2Entry(1)).offset()),
                BigEndian.u64(img, (int) snapshotL2 + 16), "guest cluster 1 is shared");
        assertEquals(0x2L, BigEndian.u64(img, (int) snapshotL2 + 40), "guest cluster 2: subcluster 1 allocated");
        assertRoundTrip(d, p);
    }

    /**
     * Encrypted snapshots (spec: Data encryption): the snapshot's own clusters are encrypted
     * with the image's key, the IV from their own host sector (LUKS) or guest sector (AES),
     * as the active image's are.
     */
    @ParameterizedTest
    @EnumSource(Encryption.Method.class)
    void encryptedSnapshotsDecryptAsDescribed(Encryption.Method method) throws IOException {
        ImageDescription d = ImageDescription.builder().clusterBits(9).virtualSize(8 * CLUSTER)
                .encryption(Encryption.of(method, "snap").withCipher("cbc-essiv:sha256", 16))
                .write(0, 3 * CLUSTER).zero(4 * CLUSTER, CLUSTER, true)
                .snapshot("1", "s", 2).write(CLUSTER, CLUSTER).discard(4 * CLUSTER, CLUSTER)
                .snapshot("2", "t", 3).write(2 * CLUSTER, CLUSTER).build();
        Path p = dir.resolve("encrypted.qcow2");
        Qcow2Writer.write(d, p);
        assertRoundTrip(d, p, OpenOptions.of(Limits.DEFAULT).withSecret(Secret.ofText("snap")));
    }

    @Test
    void descriptionsNoImageCanHaveAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> ImageDescription.builder().clusterBits(9).write(0, 100)
                .snapshot("1", "s", 2).write(0, 100).build(), "a partial write after a snapshot");
        assertThrows(IllegalArgumentException.class, () -> ImageDescription.builder().clusterBits(9)
                .write(4 * CLUSTER, CLUSTER).snapshot(InternalSnapshot.of("1", "s", 1, 2).withVirtualSize(CLUSTER))
                .build(), "a snapshot smaller than what it captured");
        assertThrows(IllegalArgumentException.class, () -> ImageDescription.builder().clusterBits(14).extendedL2(true)
                .write(0, 1024).snapshot("1", "s", 2).write(0, 512).build(), "a subcluster write after a snapshot");
        assertThrows(IllegalArgumentException.class, () -> InternalSnapshot.of("1", "s", 0, 2).withExtraData(8)
                .withVirtualSize(CLUSTER), "a virtual size without the disk_size field");
    }

    /** Checks clean; the active image and every snapshot read as {@link GuestContent} computes. */
    static void assertRoundTrip(ImageDescription d, Path p) {
        assertRoundTrip(d, p, OpenOptions.of(Limits.DEFAULT));
    }

    static void assertRoundTrip(ImageDescription d, Path p, OpenOptions options) {
        assertEquals(CheckReport.Verdict.CLEAN, new ImageChecker(Limits.DEFAULT).check(p).verdict(),
                () -> new ImageChecker(Limits.DEFAULT).check(p).findings().toString());
        GuestContent content = GuestContent.of(d);
        try (GuestDisk active = BackingChain.open(p, options)) {
            assertArrayEquals(expected(content), readAll(active), "active image");
        }
        for (int i = 0; i < d.snapshots().size(); i++) {
            InternalSnapshot s = d.snapshots().get(i);
            try (GuestDisk snap = SnapshotDisk.open(p, options, s.id()).orElseThrow()) {
                assertArrayEquals(expected(content.snapshot(i)), readAll(snap), "snapshot " + s.name());
            }
        }
    }

    private static byte[] expected(GuestContent c) {
        byte[] b = new byte[(int) c.description().virtualSize()];
        c.read(0, b, 0, b.length);
        return b;
    }

    private static byte[] readAll(GuestDisk d) {
        ByteBuffer b = ByteBuffer.allocate((int) d.size());
        d.read(0, b);
        return b.array();
    }
}
