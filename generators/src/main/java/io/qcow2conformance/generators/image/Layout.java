package io.qcow2conformance.generators.image;

import java.util.Map;
import java.util.OptionalLong;

/**
 * Where the writer put each structure of one image (byte offsets), so that faults are
 * injected by name. Offsets are absolute file offsets.
 *
 * @param clusterSize        bytes per cluster
 * @param refcountTable      offset of the refcount table
 * @param refcountBlocks     offsets of the refcount blocks, by index
 * @param l1Table            offset of the active L1 table
 * @param l2Tables           offset of each L2 table, by L1 index
 * @param dataClusters       host offset of each guest cluster with a host cluster (standard or preallocated zero)
 * @param compressedData     host byte offset of each compressed guest cluster's data
 * @param extensions         offset of each header extension's type field, by type (first of each type)
 * @param fileSize           length of the file
 */
public record Layout(
        int clusterSize,
        int refcountOrder,
        long refcountTable,
        long[] refcountBlocks,
        long l1Table,
        Map<Integer, Long> l2Tables,
        Map<Long, Long> dataClusters,
        Map<Long, Long> compressedData,
        Map<Long, Long> extensions,
        long fileSize) {

    public Layout {
        refcountBlocks = refcountBlocks.clone();
        l2Tables = Map.copyOf(l2Tables);
        dataClusters = Map.copyOf(dataClusters);
        compressedData = Map.copyOf(compressedData);
        extensions = Map.copyOf(extensions);
    }

    @Override
    public long[] refcountBlocks() {
        return refcountBlocks.clone();
    }

    public int l2Entries() {
        return clusterSize / 8;
    }

    /** File offset of the L1 entry that covers {@code guestCluster}. */
    public long l1EntryOffset(long guestCluster) {
        return l1Table + 8 * (guestCluster / l2Entries());
    }

    /** File offset of the L2 entry for {@code guestCluster}, when its L2 table exists. */
    public OptionalLong l2EntryOffset(long guestCluster) {
        Long table = l2Tables.get((int) (guestCluster / l2Entries()));
        return table == null ? OptionalLong.empty() : OptionalLong.of(table + 8 * (guestCluster % l2Entries()));
    }

    /** The host offset of the cluster holding {@code s}. */
    public long hostOffset(Structure s) {
        if (s instanceof Structure.RefcountTable) {
            return refcountTable;
        } else if (s instanceof Structure.RefcountBlock b) {
            return refcountBlocks[b.index()];
        } else if (s instanceof Structure.L1Table) {
            return l1Table;
        } else if (s instanceof Structure.L2Table l) {
            return require(l2Tables.get((int) (l.guestCluster() / l2Entries())), s);
        } else if (s instanceof Structure.DataCluster d) {
            return require(dataClusters.get(d.guestCluster()), s);
        }
        return 0; // the header cluster
    }

    private static long require(Long v, Structure s) {
        if (v == null) {
            throw new IllegalArgumentException(s + " has no host cluster in this image");
        }
        return v;
    }
}
