package io.qcow2conformance.model.header;

import io.qcow2conformance.model.image.Limits;
import io.qcow2conformance.model.rules.Finding;
import io.qcow2conformance.model.rules.ImageException;
import io.qcow2conformance.model.rules.Rule;

import java.util.List;
import java.util.function.Supplier;

/**
 * The header's rules (spec: Header, Header padding). {@link #requireUsable} throws for the
 * faults that leave nothing else interpretable; {@link #check} reports every fault,
 * including those, as findings.
 */
public final class HeaderRules {
    private HeaderRules() {
    }

    /** Faults after which no table can be located or read. Checked in this order. */
    public static void requireUsable(Header h, Limits limits) {
        requireUsable(h, limits, () -> "");
    }

    /**
     * As {@link #requireUsable(Header, Limits)}; {@code unknownIncompatibleNames} supplies the
     * names of unknown incompatible bits from the feature name table (asked only when such
     * bits are set, after the cluster size is known to be usable).
     */
    public static void requireUsable(Header h, Limits limits, Supplier<String> unknownIncompatibleNames) {
        if (h.isV3() && h.headerLength() < Header.V3_MIN_LENGTH) {
            throw fatal(Rule.HEADER_LENGTH_MIN, "header_length", 100, h.headerLength());
        }
        if (h.clusterBits() < 9) {
            throw fatal(Rule.HEADER_CLUSTER_BITS_MIN, "cluster_bits", 20, h.clusterBits());
        }
        if (h.clusterBits() > limits.maxClusterBits()) {
            throw fatal(Rule.LIMIT_CLUSTER_BITS, "cluster_bits", 20, h.clusterBits(), limits.maxClusterBits());
        }
        long unknown = h.incompatibleFeatures() & ~Header.INCOMPAT_KNOWN;
        if (unknown != 0) {
            throw fatal(Rule.HEADER_INCOMPATIBLE_UNKNOWN, "incompatible_features", 72, unknown,
                    unknownIncompatibleNames.get());
        }
        if (h.refcountOrder() > 6) {
            throw fatal(Rule.HEADER_REFCOUNT_ORDER_MAX, "refcount_order", 96, h.refcountOrder());
        }
        if (h.cryptMethod() > 2) {
            throw fatal(Rule.HEADER_CRYPT_METHOD_KNOWN, "crypt_method", 32, h.cryptMethod());
        }
        if (h.compressionType() > 1) {
            throw fatal(Rule.HEADER_COMPRESSION_TYPE_KNOWN, "compression_type", Header.COMPRESSION_TYPE_OFFSET,
                    h.compressionType());
        }
    }

    private static ImageException fatal(Rule rule, String field, long offset, Object... args) {
        return new ImageException(rule, field, offset, rule.format(args));
    }

