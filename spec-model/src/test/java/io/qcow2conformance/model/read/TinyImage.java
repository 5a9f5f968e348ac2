package io.qcow2conformance.model.read;

import io.qcow2conformance.model.mapping.L2Entry;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Builds small qcow2 files by hand, field by field from the spec (spec: Header, Header
 * extensions, Cluster mapping), so that tests do not depend on the code under test or on
 * QEMU. Layout: cluster 0 header (+ extensions, backing name), cluster 1 the L1 table, then
 * L2 tables and data clusters appended in the order they are added. No refcount table:
 * the guest reader never looks at it.
 */
final class TinyImage {
    final int clusterBits;
    final int clusterSize;
    final long size;
    int version = 3;
    int compressionType;
    long incompatibleFeatures;
    long autoclearFeatures;
    String backingName;
    String backingFormat;
    /** The external data file name extension's string (spec: External data file name), or null. */
    String dataFileName;
    private final int l1Size;
    private final ByteBuffer file;
    private int end;

    /** Extended L2 entries: 16 bytes each, the second word the subcluster bitmap. */
    final boolean extendedL2;

    TinyImage(int clusterBits, long size) {
        this(clusterBits, size, false);
    }

    TinyImage(int clusterBits, long size, boolean extendedL2) {
        this.clusterBits = clusterBits;
        this.clusterSize = 1 << clusterBits;
        this.size = size;
        this.extendedL2 = extendedL2;
        long perL2 = clusterSize / entrySize();
        long clusters = (size + clusterSize - 1) / clusterSize;
        this.l1Size = (int) ((clusters + perL2 - 1) / perL2);
        this.file = ByteBuffer.allocate(1 << 22);
        this.end = 2 * clusterSize;
        if (l1Size * 8 > clusterSize) {
            throw new IllegalArgumentException("L1 table must fit in one cluster");
        }
    }

    long l1TableOffset() {
        return clusterSize;
    }

    int l1Size() {
        return l1Size;
    }

    /** Appends one cluster holding {@code data} (padded with zeros); returns its host offset. */
    long appendCluster(byte[] data) {
        long at = end;
        file.put(end, data, 0, Math.min(data.length, clusterSize));
        end += clusterSize;
        return at;
    }

    /** Appends raw bytes at the current end (not cluster aligned afterwards); returns their offset. */
    long appendBytes(byte[] data) {
        long at = end;
        file.put(end, data);
        end += data.length;
        return at;
    }

    /** Pads the file to the next cluster boundary. */
    void alignEnd() {
        end = (end + clusterSize - 1) & -clusterSize;
    }

    /** Shortens the file to {@code length} bytes. */
    void truncate(int length) {
        end = length;
    }

    int fileLength() {
        return end;
    }

    void setL1(int index, long value) {
        file.putLong(clusterSize + 8 * index, value);
    }

    long l1(int index) {
        return file.getLong(clusterSize + 8 * index);
    }

    private int entrySize() {
        return extendedL2 ? 16 : 8;
    }

    /** Sets the L2 entry of a guest cluster, allocating its L2 table on first use. */
    void setL2(long guestCluster, long entry) {
        setL2(guestCluster, entry, 0);
    }

    /** Sets an entry and, with extended L2 entries, its subcluster bitmap. */
    void setL2(long guestCluster, long entry, long bitmap) {
        int perL2 = clusterSize / entrySize();
        int l1Index = (int) (guestCluster / perL2);
        long table = l1(l1Index) & L2Entry.OFFSET_MASK;
        if (table == 0) {
            alignEnd();
            table = appendCluster(new byte[0]);
            setL1(l1Index, table | (1L << 63));
        }
        int at = (int) (table + entrySize() * (guestCluster % perL2));
        file.putLong(at, entry);
        if (extendedL2) {
            file.putLong(at + 8, bitmap);
        }
    }

    /** A standard data cluster holding {@code data} for the guest cluster. */
    long data(long guestCluster, byte[] data) {
        alignEnd();
        long host = appendCluster(data);
        setL2(guestCluster, host | (1L << 63));
        return host;
    }

    /** A compressed descriptor for {@code stored} bytes at {@code host} (spec: Compressed Clusters Descriptor). */
    long compressedEntry(long host, int stored) {
        int x = 62 - (clusterBits - 8);
        long sectors = ((host & 511) + stored + 511) / 512;
        return L2Entry.COMPRESSED | ((sectors - 1) << x) | host;
    }

    Path write(Path dir, String name) throws IOException {
        ByteBuffer h = file.duplicate();
        h.putInt(0, 0x514649fb);
        h.putInt(4, version);
        h.putInt(20, clusterBits);
        h.putLong(24, size);
        h.putInt(36, l1Size);
        h.putLong(40, l1TableOffset());
        int pos;
        if (version == 3) {
            h.putLong(72, incompatibleFeatures | (compressionType != 0 ? 1L << 3 : 0) | (extendedL2 ? 1L << 4 : 0));
            h.putLong(88, autoclearFeatures);
            h.putInt(96, 4);
            h.putInt(100, 112);
            h.put(104, (byte) compressionType);
            pos = 112;
        } else {
            pos = 72;
        }
        pos = putStringExtension(h, pos, 0xe2792aca, backingFormat);
        pos = putStringExtension(h, pos, 0x44415441, dataFileName);
        pos += 8; // end of extensions: type 0, length 0
        if (backingName != null) {
            byte[] n = backingName.getBytes(StandardCharsets.UTF_8);
            h.putLong(8, pos);
            h.putInt(16, n.length);
            h.put(pos, n);
        }
        Path p = dir.resolve(name);
        Files.write(p, java.util.Arrays.copyOf(file.array(), end));
        return p;
    }

    /** Writes a string extension (spec: String header extensions) at {@code pos} unless {@code value} is null; returns the next position. */
    private static int putStringExtension(ByteBuffer h, int pos, int type, String value) {
        if (value == null) {
            return pos;
        }
        byte[] f = value.getBytes(StandardCharsets.UTF_8);
        h.putInt(pos, type);
        h.putInt(pos + 4, f.length);
        h.put(pos + 8, f);
        return pos + 8 + ((f.length + 7) & ~7);
    }

    static byte[] pattern(int length, int seed) {
        byte[] b = new byte[length];
        for (int i = 0; i < length; i++) {
            b[i] = (byte) (seed * 31 + i * 7 + (i >> 8));
        }
        return b;
    }

    static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }
}
