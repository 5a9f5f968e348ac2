package io.qcow2conformance.model.read;

import io.qcow2conformance.model.crypto.ImageCipher;
import io.qcow2conformance.model.crypto.Secret;
import io.qcow2conformance.model.header.Header;
import io.qcow2conformance.model.image.Qcow2Image;
import io.qcow2conformance.model.io.ImageSource;
import io.qcow2conformance.model.mapping.ClusterType;
import io.qcow2conformance.model.mapping.L1Entry;
import io.qcow2conformance.model.mapping.L2Entry;
import io.qcow2conformance.model.rules.ImageException;
import io.qcow2conformance.model.rules.Rule;

import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * The guest view of an opened qcow2 image (spec: Cluster mapping), layered on an optional
 * backing disk. Per guest cluster: unallocated reads the backing disk (zeros without one,
 * and past its end); a zero cluster reads zeros; a standard cluster reads host data (a tail
 * past the end of the file reads zeros); a compressed cluster is decompressed by
 * {@link ClusterDecompressor}. Runs of clusters of one kind, and of host-contiguous data
 * clusters, are served by one read each.
 *
 * <p>Where the image breaks a rule the read fails with an {@link ImageException}, as QEMU's
 * read fails with EIO: unaligned L2 table or data offsets, an L2 table or data cluster
 * past the end of the file, the zero flag in a version 2 image, undecodable compressed
 * data. Like QEMU at run time (not like its check), an L2 entry with host offset 0 and only
 * the copied flag set reads as unallocated.
 *
 * <p>With extended L2 entries (spec: Extended L2 Entries) the same holds per subcluster, as
 * the entry's subcluster bitmap says; compressed clusters have no subclusters. Images with
 * extended L2 entries and clusters under 16 KiB are refused, as QEMU refuses them.
 *
 * <p>With an external data file (spec: Header, incompatible bit 2) host offsets address the
 * data file, not the image file: each must equal its guest offset, host offset 0 with the
 * copied flag is a data cluster at offset 0, compressed clusters are refused, and a data
 * file shorter than a cluster reads zeros past its end (it is not bounded by the spec).
 *
 * <p>Encrypted images (spec: Data encryption) are read with a {@link Secret}: host data is
 * decrypted by {@link ImageCipher} after it is read; without a passphrase opening fails
 * ({@link Rule#ENCRYPTION_PASSPHRASE_REQUIRED}), never returning ciphertext. Compressed
 * clusters are only decompressed: QEMU 7.2 writes them into encrypted images unencrypted
 * and reads them so, although the spec asks for all payload data to be encrypted.
 *
 * <p>{@link #ofSnapshot} reads an internal snapshot instead: the same lookups through the
 * snapshot's L1 table, with the snapshot's virtual size (spec: Snapshots).
 */
public final class Qcow2Disk implements GuestDisk {
    private static final int UNALLOCATED = 0;
    private static final int ZERO = 1;
    private static final int DATA = 2;
    private static final int COMPRESSED = 3;
    private static final byte[] ZEROS = new byte[64 << 10];

    private final Qcow2Image image;
    /** The L1 table reads go through: the active one, or a snapshot's (spec: Snapshots). */
    private final long[] l1;
    private final long l1TableOffset;
    private final Header header;
    private final ImageSource source;
    /** Where standard clusters are read: the external data file, or the image file. */
    private final ImageSource dataSource;
    private final boolean externalData;
    private final GuestDisk backing;
    private final long size;
    private final int clusterBits;
    private final long clusterSize;
    private final int l2Bits;
    /** Extended L2 entries: 32 subclusters per standard cluster, two words per entry. */
    private final boolean extendedL2;
    private final int subclusterBits;
    private final long maxMetadataBytes;

    // The L2 table last used: sequential reads do not go through the image's boxed-key cache.
    private long l2Offset = -1;
    private long[] l2;

    // What classify() found for the cluster it was asked about.
    private long entry;
    private long host;
    private int l2Index;
    private long curL2Offset;
    private long spanEnd;

    /** Null when the image is not encrypted. */
    private final ImageCipher cipher;
    private byte[] sectors = new byte[0];

    private ClusterDecompressor decompressor;
    private byte[] cluster;
    private boolean clusterValid;
    private long clusterEntry;

    /**
     * A reader over {@code image}, reading unallocated clusters from {@code backing} (null:
     * zeros) and, when the image has one, its external data file by the stored name (see
     * {@link BackingChain#openDataFile}). The disk takes ownership of both and closes them.
     */
    public Qcow2Disk(Qcow2Image image, GuestDisk backing) {
        this(image, backing, BackingChain.openDataFile(image, null), Secret.NONE);
    }

    /** As {@link #Qcow2Disk(Qcow2Image, GuestDisk)}, decrypting with {@code secret} if the image is encrypted. */
    public Qcow2Disk(Qcow2Image image, GuestDisk backing, Secret secret) {
        this(image, backing, BackingChain.openDataFile(image, null), secret);
    }

    /**
     * As {@link #Qcow2Disk(Qcow2Image, GuestDisk)}, with the external data file opened by the
     * caller ({@code dataFile} must be non-null exactly when incompatible bit 2 is set) and
     * the passphrase of encrypted images ({@link Secret#NONE}: none). The disk takes
     * ownership of the image, the backing disk and the data file.
     */
    public Qcow2Disk(Qcow2Image image, GuestDisk backing, ImageSource dataFile, Secret secret) {
        this(image, backing, dataFile, secret, null, image.header().l1TableOffset(), image.header().size());
    }

    /**
     * A reader over an internal snapshot of {@code image}: guest clusters are looked up in
     * {@code l1} (the snapshot's L1 table, read from {@code l1TableOffset}) and the disk is
     * {@code virtualSize} bytes long. Ownership as {@link #Qcow2Disk(Qcow2Image, GuestDisk)}.
     */
    public static Qcow2Disk ofSnapshot(Qcow2Image image, GuestDisk backing, long[] l1, long l1TableOffset,
                                       long virtualSize, Secret secret) {
        return new Qcow2Disk(image, backing, BackingChain.openDataFile(image, null), secret, l1.clone(), l1TableOffset,
                virtualSize);
    }

    /** {@code l1} null: the image's active L1 table. */
    private Qcow2Disk(Qcow2Image image, GuestDisk backing, ImageSource dataFile, Secret secret, long[] l1,
                      long l1TableOffset, long virtualSize) {
        Header h = image.header();
        refuseUnsupported(h, virtualSize);
        if (h.externalDataFile() != (dataFile != null)) {
            throw new IllegalArgumentException("a data file is needed exactly when incompatible bit 2 is set");
        }
        this.cipher = ImageCipher.open(image, secret);
        this.image = image;
        this.l1 = l1;
        this.l1TableOffset = l1TableOffset;
        this.header = h;
        this.source = image.source();
        this.dataSource = dataFile != null ? dataFile : source;
        this.externalData = dataFile != null;
        this.backing = backing;
        this.size = virtualSize;
        this.clusterBits = (int) h.clusterBits();
        this.clusterSize = h.clusterSize();
        this.extendedL2 = h.extendedL2();
        this.l2Bits = clusterBits - (extendedL2 ? 4 : 3);
        this.subclusterBits = extendedL2 ? clusterBits - 5 : clusterBits;
        this.maxMetadataBytes = image.limits().maxMetadataBytes();
    }

    private static void refuseUnsupported(Header h, long virtualSize) {
        if (h.extendedL2() && h.clusterBits() < 14) {
            throw new ImageException(Rule.HEADER_EXTENDED_L2_CLUSTER_BITS_MIN, "cluster_bits", 20,
                    Rule.HEADER_EXTENDED_L2_CLUSTER_BITS_MIN.format(h.clusterBits()));
        }
        String what = null;
        if (virtualSize < 0) {
            what = "virtual sizes of 2^63 bytes or more";
        }
        if (what != null) {
            throw new ImageException(Rule.READ_UNSUPPORTED, "header", 0, Rule.READ_UNSUPPORTED.format(what));
        }
    }

    public Qcow2Image image() {
        return image;
    }

    /** The disk beneath this image, or null. */
    public GuestDisk backing() {
        return backing;
    }

    @Override
    public long size() {
        return size;
    }

    @Override
    public void read(long offset, ByteBuffer dst) {
        GuestDisk.checkRange(offset, dst.remaining(), size);
        long pos = offset;
        final int limit = dst.limit();
        try {
            while (dst.hasRemaining()) {
                long want = dst.remaining();
                int kind = classify(pos);
                long runEnd = Math.min(spanEnd, pos + want);
                long runHost = host + (pos & ((1L << subclusterBits) - 1));
                if (kind != COMPRESSED) {
                    // Extend the run over following clusters of the same kind (data: host-contiguous).
                    while (runEnd < pos + want) {
                        long expectHost = runHost + (runEnd - pos);
                        int next = classify(runEnd);
                        if (next != kind || (kind == DATA && host != expectHost)) {
                            break;
                        }
                        runEnd = Math.min(spanEnd, pos + want);
                    }
                }
                int len = (int) (runEnd - pos);
                dst.limit(dst.position() + len);
                switch (kind) {
                    case UNALLOCATED -> readBacking(pos, dst);
                    case ZERO -> fillZeros(dst);
                    case DATA -> {
                        if (cipher != null) {
                            readEncrypted(pos, runHost, dst);
                        } else {
                            dataSource.readAvailable(runHost, dst);
                            fillZeros(dst); // the part of the run past the end of the file
                        }
                    }
                    default -> readCompressed(pos, dst);
                }
                dst.limit(limit);
                pos = runEnd;
            }
        } finally {
            dst.limit(limit);
        }
    }

    @Override
    public long holeLength(long offset, long max) {
        long end = offset + Math.min(max, size - offset);
        GuestDisk.checkRange(offset, end - offset, size);
        long pos = offset;
        while (pos < end) {
            int kind = classify(pos);
            long runEnd = Math.min(spanEnd, end);
            if (kind == UNALLOCATED && backing != null && pos < backing.size()) {
                long below = Math.min(runEnd, backing.size());
                long h = backing.holeLength(pos, below - pos);
                pos += h;
                if (pos < below) {
                    break;
                }
            } else if (kind == UNALLOCATED || kind == ZERO) {
                pos = runEnd;
            } else {
                break;
            }
        }
        return pos - offset;
    }

    /**
     * Finds what the guest cluster holding {@code pos} is, setting {@link #entry},
     * {@link #host}, {@link #l2Index}, {@link #curL2Offset} and {@link #spanEnd} (the guest
     * offset up to which that answer holds: the cluster's end, or the end of the range an
     * absent L2 table would map).
     */
    private int classify(long pos) {
        long guestCluster = pos >>> clusterBits;
        long l1Index = guestCluster >>> l2Bits;
        spanEnd = endOf(guestCluster, clusterBits);
        host = 0;
        entry = 0;
        if (l1Index >= (l1 == null ? image.l1Size() : l1.length)) {
            // Past the L1 table: nothing can be allocated there, up to the end of the disk.
            spanEnd = size;
            return UNALLOCATED;
        }
        long table = L1Entry.l2Offset(l1 == null ? image.l1Entry((int) l1Index) : l1[(int) l1Index]);
        if (table == 0) {
            spanEnd = endOf(l1Index, l2Bits + clusterBits);
            return UNALLOCATED;
        }
        loadL2(l1Index, table);
        l2Index = (int) (guestCluster & ((1L << l2Bits) - 1));
        curL2Offset = table;
        if (extendedL2) {
            entry = l2[2 * l2Index];
            if (!L2Entry.compressed(entry)) {
                return classifySubcluster(pos, l2[2 * l2Index + 1], table);
            }
            return compressed(table);
        }
        entry = l2[l2Index];
        ClusterType type = L2Entry.type(entry, true);
        switch (type) {
            case COMPRESSED:
                return compressed(table);
            case UNALLOCATED:
                return UNALLOCATED;
            case ZERO_PLAIN:
            case ZERO_ALLOCATED:
                if (!header.isV3()) {
                    throw l2Fault(Rule.MAPPING_L2_ZERO_FLAG_V2, l2Index, table);
                }
                if (type == ClusterType.ZERO_ALLOCATED) {
                    checkHostCluster(L2Entry.hostOffset(entry), guestCluster);
                }
                return ZERO;
            default:
                host = L2Entry.hostOffset(entry);
                if (host == 0 && !externalData) {
                    return UNALLOCATED; // only the copied flag: QEMU reads it as unallocated
                }
                checkHostCluster(host, guestCluster);
                checkInFile(host);
                return DATA;
        }
    }

    /** Spec: Header, incompatible bit 2: an image with an external data file has no compressed clusters. */
    private int compressed(long table) {
        if (externalData) {
            throw l2Fault(Rule.MAPPING_COMPRESSED_WITH_DATA_FILE, l2Index, table);
        }
        return COMPRESSED;
    }

    /**
     * A host cluster that is used (read, or preallocated): aligned and, with an external data
     * file, at the guest offset (QEMU checks both on every access).
     */
    private void checkHostCluster(long hostCluster, long guestCluster) {
        checkAligned(hostCluster);
        long guestOffset = guestCluster << clusterBits;
        if (externalData && hostCluster != guestOffset) {
            throw l2Fault(Rule.DATA_FILE_HOST_OFFSET_EQUALS_GUEST, l2Index, curL2Offset, guestOffset, hostCluster);
        }
    }

    /** A data cluster to be read from the image file starts inside it; a data file is not bounded. */
    private void checkInFile(long hostCluster) {
        if (!externalData && hostCluster >= source.size()) {
            throw l2Fault(Rule.MAPPING_DATA_CLUSTER_IN_FILE, l2Index, curL2Offset, hostCluster, source.size());
        }
    }

    /**
     * A standard cluster with extended L2 entries: the subcluster's allocation and zero bits
     * decide (spec: Extended L2 Entries). Bit 0 of the entry is not a zero flag here.
     */
    private int classifySubcluster(long pos, long bitmap, long table) {
        int sc = (int) ((pos >>> subclusterBits) & 31);
        spanEnd = endOf(pos >>> subclusterBits, subclusterBits);
        long clusterHost = L2Entry.hostOffset(entry);
        long allocated = bitmap & 0xffffffffL;
        long zeros = bitmap >>> 32;
        // Without a host cluster (offset 0 and, unless a data file is used, only the copied flag)
        // the entry is unallocated, as without subclusters.
        if (clusterHost == 0 && !(externalData && L2Entry.copied(entry))) {
            if (allocated != 0) {
                throw l2Fault(Rule.MAPPING_SUBCLUSTER_UNALLOCATED_CLUSTER, l2Index, table, allocated);
            }
            return (zeros >>> sc & 1) != 0 ? ZERO : UNALLOCATED;
        }
        if ((allocated & zeros) != 0) {
            throw l2Fault(Rule.MAPPING_SUBCLUSTER_ALLOC_AND_ZERO, l2Index, table, allocated & zeros);
        }
        checkHostCluster(clusterHost, pos >>> clusterBits);
        if ((zeros >>> sc & 1) != 0) {
            return ZERO;
        }
        if ((allocated >>> sc & 1) == 0) {
            return UNALLOCATED;
        }
        checkInFile(clusterHost);
        host = clusterHost + ((long) sc << subclusterBits);
        return DATA;
    }

    /** The guest offset where unit {@code index} of {@code 2^bits} bytes ends, at most the disk size. */
    private long endOf(long index, int bits) {
        long end = (index + 1) << bits;
        return end <= 0 || end > size ? size : end; // <= 0: past 2^63
    }

    private void checkAligned(long hostOffset) {
        if ((hostOffset & (clusterSize - 1)) != 0) {
            throw l2Fault(Rule.MAPPING_L2_ENTRY_ALIGNED, l2Index, curL2Offset, hostOffset);
        }
    }

    private ImageException l2Fault(Rule rule, int index, long table, Object... more) {
        Object[] args = new Object[2 + more.length];
        args[0] = index;
        args[1] = table;
        System.arraycopy(more, 0, args, 2, more.length);
        return new ImageException(rule, "L2 entry", table + (extendedL2 ? 16L : 8L) * index, rule.format(args));
    }

    private void loadL2(long l1Index, long table) {
        if (table == l2Offset) {
            return;
        }
        long l1EntryOffset = l1TableOffset + 8 * l1Index;
        if ((table & (clusterSize - 1)) != 0) {
            throw new ImageException(Rule.MAPPING_L1_ENTRY_ALIGNED, "L1 entry", l1EntryOffset,
                    Rule.MAPPING_L1_ENTRY_ALIGNED.format(l1Index, table));
        }
        if (table >= source.size() || source.size() - table < clusterSize) {
            throw new ImageException(Rule.MAPPING_L2_TABLE_IN_FILE, "L1 entry", l1EntryOffset,
                    Rule.MAPPING_L2_TABLE_IN_FILE.format(l1Index, table, source.size()));
        }
        if (source.metadataBytesRead() > maxMetadataBytes - clusterSize) {
            throw new ImageException(Rule.LIMIT_METADATA_BYTES, "L2 table", table,
                    Rule.LIMIT_METADATA_BYTES.format(maxMetadataBytes));
        }
        l2 = image.l2Table(table);
        l2Offset = table;
    }

    private void readBacking(long pos, ByteBuffer dst) {
        if (backing != null && pos < backing.size()) {
            int inBacking = (int) Math.min(dst.remaining(), backing.size() - pos);
            int limit = dst.limit();
            dst.limit(dst.position() + inBacking);
            backing.read(pos, dst);
            dst.limit(limit);
        }
        fillZeros(dst); // no backing file, or past its end
    }

    /**
     * Host data of an encrypted image: the whole 512-byte sectors around the run are read
     * (zeros past the end of the file, as QEMU reads them) and decrypted, then the run is copied.
     */
    private void readEncrypted(long pos, long runHost, ByteBuffer dst) {
        int len = dst.remaining();
        int lead = (int) (runHost & 511);
        long first = runHost - lead;
        int n = (lead + len + 511) & ~511;
        if (sectors.length < n) {
            sectors = new byte[n];
        }
        ByteBuffer b = ByteBuffer.wrap(sectors, 0, n);
        dataSource.readAvailable(first, b);
        fillZeros(b);
        cipher.decrypt(sectors, 0, n, first, pos - lead);
        dst.put(sectors, lead, len);
    }

    private void readCompressed(long pos, ByteBuffer dst) {
        if (!clusterValid || clusterEntry != entry) {
            if (decompressor == null) {
                decompressor = new ClusterDecompressor(header);
                cluster = new byte[(int) clusterSize];
            }
            clusterValid = false;
            decompressor.decompress(source, entry, pos & -clusterSize, l2Index, curL2Offset, cluster);
            clusterEntry = entry;
            clusterValid = true;
        }
        dst.put(cluster, (int) (pos & (clusterSize - 1)), dst.remaining());
    }

    /** Fills {@code dst} from its position to its limit with zeros. */
    static void fillZeros(ByteBuffer dst) {
        if (dst.hasArray()) {
            int from = dst.arrayOffset() + dst.position();
            Arrays.fill(dst.array(), from, from + dst.remaining(), (byte) 0);
            dst.position(dst.limit());
            return;
        }
        while (dst.hasRemaining()) {
            dst.put(ZEROS, 0, Math.min(ZEROS.length, dst.remaining()));
        }
    }

    @Override
    public void close() {
        try {
            if (decompressor != null) {
                decompressor.close();
            }
            image.close();
            if (externalData) {
                dataSource.close();
            }
        } finally {
            if (backing != null) {
                backing.close();
            }
        }
    }
}
