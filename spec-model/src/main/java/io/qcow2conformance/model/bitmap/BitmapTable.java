package io.qcow2conformance.model.bitmap;

/**
 * A decoded bitmap table (spec: Bitmaps > Bitmap table): its file offset and raw entries
 * (read them with {@link BitmapTableEntry}).
 */
public record BitmapTable(long offset, long[] entries) {
    public BitmapTable {
        entries = entries.clone();
    }

    @Override
    public long[] entries() {
        return entries.clone();
    }

    public int size() {
        return entries.length;
    }

    public long entry(int i) {
        return entries[i];
    }
}
