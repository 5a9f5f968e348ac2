package io.qcow2conformance.model.check;

import io.qcow2conformance.model.header.Header;
import io.qcow2conformance.model.rules.Finding;
import io.qcow2conformance.model.rules.Rule;

import java.util.List;

/**
 * Rules on how extended L2 entries and external data files combine with the rest of the
 * header (spec: Header > cluster_bits and backing_file_offset notes, incompatible_features
 * bit 2, autoclear_features bit 1). The per-entry rules of both features are judged in the
 * walk of the L2 tables ({@link CheckContext}).
 */
final class FeatureRules {
    private FeatureRules() {
    }

    static void check(Header h, List<Finding> out) {
        if (h.extendedL2() && h.clusterBits() < 14) {
            out.add(Finding.of(Rule.HEADER_EXTENDED_L2_CLUSTER_BITS_MIN, 20, h.clusterBits()));
        }
        if (h.hasAutoclear(Header.AUTOCLEAR_DATA_FILE_RAW) && h.hasBackingFile()) {
            out.add(Finding.of(Rule.DATA_FILE_RAW_WITH_BACKING, 8));
        }
    }
}