    /** Every header rule, as findings. {@code unknownIncompatibleNames} comes from the feature name table. */
    public static void check(Header h, String unknownIncompatibleNames, List<Finding> out) {
        long cs = h.clusterSize();
        if (h.isV3()) {
            if (h.headerLength() < Header.V3_MIN_LENGTH) {
                out.add(Finding.of(Rule.HEADER_LENGTH_MIN, 100, h.headerLength()));
            }
            if (h.headerLength() % 8 != 0) {
                out.add(Finding.of(Rule.HEADER_LENGTH_MULTIPLE_OF_8, 100, h.headerLength()));
            }
        }
        if (h.clusterBits() < 9) {
            out.add(Finding.of(Rule.HEADER_CLUSTER_BITS_MIN, 20, h.clusterBits()));
            return; // nothing below can be judged without a cluster size
        }
        if (h.clusterBits() > 21) {
            out.add(Finding.of(Rule.HEADER_CLUSTER_BITS_QEMU_MAX, 20, h.clusterBits()));
        }
        if (h.headerLength() > cs) {
            out.add(Finding.of(Rule.HEADER_IN_FIRST_CLUSTER, 100, h.headerLength(), cs));
        }
        byte[] pad = h.additionalFields();
        // Bytes 105..header_length: no field is defined there yet, so all of it is padding.
        for (int i = 0; i < pad.length; i++) {
            if (pad[i] != 0) {
                out.add(Finding.of(Rule.HEADER_PADDING_ZERO, 105 + i, 105 + i, pad[i] & 0xff));
                break;
            }
        }
        if (h.cryptMethod() > 2) {
            out.add(Finding.of(Rule.HEADER_CRYPT_METHOD_KNOWN, 32, h.cryptMethod()));
        }
        if (h.hasBackingFile() && h.backingFileSize() > 1023) {
            out.add(Finding.of(Rule.HEADER_BACKING_FILE_SIZE_MAX, 16, h.backingFileSize()));
        }
        if (h.l1TableOffset() % cs != 0) {
            out.add(Finding.of(Rule.HEADER_L1_TABLE_OFFSET_ALIGNED, 40, h.l1TableOffset(), cs));
        }
        if (h.refcountTableOffset() % cs != 0) {
            out.add(Finding.of(Rule.HEADER_REFCOUNT_TABLE_OFFSET_ALIGNED, 48, h.refcountTableOffset(), cs));
        }
        if (h.nbSnapshots() > 0 && h.snapshotsOffset() % cs != 0) {
            out.add(Finding.of(Rule.HEADER_SNAPSHOTS_OFFSET_ALIGNED, 64, h.snapshotsOffset(), cs));
        }
        long unknown = h.incompatibleFeatures() & ~Header.INCOMPAT_KNOWN;
        if (unknown != 0) {
            out.add(Finding.of(Rule.HEADER_INCOMPATIBLE_UNKNOWN, 72, unknown, unknownIncompatibleNames));
        }
        if (h.hasIncompatible(Header.INCOMPAT_DIRTY)) {
            out.add(Finding.of(Rule.HEADER_DIRTY, 72));
        }
        if (h.hasIncompatible(Header.INCOMPAT_CORRUPT)) {
            out.add(Finding.of(Rule.HEADER_CORRUPT, 72));
        }
        long compatReserved = h.compatibleFeatures() & ~Header.COMPAT_LAZY_REFCOUNTS;
        if (compatReserved != 0) {
            out.add(Finding.of(Rule.HEADER_COMPATIBLE_RESERVED, 80, compatReserved));
        }
        long autoclearReserved = h.autoclearFeatures() & ~(Header.AUTOCLEAR_BITMAPS | Header.AUTOCLEAR_DATA_FILE_RAW);
        if (autoclearReserved != 0) {
            out.add(Finding.of(Rule.HEADER_AUTOCLEAR_RESERVED, 88, autoclearReserved));
        }
        if (h.hasAutoclear(Header.AUTOCLEAR_DATA_FILE_RAW) && !h.externalDataFile()) {
            out.add(Finding.of(Rule.HEADER_AUTOCLEAR_RAW_WITHOUT_DATA_FILE, 88));
        }
        if (h.refcountOrder() > 6) {
            out.add(Finding.of(Rule.HEADER_REFCOUNT_ORDER_MAX, 96, h.refcountOrder()));
        }
        if (h.compressionType() > 1) {
            out.add(Finding.of(Rule.HEADER_COMPRESSION_TYPE_KNOWN, Header.COMPRESSION_TYPE_OFFSET, h.compressionType()));
        }
        boolean bit3 = h.hasIncompatible(Header.INCOMPAT_COMPRESSION);
        if (bit3 != (h.compressionType() != 0)) {
            out.add(Finding.of(Rule.HEADER_COMPRESSION_TYPE_BIT, Header.COMPRESSION_TYPE_OFFSET, h.compressionType(),
                    bit3 ? "set" : "clear"));
        }
    }
}
