package io.qcow2conformance.model.bitmap;

import io.qcow2conformance.model.extensions.HeaderExtension.Bitmaps;
import io.qcow2conformance.model.image.Limits;
import io.qcow2conformance.model.io.BigEndian;
import io.qcow2conformance.model.io.ImageSource;
import io.qcow2conformance.model.rules.ImageException;
import io.qcow2conformance.model.rules.Rule;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The one decoder of the bitmap directory and bitmap tables (spec: Bitmaps > Bitmap
 * directory, Bitmap table). Everything is bounded before it is allocated: the directory by
 * QEMU's maximum (1024 bytes for each of 65535 bitmaps) and the metadata budget, a table by
 * QEMU's 0x8000000 entries and the metadata budget; the number of entries and name lengths
 * are bounded by the directory bytes they are decoded from. Faults of content are left to
 * {@link BitmapRules}.
 */
public final class BitmapDecoder {
    /** QEMU's limits (block/qcow2-bitmap.c): bitmaps per image and bytes per directory entry. */
    public static final long QEMU_MAX_BITMAPS = 65535;
    public static final long QEMU_MAX_DIRECTORY_ENTRY = 1024;
    public static final long MAX_DIRECTORY_BYTES = QEMU_MAX_BITMAPS * QEMU_MAX_DIRECTORY_ENTRY;
    /** QEMU's BME_MAX_TABLE_SIZE: bitmap table entries. */
    public static final long MAX_TABLE_ENTRIES = 0x8000000L;

    private BitmapDecoder() {
    }

    /** Reads and decodes the directory that a (24-byte) bitmaps extension points to. */
    public static BitmapDirectory readDirectory(ImageSource src, Bitmaps ext, Limits limits) {
        long offset = ext.bitmapDirectoryOffset();
        long size = ext.bitmapDirectorySize();
        if (Long.compareUnsigned(size, MAX_DIRECTORY_BYTES) > 0) {
            throw new ImageException(Rule.EXTENSIONS_BITMAPS_DIRECTORY_SIZE_QEMU_MAX, "bitmap_directory_size",
                    ext.offset() + 16, Rule.EXTENSIONS_BITMAPS_DIRECTORY_SIZE_QEMU_MAX.format(size, MAX_DIRECTORY_BYTES)
                            + "; the directory is not read");
        }
        budget(src, size, limits, "bitmap directory", offset);
        ByteBuffer buf = src.read(offset, (int) size, Rule.FILE_STRUCTURE_IN_BOUNDS, "bitmap directory");
        return decodeDirectory(buf.array(), offset, ext.nbBitmaps());
    }

    /** Decodes directory bytes that were read from file offset {@code offset}. */
    public static BitmapDirectory decodeDirectory(byte[] dir, long offset, long nbBitmaps) {
        List<BitmapDirectoryEntry> entries = new ArrayList<>();
        int pos = 0;
        long overrun = 0;
        while (dir.length - pos >= BitmapDirectoryEntry.FIXED_SIZE) {
            long extraSize = BigEndian.u32(dir, pos + 20);
            int nameSize = BigEndian.u16(dir, pos + 18);
            long entrySize = BitmapDirectoryEntry.entrySize(extraSize, nameSize);
            if (entrySize > dir.length - pos) {
                overrun = entrySize;
                break; // overruns the directory: left undecoded, judged by the rules
            }
            int extraAt = pos + BitmapDirectoryEntry.FIXED_SIZE;
            int nameAt = extraAt + (int) extraSize;
            int end = pos + (int) entrySize;
            long firstNonZeroPadding = -1;
            for (int i = nameAt + nameSize; i < end; i++) {
                if (dir[i] != 0) {
                    firstNonZeroPadding = offset + i;
                    break;
                }
            }
            entries.add(new BitmapDirectoryEntry(offset + pos, BigEndian.u64(dir, pos), BigEndian.u32(dir, pos + 8),
                    BigEndian.u32(dir, pos + 12), dir[pos + 16] & 0xff, dir[pos + 17] & 0xff, nameSize, extraSize,
                    Arrays.copyOfRange(dir, extraAt, nameAt), Arrays.copyOfRange(dir, nameAt, nameAt + nameSize),
                    firstNonZeroPadding));
            pos = end;
        }
        return new BitmapDirectory(offset, dir.length, nbBitmaps, entries, offset + pos, dir.length - pos, overrun);
    }

    /**
     * Reads the bitmap table of {@code entry}: {@code bitmap_table_size} big-endian entries at
     * {@code bitmap_table_offset}. The table must lie in the file.
     */
    public static BitmapTable readTable(ImageSource src, BitmapDirectoryEntry entry, Limits limits) {
        long entries = entry.bitmapTableSize();
        if (entries > MAX_TABLE_ENTRIES) {
            throw new ImageException(Rule.BITMAP_TABLE_SIZE_QEMU_RANGE, "bitmap_table_size", entry.entryOffset() + 8,
                    "bitmap '" + entry.name() + "' has " + entries + " table entries, more than the "
                            + MAX_TABLE_ENTRIES + " the kit reads");
        }
        long bytes = entries * 8;
        budget(src, bytes, limits, "bitmap table", entry.bitmapTableOffset());
        ByteBuffer buf = src.read(entry.bitmapTableOffset(), (int) bytes, Rule.BITMAP_TABLE_IN_FILE,
                "bitmap table of '" + entry.name() + "'");
        long[] table = new long[(int) entries];
        buf.asLongBuffer().get(table);
        return new BitmapTable(entry.bitmapTableOffset(), table);
    }

    private static void budget(ImageSource src, long bytes, Limits limits, String what, long offset) {
        if (src.metadataBytesRead() + bytes > limits.maxMetadataBytes()) {
            throw new ImageException(Rule.LIMIT_METADATA_BYTES, what, offset,
                    Rule.LIMIT_METADATA_BYTES.format(limits.maxMetadataBytes()));
        }
    }
}
