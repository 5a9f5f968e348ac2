package io.qcow2conformance.generators.image;

import io.qcow2conformance.model.extensions.HeaderExtension;
import io.qcow2conformance.model.header.Header;
import io.qcow2conformance.model.io.BigEndian;
import io.qcow2conformance.model.mapping.L1Entry;
import io.qcow2conformance.model.mapping.L2Entry;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * A small deterministic qcow2 writer for the generator, used until the model's writer
 * ({@code io.qcow2conformance.model.write}) is merged; the integrator maps
 * {@link ImageWriter} onto that writer and deletes this class.
 *
 * <p>Fixed layout, in cluster units: header (with extensions and backing name), refcount
 * table, refcount blocks, active L1 table, L2 tables (only for L1 entries that map a
 * described cluster), data clusters in guest order, unreferenced ("leaked") clusters,
 * then compressed data packed byte after byte (so the file can end inside a sector).
 */
public final class InterimImageWriter implements ImageWriter {
    /** Refuses recipes whose image would not be "tiny". */
    private static final long MAX_FILE = 16L << 20;

    @Override
    public WrittenImage write(ImageRecipe r, String backingName) {
        Optional<WrittenImage.Backing> backing = r.backing().map(f -> new WrittenImage.Backing(backingName, f,
                f == ImageRecipe.BackingFormat.QCOW2 ? write(r.backingRecipe(), null).bytes() : raw(r.backingRecipe())));
        int cs = r.clusterSize();
        int cb = r.clusterBits();
        int l2Entries = cs / 8;
        long l1Size = (r.guestClusters() + l2Entries - 1) / l2Entries;
        long l1Clusters = Math.max(1, (l1Size * 8 + cs - 1) / cs);
        TreeSet<Integer> l2Indexes = new TreeSet<>();
        List<Long> ownHost = new ArrayList<>();
        Map<Long, byte[]> compressed = new TreeMap<>();
        Map<Long, Long> compressedRel = new HashMap<>();
        long rel = 0;
        for (Map.Entry<Long, ClusterState> e : r.clusters().entrySet()) {
            long g = e.getKey();
            ClusterState s = e.getValue();
            l2Indexes.add((int) (g / l2Entries));
            if (s instanceof ClusterState.Data || s instanceof ClusterState.ZeroAllocated) {
                ownHost.add(g);
            } else if (s instanceof ClusterState.Compressed c) {
                byte[] data = Compression.compress(r.compressionType(), GuestPattern.cluster(g * cs, r.layer(), cs));
                if (c.oddOffset() && rel % 2 == 0) {
                    rel++;
                }
                compressed.put(g, data);
                compressedRel.put(g, rel);
                rel += data.length;
            } else if (s instanceof ClusterState.Shared sh
                    && !(r.clusters().get(sh.guestCluster()) instanceof ClusterState.Data)) {
                throw new IllegalArgumentException("guest cluster " + g + " shares the host cluster of guest cluster "
                        + sh.guestCluster() + ", which does not hold data");
            }
        }
        long compressedBytes = rel;
        long compressedClusters = (compressedBytes + cs - 1) / cs;
        long other = 1 + l1Clusters + l2Indexes.size() + ownHost.size() + r.leakedClusters() + compressedClusters;

        int refcountBits = 1 << r.refcountOrder();
        long perBlock = (long) cs * 8 / refcountBits;
        long rtc = 1;
        long rbc = 1;
        while (true) {
            long nrb = (other + rtc + rbc + perBlock - 1) / perBlock;
            long nrt = Math.max(1, (nrb * 8 + cs - 1) / cs);
            if (nrb == rbc && nrt == rtc) {
                break;
            }
            rbc = nrb;
            rtc = nrt;
        }
        long total = other + rtc + rbc;
        if (total * cs > MAX_FILE) {
            throw new IllegalArgumentException("the image would be " + total * cs + " bytes; the corpus keeps images under "
                    + MAX_FILE);
        }

        long next = 1;
        long refcountTable = next * cs;
        next += rtc;
        long[] refcountBlocks = new long[(int) rbc];
        for (int i = 0; i < rbc; i++) {
            refcountBlocks[i] = (next + i) * cs;
        }
        next += rbc;
        long l1Table = next * cs;
        next += l1Clusters;
        Map<Integer, Long> l2Tables = new LinkedHashMap<>();
        for (int idx : l2Indexes) {
            l2Tables.put(idx, next++ * cs);
        }
        Map<Long, Long> dataClusters = new LinkedHashMap<>();
        for (long g : ownHost) {
            dataClusters.put(g, next++ * cs);
        }
        next += r.leakedClusters();
        long compressedStart = next * cs;
        Map<Long, Long> compressedData = new LinkedHashMap<>();
        compressedRel.forEach((g, off) -> compressedData.put(g, compressedStart + off));

        byte[] img = new byte[(int) (total * cs)];
        long[] refcounts = new long[(int) total];
        for (long c = 0; c < compressedStart / cs; c++) {
            refcounts[(int) c] = 1;
        }
        for (long g : ownHost) {
            GuestPattern.fill(img, (int) (long) dataClusters.get(g), g * cs,
                    r.clusters().get(g) instanceof ClusterState.ZeroAllocated ? GuestPattern.LAYER_STALE : r.layer(), cs);
        }
        Map<Long, Long> hostOf = new HashMap<>(dataClusters);
        for (Map.Entry<Long, ClusterState> e : r.clusters().entrySet()) {
            if (e.getValue() instanceof ClusterState.Shared sh) {
                long host = dataClusters.get(sh.guestCluster());
                hostOf.put(e.getKey(), host);
                refcounts[(int) (host / cs)]++;
            }
        }
        int csizeShift = 62 - (cb - 8);
        long csizeMask = (1L << (cb - 8)) - 1;
        Map<Long, Long> compressedEntries = new HashMap<>();
        for (Map.Entry<Long, byte[]> e : compressed.entrySet()) {
            long off = compressedData.get(e.getKey());
            byte[] data = e.getValue();
            System.arraycopy(data, 0, img, (int) off, data.length);
            long firstSector = off >> 9;
            long lastSector = (off + data.length - 1) >> 9;
            long extra = lastSector - firstSector;
            if (extra > csizeMask) {
                throw new IllegalArgumentException("compressed data of guest cluster " + e.getKey()
                        + " needs " + (extra + 1) + " sectors; the descriptor can say at most " + (csizeMask + 1));
            }
            for (long c = (firstSector * 512) / cs; c <= (lastSector * 512 + 511) / cs; c++) {
                refcounts[(int) c]++;
            }
            compressedEntries.put(e.getKey(), L2Entry.COMPRESSED | extra << csizeShift | off);
        }

        // Active tables (spec: Cluster mapping).
        for (Map.Entry<Integer, Long> e : l2Tables.entrySet()) {
            BigEndian.put64(img, (int) (l1Table + 8L * e.getKey()), e.getValue() | L1Entry.COPIED);
        }
        for (Map.Entry<Long, ClusterState> e : r.clusters().entrySet()) {
            long g = e.getKey();
            ClusterState s = e.getValue();
            long entry;
            if (s instanceof ClusterState.Zero) {
                entry = L2Entry.ZERO_FLAG;
            } else if (s instanceof ClusterState.Compressed) {
                entry = compressedEntries.get(g);
            } else {
                long host = hostOf.get(g);
                entry = host | (refcounts[(int) (host / cs)] == 1 ? L2Entry.COPIED : 0)
                        | (s instanceof ClusterState.ZeroAllocated ? L2Entry.ZERO_FLAG : 0);
            }
            BigEndian.put64(img, (int) (l2Tables.get((int) (g / l2Entries)) + 8 * (g % l2Entries)), entry);
        }

        // Refcounts (spec: Host cluster management).
        for (int i = 0; i < rbc; i++) {
            BigEndian.put64(img, (int) (refcountTable + 8L * i), refcountBlocks[i]);
        }
        long fileSize = r.endAfterCompressedData() && compressedBytes > 0 ? compressedStart + compressedBytes : total * cs;
        Map<Long, Long> extensions = new HashMap<>();
        Layout layout = new Layout(cs, r.refcountOrder(), refcountTable, refcountBlocks, l1Table, l2Tables,
                dataClusters, compressedData, extensions, fileSize);
        for (int c = 0; c < total; c++) {
            putRefcount(img, layout, c, refcounts[c]);
        }

        writeHeader(img, r, l1Size, l1Table, refcountTable, rtc, backing, extensions);
        layout = new Layout(cs, r.refcountOrder(), refcountTable, refcountBlocks, l1Table, l2Tables,
                dataClusters, compressedData, extensions, fileSize);
        for (Mutation m : r.mutations()) {
            Mutations.apply(img, layout, r, m);
        }
        return new WrittenImage(Arrays.copyOf(img, (int) fileSize), layout, backing);
    }

