package io.qcow2conformance.model.bitmap;

import io.qcow2conformance.model.header.Header;
import io.qcow2conformance.model.rules.Finding;
import io.qcow2conformance.model.rules.Rule;

import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The rules of persistent bitmaps (spec: Bitmaps and its subsections), as findings. The
 * bitmaps extension's own fields are judged by {@code extensions.ExtensionRules}; these
 * rules start at the directory it points to. Offsets point at the field concerned.
 *
 * <p>A bitmap_table_offset of 0 is judged both as the published spec does
 * ({@link Rule#BITMAP_TABLE_OFFSET_NON_ZERO}) and as proposal zero-bitmap-table-offset does
 * ({@link Rule#BITMAP_TABLE_OFFSET_ZERO_SIZE}); which of the two counts is decided by the
 * proposals applied ({@code check.Proposal}), never here. Such an entry has no table to judge.
 */
public final class BitmapRules {
    /** QEMU's limits (block/qcow2-bitmap.c): name bytes, granularity bits, bytes of bitmap data. */
    static final int QEMU_MAX_NAME = 1023;
    static final int QEMU_MIN_GRANULARITY_BITS = 9;
    static final int QEMU_MAX_GRANULARITY_BITS = 31;
    static final long QEMU_MAX_DATA_BYTES = 0x20000000L;
    /** Granularity bits the spec allows: 0-63. */
    static final int MAX_GRANULARITY_BITS = 63;

    private BitmapRules() {
    }

    /** Rules of the directory as a whole: entries within it, their count, unique names. */
    public static void directory(BitmapDirectory dir, List<Finding> out) {
        boolean overrun = dir.overrunEntrySize() > 0;
        if (overrun) {
            long at = dir.undecodedOffset();
            out.add(Finding.of(Rule.BITMAP_DIRECTORY_ENTRY_IN_DIRECTORY, at, at, dir.overrunEntrySize(),
                    dir.undecodedLength()));
        } else if (dir.undecodedLength() > 0) {
            out.add(Finding.of(Rule.BITMAP_DIRECTORY_SIZE_MATCHES, dir.undecodedOffset(), dir.undecodedLength()));
        }
        if (!overrun && dir.entries().size() != dir.nbBitmaps()) {
            out.add(Finding.of(Rule.BITMAP_DIRECTORY_COUNT_MATCHES, dir.offset(), dir.nbBitmaps(), dir.entries().size()));
        }
        Set<String> names = new HashSet<>();
        Set<String> reported = new HashSet<>();
        for (BitmapDirectoryEntry e : dir.entries()) {
            if (!names.add(e.name()) && reported.add(e.name())) {
                out.add(Finding.of(Rule.BITMAP_NAME_UNIQUE, e.nameOffset(), e.name()));
            }
        }
    }

    /**
     * Rules of one directory entry that need nothing but the entry and the header. Returns
     * true when the entry's table can be read: it has a non-zero offset, a size QEMU's limit
     * allows and lies in the file.
     */
    public static boolean entry(Header h, BitmapDirectoryEntry e, long fileSize, List<Finding> out) {
        String name = e.name();
        long at = e.entryOffset();
        if (e.nameSize() == 0) {
            out.add(Finding.of(Rule.BITMAP_NAME_NON_EMPTY, at + 18, at));
        } else if (e.nameSize() > QEMU_MAX_NAME) {
            out.add(Finding.of(Rule.BITMAP_NAME_QEMU_MAX, at + 18, name, e.nameSize()));
        }
        if (e.type() != BitmapDirectoryEntry.TYPE_DIRTY_TRACKING) {
            out.add(Finding.of(Rule.BITMAP_TYPE_KNOWN, at + 16, name, e.type()));
        }
        if (e.granularityBits() > MAX_GRANULARITY_BITS) {
            out.add(Finding.of(Rule.BITMAP_GRANULARITY_MAX, at + 17, name, e.granularityBits()));
        } else if (e.granularityBits() < QEMU_MIN_GRANULARITY_BITS || e.granularityBits() > QEMU_MAX_GRANULARITY_BITS) {
            out.add(Finding.of(Rule.BITMAP_GRANULARITY_QEMU, at + 17, name, e.granularityBits()));
        }
        long reserved = e.flags() & BitmapDirectoryEntry.FLAGS_RESERVED;
        if (reserved != 0) {
            out.add(Finding.of(Rule.BITMAP_FLAGS_RESERVED, at + 12, name, reserved));
        }
        if (e.inUse()) {
            out.add(Finding.of(Rule.BITMAP_IN_USE, at + 12, name));
        }
        extraData(e, out);
        if (e.firstNonZeroPadding() >= 0) {
            out.add(Finding.of(Rule.BITMAP_PADDING_ZERO, e.firstNonZeroPadding(), name, e.firstNonZeroPadding()));
        }
        return table(h, e, fileSize, out);
    }

    /** spec: Bitmap directory > extra_data_size, flags bit 2. */
    private static void extraData(BitmapDirectoryEntry e, List<Finding> out) {
        long at = e.entryOffset();
        if (e.extraDataSize() != 0) {
            out.add(Finding.of(Rule.BITMAP_EXTRA_DATA_SIZE_ZERO, at + 20, e.name(), e.extraDataSize()));
            if (!e.extraDataCompatible()) {
                out.add(Finding.of(Rule.BITMAP_EXTRA_DATA_UNUSABLE, at + 12, e.name()));
            }
        }
        if (e.extraDataSize() != 0 || e.extraDataCompatible()) {
            out.add(Finding.of(Rule.BITMAP_EXTRA_DATA_QEMU, e.extraDataSize() != 0 ? at + 20 : at + 12, e.name(),
                    e.extraDataSize() != 0 ? "extra data" : "the extra_data_compatible flag"));
        }
    }

    /** spec: Bitmap directory > bitmap_table_offset, bitmap_table_size; Bitmap table (contiguous, in the file). */
    private static boolean table(Header h, BitmapDirectoryEntry e, long fileSize, List<Finding> out) {
        String name = e.name();
        long at = e.entryOffset();
        long size = e.bitmapTableSize();
        if (e.bitmapTableOffset() == 0) {
            out.add(Finding.of(Rule.BITMAP_TABLE_OFFSET_NON_ZERO, at, name, size));
            if (size != 0) {
                out.add(Finding.of(Rule.BITMAP_TABLE_OFFSET_ZERO_SIZE, at + 8, name, size));
            }
            return false;
        }
        long cs = h.clusterSize();
        if (Long.remainderUnsigned(e.bitmapTableOffset(), cs) != 0) {
            out.add(Finding.of(Rule.BITMAP_TABLE_OFFSET_ALIGNED, at, name, e.bitmapTableOffset(), cs));
        }
        long needed = e.tableEntriesNeeded(h.size(), cs);
        if (!e.inUse()) {
            if (size < needed) {
                out.add(Finding.of(Rule.BITMAP_TABLE_SIZE_COVERS_DISK, at + 8, name, size, needed));
            } else if (size > needed) {
                out.add(Finding.of(Rule.BITMAP_TABLE_SIZE_QEMU_EXACT, at + 8, name, size, needed));
            }
        }
        boolean readable = size <= BitmapDecoder.MAX_TABLE_ENTRIES;
        if (size == 0 || !readable || size * cs > QEMU_MAX_DATA_BYTES) {
            out.add(Finding.of(Rule.BITMAP_TABLE_SIZE_QEMU_RANGE, at + 8, name, size, size * cs));
        }
        long offset = e.bitmapTableOffset();
        if (offset < 0 || offset > fileSize || size * 8 > fileSize - offset) {
            out.add(Finding.of(Rule.BITMAP_TABLE_IN_FILE, at, name, offset, size, fileSize));
            return false;
        }
        return readable;
    }

    /** spec: Bitmap table — each entry's reserved bits, alignment, and its data cluster inside the file. */
    public static void tableEntries(Header h, BitmapDirectoryEntry e, BitmapTable t, long fileSize, List<Finding> out) {
        long cs = h.clusterSize();
        for (int i = 0; i < t.size(); i++) {
            long entry = t.entry(i);
            long offset = BitmapTableEntry.offset(entry);
            long at = t.offset() + 8L * i;
            boolean bit0Reserved = offset != 0 && BitmapTableEntry.bit0(entry);
            if (BitmapTableEntry.reservedBits(entry) != 0 || bit0Reserved) {
                out.add(Finding.of(Rule.BITMAP_TABLE_ENTRY_RESERVED, at, e.name(), i, entry));
            }
            if (offset == 0) {
                continue;
            }
            if (offset % cs != 0) {
                out.add(Finding.of(Rule.BITMAP_TABLE_ENTRY_ALIGNED, at, e.name(), i, offset));
            }
            if (offset >= fileSize) {
                out.add(Finding.of(Rule.BITMAP_DATA_IN_FILE, at, e.name(), i, offset, fileSize));
            }
        }
    }

    /**
     * spec: Bitmap data — the bits of the last data cluster past the bitmap's end are zero.
     *
     * @param lastCluster the content of the data cluster of table entry {@code index}
     * @param index       the table entry of the cluster that holds the bitmap's last bit
     */
    public static void tailBits(Header h, BitmapDirectoryEntry e, long clusterOffset, int index, byte[] lastCluster,
                                List<Finding> out) {
        long bitsBefore = (long) index * lastCluster.length * 8;
        long usedBits = e.bits(h.size()) - bitsBefore;
        int firstByte = (int) (usedBits >>> 3);
        int bitInByte = (int) (usedBits & 7);
        for (int i = firstByte; i < lastCluster.length; i++) {
            int mask = i == firstByte ? (0xff << bitInByte) & 0xff : 0xff;
            if ((lastCluster[i] & mask) != 0) {
                out.add(Finding.of(Rule.BITMAP_DATA_TAIL_ZERO, clusterOffset + i, e.name(), clusterOffset,
                        clusterOffset + i));
                return;
            }
        }
    }
}
