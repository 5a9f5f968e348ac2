package io.qcow2conformance.model.rules;

/**
 * The sections of the qcow2 specification (QEMU 7.2, docs/interop/qcow2.txt) that rules
 * are traced to. The ID is stable; the heading is the spec's own section path, so that a
 * reader can find the text. {@link #KIT} is for limits of this kit, not of the spec.
 */
public enum Clause {
    GENERAL("general", "General"),
    HEADER("header", "Header"),
    HEADER_FEATURES("header.features", "Header > incompatible_features / compatible_features / autoclear_features"),
    HEADER_ADDITIONAL_FIELDS("header.additional-fields", "Header > Additional fields (version 3 and higher)"),
    HEADER_PADDING("header.padding", "Header > Header padding"),
    HEADER_EXTENSIONS("extensions", "Header > Header extensions"),
    STRING_EXTENSIONS("extensions.string", "String header extensions"),
    FEATURE_NAME_TABLE("extensions.feature-name-table", "Feature name table"),
    BITMAPS_EXTENSION("extensions.bitmaps", "Bitmaps extension"),
    FDE_HEADER_POINTER("extensions.fde", "Full disk encryption header pointer"),
    DATA_ENCRYPTION("encryption", "Data encryption"),
    HOST_CLUSTER_MANAGEMENT("refcount", "Host cluster management"),
    CLUSTER_MAPPING("mapping", "Cluster mapping"),
    COMPRESSED_CLUSTERS("mapping.compressed", "Cluster mapping > Compressed Clusters Descriptor"),
    EXTENDED_L2("mapping.extended-l2", "Extended L2 Entries"),
    SNAPSHOTS("snapshots", "Snapshots"),
    BITMAPS("bitmaps", "Bitmaps"),
    BITMAP_DIRECTORY("bitmaps.directory", "Bitmaps > Bitmap directory"),
    BITMAP_TABLE("bitmaps.table", "Bitmaps > Bitmap table"),
    BITMAP_DATA("bitmaps.data", "Bitmaps > Bitmap data"),
    KIT("kit", "qcow2-conformance: resource limits and file handling of this kit");

    private final String id;
    private final String heading;

    Clause(String id, String heading) {
        this.id = id;
        this.heading = heading;
    }

    public String id() {
        return id;
    }

    public String heading() {
        return heading;
    }
}
