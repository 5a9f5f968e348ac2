package io.qcow2conformance.model.header;

import io.qcow2conformance.model.io.BigEndian;

/**
 * The header's fields with their byte offsets and widths, named as in the spec (spec:
 * Header; Header > Additional fields): the one table of where each field lies.
 * {@link HeaderDecoder} reads through it, the writer encodes through it, and the writer's
 * layout names header regions after it ({@code "header." + specName}).
 */
public enum HeaderField {
    MAGIC("magic", 0, 4, 2),
    VERSION("version", 4, 4, 2),
    BACKING_FILE_OFFSET("backing_file_offset", 8, 8, 2),
    BACKING_FILE_SIZE("backing_file_size", 16, 4, 2),
    CLUSTER_BITS("cluster_bits", 20, 4, 2),
    SIZE("size", 24, 8, 2),
    CRYPT_METHOD("crypt_method", 32, 4, 2),
    L1_SIZE("l1_size", 36, 4, 2),
    L1_TABLE_OFFSET("l1_table_offset", 40, 8, 2),
    REFCOUNT_TABLE_OFFSET("refcount_table_offset", 48, 8, 2),
    REFCOUNT_TABLE_CLUSTERS("refcount_table_clusters", 56, 4, 2),
    NB_SNAPSHOTS("nb_snapshots", 60, 4, 2),
    SNAPSHOTS_OFFSET("snapshots_offset", 64, 8, 2),
    INCOMPATIBLE_FEATURES("incompatible_features", 72, 8, 3),
    COMPATIBLE_FEATURES("compatible_features", 80, 8, 3),
    AUTOCLEAR_FEATURES("autoclear_features", 88, 8, 3),
    REFCOUNT_ORDER("refcount_order", 96, 4, 3),
    HEADER_LENGTH("header_length", 100, 4, 3),
    /** Present only when header_length is over 104. */
    COMPRESSION_TYPE("compression_type", Header.COMPRESSION_TYPE_OFFSET, 1, 3);

    private final String specName;
    private final int offset;
    private final int width;
    private final int sinceVersion;

    HeaderField(String specName, int offset, int width, int sinceVersion) {
        this.specName = specName;
        this.offset = offset;
        this.width = width;
        this.sinceVersion = sinceVersion;
    }

    public String specName() {
        return specName;
    }

    public int offset() {
        return offset;
    }

    /** Width in bytes (1, 4 or 8). */
    public int width() {
        return width;
    }

    /** The first header version that has the field. */
    public int sinceVersion() {
        return sinceVersion;
    }

    /** The field's value in {@code header} (the header's first bytes), unsigned and big-endian. */
    public long read(byte[] header) {
        return switch (width) {
            case 1 -> header[offset] & 0xffL;
            case 4 -> BigEndian.u32(header, offset);
            default -> BigEndian.u64(header, offset);
        };
    }

    /** The writer's layout region name of this field. */
    public String regionName() {
        return "header." + specName;
    }

    /** Whether an image of {@code version} with {@code headerLength} has this field. */
    public boolean presentIn(int version, int headerLength) {
        return version >= sinceVersion && (this != COMPRESSION_TYPE || headerLength > offset);
    }
}
