package io.qcow2conformance.model.bitmap;

import io.qcow2conformance.model.io.BigEndian;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Test-only builder of small valid version 3 images with persistent bitmaps, written byte by
 * byte from the spec's offsets (spec: Header, Header extensions, Bitmaps extension, Bitmaps >
 * Bitmap directory, Bitmap table, Bitmap data) and independent of the model's decoders.
 * Layout (512-byte clusters, 16-bit refcounts): cluster 0 header and extensions, 1 refcount
 * table, 2 refcount block, then the L1 table (no L2 tables: the guest reads as zeros), the
 * bitmap directory, and for each bitmap its table and then its data clusters. A data cluster
 * is stored only for table entries with a set bit, as QEMU does; every stored cluster gets
 * refcount 1. Fields are public so that a test can break exactly one thing.
 */
final class BitmapImage {
    static final long AUTO = 1L << 1;
    static final long IN_USE = 1L;
    static final long EXTRA_DATA_COMPATIBLE = 1L << 2;
    /** The default cluster size: 512 bytes. */
    static final int CLUSTER = 512;
    /** Where the bitmaps extension's data starts: header_length 104, then type and length. */
    static final int EXTENSION_DATA = 104 + 8;

    final int clusterBits;
    final int cluster;
    long virtualSize;
    boolean autoclear = true;
    /** Overrides: -1 keeps the value the layout gives. */
    long nbBitmaps = -1;
    long directorySize = -1;
    final List<Bitmap> bitmaps = new ArrayList<>();

    /** Filled by {@link #build()}: where things went. */
    long directoryOffset;
    long fileSize;

    BitmapImage(long virtualSize) {
        this(virtualSize, 9);
    }

    BitmapImage(long virtualSize, int clusterBits) {
        this.virtualSize = virtualSize;
        this.clusterBits = clusterBits;
        this.cluster = 1 << clusterBits;
    }

    final class Bitmap {
        byte[] name;
        int granularityBits;
        long flags = AUTO;
        int type = 1;
        byte[] extraData = new byte[0];
        /** A non-zero value written into the first padding byte, when there is one. */
        int paddingByte;
        /** Overrides: -1 keeps the allocated table and its size. */
        long tableOffset = -1;
        long tableSize = -1;
        /** Added to the table offset written in the directory entry (the table stays where it was allocated). */
        long tableOffsetShift;
        /** Table entries to write instead of the computed ones. */
        final Map<Integer, Long> entryOverride = new HashMap<>();
        final Map<Long, Integer> dataBytes = new HashMap<>();
        /** Filled by {@link #build()}. */
        long entryOffset;
        long builtTableOffset;
        final List<Long> dataClusterOffsets = new ArrayList<>();

        Bitmap(String name, int granularityBits) {
            this.name = name.getBytes(StandardCharsets.UTF_8);
            this.granularityBits = granularityBits;
        }

        /** Sets the bit for guest byte range starting at bit {@code n} (spec: Bitmap data, least significant bit first). */
        Bitmap set(long bit) {
            dataBytes.merge(bit / 8, 1 << (bit % 8), (a, b) -> a | b);
            return this;
        }

        /** Sets a raw byte of the bitmap data (for tail bits). */
        Bitmap dataByte(long index, int value) {
            dataBytes.put(index, value);
            return this;
        }

        long bits() {
            if (virtualSize == 0) {
                return 0;
            }
            return granularityBits >= 64 ? 1 : ((virtualSize - 1) >>> granularityBits) + 1;
        }

        long neededEntries() {
            long bytes = (bits() + 7) / 8;
            return (bytes + cluster - 1) / cluster;
        }

        int entrySize() {
            return (24 + extraData.length + name.length + 7) & ~7;
        }
    }

    Bitmap bitmap(String name, int granularityBits) {
        Bitmap b = new Bitmap(name, granularityBits);
        bitmaps.add(b);
        return b;
    }

    int clustersFor(long bytes) {
        return (int) ((bytes + cluster - 1) / cluster);
    }

