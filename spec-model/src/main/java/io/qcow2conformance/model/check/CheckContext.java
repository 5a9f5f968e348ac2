package io.qcow2conformance.model.check;

import io.qcow2conformance.model.extensions.HeaderExtension;
import io.qcow2conformance.model.extensions.HeaderExtensions;
import io.qcow2conformance.model.header.Header;
import io.qcow2conformance.model.image.Limits;
import io.qcow2conformance.model.io.ImageSource;
import io.qcow2conformance.model.mapping.ClusterType;
import io.qcow2conformance.model.mapping.L1Entry;
import io.qcow2conformance.model.mapping.L2Entry;
import io.qcow2conformance.model.mapping.MappingDecoder;
import io.qcow2conformance.model.refcount.ClusterCounts;
import io.qcow2conformance.model.refcount.RefcountDecoder;
import io.qcow2conformance.model.refcount.StoredRefcounts;
import io.qcow2conformance.model.rules.Finding;
import io.qcow2conformance.model.rules.ImageException;
import io.qcow2conformance.model.rules.Rule;

import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.List;

/**
 * The state of one check: the references counted so far for every host cluster of the
 * file, what each cluster is used for, and the findings. The walk of the L1/L2 tables and
 * the comparison with the stored refcounts follow {@code qemu-img check}
 * (qcow2-refcount.c, see research/qemu-behaviour.md §2) except where the class comment of
 * {@link ImageChecker} says otherwise.
 *
 * <p>{@link ReferenceSource}s use the public methods to add the references of the
 * structures they decode (snapshots, bitmaps).
 */
public final class CheckContext {
    private static final ClusterRole[] ROLES = ClusterRole.values();

    private final ImageSource source;
    private final Header header;
    private final HeaderExtensions extensions;
    private final Limits limits;
    private final StoredRefcounts stored;
    private final List<Finding> findings;
    private final CompressedDataCheck compressedDataCheck;
    private final long fileSize;
    private final long clusterSize;
    private final int clusterBits;
    /** References counted per host cluster of the file. */
    private final ClusterCounts computed;
    /** The first {@link ClusterRole} (ordinal + 1) each host cluster was counted for; 0 = none yet. */
    private final byte[] roles;
    private final ByteBuffer l2Buffer;
    private long bytesRead;
    private long allocatedClusters;
    private long fragmentedClusters;
    private long compressedClusters;
    private long checkErrors;

    CheckContext(ImageSource source, Header header, HeaderExtensions extensions, Limits limits, StoredRefcounts stored,
                 List<Finding> findings, CompressedDataCheck compressedDataCheck) {
        this.source = source;
        this.header = header;
        this.extensions = extensions;
        this.limits = limits;
        this.stored = stored;
        this.findings = findings;
        this.compressedDataCheck = compressedDataCheck;
        this.fileSize = source.size();
        this.clusterSize = header.clusterSize();
        this.clusterBits = (int) header.clusterBits();
        this.computed = new ClusterCounts(stored.clusters());
        this.roles = new byte[stored.clusters()];
        this.l2Buffer = ByteBuffer.allocate((int) clusterSize).order(ByteOrder.BIG_ENDIAN);
    }

    public ImageSource source() {
        return source;
    }

    public Header header() {
        return header;
    }

    public HeaderExtensions extensions() {
        return extensions;
    }

    public Limits limits() {
        return limits;
    }

    public long fileSize() {
        return fileSize;
    }

    /** Adds a finding to the report. */
    public void report(Finding finding) {
        findings.add(finding);
    }

    /**
     * Counts one reference to every host cluster that the bytes {@code [offset,
     * offset+length)} touch. Like QEMU, a range that reaches one cluster or more past the
     * end of the file is not counted and {@code false} is returned, for the caller to report
     * with its own rule; clusters past the end of the file are never counted. A cluster
     * that is already used for something it may not share with is reported as
     * {@code layout.metadata-overlap}.
     *
     * @param name what the range is, for messages (null: the role's label)
     */
    public boolean reference(long offset, long length, ClusterRole role, String name) {
        return count(offset, length, role, name, -1);
    }

