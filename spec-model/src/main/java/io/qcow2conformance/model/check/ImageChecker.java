package io.qcow2conformance.model.check;

import io.qcow2conformance.model.bitmap.BitmapReferences;
import io.qcow2conformance.model.crypto.ImageCipher;
import io.qcow2conformance.model.crypto.LuksRules;
import io.qcow2conformance.model.extensions.ExtensionRules;
import io.qcow2conformance.model.extensions.ExtensionsDecoder;
import io.qcow2conformance.model.extensions.HeaderExtension.FeatureName;
import io.qcow2conformance.model.extensions.HeaderExtension.FeatureNameTable;
import io.qcow2conformance.model.extensions.HeaderExtensions;
import io.qcow2conformance.model.header.Header;
import io.qcow2conformance.model.header.HeaderDecoder;
import io.qcow2conformance.model.header.HeaderRules;
import io.qcow2conformance.model.image.Limits;
import io.qcow2conformance.model.io.ImageSource;
import io.qcow2conformance.model.mapping.MappingDecoder;
import io.qcow2conformance.model.read.BackingChain;
import io.qcow2conformance.model.read.GuestDisk;
import io.qcow2conformance.model.read.OpenOptions;
import io.qcow2conformance.model.refcount.StoredRefcounts;
import io.qcow2conformance.model.rules.Finding;
import io.qcow2conformance.model.rules.ImageException;
import io.qcow2conformance.model.rules.Rule;
import io.qcow2conformance.model.rules.Severity;
import io.qcow2conformance.model.snapshot.SnapshotReferences;

import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.StringJoiner;

/**
 * Checks one image file as {@code qemu-img check} does, rule by rule: the header and its
 * extensions, every entry of the active L1 and L2 tables, and the full refcount
 * cross-check (every host cluster's references recounted and compared with its stored
 * refcount). The result is a {@link CheckReport}; an image that cannot be checked at all
 * gives a report with {@link CheckReport#fatal()} set, never an exception.
 *
 * <p>Where this differs from QEMU 7.2 (research/qemu-behaviour.md §2):
 * <ul>
 * <li>Header and extension rules that QEMU ignores (padding, header_length alignment, the
 *     version 2 zero flag, compressed offsets above 56 bits) are findings here; faults that
 *     make QEMU refuse to open (an L1 table too small, an unaligned table offset) are
 *     findings too, so that the check goes on.</li>
 * <li>Compressed data is counted up to the end of the file; clusters past the end of the
 *     file are never compared (QEMU compares up to one partial cluster beyond).</li>
 * <li>A reference reaching a cluster or more past the end of the file is reported with the
 *     rule of the structure that makes it (L2 table, data cluster...).</li>
 * <li>With an external data file, host offsets that differ from the guest offset are
 *     findings (QEMU finds them only when reading); the data file itself is not opened, so a
 *     missing one does not stop the check (QEMU cannot open the image), and
 *     {@link OpenOptions#dataFile()} is not used. Bit 0 of an extended L2 entry, which QEMU
 *     ignores, is a finding.</li>
 * <li>Snapshots and bitmaps are counted only by the {@link ReferenceSource}s given to
 *     {@link #withReferenceSources} (by default {@link #DEFAULT_REFERENCE_SOURCES}: snapshots
 *     and persistent bitmaps); without them their clusters show as leaks.</li>
 * </ul>
 *
 * <p>The passphrase ({@link OpenOptions#secret()}) is needed only for encrypted backing images:
 * metadata is checked without it. When one is given, an encrypted image whose key it does
 * not unlock cannot be checked, as {@code qemu-img check} with a key secret refuses it.
 *
 * <p>Memory: two 16-bit counters and one role byte per host cluster of the file (bounded by
 * the file size and {@link Limits#maxMetadataBytes()}), one cluster buffer for L2 tables,
 * and the active L1 and refcount tables; nothing depends on the virtual size.
 */
public final class ImageChecker {
    /** Bytes kept per host cluster: stored and computed counts (2 + 2) and the role (1). */
    static final int BYTES_PER_HOST_CLUSTER = 5;

