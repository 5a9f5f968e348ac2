package io.qcow2conformance.model.extensions;

import io.qcow2conformance.model.extensions.HeaderExtension.BackingFormat;
import io.qcow2conformance.model.extensions.HeaderExtension.Bitmaps;
import io.qcow2conformance.model.extensions.HeaderExtension.ExternalDataFile;
import io.qcow2conformance.model.extensions.HeaderExtension.FeatureName;
import io.qcow2conformance.model.extensions.HeaderExtension.FeatureNameTable;
import io.qcow2conformance.model.extensions.HeaderExtension.FullDiskEncryption;
import io.qcow2conformance.model.header.Header;
import io.qcow2conformance.model.rules.Finding;
import io.qcow2conformance.model.rules.Rule;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The header extensions' rules (spec: Header extensions and the sections of each extension).
 * Offsets in findings point at the field concerned: an extension's length field is at
 * {@code offset + 4}, its data starts at {@code offset + 8}.
 */
public final class ExtensionRules {
    /** Length of the bitmaps extension data (spec: Bitmaps extension). */
    static final int BITMAPS_LENGTH = 24;
    /** Length of the full disk encryption header pointer (spec: Full disk encryption header pointer). */
    static final int FDE_LENGTH = 16;
    /** QEMU's limits (qcow2.h / qcow2-bitmap.c): bitmaps per image, bytes per directory entry. */
    static final long QEMU_MAX_BITMAPS = 65535;
    static final long QEMU_MAX_DIRECTORY_ENTRY = 1024;
    /** The fixed part of a bitmap directory entry (spec: Bitmaps > Bitmap directory). */
    static final long DIRECTORY_ENTRY_MIN = 24;
    /** QEMU refuses backing format names of this length or longer (qcow2.c, ext_backing_format). */
    static final int QEMU_BACKING_FORMAT_MAX = 15;
    private static final int DATA = 8;

    private ExtensionRules() {
    }

    /** Every extension rule that can be judged from the header and the extension area, as findings. */
    public static void check(Header h, HeaderExtensions ext, long fileSize, List<Finding> out) {
        // Without a valid cluster size nothing about the first cluster can be judged (header.cluster_bits.min).
        if (h.clusterBits() < 9 || h.clusterBits() > 62) {
            return;
        }
        long cs = h.clusterSize();
        area(ext, out);
        atMostOnce(ext, out);
        for (HeaderExtension e : ext.entries()) {
            // Unknown types may be ignored (spec: Header extensions).
            if (e instanceof BackingFormat b) {
                backingFormat(b, out);
            } else if (e instanceof FeatureNameTable t) {
                featureNameTable(t, out);
            } else if (e instanceof Bitmaps b) {
                bitmaps(h, b, cs, fileSize, out);
            } else if (e instanceof FullDiskEncryption f) {
                fullDiskEncryption(h, f, cs, fileSize, out);
            } else if (e instanceof ExternalDataFile d) {
                externalDataFile(h, d, out);
            }
        }
        if (h.hasAutoclear(Header.AUTOCLEAR_BITMAPS) && ext.last(Bitmaps.class).isEmpty()) {
            out.add(Finding.of(Rule.HEADER_AUTOCLEAR_BITMAPS_WITHOUT_EXTENSION, 88));
        }
        if (h.cryptMethod() == 2 && ext.last(FullDiskEncryption.class).isEmpty()) {
            out.add(Finding.of(Rule.EXTENSIONS_FDE_PRESENCE, 32, h.cryptMethod(), "absent"));
        }
        backingFileName(h, ext, cs, out);
    }

    /** spec: Header extensions — every extension, padding included, inside the area; an end marker. */
    private static void area(HeaderExtensions ext, List<Finding> out) {
        for (HeaderExtension e : ext.entries()) {
            long paddedEnd = e.offset() + DATA + padded(e.length());
            if (paddedEnd > ext.areaEnd()) {
                out.add(Finding.of(Rule.EXTENSIONS_IN_FIRST_CLUSTER, e.offset() + 4, e.type(), e.offset(), e.length(),
                        ext.areaEnd()));
            }
        }
        // An empty area (a backing file name right after the header) has no room for a marker.
        if (ext.endMarkerOffset() < 0 && ext.areaEnd() > ext.areaStart()) {
            out.add(Finding.of(Rule.EXTENSIONS_END_MARKER, extensionsEnd(ext), ext.areaEnd()));
        }
    }

