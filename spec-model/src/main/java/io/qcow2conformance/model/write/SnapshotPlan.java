package io.qcow2conformance.model.write;

import io.qcow2conformance.model.io.BigEndian;
import io.qcow2conformance.model.mapping.L1Entry;
import io.qcow2conformance.model.mapping.L2Entry;
import io.qcow2conformance.model.snapshot.Snapshot;
import io.qcow2conformance.model.snapshot.SnapshotEntryField;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * The internal snapshots' share of a {@link Qcow2Writer} layout (spec: Snapshots), as QEMU
 * lays them out: a host cluster that no operation has rewritten since a snapshot was taken
 * is shared by the snapshot and the active image (one host cluster, refcount counting both,
 * so the active image's entries lose the copied flag; spec: Cluster mapping), and so is an
 * L2 table whose every entry the snapshot and the active image have in common (its refcount
 * counts each L1 table pointing at it, and the data it maps counts one reference per L1 table
 * that reaches it, as QEMU's snapshot creation and check count them). Each snapshot has its
 * own L1 table copy; an L2 table that differs from the active one is the snapshot's own.
 *
 * <p>Host clusters, after the active image's data and bitmaps: for each snapshot its L1
 * table, its own L2 tables in L1 order, then its data clusters that the active image no longer
 * maps (in guest order, each written once even when several snapshots share it, encrypted as
 * the active image's are), then likewise its compressed data that the active image no longer
 * maps, each run starting on a host cluster of its own; last the snapshot table, entries one
 * after the other, each padded to a multiple of 8 bytes. A compressed cluster the active image
 * still maps is the same run for both (spec: Cluster mapping > Compressed Clusters Descriptor);
 * a shared cluster ({@link GuestOp.Share}) maps whatever its source maps in the same table.
 *
 * <p>Snapshots taken one after the other with no operation between them (and the same
 * virtual size) capture the same content: it is computed once ({@link Capture}), so tens of
 * thousands of snapshots cost time and memory in proportion to their tables only.
 */
final class SnapshotPlan {
    private final ImageDescription d;
    private final long cs;
    private final GuestContent active;
    private final List<View> views = new ArrayList<>();
    /** Host cluster of each (guest cluster, last operation) data version owned by the snapshots. */
    private final Map<Version, Long> ownData = new LinkedHashMap<>();
    private final Map<Version, Capture> ownDataSource = new HashMap<>();
    /** The compressed bytes of each compressed data version owned by the snapshots, and its descriptor once placed. */
    private final Map<Version, byte[]> ownCompressed = new LinkedHashMap<>();
    private final Map<Version, Long> ownCompressedDescriptors = new HashMap<>();
    private final Map<Long, Version> activeVersions;
    /** The snapshot table, padded to whole clusters; {@link #tableLength} bytes are entries. */
    private final byte[] table;
    private final int tableLength;
    private long tableOffset;

    /** One stored version of a guest cluster: the index of the last operation that wrote it. */
    private record Version(long guestCluster, int operation) {
    }

    /** What snapshots taken after the same operations with the same virtual size captured. */
    private record CaptureKey(int operations, long virtualSize) {
    }

    /**
     * The content one or more snapshots captured, with its L2 tables: those identical to the
     * active image's ({@code sharedL2}) and those each such snapshot stores itself ({@code ownL2}).
     */
    private static final class Capture {
        final GuestContent content;
        final Map<Long, Version> versions;
        final long l1Size;
        final TreeSet<Integer> ownL2 = new TreeSet<>();
        final TreeSet<Integer> sharedL2 = new TreeSet<>();
        /** With no L2 table of its own, the one L1 table content all its snapshots store. */
        byte[] sharedL1;

        Capture(GuestContent content, Map<Long, Version> versions) {
            this.content = content;
            this.versions = versions;
            this.l1Size = content.description().l1Size();
        }

        long l1Clusters(long cs) {
            return Math.max(1, (l1Size * 8 + cs - 1) / cs);
        }
    }

    /** One snapshot: what it captured and where its tables go. */
    private static final class View {
        final InternalSnapshot snapshot;
        final Capture capture;
        final Map<Integer, Long> l2Offsets = new LinkedHashMap<>();
        final int entrySize;
        long l1Offset;

        View(InternalSnapshot snapshot, Capture capture) {
            this.snapshot = snapshot;
            this.capture = capture;
            this.entrySize = entrySize(snapshot);
        }
    }

    SnapshotPlan(ImageDescription d, GuestContent active) {
        this.d = d;
        this.cs = d.clusterSize();
        this.active = active;
        this.activeVersions = d.snapshots().isEmpty() ? Map.of() : versions(d, d.operations().size());
        Map<CaptureKey, Capture> captures = new HashMap<>();
        Map<Integer, Map<Long, Version>> versionsByOperations = new HashMap<>();
        long tableBytes = 0;
        for (int i = 0; i < d.snapshots().size(); i++) {
            InternalSnapshot s = d.snapshots().get(i);
            int index = i;
            Capture capture = captures.computeIfAbsent(new CaptureKey(s.operations(), d.snapshotVirtualSize(i)),
                    k -> capture(active.snapshot(index),
                            versionsByOperations.computeIfAbsent(k.operations(), n -> versions(d, n))));
            View v = new View(s, capture);
            views.add(v);
            tableBytes += v.entrySize;
        }
        long padded = (tableBytes + cs - 1) / cs * cs;
        if (padded > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("a snapshot table of " + tableBytes + " bytes is beyond the writer");
        }
        table = new byte[(int) padded];
        tableLength = (int) tableBytes;
    }

    /** The capture of {@code content}: which L2 tables it shares with the active image, which data it owns. */
    private Capture capture(GuestContent content, Map<Long, Version> versions) {
        Capture c = new Capture(content, versions);
        long l2Entries = content.description().l2Entries();
        content.clusters().keySet().forEach(g -> c.ownL2.add((int) (g / l2Entries)));
        for (Iterator<Integer> it = c.ownL2.iterator(); it.hasNext(); ) {
            int t = it.next();
            if (sameAsActive(c, t * l2Entries, (t + 1) * l2Entries)) {
                it.remove();
                c.sharedL2.add(t);
            }
        }
        for (Map.Entry<Long, ClusterState> e : content.clusters().entrySet()) {
            Version version = versions.get(e.getKey());
            if (e.getValue().hasHostCluster() && !sharedWithActive(version)) {
                ownData.putIfAbsent(version, -1L);
                ownDataSource.putIfAbsent(version, c);
            } else if (e.getValue() instanceof ClusterState.Compressed && !sharedWithActive(version)) {
                ownCompressed.computeIfAbsent(version, v -> {
                    byte[] data = new byte[(int) cs];
                    content.cluster(v.guestCluster(), data);
                    return d.compression().compress(data);
                });
            }
        }
        return c;
    }

    /**
     * Whether the capture's L2 entries for guest clusters {@code [from, to)} are exactly the
     * active image's (spec: Cluster mapping): both unallocated, both zero without a host
     * cluster, or the same host cluster in the same way (data, compressed data, zero over a
     * preallocated one, or the host cluster of the same other guest cluster).
     */
    private boolean sameAsActive(Capture c, long from, long to) {
        for (long g = from; g < to; g++) {
            ClusterState s = c.content.clusters().get(g);
            ClusterState a = active.clusters().get(g);
            boolean same = s == null ? a == null
                    : s instanceof ClusterState.Zero z && !z.preallocated() ? s.equals(a)
                    : s instanceof ClusterState.Shared sh ? s.equals(a) && sharedWithActive(c.versions.get(sh.source()))
                    : (s instanceof ClusterState.Normal && a instanceof ClusterState.Normal
                            || s instanceof ClusterState.Compressed && a instanceof ClusterState.Compressed
                            || (s instanceof ClusterState.Zero || s instanceof ClusterState.Subclusters) && s.equals(a))
                            && sharedWithActive(c.versions.get(g));
            if (!same) {
                return false;
            }
        }
        return true;
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
        long n = ownData.size() + table.length / cs;
        for (byte[] z : ownCompressed.values()) {
            n += compressedClusters(z);
        }
        for (View v : views) {
            n += v.capture.l1Clusters(cs) + v.capture.ownL2.size();
        }
        return n;
    }

    /**
     * Places everything from host cluster {@code next} on, counting one reference in
     * {@code refcounts} for each table (the active image's L2 tables at {@code activeL2}, by
     * L1 index, once more for each snapshot that shares them); returns the next free cluster.
     * The snapshots' own compressed data starts each on a fresh host cluster, after their other
     * own data. References to data clusters are counted by {@link #countReferences}.
     */
    long place(long next, long[] refcounts, Map<Integer, Long> activeL2) {
        for (View v : views) {
            v.l1Offset = next * cs;
            next = use(refcounts, next, v.capture.l1Clusters(cs));
            for (int t : v.capture.ownL2) {
                v.l2Offsets.put(t, next * cs);
                next = use(refcounts, next, 1);
            }
            for (int t : v.capture.sharedL2) {
                refcounts[(int) (activeL2.get(t) / cs)]++;
            }
        }
        for (Version version : sortedByGuest(ownData.keySet())) {
            ownData.put(version, next * cs);
            next++;
        }
        for (Version version : sortedByGuest(ownCompressed.keySet())) {
            byte[] z = ownCompressed.get(version);
            ownCompressedDescriptors.put(version,
                    Qcow2Writer.compressedDescriptor(next * cs, z.length, d.clusterBits(), version.guestCluster()));
            next += compressedClusters(z);
        }
        tableOffset = next * cs;
        return use(refcounts, next, table.length / cs);
    }

    /**
     * Counts, once all data is placed, one reference for each use of a data cluster by a
     * snapshot (spec: Host cluster management): every L1 table reaching a data cluster counts
     * once, through its own L2 table or a shared one; a compressed cluster counts for each host
     * cluster its sectors touch. The active image's data is at {@code activeData} and
     * {@code activeCompressed} (descriptors), by guest cluster.
     */
    void countReferences(long[] refcounts, Map<Long, Long> activeData, Map<Long, Long> activeCompressed) {
        Map<Capture, List<Long>> mappings = new HashMap<>();
        for (View v : views) {
            for (long m : mappings.computeIfAbsent(v.capture, c -> mappings(c, activeData, activeCompressed))) {
                if (L2Entry.compressed(m)) {
                    Qcow2Writer.countCompressed(refcounts, m, d.clusterBits());
                } else {
                    refcounts[(int) (m / cs)]++;
                }
            }
        }
    }

    /** What a capture's L2 entries map, one per guest cluster with data: a host offset or a compressed descriptor. */
    private List<Long> mappings(Capture c, Map<Long, Long> activeData, Map<Long, Long> activeCompressed) {
        List<Long> out = new ArrayList<>();
        for (Map.Entry<Long, ClusterState> e : c.content.clusters().entrySet()) {
            Long m = mapping(c, e.getKey(), e.getValue(), activeData, activeCompressed);
            if (m != null) {
                out.add(m);
            }
        }
        return out;
    }

    private long compressedClusters(byte[] z) {
        return (z.length + cs - 1) / cs;
    }

    /** Writes the tables, data and snapshot table; names their regions through {@code layout}. */
    void write(Map<Long, byte[]> writes, long[] refcounts, Map<Long, Long> activeData, Map<Integer, Long> activeL2,
               Map<Long, Long> activeCompressed, EncryptionPlan encryption, RegionSink layout) {
        for (Map.Entry<Version, Long> e : ownData.entrySet()) {
            byte[] data = new byte[(int) cs];
            Capture c = ownDataSource.get(e.getKey());
            long g = e.getKey().guestCluster();
            c.content.hostData(g, data);
            // spec: Data encryption (the IVs: LUKS by host sector, AES by guest sector)
            encryption.encrypt(data, e.getValue(), g * cs);
            writes.put(e.getValue(), data);
        }
        for (Map.Entry<Version, byte[]> e : ownCompressed.entrySet()) {
            writes.put(L2Entry.compressedOffset(ownCompressedDescriptors.get(e.getKey()), d.clusterBits()), e.getValue());
        }
        int at = 0;
        for (int i = 0; i < views.size(); i++) {
            View v = views.get(i);
            layout.region(Layout.snapshotL1Table(i), v.l1Offset, v.capture.l1Size * 8);
            // an L1 table that only points at the active image's L2 tables is the same for the whole capture
            byte[] l1 = v.capture.ownL2.isEmpty() && v.capture.sharedL1 != null ? v.capture.sharedL1
                    : new byte[(int) (v.capture.l1Clusters(cs) * cs)];
            for (Map.Entry<Integer, Long> t : v.l2Offsets.entrySet()) {
                long l2Offset = t.getValue();
                BigEndian.put64(l1, t.getKey() * 8, l2Offset | copied(refcounts, l2Offset, L1Entry.COPIED));
                writes.put(l2Offset, l2(v.capture, t.getKey(), refcounts, activeData, activeCompressed));
            }
            for (int t : v.capture.sharedL2) {
                long l2Offset = activeL2.get(t);
                BigEndian.put64(l1, t * 8, l2Offset | copied(refcounts, l2Offset, L1Entry.COPIED));
            }
            if (v.capture.ownL2.isEmpty()) {
                v.capture.sharedL1 = l1;
            }
            writes.put(v.l1Offset, l1);
            layout.region(Layout.snapshotEntry(i), tableOffset + at, v.entrySize);
            entry(v, at, i, layout);
            at += v.entrySize;
        }
        layout.region(Layout.SNAPSHOT_TABLE, tableOffset, tableLength);
        writes.put(tableOffset, table);
    }

    private byte[] l2(Capture c, int index, long[] refcounts, Map<Long, Long> activeData,
                      Map<Long, Long> activeCompressed) {
        ImageDescription vd = c.content.description();
        byte[] l2 = new byte[(int) cs];
        long first = index * vd.l2Entries();
        for (long g = first; g < Math.min(vd.guestClusters(), first + vd.l2Entries()); g++) {
            ClusterState s = c.content.clusters().get(g);
            Long host = mapping(c, g, s, activeData, activeCompressed);
            long entry = 0;
            if (s instanceof ClusterState.Zero) {
                entry = L2Entry.ZERO_FLAG | (host == null ? 0 : host | copied(refcounts, host, L2Entry.COPIED));
            } else if (s instanceof ClusterState.Compressed) {
                entry = host; // never the copied flag (spec: Cluster mapping > L2 table entry)
            } else if (host != null) {
                entry = host | copied(refcounts, host, L2Entry.COPIED);
            }
            int at = (int) (g - first) * vd.l2EntrySize();
            BigEndian.put64(l2, at, entry);
            if (vd.extendedL2()) {
                BigEndian.put64(l2, at + 8, ExtendedL2.bitmap(s)); // spec: Extended L2 Entries
            }
        }
        return l2;
    }

    /**
     * Entry {@code index} at byte {@code at} of the table (spec: Snapshots > Snapshot table
     * entry): every field the extra data holds (the layout names the extra data, and so each
     * field); the date, clock and VM state fields stay zero, icount is -1 (none), extra data
     * past the fields is filler.
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
                case L1_SIZE -> v.capture.l1Size;
                case ID_STR_SIZE -> id.length;
                case NAME_SIZE -> name.length;
                case EXTRA_DATA_SIZE -> s.extraDataSize();
                case DISK_SIZE -> v.capture.content.description().virtualSize();
                case ICOUNT -> -1L;
                default -> 0; // dates, clock and VM state sizes
            };
            Qcow2Writer.putField(table, at + f.offset(), f.width(), value);
        }
        layout.region(Layout.snapshotExtraData(index), tableOffset + extra, s.extraDataSize());
        int pos = extra + s.extraDataSize();
        System.arraycopy(id, 0, table, pos, id.length);
        System.arraycopy(name, 0, table, pos + id.length, name.length);
    }

    static int entrySize(InternalSnapshot s) {
        return (Snapshot.FIXED_LENGTH + s.extraDataSize() + s.idBytes().length + s.nameBytes().length + 7) & ~7;
    }

    /**
     * What guest cluster {@code g} of capture {@code c} maps: the host offset of its data (a
     * shared cluster's is that of its source), the descriptor of its compressed data, or null.
     */
    private Long mapping(Capture c, long g, ClusterState s, Map<Long, Long> activeData,
                         Map<Long, Long> activeCompressed) {
        if (s instanceof ClusterState.Shared sh) {
            return mapping(c, sh.source(), c.content.clusters().get(sh.source()), activeData, activeCompressed);
        }
        Version version = c.versions.get(g);
        if (s instanceof ClusterState.Compressed) {
            Long own = ownCompressedDescriptors.get(version);
            return own != null ? own : activeCompressed.get(g);
        }
        if (s == null || !s.hasHostCluster()) {
            return null;
        }
        Long own = ownData.get(version);
        return own != null ? own : activeData.get(g);
    }

    /** Whether the active image still maps this data version where the snapshot does (its host cluster or compressed data). */
    private boolean sharedWithActive(Version version) {
        ClusterState a = active.clusters().get(version.guestCluster());
        return version.equals(activeVersions.get(version.guestCluster()))
                && a != null && (a.hasHostCluster() || a instanceof ClusterState.Compressed);
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
            if (op instanceof GuestOp.Share s) {
                out.put(s.guestCluster(), new Version(s.guestCluster(), i));
                continue;
            }
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
