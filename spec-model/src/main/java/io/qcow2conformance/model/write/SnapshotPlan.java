package io.qcow2conformance.model.write;

import io.qcow2conformance.model.io.BigEndian;
import io.qcow2conformance.model.mapping.L1Entry;
import io.qcow2conformance.model.mapping.L2Entry;
import io.qcow2conformance.model.snapshot.Snapshot;
import io.qcow2conformance.model.snapshot.SnapshotEntryField;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * The internal snapshots' share of a {@link Qcow2Writer} layout (spec: Snapshots), as QEMU
 * lays them out: a host cluster that no operation has rewritten since a snapshot was taken
 * is shared by the snapshot and the active image (one host cluster, refcount counting both,
 * so the active image's entries lose the copied flag; spec: Cluster mapping), while each
 * snapshot has its own L1 table copy. Unlike QEMU, each snapshot also has its own L2
 * tables (a valid, simpler layout: an L2 table is then never shared).
 *
 * <p>Host clusters, after the active image's data and bitmaps: for each snapshot its L1
 * table, its L2 tables in L1 order, then its data clusters that the active image no longer
 * maps (in guest order, each written once even when several snapshots share it); last the
 * snapshot table, entries one after the other, each padded to a multiple of 8 bytes.
 */
final class SnapshotPlan {
    private final ImageDescription d;
    private final long cs;
    private final List<View> views = new ArrayList<>();
    /** Host cluster of each (guest cluster, last operation) data version owned by the snapshots. */
    private final Map<Version, Long> ownData = new LinkedHashMap<>();
    private final Map<Version, View> ownDataSource = new HashMap<>();
    private final Map<Long, Version> activeVersions;
    private final byte[] table;
    private long tableOffset;

    /** One stored version of a guest cluster: the index of the last operation that wrote it. */
    private record Version(long guestCluster, int operation) {
    }

    /** One snapshot: what it captured and where its tables go. */
    private static final class View {
        final InternalSnapshot snapshot;
        final GuestContent content;
        final Map<Long, Version> versions;
        final long l1Size;
        final TreeSet<Integer> l2Tables = new TreeSet<>();
        final Map<Integer, Long> l2Offsets = new LinkedHashMap<>();
        long l1Offset;

        View(InternalSnapshot snapshot, GuestContent content, Map<Long, Version> versions, long l1Size) {
            this.snapshot = snapshot;
            this.content = content;
            this.versions = versions;
            this.l1Size = l1Size;
        }

        long l1Clusters(long cs) {
            return Math.max(1, (l1Size * 8 + cs - 1) / cs);
        }
    }

    SnapshotPlan(ImageDescription d, GuestContent active) {
        this.d = d;
        this.cs = d.clusterSize();
        this.activeVersions = d.snapshots().isEmpty() ? Map.of() : versions(d, d.operations().size());
        int tableBytes = 0;
        for (int i = 0; i < d.snapshots().size(); i++) {
            InternalSnapshot s = d.snapshots().get(i);
            GuestContent content = active.snapshot(i);
            ImageDescription v = content.description();
            View view = new View(s, content, versions(d, s.operations()), v.l1Size());
            content.clusters().keySet().forEach(c -> view.l2Tables.add((int) (c / v.l2Entries())));
            views.add(view);
            tableBytes += entrySize(s);
            for (Map.Entry<Long, ClusterState> e : content.clusters().entrySet()) {
                Version version = view.versions.get(e.getKey());
                if (hostBacked(e.getValue()) && !sharedWithActive(version, active)) {
                    ownData.putIfAbsent(version, -1L);
                    ownDataSource.putIfAbsent(version, view);
                }
            }
        }
        table = new byte[tableBytes];
    }

    boolean isEmpty() {
        return views.isEmpty();
    }

    int count() {
        return views.size();
    }

    long tableOffset() {
        return tableOffset;
    }

    /** Host clusters the snapshots need beyond those of the active image. */
    long clusters() {
        long n = ownData.size() + (table.length + cs - 1) / cs;
        for (View v : views) {
            n += v.l1Clusters(cs) + v.l2Tables.size();
        }
        return n;
    }

    /**
     * Places everything from host cluster {@code next} on, counting one reference in
     * {@code refcounts} for each table and for each use of a data cluster (those of the
     * active image at {@code activeData}, by guest cluster); returns the next free cluster.
     */
    long place(long next, long[] refcounts, Map<Long, Long> activeData) {
        for (View v : views) {
            v.l1Offset = next * cs;
            next = use(refcounts, next, v.l1Clusters(cs));
            for (int t : v.l2Tables) {
                v.l2Offsets.put(t, next * cs);
                next = use(refcounts, next, 1);
            }
        }
        for (Version version : sortedByGuest(ownData.keySet())) {
            ownData.put(version, next * cs);
            next++;
        }
        for (View v : views) {
            for (Map.Entry<Long, ClusterState> e : v.content.clusters().entrySet()) {
                Long host = host(v, e.getKey(), e.getValue(), activeData);
                if (host != null) {
                    refcounts[(int) (host / cs)]++;
                }
            }
        }
        tableOffset = next * cs;
        return use(refcounts, next, (table.length + cs - 1) / cs);
    }

    /** Writes the tables, data and snapshot table; names their regions through {@code layout}. */
    void write(Map<Long, byte[]> writes, long[] refcounts, Map<Long, Long> activeData, RegionSink layout) {
        for (Map.Entry<Version, Long> e : ownData.entrySet()) {
            byte[] data = new byte[(int) cs];
            View v = ownDataSource.get(e.getKey());
            long c = e.getKey().guestCluster();
            if (v.content.clusters().get(c) instanceof ClusterState.Zero) {
                GuestPattern.fill(c * cs, v.content.layer(c), data, 0, (int) cs);
            } else {
                v.content.cluster(c, data);
            }
            writes.put(e.getValue(), data);
        }
        int at = 0;
        for (int i = 0; i < views.size(); i++) {
            View v = views.get(i);
            byte[] l1 = new byte[(int) (v.l1Clusters(cs) * cs)];
            layout.region(Layout.snapshotL1Table(i), v.l1Offset, v.l1Size * 8);
            for (Map.Entry<Integer, Long> t : v.l2Offsets.entrySet()) {
                long l2Offset = t.getValue();
                BigEndian.put64(l1, t.getKey() * 8, l2Offset | copied(refcounts, l2Offset, L1Entry.COPIED));
                writes.put(l2Offset, l2(v, t.getKey(), refcounts, activeData));
            }
            writes.put(v.l1Offset, l1);
            int size = entrySize(v.snapshot);
            layout.region(Layout.snapshotEntry(i), tableOffset + at, size);
            entry(v, at, i, layout);
            at += size;
        }
        layout.region(Layout.SNAPSHOT_TABLE, tableOffset, table.length);
        writes.put(tableOffset, Arrays.copyOf(table, (int) ((table.length + cs - 1) / cs * cs)));
    }

    private byte[] l2(View v, int index, long[] refcounts, Map<Long, Long> activeData) {
        ImageDescription vd = v.content.description();
        byte[] l2 = new byte[(int) cs];
        long first = index * vd.l2Entries();
        for (long c = first; c < Math.min(vd.guestClusters(), first + vd.l2Entries()); c++) {
            ClusterState s = v.content.clusters().get(c);
            Long host = host(v, c, s, activeData);
            long entry = 0;
            if (s instanceof ClusterState.Zero) {
                entry = L2Entry.ZERO_FLAG | (host == null ? 0 : host | copied(refcounts, host, L2Entry.COPIED));
            } else if (host != null) {
                entry = host | copied(refcounts, host, L2Entry.COPIED);
            }
            BigEndian.put64(l2, (int) (c - first) * 8, entry);
        }
        return l2;
    }

    /**
     * Entry {@code index} at byte {@code at} of the table (spec: Snapshots > Snapshot table
     * entry): every field the extra data holds, each named in the layout; the date, clock and
     * VM state fields stay zero, icount is -1 (none), extra data past the fields is filler.
     */
    private void entry(View v, int at, int index, RegionSink layout) {
        InternalSnapshot s = v.snapshot;
        byte[] id = s.idBytes();
        byte[] name = s.nameBytes();
        int extra = at + Snapshot.FIXED_LENGTH;
        Arrays.fill(table, extra, extra + s.extraDataSize(), InternalSnapshot.UNKNOWN_EXTRA_BYTE);
        for (SnapshotEntryField f : SnapshotEntryField.values()) {
            if (!f.presentWith(s.extraDataSize())) {
                continue;
            }
            long value = switch (f) {
                case L1_TABLE_OFFSET -> v.l1Offset;
                case L1_SIZE -> v.l1Size;
                case ID_STR_SIZE -> id.length;
                case NAME_SIZE -> name.length;
                case EXTRA_DATA_SIZE -> s.extraDataSize();
                case DISK_SIZE -> v.content.description().virtualSize();
                case ICOUNT -> -1L;
                default -> 0; // dates, clock and VM state sizes
            };
            Qcow2Writer.putField(table, at + f.offset(), f.width(), value);
            layout.region(Layout.snapshotEntryField(index, f), tableOffset + at + f.offset(), f.width());
        }
        int pos = extra + s.extraDataSize();
        System.arraycopy(id, 0, table, pos, id.length);
        System.arraycopy(name, 0, table, pos + id.length, name.length);
    }

    static int entrySize(InternalSnapshot s) {
        return (Snapshot.FIXED_LENGTH + s.extraDataSize() + s.idBytes().length + s.nameBytes().length + 7) & ~7;
    }

    /** The host cluster of guest cluster {@code c} in snapshot {@code v}, or null for none. */
    private Long host(View v, long c, ClusterState s, Map<Long, Long> activeData) {
        if (!hostBacked(s)) {
            return null;
        }
        Version version = v.versions.get(c);
        Long own = ownData.get(version);
        return own != null ? own : activeData.get(c);
    }

    private boolean sharedWithActive(Version version, GuestContent active) {
        return version.equals(activeVersions.get(version.guestCluster()))
                && hostBacked(active.clusters().get(version.guestCluster()));
    }

    private static boolean hostBacked(ClusterState s) {
        return s instanceof ClusterState.Normal || s instanceof ClusterState.Zero z && z.preallocated();
    }

    private long copied(long[] refcounts, long host, long flag) {
        return refcounts[(int) (host / cs)] == 1 ? flag : 0;
    }

    /** For each guest cluster, the last of the first {@code n} operations that touched it. */
    private static Map<Long, Version> versions(ImageDescription d, int n) {
        long cs = d.clusterSize();
        Map<Long, Version> out = new HashMap<>();
        for (int i = 0; i < n; i++) {
            GuestOp op = d.operations().get(i);
            for (long c = op.offset() / cs; c <= (op.offset() + op.length() - 1) / cs; c++) {
                out.put(c, new Version(c, i));
            }
        }
        return out;
    }

    private static List<Version> sortedByGuest(java.util.Set<Version> versions) {
        return versions.stream().sorted(java.util.Comparator.comparingLong(Version::guestCluster)
                .thenComparingInt(Version::operation)).toList();
    }

    private static long use(long[] refcounts, long next, long n) {
        for (long i = 0; i < n; i++) {
            refcounts[(int) (next + i)] = 1;
        }
        return next + n;
    }
}