    /** spec: Header extensions — each known type at most once; the finding points at the first repeat. */
    private static void atMostOnce(HeaderExtensions ext, List<Finding> out) {
        Map<Long, List<HeaderExtension>> byType = new LinkedHashMap<>();
        for (HeaderExtension e : ext.entries()) {
            if (!(e instanceof HeaderExtension.Unknown)) {
                byType.computeIfAbsent(e.type(), k -> new ArrayList<>()).add(e);
            }
        }
        for (List<HeaderExtension> same : byType.values()) {
            if (same.size() > 1) {
                HeaderExtension repeat = same.get(1);
                out.add(Finding.of(Rule.EXTENSIONS_AT_MOST_ONCE, repeat.offset(), repeat.type(), repeat.kind(), same.size()));
            }
        }
    }

    private static void backingFormat(BackingFormat b, List<Finding> out) {
        if (b.length() > QEMU_BACKING_FORMAT_MAX) {
            out.add(Finding.of(Rule.EXTENSIONS_BACKING_FORMAT_QEMU_LENGTH, b.offset() + 4, b.length()));
        }
    }

    /** spec: Feature name table — 48-byte entries, type 0..2, bit 0..63. */
    private static void featureNameTable(FeatureNameTable t, List<Finding> out) {
        if (t.length() % ExtensionsDecoder.FEATURE_NAME_ENTRY != 0) {
            out.add(Finding.of(Rule.EXTENSIONS_FEATURE_TABLE_LENGTH, t.offset() + 4, t.length()));
        }
        List<FeatureName> entries = t.entries();
        for (int i = 0; i < entries.size(); i++) {
            long entryOffset = t.offset() + DATA + (long) i * ExtensionsDecoder.FEATURE_NAME_ENTRY;
            FeatureName f = entries.get(i);
            if (f.type() > FeatureName.AUTOCLEAR) {
                out.add(Finding.of(Rule.EXTENSIONS_FEATURE_TABLE_TYPE, entryOffset, i, f.type()));
            }
            if (f.bit() > 63) {
                out.add(Finding.of(Rule.EXTENSIONS_FEATURE_TABLE_BIT, entryOffset + 1, i, f.bit()));
            }
        }
    }

    /** spec: Bitmaps extension; autoclear_features bit 0. */
    private static void bitmaps(Header h, Bitmaps b, long cs, long fileSize, List<Finding> out) {
        long data = b.offset() + DATA;
        if (!h.hasAutoclear(Header.AUTOCLEAR_BITMAPS)) {
            out.add(Finding.of(Rule.EXTENSIONS_BITMAPS_AUTOCLEAR_CLEAR, b.offset()));
        }
        if (b.length() != BITMAPS_LENGTH) {
            out.add(Finding.of(Rule.EXTENSIONS_BITMAPS_LENGTH, b.offset() + 4, b.length()));
            return; // the fields are not where the spec puts them
        }
        if (b.nbBitmaps() == 0) {
            out.add(Finding.of(Rule.EXTENSIONS_BITMAPS_COUNT_MIN, data));
        } else if (b.nbBitmaps() > QEMU_MAX_BITMAPS) {
            out.add(Finding.of(Rule.EXTENSIONS_BITMAPS_COUNT_QEMU_MAX, data, b.nbBitmaps()));
        }
        if (b.reserved() != 0) {
            out.add(Finding.of(Rule.EXTENSIONS_BITMAPS_RESERVED, data + 4, b.reserved()));
        }
        long dirSize = b.bitmapDirectorySize();
        if (Long.compareUnsigned(dirSize, b.nbBitmaps() * DIRECTORY_ENTRY_MIN) < 0) {
            out.add(Finding.of(Rule.EXTENSIONS_BITMAPS_DIRECTORY_SIZE_MIN, data + 8, dirSize, b.nbBitmaps()));
        }
        long qemuMax = QEMU_MAX_BITMAPS * QEMU_MAX_DIRECTORY_ENTRY;
        if (Long.compareUnsigned(dirSize, qemuMax) > 0) {
            out.add(Finding.of(Rule.EXTENSIONS_BITMAPS_DIRECTORY_SIZE_QEMU_MAX, data + 8, dirSize, qemuMax));
        }
        long dirOffset = b.bitmapDirectoryOffset();
        if (Long.remainderUnsigned(dirOffset, cs) != 0) {
            out.add(Finding.of(Rule.EXTENSIONS_BITMAPS_DIRECTORY_ALIGNED, data + 16, dirOffset, cs));
        }
        inFile("bitmap directory", dirOffset, dirSize, data + 16, fileSize, out);
    }

