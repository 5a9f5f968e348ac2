package io.qcow2conformance.model.bitmap;

import java.util.List;

/**
 * The decoded bitmap directory (spec: Bitmaps > Bitmap directory).
 *
 * @param offset          bitmap_directory_offset
 * @param size            bitmap_directory_size
 * @param nbBitmaps       nb_bitmaps of the bitmaps extension
 * @param entries         every whole entry, in directory order
 * @param undecodedOffset file offset of the first byte after the last whole entry
 * @param undecodedLength directory bytes from there to the end of the directory that are not a
 *                        whole entry: an entry that overruns the directory, or a tail too short
 *                        for an entry
 * @param overrunEntrySize the size that the entry overrunning the directory claims, or 0 when
 *                        fewer than 24 bytes are left
 */
public record BitmapDirectory(long offset, long size, long nbBitmaps, List<BitmapDirectoryEntry> entries,
                              long undecodedOffset, long undecodedLength, long overrunEntrySize) {
    public BitmapDirectory {
        entries = List.copyOf(entries);
    }
}