    /** Stores {@code value} as the refcount of host cluster {@code cluster} (spec: Host cluster management). */
    static void putRefcount(byte[] img, Layout layout, long cluster, long value) {
        int bits = 1 << layout.refcountOrder();
        long perBlock = (long) layout.clusterSize() * 8 / bits;
        long block = layout.refcountBlocks()[(int) (cluster / perBlock)];
        long index = cluster % perBlock;
        if (bits >= 8) {
            int bytes = bits / 8;
            int at = (int) (block + index * bytes);
            for (int b = 0; b < bytes; b++) {
                img[at + b] = (byte) (value >>> (8 * (bytes - 1 - b)));
            }
        } else {
            long bit = index * bits;
            int at = (int) (block + bit / 8);
            int shift = (int) (bit % 8);
            int mask = ((1 << bits) - 1) << shift;
            img[at] = (byte) ((img[at] & ~mask) | (((int) value << shift) & mask));
        }
    }

    private static void writeHeader(byte[] img, ImageRecipe r, long l1Size, long l1Table, long refcountTable,
                                    long rtc, Optional<WrittenImage.Backing> backing, Map<Long, Long> extensions) {
        int cs = r.clusterSize();
        BigEndian.put32(img, HeaderField.MAGIC.offset(), Header.MAGIC);
        BigEndian.put32(img, HeaderField.VERSION.offset(), r.version());
        BigEndian.put32(img, HeaderField.CLUSTER_BITS.offset(), r.clusterBits());
        BigEndian.put64(img, HeaderField.SIZE.offset(), r.virtualSize());
        BigEndian.put32(img, HeaderField.L1_SIZE.offset(), l1Size);
        BigEndian.put64(img, HeaderField.L1_TABLE_OFFSET.offset(), l1Table);
        BigEndian.put64(img, HeaderField.REFCOUNT_TABLE_OFFSET.offset(), refcountTable);
        BigEndian.put32(img, HeaderField.REFCOUNT_TABLE_CLUSTERS.offset(), rtc);
        int pos = Header.V2_LENGTH;
        if (r.version() >= 3) {
            long incompatible = r.compressionType() != 0 ? Header.INCOMPAT_COMPRESSION : 0;
            BigEndian.put64(img, HeaderField.INCOMPATIBLE_FEATURES.offset(), incompatible);
            BigEndian.put32(img, HeaderField.REFCOUNT_ORDER.offset(), r.refcountOrder());
            BigEndian.put32(img, HeaderField.HEADER_LENGTH.offset(), r.headerLength());
            if (r.headerLength() > HeaderField.COMPRESSION_TYPE.offset()) {
                img[HeaderField.COMPRESSION_TYPE.offset()] = (byte) r.compressionType();
            }
            pos = r.headerLength();
        } else if (r.refcountOrder() != 4 || r.compressionType() != 0) {
            throw new IllegalArgumentException("a version 2 image has 16-bit refcounts and deflate compression only");
        }
        // Header extensions (spec: Header extensions), then the backing file name.
        List<ImageRecipe.Extension> exts = new ArrayList<>();
        backing.ifPresent(b -> exts.add(new ImageRecipe.Extension(HeaderExtension.TYPE_BACKING_FORMAT,
                r.backingFormatName().getBytes(StandardCharsets.UTF_8))));
        exts.addAll(r.extensions());
        if (!r.featureNames().isEmpty()) {
            byte[] table = new byte[48 * r.featureNames().size()];
            for (int i = 0; i < r.featureNames().size(); i++) {
                ImageRecipe.FeatureName f = r.featureNames().get(i);
                table[48 * i] = (byte) f.type();
                table[48 * i + 1] = (byte) f.bit();
                byte[] name = f.name().getBytes(StandardCharsets.UTF_8);
                System.arraycopy(name, 0, table, 48 * i + 2, Math.min(46, name.length));
            }
            exts.add(new ImageRecipe.Extension(HeaderExtension.TYPE_FEATURE_NAME_TABLE, table));
        }
        for (ImageRecipe.Extension e : exts) {
            byte[] data = e.data();
            int padded = (data.length + 7) & ~7;
            requireFirstCluster(pos + 8 + padded, cs, "header extensions");
            extensions.putIfAbsent(e.type(), (long) pos);
            BigEndian.put32(img, pos, e.type());
            BigEndian.put32(img, pos + 4, data.length);
            System.arraycopy(data, 0, img, pos + 8, data.length);
            pos += 8 + padded;
        }
        pos += 8; // end of extensions: type 0, length 0
        requireFirstCluster(pos, cs, "header extensions");
        if (backing.isPresent()) {
            byte[] name = backing.get().name().getBytes(StandardCharsets.UTF_8);
            requireFirstCluster(pos + name.length, cs, "backing file name");
            System.arraycopy(name, 0, img, pos, name.length);
            BigEndian.put64(img, HeaderField.BACKING_FILE_OFFSET.offset(), pos);
            BigEndian.put32(img, HeaderField.BACKING_FILE_SIZE.offset(), name.length);
        }
    }

    private static void requireFirstCluster(long end, int cs, String what) {
        if (end > cs) {
            throw new IllegalArgumentException(what + " end at byte " + end + ", past the first cluster (" + cs
                    + " bytes); use larger clusters");
        }
    }

    private static byte[] raw(ImageRecipe r) {
        byte[] out = new byte[(int) r.virtualSize()];
        for (long g = 0; g < r.guestClusters(); g++) {
            byte[] c = ExpectedGuest.cluster(r, g);
            long at = g * r.clusterSize();
            System.arraycopy(c, 0, out, (int) at, (int) Math.min(c.length, r.virtualSize() - at));
        }
        return out;
    }
}