    /**
     * Counts an inactive L1 table (a snapshot's), its L2 tables and their clusters. The
     * copied flag and the allocation counters concern the active tables only and are not
     * checked here. A table that cannot be read is reported and skipped.
     */
    public void countL1Table(long offset, long l1Size, String name) {
        long[] l1;
        try {
            l1 = MappingDecoder.readL1(source, offset, l1Size, limits, name);
        } catch (ImageException e) {
            report(e.toFinding());
            return;
        }
        if (!reference(offset, l1Size * 8, ClusterRole.SNAPSHOT_L1_TABLE, name)) {
            report(Finding.of(Rule.FILE_STRUCTURE_IN_BOUNDS, offset, name + " reaches past the end of the file"));
        }
        walkL1(l1, offset, false);
    }

    private boolean count(long offset, long length, ClusterRole role, String name, long entryOffset) {
        if (length <= 0) {
            return true;
        }
        if (offset < 0 || offset - fileSize >= clusterSize || length >= clusterSize + fileSize - offset) {
            return false;
        }
        long first = offset >> clusterBits;
        long last = Math.min((offset + length - 1) >> clusterBits, roles.length - 1L);
        byte code = (byte) (role.ordinal() + 1);
        for (long k = first; k <= last; k++) {
            int i = (int) k;
            byte before = roles[i];
            if (before == 0) {
                roles[i] = code;
            } else if (role.conflictsWith(ROLES[before - 1])) {
                String second = name != null ? name
                        : entryOffset >= 0 ? String.format("%s (entry at 0x%x)", role.label(), entryOffset) : role.label();
                report(Finding.of(Rule.LAYOUT_OVERLAP, k << clusterBits, k << clusterBits,
                        ROLES[before - 1].label(), second));
            }
            computed.increment(i);
        }
        return true;
    }

    /** The active L1 table: the table itself, its L2 tables, their clusters, copied flags and counters. */
    void countActiveL1(long[] l1) {
        count(header.l1TableOffset(), header.l1Size() * 8, ClusterRole.ACTIVE_L1_TABLE, null, -1);
        walkL1(l1, header.l1TableOffset(), true);
    }

    private void walkL1(long[] l1, long l1Offset, boolean active) {
        long guestPerL2 = header.l2Entries() * clusterSize;
        for (int i = 0; i < l1.length; i++) {
            long e = l1[i];
            if (e == 0) {
                continue;
            }
            long entryOffset = l1Offset + 8L * i;
            if (L1Entry.reservedBits(e) != 0) {
                report(Finding.of(Rule.MAPPING_L1_ENTRY_RESERVED, entryOffset, i, e));
            }
            long l2 = L1Entry.l2Offset(e);
            if (l2 == 0) {
                continue;
            }
            boolean inFile = count(l2, clusterSize, ClusterRole.L2_TABLE, null, entryOffset);
            if (l2 % clusterSize != 0) {
                report(Finding.of(Rule.MAPPING_L1_ENTRY_ALIGNED, entryOffset, i, l2));
            }
            if (active) {
                checkCopied(e, entryOffset, "L1 entry", i, l2);
            }
            if (!inFile) {
                report(Finding.of(Rule.MAPPING_L2_TABLE_IN_FILE, entryOffset, i, l2, fileSize));
                continue;
            }
            // Like QEMU, an unaligned table is read where the entry says.
            walkL2(l2, i * guestPerL2, active);
        }
    }