    private final OpenOptions options;
    private final Limits limits;
    private final Set<Proposal> proposals;
    private final List<ReferenceSource> referenceSources;
    private final CompressedDataCheck compressedDataCheck;

    /** The structures every check counts besides its own: internal snapshots and persistent bitmaps. */
    public static final List<ReferenceSource> DEFAULT_REFERENCE_SOURCES =
            List.of(new SnapshotReferences(), new BitmapReferences());

    /** A checker with {@code limits} and no passphrase. */
    public ImageChecker(Limits limits) {
        this(OpenOptions.of(limits));
    }

    /** A checker that opens images and their backing chains as {@code options} say. */
    public ImageChecker(OpenOptions options) {
        this(options, Set.of(), DEFAULT_REFERENCE_SOURCES, null);
    }

    private ImageChecker(OpenOptions options, Set<Proposal> proposals, List<ReferenceSource> referenceSources,
                         CompressedDataCheck compressedDataCheck) {
        this.options = options;
        this.limits = options.limits();
        this.proposals = Set.copyOf(proposals);
        this.referenceSources = List.copyOf(referenceSources);
        this.compressedDataCheck = compressedDataCheck;
    }

    /** Proposed spec changes to apply: their rules replace the published ones ({@link Proposal#applicable}). */
    public ImageChecker withProposals(Set<Proposal> applied) {
        return new ImageChecker(options, applied, referenceSources, compressedDataCheck);
    }

    /** Extension point: structures counted by other packages (snapshots, bitmaps); replaces the default list. */
    public ImageChecker withReferenceSources(List<ReferenceSource> sources) {
        return new ImageChecker(options, proposals, sources, compressedDataCheck);
    }

    /**
     * Hook: checks the content of each compressed cluster. The default decompresses every one
     * ({@link DecompressingDataCheck}); {@link CompressedDataCheck#NONE} skips that, as
     * {@code qemu-img check} does.
     */
    public ImageChecker withCompressedDataCheck(CompressedDataCheck check) {
        return new ImageChecker(options, proposals, referenceSources, check);
    }

    public Set<Proposal> proposals() {
        return proposals;
    }

    public CheckReport check(Path path) {
        ImageSource src;
        try {
            src = ImageSource.open(path);
        } catch (ImageException e) {
            return notChecked(path.toString(), new ArrayList<>(), e, null);
        }
        try (src) {
            return check(src, path.toString());
        }
    }

    /** Checks an opened source (which stays open); {@code filename} is for the report. */
    public CheckReport check(ImageSource src, String filename) {
        try (DecompressingDataCheck decompressing = new DecompressingDataCheck()) {
            return check(src, filename, compressedDataCheck == null ? decompressing : compressedDataCheck);
        }
    }

    private CheckReport check(ImageSource src, String filename, CompressedDataCheck dataCheck) {
        List<Finding> findings = new ArrayList<>();
        CheckContext ctx = null;
        try {
            Header h = HeaderDecoder.decode(src);
            HeaderExtensions ext;
            try {
                HeaderRules.requireUsable(h, limits);
                ext = ExtensionsDecoder.decode(src, h);
            } catch (ImageException e) {
                HeaderRules.check(h, "", findings);
                throw e;
            }
            HeaderRules.check(h, unknownIncompatibleNames(h, ext), findings);
            ExtensionRules.check(h, ext, src.size(), findings);
            FeatureRules.check(h, findings);
            LuksRules.check(src, h, ext, findings);
            if (options.secret().present()) {
                ImageCipher.open(src, h, ext, options.secret()); // the passphrase must unlock the key
            }
            long needed = h.l1EntriesNeeded();
            if (h.l1Size() < needed) {
                findings.add(Finding.of(Rule.MAPPING_L1_TOO_SMALL, 36, h.l1Size(), h.size(), needed));
            }
            long[] l1 = MappingDecoder.readL1(src, h.l1TableOffset(), h.l1Size(), limits, "active");
            if (h.hasBackingFile()) {
                requireBackingChain(src, h, ext);
            }
            StoredRefcounts stored = StoredRefcounts.load(src, h, limits, hostClusters(src.size(), h, limits), findings);
            ctx = new CheckContext(src, h, ext, limits, stored, findings, dataCheck);
            ctx.reference(0, h.clusterSize(), ClusterRole.HEADER, null);
            ctx.countActiveL1(l1);
            for (ReferenceSource s : referenceSources) {
                s.addReferences(ctx);
            }
            ctx.countRefcountAndEncryptionStructures();
            long highest = ctx.compareRefcounts();
            List<Finding> counted = Proposal.applicable(findings, proposals);
            return new CheckReport(filename, counted,
                    CheckReport.count(counted, Severity.CORRUPTION), CheckReport.count(counted, Severity.LEAK),
                    ctx.checkErrors(), totalClusters(h), ctx.allocatedClusters(), ctx.fragmentedClusters(),
                    ctx.compressedClusters(), (highest + 1) * h.clusterSize(), null);
        } catch (ImageException e) {
            return notChecked(filename, Proposal.applicable(findings, proposals), e, ctx);
        } catch (UncheckedIOException e) {
            return notChecked(filename, Proposal.applicable(findings, proposals), new ImageException(Rule.FILE_READABLE, "file", 0,
                    "I/O error: " + e.getCause().getMessage()), ctx);
        }
    }

