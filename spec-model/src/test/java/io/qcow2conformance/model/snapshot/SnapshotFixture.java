package io.qcow2conformance.model.snapshot;

import io.qcow2conformance.model.io.BigEndian;
import io.qcow2conformance.model.write.ImageDescription;
import io.qcow2conformance.model.write.Layout;
import io.qcow2conformance.model.write.Qcow2Writer;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.io.UncheckedIOException;
import java.nio.file.Path;

/**
 * A small valid image written by {@link Qcow2Writer} (512-byte clusters, 16-bit refcounts,
 * 64 KiB guest disk, guest clusters 0 and 1 written), to which tests append snapshot L1
 * tables and a snapshot table as QEMU would: new clusters at the end of the file with
 * refcount 1, the header's nb_snapshots and snapshots_offset set (spec: Header), and, for a
 * snapshot that shares the active mapping, the shared L2 table and data clusters at
 * refcount 2 with the copied flag cleared in the active tables (spec: Snapshots). Offsets
 * come from the writer's {@link Layout}, never from the decoder under test.
 */
final class SnapshotFixture {
    static final int CLUSTER_BITS = 9;
    static final long CLUSTER = 1L << CLUSTER_BITS;
    static final long VIRTUAL_SIZE = 64 << 10;
    static final long COPIED = 1L << 63;

    final Path file;
    final Layout layout;
    final ImageDescription description;
    final long l1Size;
    private long end;

    private SnapshotFixture(Path file, Layout layout, ImageDescription description) {
        this.file = file;
        this.layout = layout;
        this.description = description;
        this.l1Size = description.l1Size();
        this.end = layout.fileSize();
    }

    static SnapshotFixture write(Path dir, int version) {
        return write(dir, ImageDescription.builder().version(version).clusterBits(CLUSTER_BITS)
                .virtualSize(VIRTUAL_SIZE).refcountOrder(4).write(0, 2 * CLUSTER).build());
    }

    static SnapshotFixture write(Path dir, ImageDescription d) {
        Path p = dir.resolve("image.qcow2");
        try {
            return new SnapshotFixture(p, Qcow2Writer.write(d, p), d);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Appends clusters with refcount 1 holding {@code bytes} and returns their offset. */
    long append(byte[] bytes) {
        long at = end;
        put(at, bytes);
        long clusters = (bytes.length + CLUSTER - 1) / CLUSTER;
        for (long k = 0; k < clusters; k++) {
            putRefcount((at >> CLUSTER_BITS) + k, 1);
        }
        end = at + Math.max(1, clusters) * CLUSTER;
        setLength(end);
        return at;
    }

    /** A snapshot L1 table that maps nothing: the snapshot reads as zeros. */
    long appendEmptyL1() {
        return append(new byte[(int) (l1Size * 8)]);
    }

    /**
     * A snapshot L1 table sharing the active L2 tables and data: their refcounts become 2 and
     * the copied flags of the active entries are cleared, as when QEMU takes a snapshot.
     */
    long appendSharedL1() {
        byte[] l1 = new byte[(int) (l1Size * 8)];
        for (int i = 0; i < l1Size; i++) {
            var entry = layout.find(Layout.l1Entry(i));
            if (entry.isEmpty() || layout.find(Layout.l2Table(i)).isEmpty()) {
                continue;
            }
            long l2 = layout.region(Layout.l2Table(i)).offset();
            BigEndian.put64(l1, 8 * i, l2);
            putLong(entry.get().offset(), l2);
            putRefcount(l2 >> CLUSTER_BITS, 2);
        }
        for (long g = 0; g < description.guestClusters(); g++) {
            var data = layout.find(Layout.data(g));
            if (data.isPresent()) {
                putLong(layout.region(Layout.l2Entry(g)).offset(), data.get().offset());
                putRefcount(data.get().offset() >> CLUSTER_BITS, 2);
            }
        }
        return append(l1);
    }

    /** Appends the table and points the header at it (nb_snapshots, snapshots_offset). */
    long appendTable(int nbSnapshots, byte[] table) {
        long at = append(table);
        setHeader(nbSnapshots, at);
        return at;
    }

    void setHeader(long nbSnapshots, long snapshotsOffset) {
        byte[] b = new byte[12];
        BigEndian.put32(b, 0, nbSnapshots);
        BigEndian.put64(b, 4, snapshotsOffset);
        put(60, b);
    }

    void putLong(long offset, long value) {
        byte[] b = new byte[8];
        BigEndian.put64(b, 0, value);
        put(offset, b);
    }

    private void putRefcount(long cluster, int value) {
        Layout.RefcountSlot slot = layout.refcountSlot(cluster);
        byte[] b = new byte[2];
        BigEndian.put16(b, 0, value);
        put(slot.byteOffset(), b);
    }

    void put(long offset, byte[] bytes) {
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
            f.seek(offset);
            f.write(bytes);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void setLength(long length) {
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
            if (f.length() < length) {
                f.setLength(length);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