    private void walkL2(long table, long guestBase, boolean active) {
        budget(clusterSize, table);
        byte[] raw = l2Buffer.array();
        l2Buffer.clear();
        int got = source.readAvailable(table, l2Buffer);
        if (got < raw.length) {
            Arrays.fill(raw, got, raw.length, (byte) 0); // the end of a short file reads as zeros
        }
        boolean extL2 = header.extendedL2();
        boolean v3 = header.isV3();
        boolean dataFile = header.externalDataFile();
        int step = header.l2EntrySize();
        int entries = raw.length / step;
        long nextContiguous = 0;
        for (int i = 0; i < entries; i++) {
            int p = i * step;
            long e = l2Buffer.getLong(p);
            long bitmap = extL2 ? l2Buffer.getLong(p + 8) : 0;
            if (e == 0 && bitmap == 0) {
                continue;
            }
            long entryOffset = table + p;
            if (L2Entry.compressed(e)) {
                countCompressed(e, bitmap, entryOffset, table, i, guestBase + i * clusterSize, active);
                continue;
            }
            if (L2Entry.reservedBits(e) != 0) {
                report(Finding.of(Rule.MAPPING_L2_ENTRY_RESERVED, entryOffset, i, table, e));
            }
            if (!v3 && L2Entry.zeroFlag(e)) {
                report(Finding.of(Rule.MAPPING_L2_ZERO_FLAG_V2, entryOffset, i, table));
            }
            if (extL2 && L2Entry.zeroFlag(e)) {
                report(Finding.of(Rule.MAPPING_EXTENDED_L2_ZERO_FLAG, entryOffset, i, table));
            }
            ClusterType type = L2Entry.type(e, !extL2);
            long offset = L2Entry.hostOffset(e);
            if (type == ClusterType.NORMAL && offset == 0 && !dataFile) {
                report(Finding.of(Rule.MAPPING_L2_OFFSET_ZERO_COPIED, entryOffset, i, table));
                type = ClusterType.UNALLOCATED;
            }
            if (type == ClusterType.UNALLOCATED || type == ClusterType.ZERO_PLAIN) {
                if ((bitmap & 0xffffffffL) != 0) {
                    report(Finding.of(Rule.MAPPING_SUBCLUSTER_UNALLOCATED_CLUSTER, entryOffset, i, table,
                            bitmap & 0xffffffffL));
                }
                continue;
            }
            // standard cluster with a host offset: data or preallocated zeros
            if (((bitmap >>> 32) & bitmap) != 0) {
                report(Finding.of(Rule.MAPPING_SUBCLUSTER_ALLOC_AND_ZERO, entryOffset, i, table, (bitmap >>> 32) & bitmap));
            }
            if (offset % clusterSize != 0) {
                report(Finding.of(Rule.MAPPING_L2_ENTRY_ALIGNED, entryOffset, i, table, offset));
            }
            if (active) {
                allocatedClusters++;
                if (nextContiguous != 0 && offset != nextContiguous) {
                    fragmentedClusters++;
                }
                nextContiguous = offset + clusterSize;
            }
            if (dataFile) {
                // spec: incompatible bit 2: the data file is mapped one to one and not refcounted
                long guestOffset = guestBase + i * clusterSize;
                if (offset != guestOffset) {
                    report(Finding.of(Rule.DATA_FILE_HOST_OFFSET_EQUALS_GUEST, entryOffset, i, table, guestOffset,
                            offset));
                }
                // clusters of an external data file always have refcount 1
                if (active && !L2Entry.copied(e)) {
                    report(Finding.of(Rule.MAPPING_COPIED_FLAG, entryOffset, "L2 entry " + i, entryOffset, 0, offset, 1));
                }
                continue;
            }
            if (!count(offset, clusterSize, ClusterRole.DATA, null, entryOffset)) {
                report(Finding.of(Rule.MAPPING_DATA_CLUSTER_IN_FILE, entryOffset, i, table, offset, fileSize));
            }
            if (active) {
                checkCopied(e, entryOffset, "L2 entry", i, offset);
            }
        }
    }

    private void countCompressed(long e, long bitmap, long entryOffset, long table, int i, long guestOffset,
                                 boolean active) {
        if (L2Entry.copied(e)) {
            report(Finding.of(Rule.MAPPING_COMPRESSED_COPIED, entryOffset, i, table));
        }
        if (header.externalDataFile()) {
            report(Finding.of(Rule.MAPPING_COMPRESSED_WITH_DATA_FILE, entryOffset, i, table));
            return;
        }
        if (bitmap != 0) {
            report(Finding.of(Rule.MAPPING_SUBCLUSTER_COMPRESSED, entryOffset, i, table, bitmap));
            return;
        }
        if (active) {
            allocatedClusters++;
            compressedClusters++;
            fragmentedClusters++; // QEMU counts every compressed cluster as fragmented
        }
        long offset = L2Entry.compressedOffset(e, clusterBits);
        if (offset >>> 56 != 0) {
            report(Finding.of(Rule.MAPPING_COMPRESSED_OFFSET_HIGH_BITS, entryOffset, i, table, offset));
            return;
        }
        if (offset >= fileSize) {
            report(Finding.of(Rule.MAPPING_COMPRESSED_IN_FILE, entryOffset, i, table, offset, fileSize));
            return;
        }
        long length = L2Entry.compressedLength(e, clusterBits);
        // every host cluster the descriptor's byte range touches, up to the end of the file
        count(offset, Math.min(length, fileSize - offset), ClusterRole.COMPRESSED_DATA, null, entryOffset);
        checkCompressedData(guestOffset, offset, length);
    }

