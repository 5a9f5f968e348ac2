package io.qcow2conformance.model.write;

import io.qcow2conformance.model.bitmap.BitmapDirectoryEntry;
import io.qcow2conformance.model.bitmap.BitmapTableEntry;
import io.qcow2conformance.model.io.BigEndian;

import java.util.List;
import java.util.Map;

/**
 * The planner of {@link Qcow2Writer} for persistent bitmaps: one bitmap's table entries and data
 * before and after placement ({@link #place}), and the directory, tables and data clusters
 * of all of them ({@link #write}).
 */
final class BitmapPlan {
    /** Marks a table entry whose cluster is stored, until {@link #place} gives it an offset. */
    private static final long STORED = -1;
    final PersistentBitmap bitmap;
    final byte[] data;
    final long[] entries;
    final long bits;
    final long cs;
    /** Data clusters the table points to. */
    final long storedClusters;
    long tableOffset;

    BitmapPlan(PersistentBitmap b, long virtualSize, long cs) {
        this.cs = cs;
        bitmap = b;
        data = b.data(virtualSize);
        bits = ((virtualSize - 1) >>> b.granularityBits()) + 1;
        int n = b.storage() == PersistentBitmap.Storage.NO_TABLE ? 0 : (int) ((data.length + cs - 1) / cs);
        entries = new long[n];
        for (int j = 0; j < n; j++) {
            byte[] c = cluster(j, (int) cs);
            long used = Math.min(cs * 8, bits - j * cs * 8);
            if (Qcow2Writer.allZero(c, 0, c.length)) {
                entries[j] = 0;
            } else if (b.storage() == PersistentBitmap.Storage.ALL_ONES_UNALLOCATED && allOnes(c, used)) {
                entries[j] = BitmapTableEntry.ALL_ONES;
            } else {
                entries[j] = STORED;
            }
        }
        storedClusters = java.util.Arrays.stream(entries).filter(e -> e == STORED).count();
    }

    long tableClusters() {
        return (entries.length * 8L + cs - 1) / cs;
    }


    /** Places the table at host cluster {@code next}, then the stored data clusters; returns the next free cluster. */
    long place(long next) {
        if (entries.length == 0) {
            return next;
        }
        tableOffset = next * cs;
        next += tableClusters();
        for (int j = 0; j < entries.length; j++) {
            if (entries[j] == STORED) {
                entries[j] = next++ * cs;
            }
        }
        return next;
    }

    /** The bytes of data cluster {@code j}, zero past the end of the bitmap. */
    byte[] cluster(int j, int cs) {
        byte[] c = new byte[cs];
        int from = j * cs;
        System.arraycopy(data, from, c, 0, Math.min(cs, data.length - from));
        return c;
    }

    private static boolean allOnes(byte[] c, long usedBits) {
        for (long bit = 0; bit < usedBits; bit++) {
            if ((c[(int) (bit >>> 3)] & (1 << (bit & 7))) == 0) {
                return false;
            }
        }
        return true;
    }

    /**
     * Writes the directory, then each bitmap's table and data clusters (spec: Bitmaps > Bitmap
     * directory, Bitmap table, Bitmap data).
     */
    static void write(List<BitmapPlan> plans, long dirOffset, long dirBytes, long cs, Map<Long, byte[]> writes,
                      RegionSink regions) {
        byte[] dir = new byte[(int) ((dirBytes + cs - 1) / cs * cs)];
        regions.region(Layout.BITMAP_DIRECTORY, dirOffset, dirBytes);
        int at = 0;
        for (int i = 0; i < plans.size(); i++) {
            BitmapPlan bp = plans.get(i);
            PersistentBitmap b = bp.bitmap;
            byte[] name = b.nameBytes();
            BigEndian.put64(dir, at, bp.tableOffset);
            BigEndian.put32(dir, at + 8, bp.entries.length);
            BigEndian.put32(dir, at + 12, b.flags());
            dir[at + 16] = (byte) b.type();
            dir[at + 17] = (byte) b.granularityBits();
            BigEndian.put16(dir, at + 18, name.length);
            byte[] extra = b.extraData();
            BigEndian.put32(dir, at + 20, extra.length);
            System.arraycopy(extra, 0, dir, at + BitmapDirectoryEntry.FIXED_SIZE, extra.length);
            System.arraycopy(name, 0, dir, at + BitmapDirectoryEntry.FIXED_SIZE + extra.length, name.length);
            regions.region(Layout.bitmapDirectoryEntry(i), dirOffset + at, b.entrySize());
            at += b.entrySize();
            if (bp.entries.length == 0) {
                continue;
            }
            byte[] table = new byte[(int) (bp.tableClusters() * cs)];
            regions.region(Layout.bitmapTable(i), bp.tableOffset, bp.entries.length * 8L);
            for (int j = 0; j < bp.entries.length; j++) {
                BigEndian.put64(table, j * 8, bp.entries[j]);
                regions.region(Layout.bitmapTableEntry(i, j), bp.tableOffset + j * 8L, 8);
                long data = BitmapTableEntry.offset(bp.entries[j]);
                if (data != 0) {
                    regions.region(Layout.bitmapData(i, j), data, cs);
                    writes.put(data, bp.cluster(j, (int) cs));
                }
            }
            writes.put(bp.tableOffset, table);
        }
        writes.put(dirOffset, dir);
    }
}