    byte[] build() {
        long l2Span = (long) (cluster / 8) * cluster;
        int l1Size = (int) Math.max(1, (virtualSize + l2Span - 1) / l2Span);
        int next = 3;
        long l1Offset = (long) next * cluster;
        next += clustersFor(l1Size * 8L);
        directoryOffset = (long) next * cluster;
        int dirBytes = 0;
        for (Bitmap b : bitmaps) {
            b.entryOffset = directoryOffset + dirBytes;
            dirBytes += b.entrySize();
        }
        next += Math.max(1, clustersFor(dirBytes));
        Map<Bitmap, long[]> tables = new HashMap<>();
        for (Bitmap b : bitmaps) {
            int size = (int) (b.tableSize >= 0 ? b.tableSize : b.neededEntries());
            long[] table = new long[size];
            if (b.tableOffset < 0) {
                b.builtTableOffset = (long) next * cluster;
                next += clustersFor(size * 8L);
            } else {
                b.builtTableOffset = b.tableOffset;
            }
            for (int i = 0; i < size; i++) {
                final int index = i;
                boolean used = b.dataBytes.keySet().stream().anyMatch(k -> k / cluster == index);
                if (used) {
                    table[i] = (long) next * cluster;
                    b.dataClusterOffsets.add(table[i]);
                    next++;
                }
                if (b.entryOverride.containsKey(i)) {
                    table[i] = b.entryOverride.get(i);
                }
            }
            tables.put(b, table);
        }
        int clusters = next;
        byte[] img = new byte[clusters * cluster];
        fileSize = img.length;
        // spec: Header (version 3, header_length 104)
        BigEndian.put32(img, 0, 0x514649fbL);
        BigEndian.put32(img, 4, 3);
        BigEndian.put32(img, 20, clusterBits);
        BigEndian.put64(img, 24, virtualSize);
        BigEndian.put32(img, 36, l1Size);
        BigEndian.put64(img, 40, l1Offset);
        BigEndian.put64(img, 48, cluster);
        BigEndian.put32(img, 56, 1);
        BigEndian.put64(img, 88, autoclear && !bitmaps.isEmpty() ? 1 : 0);
        BigEndian.put32(img, 96, 4);
        BigEndian.put32(img, 100, 104);
        // spec: Bitmaps extension, then the end marker
        BigEndian.put32(img, 104, 0x23852875L);
        BigEndian.put32(img, 108, 24);
        BigEndian.put32(img, EXTENSION_DATA, nbBitmaps >= 0 ? nbBitmaps : bitmaps.size());
        BigEndian.put64(img, EXTENSION_DATA + 8, directorySize >= 0 ? directorySize : dirBytes);
        BigEndian.put64(img, EXTENSION_DATA + 16, directoryOffset);
        // refcount table -> block at cluster 2; every cluster of the file is in use once
        BigEndian.put64(img, cluster, 2L * cluster);
        for (int k = 0; k < clusters; k++) {
            BigEndian.put16(img, 2 * cluster + 2 * k, 1);
        }
        for (Bitmap b : bitmaps) {
            int at = (int) b.entryOffset;
            long[] table = tables.get(b);
            BigEndian.put64(img, at, b.builtTableOffset + b.tableOffsetShift);
            BigEndian.put32(img, at + 8, table.length);
            BigEndian.put32(img, at + 12, b.flags);
            img[at + 16] = (byte) b.type;
            img[at + 17] = (byte) b.granularityBits;
            BigEndian.put16(img, at + 18, b.name.length);
            BigEndian.put32(img, at + 20, b.extraData.length);
            System.arraycopy(b.extraData, 0, img, at + 24, b.extraData.length);
            System.arraycopy(b.name, 0, img, at + 24 + b.extraData.length, b.name.length);
            int padding = at + 24 + b.extraData.length + b.name.length;
            if (b.paddingByte != 0 && padding < at + b.entrySize()) {
                img[padding] = (byte) b.paddingByte;
            }
            if (b.tableOffset < 0) {
                for (int i = 0; i < table.length; i++) {
                    BigEndian.put64(img, (int) b.builtTableOffset + 8 * i, table[i]);
                }
            }
            for (Map.Entry<Long, Integer> d : b.dataBytes.entrySet()) {
                int entry = (int) (d.getKey() / cluster);
                long host = b.dataClusterOffsets.isEmpty() ? -1 : dataCluster(table, entry);
                if (host > 0 && host + cluster <= img.length) {
                    img[(int) (host + d.getKey() % cluster)] = (byte) (int) d.getValue();
                }
            }
        }
        return img;
    }

    private static long dataCluster(long[] table, int entry) {
        return entry < table.length ? table[entry] & 0x00fffffffffffe00L : -1;
    }

    static Path write(byte[] image) {
        try {
            Path p = Files.createTempFile("bitmaps", ".qcow2");
            Files.write(p, image);
            p.toFile().deleteOnExit();
            return p;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