    /**
     * The backing chain must open (spec: Header, backing_file_offset): a missing, looping,
     * unknown-format or unsafe backing file leaves the image unusable, and qemu-img check
     * refuses it too. Nothing beneath the image is checked beyond that. The chain is opened
     * from the header and extensions decoded here, as QEMU opens it once the image's own
     * header and L1 table are read.
     */
    private void requireBackingChain(ImageSource src, Header h, HeaderExtensions ext) {
        try (GuestDisk backing = BackingChain.openBacking(src, h, ext, options)) {
            // opened: the chain is usable
        }
    }

    private static CheckReport notChecked(String filename, List<Finding> findings, ImageException fatal, CheckContext ctx) {
        long errors = 1 + (ctx == null ? 0 : ctx.checkErrors());
        return new CheckReport(filename, findings, CheckReport.count(findings, Severity.CORRUPTION),
                CheckReport.count(findings, Severity.LEAK), errors, 0, 0, 0, 0, 0, fatal);
    }

    /**
     * Host clusters in the file, partial last cluster included. Bounded before anything is
     * allocated per cluster: by 2^31-1 as QEMU, and by the metadata limit.
     */
    static int hostClusters(long fileSize, Header h, Limits limits) {
        long clusters = (fileSize + h.clusterSize() - 1) >> h.clusterBits();
        long allowed = Math.min(Integer.MAX_VALUE - 8, limits.maxMetadataBytes() / BYTES_PER_HOST_CLUSTER);
        if (clusters > allowed) {
            throw new ImageException(Rule.REFCOUNT_CHECK_HOST_CLUSTERS, "file size", 0,
                    Rule.REFCOUNT_CHECK_HOST_CLUSTERS.format(clusters, allowed));
        }
        return (int) clusters;
    }

    /** Guest clusters of the virtual disk, as QEMU counts them (the size in whole 512-byte sectors). */
    static long totalClusters(Header h) {
        long bytes = Long.divideUnsigned(h.size(), 512) * 512;
        long cs = h.clusterSize();
        return Long.divideUnsigned(bytes, cs) + (Long.remainderUnsigned(bytes, cs) != 0 ? 1 : 0);
    }

    /** Names of unknown incompatible bits from the feature name table, for the header finding. */
    static String unknownIncompatibleNames(Header h, HeaderExtensions ext) {
        long unknown = h.incompatibleFeatures() & ~Header.INCOMPAT_KNOWN;
        StringJoiner names = new StringJoiner(", ", " (", ")").setEmptyValue("");
        ext.last(FeatureNameTable.class).ifPresent(t -> {
            for (FeatureName f : t.entries()) {
                if (f.type() == FeatureName.INCOMPATIBLE && f.bit() < 64 && (unknown & (1L << f.bit())) != 0) {
                    names.add(f.name());
                }
            }
        });
        return names.toString();
    }
}
