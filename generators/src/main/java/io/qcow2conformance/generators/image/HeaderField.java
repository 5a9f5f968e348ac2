package io.qcow2conformance.generators.image;

import java.util.Arrays;
import java.util.Optional;

/**
 * Header fields by their spec names, with byte offset and width (spec: Header), so that a
 * scenario can change one field by name ({@code header field "cluster_bits" is set to 8}).
 */
public enum HeaderField {
    MAGIC("magic", 0, 4),
    VERSION("version", 4, 4),
    BACKING_FILE_OFFSET("backing_file_offset", 8, 8),
    BACKING_FILE_SIZE("backing_file_size", 16, 4),
    CLUSTER_BITS("cluster_bits", 20, 4),
    SIZE("size", 24, 8),
    CRYPT_METHOD("crypt_method", 32, 4),
    L1_SIZE("l1_size", 36, 4),
    L1_TABLE_OFFSET("l1_table_offset", 40, 8),
    REFCOUNT_TABLE_OFFSET("refcount_table_offset", 48, 8),
    REFCOUNT_TABLE_CLUSTERS("refcount_table_clusters", 56, 4),
    NB_SNAPSHOTS("nb_snapshots", 60, 4),
    SNAPSHOTS_OFFSET("snapshots_offset", 64, 8),
    INCOMPATIBLE_FEATURES("incompatible_features", 72, 8),
    COMPATIBLE_FEATURES("compatible_features", 80, 8),
    AUTOCLEAR_FEATURES("autoclear_features", 88, 8),
    REFCOUNT_ORDER("refcount_order", 96, 4),
    HEADER_LENGTH("header_length", 100, 4),
    COMPRESSION_TYPE("compression_type", 104, 1);

    private final String specName;
    private final int offset;
    private final int width;

    HeaderField(String specName, int offset, int width) {
        this.specName = specName;
        this.offset = offset;
        this.width = width;
    }

    public String specName() {
        return specName;
    }

    public int offset() {
        return offset;
    }

    public int width() {
        return width;
    }

    public static Optional<HeaderField> bySpecName(String name) {
        return Arrays.stream(values()).filter(f -> f.specName.equals(name)).findFirst();
    }
}
