package io.qcow2conformance.model.check;

import io.qcow2conformance.model.io.BigEndian;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Builds small valid qcow2 images byte by byte, straight from the spec's layout (spec:
 * Header, Host cluster management, Cluster mapping), independently of the model's
 * decoders: cluster 0 header, 1 refcount table, 2 refcount block, 3.. L1 table, then one
 * L2 table for each of the first {@code l2Tables} L1 entries, then data clusters. The expected refcount of every cluster is tracked as
 * clusters are added, and written to the refcount block by {@link #build()}. With extended
 * L2 entries (spec: Extended L2 Entries) each entry is 16 bytes, the second word its
 * subcluster bitmap, and incompatible bit 4 is set.
 */
final class TinyImage {
    static final long COPIED = 1L << 63;
    static final long COMPRESSED = 1L << 62;
    static final int REFTABLE = 1;
    static final int REFBLOCK = 2;
    static final int L1 = 3;

    final int clusterBits;
    final int refcountOrder;
    final int version;
    final long clusterSize;
    final int l1Size;
    final int l1Clusters;
    final int l2Tables;
    final boolean extendedL2;
    long virtualSize;
    long incompatibleFeatures;
    private final List<Long> refcounts = new ArrayList<>();
    private final long[] l2Entries;
    private final long[] bitmaps;

    TinyImage(int clusterBits, int refcountOrder, int version, int l1Size) {
        this(clusterBits, refcountOrder, version, l1Size, l1Size);
    }

    TinyImage(int clusterBits, int refcountOrder, int version, int l1Size, int l2Tables) {
        this(clusterBits, refcountOrder, version, l1Size, l2Tables, false);
    }

    private TinyImage(int clusterBits, int refcountOrder, int version, int l1Size, int l2Tables, boolean extendedL2) {
        this.extendedL2 = extendedL2;
        this.clusterBits = clusterBits;
        this.refcountOrder = version == 2 ? 4 : refcountOrder;
        this.version = version;
        this.clusterSize = 1L << clusterBits;
        this.l1Size = l1Size;
        this.l1Clusters = (int) ((l1Size * 8L + clusterSize - 1) / clusterSize);
        this.l2Tables = l2Tables;
        this.virtualSize = l1Size * l2Size() * clusterSize;
        this.l2Entries = new long[(int) (l2Tables * l2Size())];
        this.bitmaps = new long[l2Entries.length];
        for (int k = 0; k < 3 + l1Clusters + l2Tables; k++) {
            refcounts.add(1L); // header, refcount table, refcount block, L1, L2 tables
        }
    }

    static TinyImage v3(int clusterBits, int refcountOrder) {
        return new TinyImage(clusterBits, refcountOrder, 3, 1);
    }

    /** A version 3 image with extended L2 entries, one L1 entry and 16-bit refcounts. */
    static TinyImage extendedL2(int clusterBits) {
        return new TinyImage(clusterBits, 4, 3, 1, 1, true);
    }

    int l2EntrySize() {
        return extendedL2 ? 16 : 8;
    }

    long l2Size() {
        return clusterSize / l2EntrySize();
    }

    /** Cluster index of the L2 table for L1 entry {@code i}. */
    int l2Cluster(int i) {
        return 3 + l1Clusters + i;
    }

    long offsetOf(int cluster) {
        return cluster * clusterSize;
    }

    /** Byte offset of the L2 entry for guest cluster {@code guest}. */
    long l2EntryOffset(int guest) {
        return offsetOf(l2Cluster((int) (guest / l2Size()))) + l2EntrySize() * (guest % l2Size());
    }

    int clusters() {
        return refcounts.size();
    }

    long refcount(int cluster) {
        return refcounts.get(cluster);
    }

    /** A new host cluster at the end of the file with the given refcount. */
    int allocate(long refcount) {
        refcounts.add(refcount);
        return refcounts.size() - 1;
    }

    /** Guest cluster {@code guest} gets a new data cluster (refcount 1, copied flag set). */
    int data(int guest) {
        int k = allocate(1);
        l2Entries[guest] = offsetOf(k) | COPIED;
        return k;
    }

    /** Guest cluster {@code guest} reads as zeros from a preallocated cluster (version 3). */
    int zeroAllocated(int guest) {
        int k = allocate(1);
        l2Entries[guest] = offsetOf(k) | COPIED | 1;
        return k;
    }

    /** Guest cluster {@code guest} is compressed, one sector at {@code byteOffset} of host cluster {@code host}. */
    void compressed(int guest, int host, int byteOffset) {
        l2Entries[guest] = COMPRESSED | (offsetOf(host) + byteOffset);
        refcounts.set(host, refcounts.get(host) + 1);
    }

    void l2Entry(int guest, long entry) {
        l2Entries[guest] = entry;
    }

    /** The subcluster bitmap of guest cluster {@code guest} (extended L2 entries only). */
    void bitmap(int guest, long bitmap) {
        bitmaps[guest] = bitmap;
    }

    byte[] build() {
        byte[] b = new byte[(int) (clusters() * clusterSize)];
        BigEndian.put32(b, 0, 0x514649fbL);
        BigEndian.put32(b, 4, version);
        BigEndian.put32(b, 20, clusterBits);
        BigEndian.put64(b, 24, virtualSize);
        BigEndian.put32(b, 36, l1Size);
        BigEndian.put64(b, 40, offsetOf(L1));
        BigEndian.put64(b, 48, offsetOf(REFTABLE));
        BigEndian.put32(b, 56, 1);
        if (version == 3) {
            BigEndian.put64(b, 72, incompatibleFeatures | (extendedL2 ? 1L << 4 : 0));
            BigEndian.put32(b, 96, refcountOrder);
            BigEndian.put32(b, 100, 104);
        }
        BigEndian.put64(b, (int) offsetOf(REFTABLE), offsetOf(REFBLOCK));
        for (int i = 0; i < l2Tables; i++) {
            BigEndian.put64(b, (int) offsetOf(L1) + 8 * i, offsetOf(l2Cluster(i)) | COPIED);
        }
        for (int g = 0; g < l2Entries.length; g++) {
            BigEndian.put64(b, (int) l2EntryOffset(g), l2Entries[g]);
            if (extendedL2) {
                BigEndian.put64(b, (int) l2EntryOffset(g) + 8, bitmaps[g]);
            }
        }
        for (int k = 0; k < clusters(); k++) {
            putRefcount(b, k, refcounts.get(k));
        }
        return b;
    }

    /** Writes refcount entry {@code index} of the refcount block: sub-byte widths LSB first (spec: Refcount block entry). */
    void putRefcount(byte[] image, int index, long value) {
        int bits = 1 << refcountOrder;
        int block = (int) offsetOf(REFBLOCK);
        if (bits < 8) {
            int perByte = 8 / bits;
            int at = block + index / perByte;
            int shift = (index % perByte) * bits;
            int mask = ((1 << bits) - 1) << shift;
            image[at] = (byte) ((image[at] & ~mask) | (((int) value << shift) & mask));
        } else {
            int bytes = bits / 8;
            for (int j = 0; j < bytes; j++) {
                image[block + index * bytes + j] = (byte) (value >>> (8 * (bytes - 1 - j)));
            }
        }
    }

    static Path write(byte[] image) {
        try {
            Path p = Files.createTempFile("tiny", ".qcow2");
            Files.write(p, image);
            return p;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static byte[] grow(byte[] image, int extraBytes) {
        return Arrays.copyOf(image, image.length + extraBytes);
    }
}