    /** spec: Full disk encryption header pointer. */
    private static void fullDiskEncryption(Header h, FullDiskEncryption f, long cs, long fileSize, List<Finding> out) {
        if (h.cryptMethod() != 2) {
            out.add(Finding.of(Rule.EXTENSIONS_FDE_PRESENCE, f.offset(), h.cryptMethod(), "present"));
        }
        if (f.length() != FDE_LENGTH) {
            out.add(Finding.of(Rule.EXTENSIONS_FDE_LENGTH, f.offset() + 4, f.length()));
            return;
        }
        long data = f.offset() + DATA;
        if (Long.remainderUnsigned(f.encryptionHeaderOffset(), cs) != 0) {
            out.add(Finding.of(Rule.EXTENSIONS_FDE_OFFSET_ALIGNED, data, f.encryptionHeaderOffset(), cs));
        }
        inFile("encryption header", f.encryptionHeaderOffset(), f.encryptionHeaderLength(), data, fileSize, out);
    }

    /** spec: incompatible_features bit 2 — the name extension goes with the external data file bit. */
    private static void externalDataFile(Header h, ExternalDataFile d, List<Finding> out) {
        if (!h.externalDataFile()) {
            out.add(Finding.of(Rule.EXTENSIONS_DATA_FILE_WITHOUT_BIT, d.offset()));
        }
    }

    /** spec: Header extensions — the backing file name goes between the extension area and the cluster end. */
    private static void backingFileName(Header h, HeaderExtensions ext, long cs, List<Finding> out) {
        if (!h.hasBackingFile()) {
            return;
        }
        long start = h.backingFileOffset();
        long size = h.backingFileSize();
        long usedEnd = extensionsEnd(ext);
        boolean inside = start >= usedEnd && start <= cs && size <= cs - start;
        if (!inside) {
            out.add(Finding.of(Rule.HEADER_BACKING_FILE_IN_FIRST_CLUSTER, 8, start, size, usedEnd, cs));
        }
    }

    /** {@link Rule#FILE_STRUCTURE_IN_BOUNDS} for a structure an extension points to. */
    private static void inFile(String what, long offset, long length, long fieldOffset, long fileSize, List<Finding> out) {
        boolean inside = offset >= 0 && length >= 0 && offset <= fileSize && length <= fileSize - offset;
        if (!inside) {
            out.add(Finding.of(Rule.FILE_STRUCTURE_IN_BOUNDS, fieldOffset, String.format(
                    "%s at 0x%x, %d bytes long, reaches past the end of the file (size %d)",
                    what, offset, length, fileSize)));
        }
    }

    /**
     * Where the extensions end, not counting padding that already runs past the area (that
     * is reported once, as {@link Rule#EXTENSIONS_IN_FIRST_CLUSTER}).
     */
    private static long extensionsEnd(HeaderExtensions ext) {
        return Math.max(ext.areaStart(), Math.min(ext.usedEnd(), ext.areaEnd()));
    }

    private static long padded(long length) {
        return (length + 7) & ~7L;
    }

    /**
     * The unknown incompatible feature bits, named from the image's feature name table where
     * it has an entry for them (as QEMU's "Unsupported qcow2 feature(s)" message does), for
     * {@code HeaderRules.check}. Empty when no unknown bit is set; otherwise
     * {@code ": name-a, name-b, unnamed bits 0x..."}.
     */
    public static String unknownIncompatibleNames(Header h, HeaderExtensions ext) {
        long unknown = h.incompatibleFeatures() & ~Header.INCOMPAT_KNOWN;
        if (unknown == 0) {
            return "";
        }
        List<String> parts = new ArrayList<>();
        Optional<FeatureNameTable> table = ext == null ? Optional.empty() : ext.last(FeatureNameTable.class);
        for (FeatureName f : table.map(FeatureNameTable::entries).orElse(List.of())) {
            if (f.type() == FeatureName.INCOMPATIBLE && f.bit() < 64 && (unknown & (1L << f.bit())) != 0) {
                parts.add(f.name().isEmpty() ? "bit " + f.bit() : f.name());
                unknown &= ~(1L << f.bit());
            }
        }
        if (unknown != 0) {
            parts.add(String.format("unnamed bits 0x%x", unknown));
        }
        return ": " + String.join(", ", parts);
    }
}
