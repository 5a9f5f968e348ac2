package io.qcow2conformance.model.bitmap;

import io.qcow2conformance.model.header.Header;
import io.qcow2conformance.model.io.ImageSource;

import java.util.ArrayList;
import java.util.List;

/**
 * Reads a bitmap's set bits as guest byte ranges (spec: Bitmaps > Bitmap data, Bitmap table):
 * bit {@code n} of the bitmap is bit {@code n % 8} (least significant first) of byte
 * {@code n / 8} of the bitmap data; an unallocated table entry reads as all zeros, or all
 * ones with bit 0 set; a bitmap without a table (offset 0, as proposal
 * zero-bitmap-table-offset defines it) reads as empty. Ranges are merged, sorted and end at
 * the virtual size. Whether the bitmap may be trusted is for the caller to decide
 * ({@link PersistentBitmaps#consistent()}, the bitmap's findings); this only reads.
 */
public final class BitmapReader {
    private BitmapReader() {
    }

    public static List<Range> ranges(ImageSource src, Header h, StoredBitmap bitmap) {
        Ranges out = new Ranges(bitmap.entry().granularityBits(), h.size());
        BitmapTable t = bitmap.table();
        if (t == null) {
            return out.done();
        }
        int cs = (int) h.clusterSize();
        long bitsPerCluster = cs * 8L;
        long totalBits = bitmap.entry().bits(h.size());
        long clusters = Math.min(t.size(), bitmap.entry().tableEntriesNeeded(h.size(), cs));
        for (int i = 0; i < clusters; i++) {
            long first = i * bitsPerCluster;
            long entry = t.entry(i);
            long offset = BitmapTableEntry.offset(entry);
            if (offset == 0) {
                if (BitmapTableEntry.bit0(entry)) {
                    out.add(first, Math.min(bitsPerCluster, totalBits - first));
                }
                continue;
            }
            byte[] data = PersistentBitmaps.readCluster(src, offset, cs);
            long end = Math.min(bitsPerCluster, totalBits - first);
            for (int b = 0; b < (end + 7) / 8; b++) {
                int v = data[b] & 0xff;
                for (int k = 0; v != 0 && k < 8; k++, v >>>= 1) {
                    long bit = b * 8L + k;
                    if ((v & 1) != 0 && bit < end) {
                        out.add(first + bit, 1);
                    }
                }
            }
        }
        return out.done();
    }

    /** Collects set bits as merged guest ranges, capped at the virtual size. */
    private static final class Ranges {
        private final int granularityBits;
        private final long virtualSize;
        private final List<Range> ranges = new ArrayList<>();
        private long start = -1;
        private long end;

        Ranges(int granularityBits, long virtualSize) {
            this.granularityBits = granularityBits;
            this.virtualSize = virtualSize;
        }

        void add(long firstBit, long bits) {
            long s = guest(firstBit);
            long e = guest(firstBit + bits);
            if (s >= e) {
                return;
            }
            if (start >= 0 && s == end) {
                end = e;
                return;
            }
            flush();
            start = s;
            end = e;
        }

        /** Guest offset of a bit boundary, at most the virtual size. */
        private long guest(long bit) {
            long g = granularityBits >= 63 || bit > (Long.MAX_VALUE >>> granularityBits)
                    ? (bit == 0 ? 0 : Long.MAX_VALUE) : bit << granularityBits;
            return Long.compareUnsigned(g, virtualSize) > 0 ? virtualSize : g;
        }

        private void flush() {
            if (start >= 0) {
                ranges.add(new Range(start, end - start));
            }
        }

        List<Range> done() {
            flush();
            start = -1;
            return List.copyOf(ranges);
        }
    }
}
