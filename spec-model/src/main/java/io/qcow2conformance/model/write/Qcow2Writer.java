package io.qcow2conformance.model.write;

import io.qcow2conformance.model.extensions.HeaderExtension;
import io.qcow2conformance.model.header.Header;
import io.qcow2conformance.model.header.HeaderField;
import io.qcow2conformance.model.image.Limits;
import io.qcow2conformance.model.io.BigEndian;
import io.qcow2conformance.model.mapping.L1Entry;
import io.qcow2conformance.model.mapping.L2Entry;
import io.qcow2conformance.model.write.Layout.Region;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * Lays out and writes the image an {@link ImageDescription} describes, deterministically:
 * the same description always gives the same bytes, and nothing depends on time or host.
 *
 * <p>Host clusters are used in this fixed order:
 * <ol>
 *   <li>cluster 0: header, header extensions in the given order, end marker, backing file name;</li>
 *   <li>the refcount table, then the refcount blocks (as many as the image needs);</li>
 *   <li>the L1 table;</li>
 *   <li>with LUKS encryption, the LUKS header and key material area ({@link EncryptionPlan});</li>
 *   <li>one L2 table for each L1 entry that maps a cluster that is not unallocated, in L1 order;</li>
 *   <li>one host cluster per normal or preallocated-zero guest cluster, in guest order (shared
 *       clusters reuse their source's host cluster; a preallocated zero cluster holds the
 *       layer's pattern, so a reader that ignores the zero flag is caught; with extended L2
 *       entries, every cluster with a host cluster holds the pattern in all its subclusters,
 *       so a reader that ignores the subcluster bitmap is caught);</li>
 *   <li>with persistent bitmaps: the bitmap directory, then for each bitmap in directory order
 *       its bitmap table and its data clusters in table order (a cluster with no set bit is an
 *       unallocated entry; see {@link PersistentBitmap.Storage});</li>
 *   <li>with internal snapshots: their L1 and L2 tables, their own data clusters, their own
 *       compressed data and the snapshot table (see {@link SnapshotPlan});</li>
 *   <li>compressed data, in guest order, each cluster's data starting on a fresh host
 *       cluster, or packed: each starting at the first odd byte offset after the previous
 *       one's end, so that data starts unaligned and neighbours share sectors.</li>
 * </ol>
 * With an {@link ExternalDataFile} the image file holds no guest data: step 5 takes no host
 * cluster and each L2 entry gives its guest offset with the copied flag ({@link ExternalData});
 * {@link DataFileWriter} writes the data file.
 * Refcounts are exact for every width (spec: Host cluster management); an entry has the
 * copied flag exactly when its cluster's refcount is 1 (spec: Cluster mapping). The file is
 * sparse: runs of zeros are left as holes. The file ends at the end of the last cluster,
 * or, with {@link ImageDescription#truncateCompressedTail()}, at the last compressed byte.
 */
public final class Qcow2Writer {
    private static final int SECTOR = 512;
    private static final int SPARSE_CHUNK = 4096;
    /** spec: Bitmaps extension: nb_bitmaps, reserved, bitmap_directory_size, bitmap_directory_offset. */
    private static final int BITMAPS_EXTENSION_SIZE = 24;

    private Qcow2Writer() {
    }

    /**
     * Writes the image and, first, its backing chain next to it under the stored backing file
     * names, and its external data file under its name.
     */
    public static Layout writeChain(ImageDescription d, Path file) throws IOException {
        if (d.backing() != null) {
            writeChain(d.backing(), file.resolveSibling(d.backingFileName()));
        }
        if (d.dataFile() != null) {
            DataFileWriter.write(d, file.resolveSibling(d.dataFile().name()));
        }
        return write(d, file);
    }

    /** Writes this image only (replacing {@code file}) and returns where everything went. */
    public static Layout write(ImageDescription d, Path file) throws IOException {
        Plan p = new Plan(d);
        Files.deleteIfExists(file);
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
            FileChannel ch = raf.getChannel();
            for (Map.Entry<Long, byte[]> e : p.writes.entrySet()) {
                writeSparse(ch, e.getKey(), e.getValue());
            }
            raf.setLength(p.fileSize);
        }
        return p.layout();
    }

    static void writeSparse(FileChannel ch, long pos, byte[] b) throws IOException {
        for (int i = 0; i < b.length; i += SPARSE_CHUNK) {
            int n = Math.min(SPARSE_CHUNK, b.length - i);
            if (!allZero(b, i, n)) {
                ByteBuffer buf = ByteBuffer.wrap(b, i, n);
                long at = pos + i;
                while (buf.hasRemaining()) {
                    at += ch.write(buf, at);
                }
            }
        }
    }

    static boolean allZero(byte[] b, int from, int n) {
        for (int i = from; i < from + n; i++) {
            if (b[i] != 0) {
                return false;
            }
        }
        return true;
    }

    /** Stores a refcount of {@code bits} width at bit position {@code bitPos} of {@code buf} (spec: Refcount block entry). */
    static void putRefcount(byte[] buf, long bitPos, int bits, long value) {
        int at = (int) (bitPos / 8);
        if (bits < 8) {
            int shift = (int) (bitPos % 8);
            int mask = ((1 << bits) - 1) << shift;
            buf[at] = (byte) ((buf[at] & ~mask) | (((int) value << shift) & mask));
        } else {
            for (int k = 0; k < bits / 8; k++) {
                buf[at + k] = (byte) (value >>> (bits - 8 * (k + 1)));
            }
        }
    }

    /**
     * The descriptor of {@code length} compressed bytes stored at host offset {@code offset}
     * (spec: Cluster mapping > Compressed Clusters Descriptor); refuses data that needs more
     * sectors than the descriptor can name.
     */
    static long compressedDescriptor(long offset, int length, int clusterBits, long guestCluster) {
        long extraSectors = (offset + length - 1) / SECTOR - offset / SECTOR;
        if (extraSectors >= 1L << (clusterBits - 8)) {
            throw new IllegalArgumentException("compressed guest cluster " + guestCluster + " needs "
                    + (extraSectors + 1) + " sectors; the descriptor holds at most " + (1L << (clusterBits - 8)));
        }
        return L2Entry.COMPRESSED | (extraSectors << (62 - (clusterBits - 8))) | offset;
    }

    /**
     * Counts one reference for each host cluster that the sectors a compressed descriptor names
     * touch (spec: Host cluster management; QEMU counts compressed clusters so).
     */
    static void countCompressed(long[] refcounts, long descriptor, int clusterBits) {
        long cs = 1L << clusterBits;
        long offset = L2Entry.compressedOffset(descriptor, clusterBits);
        long end = offset + L2Entry.compressedLength(descriptor, clusterBits);
        for (long h = offset / cs; h <= (end - 1) / cs; h++) {
            refcounts[(int) h]++;
        }
    }

    static void putField(byte[] b, int offset, int width, long value) {
        switch (width) {
            case 1 -> b[offset] = (byte) value;
            case 2 -> BigEndian.put16(b, offset, (int) value);
            case 4 -> BigEndian.put32(b, offset, value);
            case 8 -> BigEndian.put64(b, offset, value);
            default -> throw new IllegalArgumentException("field width " + width);
        }
    }

    /** The whole layout of one image, computed before anything is written. */
    private static final class Plan {
        final ImageDescription d;
        final long cs;
        final Map<String, Region> regions = new LinkedHashMap<>();
        /** File offset to bytes, in the order written. */
        final Map<Long, byte[]> writes = new LinkedHashMap<>();
        long[] refcounts;
        long[] refcountBlockOffsets;
        long fileSize;

        Plan(ImageDescription d) {
            this.d = d;
            this.cs = d.clusterSize();
            GuestContent content = GuestContent.of(d);
            Map<Long, ClusterState> clusters = content.clusters();

            byte[] first = new byte[(int) cs];
            List<Extension> exts = new ArrayList<>(d.extensions());
            ExternalData external = new ExternalData(d);
            external.addExtension(exts);
            EncryptionPlan encryption = EncryptionPlan.of(d);
            int encryptionExtension = exts.size();
            encryption.extension().ifPresent(exts::add);
            if (!d.bitmaps().isEmpty()) {
                exts.add(Extension.raw(HeaderExtension.TYPE_BITMAPS, new byte[BITMAPS_EXTENSION_SIZE])); // filled in below
            }
            long extEnd = extensions(first, exts);
            long backingOffset = backingName(first, extEnd);

            TreeSet<Integer> l2Tables = new TreeSet<>();
            List<Long> dataClusters = new ArrayList<>();
            List<Long> compressedClusters = new ArrayList<>();
            clusters.forEach((c, s) -> {
                l2Tables.add((int) (c / d.l2Entries()));
                if (s.hasHostCluster()) {
                    dataClusters.add(c);
                } else if (s instanceof ClusterState.Compressed) {
                    compressedClusters.add(c);
                }
            });

            byte[] buf = new byte[(int) cs];
            List<byte[]> compressedData = new ArrayList<>();
            long[] compressedRel = new long[compressedClusters.size()];
            long rel = 0;
            for (int i = 0; i < compressedClusters.size(); i++) {
                content.cluster(compressedClusters.get(i), buf);
                byte[] z = d.compression().compress(buf);
                rel = d.packCompressed() ? rel | 1 : (rel + cs - 1) / cs * cs;
                boolean last = i == compressedClusters.size() - 1;
                if (last && d.truncateCompressedTail() && (rel + z.length) % SECTOR == 0) {
                    rel += d.packCompressed() ? 2 : 1; // so that the last sector really reaches past the end
                }
                compressedRel[i] = rel;
                compressedDescriptor(rel, z.length, d.clusterBits(), compressedClusters.get(i)); // refuses too many sectors
                compressedData.add(z);
                rel += z.length;
            }
            long compressedClusterCount = (rel + cs - 1) / cs;
            if (d.truncateCompressedTail() && compressedClusters.isEmpty()) {
                throw new IllegalArgumentException("truncateCompressedTail needs a compressed cluster");
            }

            if (d.l1Size() * 8 > Limits.DEFAULT.maxL1Bytes()) {
                throw new IllegalArgumentException("an L1 table of " + d.l1Size() + " entries is beyond the model's limit");
            }
            long l1Clusters = Math.max(1, (d.l1Size() * 8 + cs - 1) / cs);
            List<BitmapPlan> bitmapPlans = new ArrayList<>();
            long dirBytes = 0;
            long bitmapClusters = 0;
            for (PersistentBitmap b : d.bitmaps()) {
                BitmapPlan bp = new BitmapPlan(b, d.virtualSize(), cs);
                bitmapPlans.add(bp);
                dirBytes += b.entrySize();
                bitmapClusters += bp.tableClusters() + bp.storedClusters;
            }
            long dirClusters = (dirBytes + cs - 1) / cs;
            bitmapClusters += dirClusters;
            SnapshotPlan snapshots = new SnapshotPlan(d, content);
            long fixed = 1 + l1Clusters + l2Tables.size() + external.inImage(dataClusters).size() + bitmapClusters
                    + compressedClusterCount + snapshots.clusters() + encryption.clusters(cs);
            long perBlock = (cs * 8) >>> d.refcountOrder();
            long rb = 1;
            long rt = 1;
            while (true) {
                long total = fixed + rt + rb;
                long rb2 = (total + perBlock - 1) / perBlock;
                long rt2 = (rb2 * 8 + cs - 1) / cs;
                if (rb2 == rb && rt2 == rt) {
                    break;
                }
                rb = rb2;
                rt = rt2;
            }
            long total = fixed + rt + rb;
            refcounts = new long[(int) total];
            long next = 0;
            refcounts[(int) next++] = 1;
            long rtOffset = next * cs;
            next = use(next, rt);
            long rbFirst = next;
            next = use(next, rb);
            long l1Offset = next * cs;
            next = use(next, l1Clusters);
            long encryptionOffset = next * cs;
            next = use(next, encryption.clusters(cs));
            Map<Integer, Long> l2Offsets = new LinkedHashMap<>();
            for (int t : l2Tables) {
                l2Offsets.put(t, next * cs);
                next = use(next, 1);
            }
            Map<Long, Long> dataOffsets = external.hostOffsets(dataClusters);
            for (long c : external.inImage(dataClusters)) {
                dataOffsets.put(c, next * cs);
                next = use(next, 1);
            }
            long dirOffset = next * cs;
            next = use(next, dirClusters);
            for (BitmapPlan bp : bitmapPlans) {
                long start = next;
                next = bp.place(next);
                use(start, next - start);
            }
            next = snapshots.place(next, refcounts, l2Offsets);
            long compressedStart = next * cs;
            long[] compressedOffsets = new long[compressedRel.length];
            Map<Long, Long> compressedDescriptors = new LinkedHashMap<>();
            for (int i = 0; i < compressedRel.length; i++) {
                compressedOffsets[i] = compressedStart + compressedRel[i];
                long descriptor = compressedDescriptor(compressedOffsets[i], compressedData.get(i).length,
                        d.clusterBits(), compressedClusters.get(i));
                compressedDescriptors.put(compressedClusters.get(i), descriptor);
                countCompressed(refcounts, descriptor, d.clusterBits());
            }
            next += compressedClusterCount;
            snapshots.countReferences(refcounts, dataOffsets, compressedDescriptors);
            if (next != total) {
                throw new AssertionError("layout used " + next + " clusters, planned " + total);
            }
            clusters.forEach((c, s) -> {
                if (s instanceof ClusterState.Shared sh) {
                    refcounts[(int) (dataOffsets.get(sh.source()) / cs)]++;
                }
            });
            long max = d.refcountOrder() == 6 ? Long.MAX_VALUE : (1L << (1 << d.refcountOrder())) - 1;
            for (int h = 0; h < refcounts.length; h++) {
                if (refcounts[h] > max) {
                    throw new IllegalArgumentException("host cluster " + h + " needs refcount " + refcounts[h]
                            + ", more than refcount_order " + d.refcountOrder() + " can hold");
                }
            }

            // --- header, first cluster ---------------------------------------------------
            long[] values = headerValues(backingOffset, l1Offset, rtOffset, rt);
            values[HeaderField.NB_SNAPSHOTS.ordinal()] = snapshots.count();
            values[HeaderField.SNAPSHOTS_OFFSET.ordinal()] = snapshots.isEmpty() ? 0 : snapshots.tableOffset();
            for (HeaderField f : HeaderField.values()) {
                if (f.presentIn(d.version(), d.headerLength())) {
                    putField(first, f.offset(), f.width(), values[f.ordinal()]);
                    region(f.regionName(), f.offset(), f.width());
                }
            }
            byte[] add = d.additionalFields();
            if (add.length > 0) {
                System.arraycopy(add, 0, first, Header.COMPRESSION_TYPE_OFFSET + 1, add.length);
                region(Layout.ADDITIONAL_FIELDS, Header.COMPRESSION_TYPE_OFFSET + 1, add.length);
            }
            long pos = d.version() == 2 ? Header.V2_LENGTH : d.headerLength();
            for (int i = 0; i < exts.size(); i++) {
                int len = Extension.encode(exts.get(i)).length;
                region(Layout.extension(i), pos, len);
                pos += len;
            }
            if (!bitmapPlans.isEmpty()) {
                byte[] ext = new byte[BITMAPS_EXTENSION_SIZE];
                BigEndian.put32(ext, 0, bitmapPlans.size());
                BigEndian.put64(ext, 8, dirBytes);
                BigEndian.put64(ext, 16, dirOffset);
                System.arraycopy(ext, 0, first, (int) regions.get(Layout.extension(exts.size() - 1)).offset() + 8, ext.length);
                BitmapPlan.write(bitmapPlans, dirOffset, dirBytes, cs, writes, this::region);
            }
            region(Layout.EXTENSIONS_END, pos, 8);
            encryption.extension().ifPresent(x -> encryption.place(first,
                    regions.get(Layout.extension(encryptionExtension)).offset() + 8, encryptionOffset, writes, this::region));
            if (d.backingFileName() != null) {
                region(Layout.BACKING_FILE_NAME, backingOffset, values[HeaderField.BACKING_FILE_SIZE.ordinal()]);
            }
            writes.put(0L, first);

            // --- refcount table and blocks ---------------------------------------------------
            byte[] table = new byte[(int) (rt * cs)];
            refcountBlockOffsets = new long[(int) rb];
            for (int i = 0; i < rb; i++) {
                refcountBlockOffsets[i] = (rbFirst + i) * cs;
                BigEndian.put64(table, i * 8, refcountBlockOffsets[i]);
            }
            region(Layout.REFCOUNT_TABLE, rtOffset, table.length);
            for (int i = 0; i < rb; i++) {
                region(Layout.refcountTableEntry(i), rtOffset + i * 8L, 8);
            }
            writes.put(rtOffset, table);
            for (int i = 0; i < rb; i++) {
                byte[] block = new byte[(int) cs];
                for (long h = i * perBlock; h < Math.min(total, (i + 1) * perBlock); h++) {
                    putRefcount(block, (h - i * perBlock) << d.refcountOrder(), 1 << d.refcountOrder(), refcounts[(int) h]);
                }
                region(Layout.refcountBlock(i), refcountBlockOffsets[i], cs);
                writes.put(refcountBlockOffsets[i], block);
            }

            // --- L1 and L2 tables ------------------------------------------------------------
            byte[] l1 = new byte[(int) (l1Clusters * cs)];
            region(Layout.L1_TABLE, l1Offset, d.l1Size() * 8);
            for (int i = 0; i < d.l1Size(); i++) {
                Long l2 = l2Offsets.get(i);
                if (l2 != null) {
                    BigEndian.put64(l1, i * 8, l2 | (refcounts[(int) (l2 / cs)] == 1 ? L1Entry.COPIED : 0));
                }
                region(Layout.l1Entry(i), l1Offset + i * 8L, 8);
            }
            writes.put(l1Offset, l1);
            for (Map.Entry<Integer, Long> t : l2Offsets.entrySet()) {
                byte[] l2 = new byte[(int) cs];
                long firstGuest = t.getKey() * d.l2Entries();
                region(Layout.l2Table(t.getKey()), t.getValue(), cs);
                for (long c = firstGuest; c < Math.min(d.guestClusters(), firstGuest + d.l2Entries()); c++) {
                    ClusterState s = clusters.get(c);
                    long entry = 0;
                    if (s instanceof ClusterState.Compressed) {
                        entry = compressedDescriptors.get(c);
                    } else if (s instanceof ClusterState.Zero z) {
                        entry = z.preallocated() ? copied(dataOffsets.get(c)) | L2Entry.ZERO_FLAG : L2Entry.ZERO_FLAG;
                    } else if (s instanceof ClusterState.Shared sh) {
                        entry = copied(dataOffsets.get(sh.source()));
                    } else if (s instanceof ClusterState.Normal || s instanceof ClusterState.Subclusters x && x.host()) {
                        entry = copied(dataOffsets.get(c));
                    }
                    int at = (int) (c - firstGuest) * d.l2EntrySize();
                    BigEndian.put64(l2, at, entry);
                    region(Layout.l2Entry(c), t.getValue() + at, 8);
                    if (d.extendedL2()) {
                        BigEndian.put64(l2, at + 8, ExtendedL2.bitmap(s));
                        region(Layout.l2Bitmap(c), t.getValue() + at + 8, 8);
                    }
                }
                writes.put(t.getValue(), l2);
            }

            if (!snapshots.isEmpty()) {
                snapshots.write(writes, refcounts, dataOffsets, l2Offsets, compressedDescriptors, encryption, this::region);
            }

            // --- guest data ------------------------------------------------------------------
            for (Map.Entry<Long, Long> e : dataOffsets.entrySet()) {
                if (external.present()) {
                    break; // the data file holds them (DataFileWriter)
                }
                byte[] data = new byte[(int) cs];
                content.hostData(e.getKey(), data);
                encryption.encrypt(data, e.getValue(), e.getKey() * cs);
                region(Layout.data(e.getKey()), e.getValue(), cs);
                writes.put(e.getValue(), data);
            }
            for (int i = 0; i < compressedOffsets.length; i++) {
                region(Layout.compressed(compressedClusters.get(i)), compressedOffsets[i], compressedData.get(i).length);
                writes.put(compressedOffsets[i], compressedData.get(i));
            }
            fileSize = d.truncateCompressedTail() ? compressedStart + rel : total * cs;
        }

        private long copied(long hostOffset) {
            if (d.dataFile() != null) {
                return hostOffset | L2Entry.COPIED; // spec: Cluster mapping, L2 table entry: implicit refcount 1
            }
            return hostOffset | (refcounts[(int) (hostOffset / cs)] == 1 ? L2Entry.COPIED : 0);
        }

        private long use(long next, long n) {
            for (long i = 0; i < n; i++) {
                refcounts[(int) (next + i)] = 1;
            }
            return next + n;
        }

        private void region(String name, long offset, long length) {
            regions.put(name, new Region(name, offset, length));
        }

        /** Writes the extensions and end marker into the first cluster; returns the end of the marker. */
        private long extensions(byte[] first, List<Extension> exts) {
            int pos = d.version() == 2 ? Header.V2_LENGTH : d.headerLength();
            for (Extension e : exts) {
                byte[] enc = Extension.encode(e);
                if (pos + enc.length + 8 > first.length) {
                    throw new IllegalArgumentException("header extensions do not fit in the first cluster");
                }
                System.arraycopy(enc, 0, first, pos, enc.length);
                pos += enc.length;
            }
            if (pos + 8 > first.length) {
                throw new IllegalArgumentException("header does not fit in the first cluster");
            }
            return pos + 8; // end marker: eight zero bytes
        }

        /** Places the backing file name; returns its offset, or 0 without one. */
        private long backingName(byte[] first, long extEnd) {
            if (d.backingFileName() == null) {
                return 0;
            }
            byte[] name = d.backingFileName().getBytes(StandardCharsets.UTF_8);
            long at = switch (d.backingPlacement()) {
                case AFTER_EXTENSIONS -> extEnd;
                case END_OF_FIRST_CLUSTER -> cs - name.length;
            };
            if (at < extEnd || at + name.length > cs) {
                throw new IllegalArgumentException("the backing file name does not fit in the first cluster");
            }
            System.arraycopy(name, 0, first, (int) at, name.length);
            return at;
        }

        private long[] headerValues(long backingOffset, long l1Offset, long rtOffset, long rt) {
            long[] v = new long[HeaderField.values().length];
            v[HeaderField.MAGIC.ordinal()] = Header.MAGIC;
            v[HeaderField.VERSION.ordinal()] = d.version();
            v[HeaderField.BACKING_FILE_OFFSET.ordinal()] = backingOffset;
            v[HeaderField.BACKING_FILE_SIZE.ordinal()] = d.backingFileName() == null ? 0
                    : d.backingFileName().getBytes(StandardCharsets.UTF_8).length;
            v[HeaderField.CLUSTER_BITS.ordinal()] = d.clusterBits();
            v[HeaderField.SIZE.ordinal()] = d.virtualSize();
            v[HeaderField.L1_SIZE.ordinal()] = d.l1Size();
            v[HeaderField.L1_TABLE_OFFSET.ordinal()] = l1Offset;
            v[HeaderField.REFCOUNT_TABLE_OFFSET.ordinal()] = rtOffset;
            v[HeaderField.REFCOUNT_TABLE_CLUSTERS.ordinal()] = rt;
            v[HeaderField.INCOMPATIBLE_FEATURES.ordinal()] = d.incompatibleFeaturesWritten();
            v[HeaderField.COMPATIBLE_FEATURES.ordinal()] = d.compatibleFeaturesWritten();
            v[HeaderField.AUTOCLEAR_FEATURES.ordinal()] = d.autoclearFeaturesWritten();
            v[HeaderField.REFCOUNT_ORDER.ordinal()] = d.refcountOrder();
            v[HeaderField.HEADER_LENGTH.ordinal()] = d.headerLength();
            v[HeaderField.COMPRESSION_TYPE.ordinal()] = d.compression().headerValue();
            v[HeaderField.CRYPT_METHOD.ordinal()] = d.encryption() == null ? 0 : d.encryption().method().cryptMethod();
            return v;
        }

        Layout layout() {
            return new Layout(d.clusterBits(), d.refcountOrder(), fileSize, regions, refcountBlockOffsets, refcounts,
                    d.l2EntrySize());
        }
    }
}
