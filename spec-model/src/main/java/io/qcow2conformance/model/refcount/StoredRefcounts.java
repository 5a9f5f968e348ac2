package io.qcow2conformance.model.refcount;

import io.qcow2conformance.model.header.Header;
import io.qcow2conformance.model.image.Limits;
import io.qcow2conformance.model.io.ImageSource;
import io.qcow2conformance.model.rules.Finding;
import io.qcow2conformance.model.rules.ImageException;
import io.qcow2conformance.model.rules.Rule;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.BitSet;
import java.util.List;

/**
 * The refcounts an image stores for each of its host clusters (spec: Host cluster
 * management), read from the refcount table and blocks in bulk, and the refcount table
 * entries' own rules. Only clusters inside the file are kept (refcounts of clusters past
 * the end of the file describe nothing that can be checked).
 *
 * <p>Like {@code qemu-img check}: a table entry with reserved bits is reported and its
 * block is not counted as a reference, but its offset (reserved bits masked) is still
 * used to read refcounts; an unaligned block offset makes the refcounts of its clusters
 * unreadable (QEMU counts those as check errors); a block outside the file reads as zeros.
 */
public final class StoredRefcounts {
    /** Entries decoded per bulk step; a multiple of 64 so that every width starts on a byte. */
    private static final int CHUNK_ENTRIES = 8192;

    private final Header header;
    private final long[] table;
    private final long entriesPerBlock;
    private final ClusterCounts counts;
    private final BitSet unreadableBlocks = new BitSet();
    private final long[] referencedBlocks;
    private long bytesRead;

    private StoredRefcounts(Header header, long[] table, int clusters) {
        this.header = header;
        this.table = table;
        this.entriesPerBlock = RefcountDecoder.entriesPerBlock(header);
        this.counts = new ClusterCounts(clusters);
        this.referencedBlocks = new long[table.length];
    }

    /**
     * Reads the refcount table and every block it names. Findings for table entries go to
     * {@code out}. {@code clusters} is the number of host clusters in the file.
     */
    public static StoredRefcounts load(ImageSource src, Header h, Limits limits, int clusters, List<Finding> out) {
        long[] table = RefcountDecoder.readTable(src, h, limits);
        StoredRefcounts s = new StoredRefcounts(h, table, clusters);
        s.readBlocks(src, limits, out);
        return s;
    }

    private void readBlocks(ImageSource src, Limits limits, List<Finding> out) {
        long cs = header.clusterSize();
        int order = (int) header.refcountOrder();
        int bits = 1 << order;
        int chunk = (int) Math.min(CHUNK_ENTRIES, entriesPerBlock);
        byte[] raw = new byte[chunk * bits / 8];
        long[] decoded = new long[chunk];
        for (int i = 0; i < table.length; i++) {
            long entry = table[i];
            long entryOffset = header.refcountTableOffset() + 8L * i;
            long offset = entry & RefcountDecoder.TABLE_OFFSET_MASK;
            boolean counted = true;
            if ((entry & RefcountDecoder.TABLE_RESERVED_MASK) != 0) {
                out.add(Finding.of(Rule.REFCOUNT_TABLE_ENTRY_RESERVED, entryOffset, i, entry));
                counted = false;
            } else if (offset % cs != 0) {
                out.add(Finding.of(Rule.REFCOUNT_TABLE_ENTRY_ALIGNED, entryOffset, i, offset));
                unreadableBlocks.set(i);
                continue;
            } else if (offset != 0 && Long.compareUnsigned(offset, src.size()) >= 0) { // bit 63 set: past the end
                out.add(Finding.of(Rule.REFCOUNT_BLOCK_IN_FILE, entryOffset, i, offset, src.size()));
                continue; // reads as zeros
            }
            if (offset == 0 || Long.compareUnsigned(offset, src.size()) >= 0) {
                continue; // no block, or (reserved bits) one past the end: zeros
            }
            if (offset % cs != 0) {
                unreadableBlocks.set(i); // reserved bits and an unaligned offset
                continue;
            }
            if (counted) {
                referencedBlocks[i] = offset;
            }
            long first = i * entriesPerBlock;
            if (first >= counts.size()) {
                continue;
            }
            int n = (int) Math.min(entriesPerBlock, counts.size() - first);
            for (int done = 0; done < n; done += chunk) {
                int m = Math.min(chunk, n - done);
                int len = (int) (((long) m * bits + 7) / 8);
                budget(src, limits, len);
                Arrays.fill(raw, (byte) 0);
                src.readAvailable(offset + (long) done * bits / 8, ByteBuffer.wrap(raw, 0, len));
                RefcountDecoder.decodeBlock(raw, order, decoded, m);
                for (int j = 0; j < m; j++) {
                    counts.set((int) (first + done + j), decoded[j]);
                }
            }
        }
    }

    private void budget(ImageSource src, Limits limits, long bytes) {
        bytesRead += bytes;
        if (src.metadataBytesRead() + bytesRead > limits.maxMetadataBytes()) {
            throw new ImageException(Rule.LIMIT_METADATA_BYTES, "refcount blocks", header.refcountTableOffset(),
                    Rule.LIMIT_METADATA_BYTES.format(limits.maxMetadataBytes()));
        }
    }

    /** Bytes of refcount blocks read (beyond what the source counts itself). */
    public long bytesRead() {
        return bytesRead;
    }

    /** Number of host clusters covered: the clusters of the file. */
    public int clusters() {
        return counts.size();
    }

    /** The stored refcount of host cluster {@code index} (unsigned); 0 when no block covers it. */
    public long get(int index) {
        return counts.get(index);
    }

    /** The counts themselves, for bulk comparison. */
    public ClusterCounts counts() {
        return counts;
    }

    /** False when the refcount block that holds this cluster's refcount cannot be read. */
    public boolean readable(long index) {
        long block = index / entriesPerBlock;
        return block >= table.length || !unreadableBlocks.get((int) block);
    }

    /** Refcount table entries whose refcount block is a valid reference, by table index (0 = none). */
    public long[] referencedBlocks() {
        return referencedBlocks.clone();
    }

    /** Byte offset of the stored refcount of cluster {@code index} (or of what stands for it). */
    public long entryOffset(long index) {
        long block = index / entriesPerBlock;
        if (block >= table.length) {
            return header.refcountTableOffset();
        }
        long offset = table[(int) block] & RefcountDecoder.TABLE_OFFSET_MASK;
        if (offset == 0) {
            return header.refcountTableOffset() + 8 * block;
        }
        return offset + (index % entriesPerBlock) * header.refcountBits() / 8;
    }
}