    /** The compressed-data hook: see {@link CompressedDataCheck}. The walk itself never decompresses. */
    private void checkCompressedData(long guestOffset, long hostOffset, long length) {
        compressedDataCheck.check(this, guestOffset, hostOffset, length);
    }

    /** Spec: Cluster mapping: bit 63 of an active L1 or standard L2 entry is set exactly when the refcount is 1. */
    private void checkCopied(long entry, long entryOffset, String what, int index, long clusterOffset) {
        long k = clusterOffset >> clusterBits;
        if (k >= stored.clusters() || !stored.readable(k)) {
            return; // past the end of the file (reported) or refcount unreadable
        }
        long refcount = stored.get((int) k);
        boolean copied = entry < 0;
        if (copied != (refcount == 1)) {
            report(Finding.of(Rule.MAPPING_COPIED_FLAG, entryOffset, what + " " + index, entryOffset, copied ? 1 : 0,
                    k << clusterBits, unsigned(refcount)));
        }
    }

    /** The refcount table, the encryption header and the refcount blocks, in QEMU's order. */
    void countRefcountAndEncryptionStructures() {
        count(header.refcountTableOffset(), header.refcountTableClusters() * clusterSize, ClusterRole.REFCOUNT_TABLE,
                null, -1);
        extensions.last(HeaderExtension.FullDiskEncryption.class)
                .filter(fde -> fde.length() >= 16 && fde.encryptionHeaderLength() > 0)
                // an area past the end of the file is not counted; ExtensionRules reports it
                .ifPresent(fde -> reference(fde.encryptionHeaderOffset(), fde.encryptionHeaderLength(),
                        ClusterRole.ENCRYPTION_HEADER, null));
        long[] blocks = stored.referencedBlocks();
        for (int i = 0; i < blocks.length; i++) {
            if (blocks[i] != 0) {
                count(blocks[i], clusterSize, ClusterRole.REFCOUNT_BLOCK, "refcount block " + i, -1);
            }
        }
    }

    /**
     * Compares the counted references with the stored refcounts of every host cluster of
     * the file (spec: Host cluster management) and returns the index of the last cluster
     * that is referenced or has a refcount.
     */
    long compareRefcounts() {
        int order = (int) header.refcountOrder();
        long max = RefcountDecoder.maxRefcount(order);
        ClusterCounts storedCounts = stored.counts();
        long highest = 0;
        for (int k = 0; k < computed.size(); k++) {
            if (!stored.readable(k)) {
                checkErrors++; // QEMU: "Can't get refcount for cluster"
                continue;
            }
            boolean same = computed.sameAt(storedCounts, k);
            long c = computed.get(k);
            if (same) {
                if (c != 0) {
                    highest = k;
                }
                continue;
            }
            long s = storedCounts.get(k);
            highest = k;
            if (Long.compareUnsigned(c, max) > 0) {
                report(Finding.of(Rule.REFCOUNT_OVERFLOW, stored.entryOffset(k), k, (long) k << clusterBits, c,
                        1 << order, max));
                c = max;
                if (c == s) {
                    continue;
                }
            }
            Rule rule = Long.compareUnsigned(s, c) < 0 ? Rule.REFCOUNT_TOO_LOW : Rule.REFCOUNT_TOO_HIGH;
            report(Finding.of(rule, stored.entryOffset(k), k, (long) k << clusterBits, unsigned(s), c));
        }
        return highest;
    }

    private void budget(long bytes, long offset) {
        bytesRead += bytes;
        if (source.metadataBytesRead() + stored.bytesRead() + bytesRead > limits.maxMetadataBytes()) {
            throw new ImageException(Rule.LIMIT_METADATA_BYTES, "L2 table", offset,
                    Rule.LIMIT_METADATA_BYTES.format(limits.maxMetadataBytes()));
        }
    }

    static Object unsigned(long v) {
        return v >= 0 ? (Object) v : new BigInteger(Long.toUnsignedString(v));
    }

    long allocatedClusters() {
        return allocatedClusters;
    }

    long fragmentedClusters() {
        return fragmentedClusters;
    }

    long compressedClusters() {
        return compressedClusters;
    }

    long checkErrors() {
        return checkErrors;
    }

    long clusterSize() {
        return clusterSize;
    }
}
