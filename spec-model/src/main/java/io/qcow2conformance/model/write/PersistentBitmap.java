package io.qcow2conformance.model.write;

import io.qcow2conformance.model.bitmap.BitmapDirectoryEntry;
import io.qcow2conformance.model.bitmap.Range;

import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * A persistent bitmap for {@link Qcow2Writer} to store (spec: Bitmaps, Bitmap directory,
 * Bitmap table, Bitmap data): its directory entry's values and the guest byte ranges whose
 * bits are set (each range sets every granule it touches).
 *
 * @param name            the bitmap's name, 1..65535 bytes of UTF-8 (QEMU accepts at most 1023)
 * @param granularityBits log2 of the guest bytes per bit, 0..63 (QEMU accepts 9..31)
 * @param inUse           flags bit 0
 * @param auto            flags bit 1
 * @param type            the type byte; 1 (dirty tracking) is the only one the spec knows
 * @param set             guest byte ranges whose granules are set
 * @param storage         how the bitmap table is written
 * @param extraData       the entry's extra data, written between the fixed fields and the name (none defined yet)
 * @param extraDataCompatible flags bit 2: readers that do not know the extra data may still use the bitmap
 */
public record PersistentBitmap(String name, int granularityBits, boolean inUse, boolean auto, int type,
                               List<Range> set, Storage storage, byte[] extraData, boolean extraDataCompatible) {

    /** How the table and data clusters are written (spec: Bitmaps > Bitmap table). */
    public enum Storage {
        /** A data cluster for every table entry with a set bit; all-zero clusters are unallocated entries (0), as QEMU stores them. */
        CLUSTERS,
        /** As {@link #CLUSTERS}, and clusters whose bits are all set are unallocated entries with bit 0 set (1). */
        ALL_ONES_UNALLOCATED,
        /** No table at all: bitmap_table_offset 0 and bitmap_table_size 0 (proposal zero-bitmap-table-offset); needs an empty {@code set}. */
        NO_TABLE
    }

    public PersistentBitmap {
        set = List.copyOf(set);
        extraData = extraData.clone();
        int len = name.getBytes(StandardCharsets.UTF_8).length;
        if (len == 0 || len > 0xffff) {
            throw new IllegalArgumentException("bitmap name must be 1..65535 bytes");
        }
        if (granularityBits < 0 || granularityBits > 63) {
            throw new IllegalArgumentException("bitmap granularity_bits must be 0..63");
        }
        if (type < 0 || type > 255) {
            throw new IllegalArgumentException("bitmap type is one byte");
        }
        if (storage == Storage.NO_TABLE && !set.isEmpty()) {
            throw new IllegalArgumentException("a bitmap without a table has no set bits");
        }
        for (Range r : set) {
            if (r.start() < 0 || r.length() <= 0) {
                throw new IllegalArgumentException("bad bitmap range " + r);
            }
        }
    }

    /** A bitmap without extra data. */
    public PersistentBitmap(String name, int granularityBits, boolean inUse, boolean auto, int type, List<Range> set,
                            Storage storage) {
        this(name, granularityBits, inUse, auto, type, set, storage, new byte[0], false);
    }

    @Override
    public byte[] extraData() {
        return extraData.clone();
    }

    /** A dirty-tracking bitmap with the auto flag, stored as QEMU stores it. */
    public static PersistentBitmap of(String name, int granularityBits, List<Range> set) {
        return new PersistentBitmap(name, granularityBits, false, true, BitmapDirectoryEntry.TYPE_DIRTY_TRACKING, set,
                Storage.CLUSTERS);
    }

    public PersistentBitmap withStorage(Storage s) {
        return new PersistentBitmap(name, granularityBits, inUse, auto, type, set, s, extraData, extraDataCompatible);
    }

    /** This bitmap with {@code data} as its extra data and flag bit 2 as given. */
    public PersistentBitmap withExtraData(byte[] data, boolean compatible) {
        return new PersistentBitmap(name, granularityBits, inUse, auto, type, set, storage, data, compatible);
    }

    public PersistentBitmap withFlags(boolean inUse, boolean auto) {
        return new PersistentBitmap(name, granularityBits, inUse, auto, type, set, storage, extraData,
                extraDataCompatible);
    }

    public byte[] nameBytes() {
        return name.getBytes(StandardCharsets.UTF_8);
    }

    /** flags as written (spec: Bitmap directory, bytes 12-15). */
    public long flags() {
        return (inUse ? BitmapDirectoryEntry.FLAG_IN_USE : 0) | (auto ? BitmapDirectoryEntry.FLAG_AUTO : 0)
                | (extraDataCompatible ? BitmapDirectoryEntry.FLAG_EXTRA_DATA_COMPATIBLE : 0);
    }

    /** Bytes of the directory entry: 24 fixed bytes, the extra data, the name, zero padding to 8. */
    public int entrySize() {
        return (BitmapDirectoryEntry.FIXED_SIZE + extraData.length + nameBytes().length + 7) & ~7;
    }

    /**
     * The bitmap data for a disk of {@code virtualSize} bytes: bit n (least significant first
     * in byte n / 8) covers guest bytes [n, n + 1) granules; bits past the disk stay zero.
     */
    public byte[] data(long virtualSize) {
        long bits = ((virtualSize - 1) >>> granularityBits) + 1;
        if ((bits + 7) / 8 > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("bitmap '" + name + "' is too large to write");
        }
        byte[] out = new byte[(int) ((bits + 7) / 8)];
        for (Range r : set) {
            if (r.start() + r.length() > virtualSize) {
                throw new IllegalArgumentException("bitmap range " + r + " is outside the virtual disk");
            }
            long last = (r.start() + r.length() - 1) >>> granularityBits;
            for (long b = r.start() >>> granularityBits; b <= last; b++) {
                out[(int) (b >>> 3)] |= (byte) (1 << (b & 7));
            }
        }
        return out;
    }

    /**
     * What a correct reader reports for this bitmap: the set granules as guest byte ranges,
     * merged, sorted, the last one ending at the virtual size at most (spec: Bitmaps).
     */
    public List<Range> ranges(long virtualSize) {
        byte[] data = data(virtualSize);
        long g = 1L << granularityBits;
        long bits = ((virtualSize - 1) >>> granularityBits) + 1;
        List<Range> out = new java.util.ArrayList<>();
        for (long i = 0; i < bits; i++) {
            if (!bit(data, i)) {
                continue;
            }
            long j = i;
            while (j < bits && bit(data, j)) {
                j++;
            }
            out.add(new Range(i * g, Math.min(j * g, virtualSize) - i * g));
            i = j;
        }
        return List.copyOf(out);
    }

    private static boolean bit(byte[] data, long n) {
        return (data[(int) (n >>> 3)] & (1 << (n & 7))) != 0;
    }
}
