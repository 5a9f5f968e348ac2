package io.qcow2conformance.model.rules;

import static io.qcow2conformance.model.rules.Clause.*;
import static io.qcow2conformance.model.rules.Level.*;
import static io.qcow2conformance.model.rules.Severity.*;

import java.util.Arrays;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * The rule catalogue: every rule the reference model checks, as data.
 *
 * <p>Each entry has a stable ID (never reused; derived from the structure and field it
 * applies to), the spec section it comes from, how binding it is, how a violation counts,
 * a one-line paraphrase of the spec (never the spec's own words), and the message template
 * with its arguments ({@link String#format} style). Code refers to rules only through
 * these constants; reports, the manifest and the coverage report read them from here
 * (see {@code qcow2-conformance rules --output=json}).
 */
public enum Rule {
    // ---- files handed to the kit -------------------------------------------------------
    FILE_READABLE("file.readable", KIT, MUST, CORRUPTION,
            "The image path names a readable regular file.",
            "%s"),
    FILE_STRUCTURE_IN_BOUNDS("file.structure-in-bounds", GENERAL, MUST, CORRUPTION,
            "Every metadata structure that the header or a table points to lies inside the image file.",
            "%s"),

    // ---- Header ------------------------------------------------------------------------
    HEADER_MAGIC("header.magic", HEADER, MUST, CORRUPTION,
            "The file starts with the magic bytes 'QFI' 0xfb.",
            "magic is 0x%08x, not 0x514649fb"),
    HEADER_VERSION("header.version", HEADER, MUST, CORRUPTION,
            "The version field is 2 or 3.",
            "version %d is not 2 or 3"),
    HEADER_LENGTH_MIN("header.header_length.min", HEADER, MUST, CORRUPTION,
            "A version 3 header is at least 104 bytes long.",
            "header_length %d is less than 104"),
    HEADER_LENGTH_MULTIPLE_OF_8("header.header_length.multiple-of-8", HEADER, MUST, CORRUPTION,
            "A version 3 header_length is a multiple of 8.",
            "header_length %d is not a multiple of 8"),
    HEADER_IN_FIRST_CLUSTER("header.header_length.in-first-cluster", HEADER, MUST, CORRUPTION,
            "The header (and its extensions) fit in the first cluster of the image.",
            "header_length %d exceeds the cluster size %d"),
    HEADER_PADDING_ZERO("header.padding.zero", HEADER_PADDING, MUST, CORRUPTION,
            "Padding between the last known additional field and header_length is zero.",
            "header padding byte at offset %d is 0x%02x, not zero"),
    HEADER_CLUSTER_BITS_MIN("header.cluster_bits.min", HEADER, MUST, CORRUPTION,
            "cluster_bits is at least 9 (512-byte clusters).",
            "cluster_bits %d is less than 9"),
    HEADER_CLUSTER_BITS_QEMU_MAX("header.cluster_bits.max-2mib", HEADER, IMPLEMENTATION_LIMIT, Severity.LIMIT,
            "Clusters larger than 2 MiB (cluster_bits above 21) are valid but beyond QEMU's implementation limit.",
            "cluster_bits %d is above 21: QEMU cannot open images with clusters larger than 2 MiB"),
    HEADER_CRYPT_METHOD_KNOWN("header.crypt_method.known", HEADER, MUST, CORRUPTION,
            "crypt_method is 0 (none), 1 (AES) or 2 (LUKS).",
            "crypt_method %d is not 0, 1 or 2"),
    HEADER_BACKING_FILE_SIZE_MAX("header.backing_file_size.max", HEADER, MUST, CORRUPTION,
            "The backing file name is at most 1023 bytes long.",
            "backing_file_size %d is larger than 1023"),
    HEADER_BACKING_FILE_IN_FIRST_CLUSTER("header.backing_file_offset.in-first-cluster", HEADER_EXTENSIONS, SHOULD, WARNING,
            "The backing file name is stored in the first cluster, after the header extensions.",
            "backing file name at offset %d, length %d, does not lie between the extension area end %d and the first cluster end %d"),
    HEADER_L1_TABLE_OFFSET_ALIGNED("header.l1_table_offset.aligned", HEADER, MUST, CORRUPTION,
            "l1_table_offset is a multiple of the cluster size.",
            "l1_table_offset 0x%x is not aligned to the cluster size %d"),
    HEADER_REFCOUNT_TABLE_OFFSET_ALIGNED("header.refcount_table_offset.aligned", HEADER, MUST, CORRUPTION,
            "refcount_table_offset is a multiple of the cluster size.",
            "refcount_table_offset 0x%x is not aligned to the cluster size %d"),
    HEADER_SNAPSHOTS_OFFSET_ALIGNED("header.snapshots_offset.aligned", HEADER, MUST, CORRUPTION,
            "When the image has snapshots, snapshots_offset is a multiple of the cluster size.",
            "snapshots_offset 0x%x is not aligned to the cluster size %d"),
    HEADER_INCOMPATIBLE_UNKNOWN("header.incompatible_features.unknown", HEADER_FEATURES, MUST, CORRUPTION,
            "No incompatible feature bit outside 0-4 is set; a reader must refuse an image with an unknown one.",
            "unknown incompatible feature bits 0x%x are set%s"),
    HEADER_DIRTY("header.incompatible_features.dirty", HEADER_FEATURES, SHOULD, WARNING,
            "With the dirty bit set, refcounts may be stale and must be rebuilt from the L1/L2 tables before use.",
            "the dirty bit is set: refcounts may be inconsistent"),
    HEADER_CORRUPT("header.incompatible_features.corrupt", HEADER_FEATURES, SHOULD, WARNING,
            "With the corrupt bit set, any structure may be damaged and the image must not be written except to repair it.",
            "the corrupt bit is set: the image must not be written to"),
    HEADER_COMPATIBLE_RESERVED("header.compatible_features.reserved", HEADER_FEATURES, SHOULD, WARNING,
            "Compatible feature bits 1-63 are reserved and written as 0 (readers may ignore them).",
            "reserved compatible feature bits 0x%x are set"),
    HEADER_AUTOCLEAR_RESERVED("header.autoclear_features.reserved", HEADER_FEATURES, SHOULD, WARNING,
            "Autoclear bits 2-63 are reserved; a writer that does not know them clears them first.",
            "reserved autoclear feature bits 0x%x are set"),
    HEADER_AUTOCLEAR_BITMAPS_WITHOUT_EXTENSION("header.autoclear_features.bitmaps-without-extension", HEADER_FEATURES, MUST, CORRUPTION,
            "The bitmaps autoclear bit is never set without a bitmaps extension.",
            "autoclear bit 0 (bitmaps) is set but there is no bitmaps extension"),
    HEADER_AUTOCLEAR_RAW_WITHOUT_DATA_FILE("header.autoclear_features.raw-data-without-data-file", HEADER_FEATURES, MUST, CORRUPTION,
            "The raw external data bit is set only together with the external data file bit (incompatible bit 2).",
            "autoclear bit 1 (raw external data) is set without incompatible bit 2 (external data file)"),
    HEADER_REFCOUNT_ORDER_MAX("header.refcount_order.max", HEADER, MUST, CORRUPTION,
            "refcount_order is at most 6 (64-bit refcounts).",
            "refcount_order %d is larger than 6"),
    HEADER_COMPRESSION_TYPE_KNOWN("header.compression_type.known", HEADER_ADDITIONAL_FIELDS, MUST, CORRUPTION,
            "compression_type is 0 (deflate) or 1 (zstd).",
            "compression_type %d is neither 0 (deflate) nor 1 (zstd)"),
    HEADER_COMPRESSION_TYPE_BIT("header.compression_type.feature-bit", HEADER_ADDITIONAL_FIELDS, MUST, CORRUPTION,
            "Incompatible bit 3 is set exactly when compression_type is present and non-zero.",
            "compression_type is %d but incompatible bit 3 (compression type) is %s"),

    // ---- Header extensions -------------------------------------------------------------
    EXTENSIONS_IN_FIRST_CLUSTER("extensions.in-first-cluster", HEADER_EXTENSIONS, MUST, CORRUPTION,
            "Header extensions, end marker included, lie in the first cluster and before the backing file name.",
            "extension of type 0x%08x at offset %d with length %d runs past the end of the extension area (%d)"),
    EXTENSIONS_END_MARKER("extensions.end-marker", HEADER_EXTENSIONS, MUST, CORRUPTION,
            "The extension area ends with an extension of type 0.",
            "no end-of-extensions marker before offset %d"),
    EXTENSIONS_AT_MOST_ONCE("extensions.at-most-once", HEADER_EXTENSIONS, MUST, CORRUPTION,
            "Each known header extension type appears at most once.",
            "extension type 0x%08x (%s) appears %d times"),
    EXTENSIONS_BACKING_FORMAT_QEMU_LENGTH("extensions.backing_format.length-max-15", STRING_EXTENSIONS, IMPLEMENTATION_LIMIT, Severity.LIMIT,
            "The spec sets no length for the backing format name; QEMU refuses names of 16 bytes or more.",
            "backing file format name is %d bytes long; QEMU accepts at most 15"),
    EXTENSIONS_FEATURE_TABLE_LENGTH("extensions.feature_name_table.length", FEATURE_NAME_TABLE, MUST, CORRUPTION,
            "The feature name table's length is a whole number of 48-byte entries.",
            "feature name table length %d is not a multiple of 48"),
    EXTENSIONS_FEATURE_TABLE_TYPE("extensions.feature_name_table.type", FEATURE_NAME_TABLE, MUST, CORRUPTION,
            "Each feature name table entry selects bitmap 0 (incompatible), 1 (compatible) or 2 (autoclear).",
            "feature name table entry %d has type %d"),
    EXTENSIONS_FEATURE_TABLE_BIT("extensions.feature_name_table.bit", FEATURE_NAME_TABLE, MUST, CORRUPTION,
            "Each feature name table entry names a bit from 0 to 63.",
            "feature name table entry %d names bit %d"),
    EXTENSIONS_BITMAPS_LENGTH("extensions.bitmaps.length", BITMAPS_EXTENSION, MUST, CORRUPTION,
            "The bitmaps extension is 24 bytes long.",
            "bitmaps extension length is %d, not 24"),
    EXTENSIONS_BITMAPS_COUNT_MIN("extensions.bitmaps.nb_bitmaps.min", BITMAPS_EXTENSION, MUST, CORRUPTION,
            "A bitmaps extension holds at least one bitmap.",
            "nb_bitmaps is 0"),
    EXTENSIONS_BITMAPS_COUNT_QEMU_MAX("extensions.bitmaps.nb_bitmaps.max-65535", BITMAPS_EXTENSION, IMPLEMENTATION_LIMIT, Severity.LIMIT,
            "QEMU supports at most 65535 bitmaps per image.",
            "nb_bitmaps %d is more than QEMU's 65535"),
    EXTENSIONS_BITMAPS_RESERVED("extensions.bitmaps.reserved", BITMAPS_EXTENSION, MUST, CORRUPTION,
            "The reserved 32-bit field of the bitmaps extension is zero.",
            "reserved field is 0x%x"),
    EXTENSIONS_BITMAPS_DIRECTORY_ALIGNED("extensions.bitmaps.directory_offset.aligned", BITMAPS_EXTENSION, MUST, CORRUPTION,
            "bitmap_directory_offset is a multiple of the cluster size.",
            "bitmap_directory_offset 0x%x is not aligned to the cluster size %d"),
    EXTENSIONS_FDE_PRESENCE("extensions.fde.presence", FDE_HEADER_POINTER, MUST, CORRUPTION,
            "The full disk encryption header pointer is present exactly when crypt_method is 2 (LUKS).",
            "crypt_method is %d and the encryption header pointer is %s"),
    EXTENSIONS_FDE_LENGTH("extensions.fde.length", FDE_HEADER_POINTER, MUST, CORRUPTION,
            "The full disk encryption header pointer extension is 16 bytes long.",
            "encryption header pointer length is %d, not 16"),
    EXTENSIONS_FDE_OFFSET_ALIGNED("extensions.fde.offset.aligned", FDE_HEADER_POINTER, MUST, CORRUPTION,
            "The encryption header offset is a multiple of the cluster size.",
            "encryption header offset 0x%x is not aligned to the cluster size %d"),
    EXTENSIONS_DATA_FILE_WITHOUT_BIT("extensions.data_file.requires-feature-bit", HEADER_FEATURES, SHOULD, WARNING,
            "An external data file name is given only when incompatible bit 2 (external data file) is set.",
            "an external data file name extension is present but incompatible bit 2 is clear"),
    EXTENSIONS_BITMAPS_AUTOCLEAR_CLEAR("extensions.bitmaps.autoclear-bit-clear", HEADER_FEATURES, SHOULD, WARNING,
            "A bitmaps extension whose autoclear bit 0 is clear holds inconsistent data, to be treated as such.",
            "a bitmaps extension is present but autoclear bit 0 (bitmaps) is clear: its data is inconsistent"),
    EXTENSIONS_BITMAPS_DIRECTORY_SIZE_MIN("extensions.bitmaps.directory_size.min", BITMAPS_EXTENSION, MUST, CORRUPTION,
            "bitmap_directory_size is the total of nb_bitmaps directory entries, each at least 24 bytes.",
            "bitmap_directory_size %d cannot hold %d bitmap directory entries"),
    EXTENSIONS_BITMAPS_DIRECTORY_SIZE_QEMU_MAX("extensions.bitmaps.directory_size.max-qemu", BITMAPS_EXTENSION, IMPLEMENTATION_LIMIT, Severity.LIMIT,
            "QEMU refuses a bitmap directory larger than 1024 bytes for each of its 65535 bitmaps.",
            "bitmap_directory_size %d is more than QEMU's maximum of %d"),
    // (more header extension rules go above this line)

    // ---- Host cluster management (refcounts) --------------------------------------------
    REFCOUNT_TABLE_ENTRY_RESERVED("refcount.table.entry.reserved", HOST_CLUSTER_MANAGEMENT, MUST, CORRUPTION,
            "Bits 0-8 of a refcount table entry are zero.",
            "refcount table entry %d (0x%016x) has reserved bits set"),
    REFCOUNT_TABLE_ENTRY_ALIGNED("refcount.table.entry.aligned", HOST_CLUSTER_MANAGEMENT, MUST, CORRUPTION,
            "A refcount block offset is a multiple of the cluster size.",
            "refcount block %d offset 0x%x is not cluster aligned"),
    REFCOUNT_BLOCK_IN_FILE("refcount.block.in-file", HOST_CLUSTER_MANAGEMENT, MUST, CORRUPTION,
            "Each refcount block lies inside the image file.",
            "refcount block %d at 0x%x is outside the image file (size %d)"),
    REFCOUNT_TOO_LOW("refcount.count.too-low", HOST_CLUSTER_MANAGEMENT, MUST, CORRUPTION,
            "A cluster's stored refcount is at least the number of references to it; a used cluster never has refcount 0.",
            "cluster %d (0x%x): refcount=%d reference=%d"),
    REFCOUNT_TOO_HIGH("refcount.count.too-high", HOST_CLUSTER_MANAGEMENT, SHOULD, LEAK,
            "A cluster's stored refcount is not more than the number of references to it (otherwise it leaks).",
            "cluster %d (0x%x): refcount=%d reference=%d"),
    REFCOUNT_OVERFLOW("refcount.count.overflow", HOST_CLUSTER_MANAGEMENT, MUST, CORRUPTION,
            "The number of references to a cluster fits in one refcount entry of refcount_bits bits.",
            "cluster %d (0x%x) has %d references; a %d-bit refcount holds at most %d"),
    REFCOUNT_CHECK_HOST_CLUSTERS("refcount.check.host-cluster-limit", KIT, IMPLEMENTATION_LIMIT, Severity.LIMIT,
            "The checker keeps 5 bytes per host cluster (stored and counted refcounts, use); the file holds at most metadata-limit/5 clusters, and at most 2^31-1 as in QEMU.",
            "the file holds %d host clusters; the checker accepts at most %d (raise --max-metadata-bytes)"),
    // (more refcount rules go above this line)

    // ---- Cluster mapping ----------------------------------------------------------------
    MAPPING_L1_TOO_SMALL("mapping.l1_size.covers-virtual-size", CLUSTER_MAPPING, MUST, CORRUPTION,
            "The active L1 table has an entry for every guest cluster of the virtual disk.",
            "l1_size %d cannot map a virtual size of %d bytes (%d entries needed)"),
    MAPPING_L1_ENTRY_RESERVED("mapping.l1.entry.reserved", CLUSTER_MAPPING, MUST, CORRUPTION,
            "Bits 0-8 and 56-62 of an L1 entry are zero.",
            "L1 entry %d (0x%016x) has reserved bits set"),
    MAPPING_L1_ENTRY_ALIGNED("mapping.l1.entry.aligned", CLUSTER_MAPPING, MUST, CORRUPTION,
            "An L2 table offset is a multiple of the cluster size.",
            "L1 entry %d points to an L2 table at 0x%x, not cluster aligned"),
    MAPPING_L2_TABLE_IN_FILE("mapping.l2.table.in-file", CLUSTER_MAPPING, MUST, CORRUPTION,
            "Each L2 table lies inside the image file.",
            "L1 entry %d points to an L2 table at 0x%x, past the end of the file (size %d)"),
    MAPPING_L2_ENTRY_RESERVED("mapping.l2.entry.reserved", CLUSTER_MAPPING, MUST, CORRUPTION,
            "Bits 1-8 and 56-61 of a standard cluster descriptor are zero.",
            "L2 entry %d of the table at 0x%x (0x%016x) has reserved bits set"),
    MAPPING_L2_ENTRY_ALIGNED("mapping.l2.entry.aligned", CLUSTER_MAPPING, MUST, CORRUPTION,
            "A standard cluster's host offset is a multiple of the cluster size.",
            "L2 entry %d of the table at 0x%x points to 0x%x, not cluster aligned"),
    MAPPING_L2_ZERO_FLAG_V2("mapping.l2.zero-flag.version-2", CLUSTER_MAPPING, MUST, CORRUPTION,
            "Version 2 images never set the zero flag (bit 0) of a standard cluster descriptor.",
            "L2 entry %d of the table at 0x%x has the zero flag set in a version 2 image"),
    MAPPING_L2_OFFSET_ZERO_COPIED("mapping.l2.offset-zero-with-copied", CLUSTER_MAPPING, MUST, CORRUPTION,
            "A host offset of 0 with bit 63 set is only allowed with an external data file.",
            "L2 entry %d of the table at 0x%x has host offset 0 with the copied flag set"),
    MAPPING_DATA_CLUSTER_IN_FILE("mapping.l2.cluster.in-file", CLUSTER_MAPPING, MUST, CORRUPTION,
            "A standard cluster starts inside the image file.",
            "L2 entry %d of the table at 0x%x points to 0x%x, past the end of the file (size %d)"),
    MAPPING_COPIED_FLAG("mapping.copied-flag", CLUSTER_MAPPING, MUST, CORRUPTION,
            "In the active tables, bit 63 of an L1 or standard L2 entry is set exactly when the cluster's refcount is 1.",
            "%s at 0x%x: copied flag is %d but the refcount of cluster 0x%x is %d"),
    MAPPING_COMPRESSED_COPIED("mapping.compressed.copied-flag", COMPRESSED_CLUSTERS, MUST, CORRUPTION,
            "Bit 63 is never set on a compressed cluster descriptor.",
            "L2 entry %d of the table at 0x%x is compressed and has the copied flag set"),
    MAPPING_COMPRESSED_OFFSET_HIGH_BITS("mapping.compressed.offset-above-56-bits", COMPRESSED_CLUSTERS, MUST, CORRUPTION,
            "When the compressed offset field is wider than 56 bits, its bits above 55 are zero.",
            "L2 entry %d of the table at 0x%x has compressed host offset 0x%x above 64 PiB"),
    MAPPING_COMPRESSED_IN_FILE("mapping.compressed.in-file", COMPRESSED_CLUSTERS, MUST, CORRUPTION,
            "Compressed data starts inside the image file.",
            "L2 entry %d of the table at 0x%x: compressed data at 0x%x starts past the end of the file (size %d)"),
    MAPPING_COMPRESSED_DATA("mapping.compressed.data", COMPRESSED_CLUSTERS, MUST, CORRUPTION,
            "Compressed data decompresses, with the image's compression type, to at least one whole cluster.",
            "compressed cluster for guest offset 0x%x at host 0x%x: %s"),
    LAYOUT_OVERLAP("layout.metadata-overlap", HOST_CLUSTER_MANAGEMENT, MUST, CORRUPTION,
            "A cluster that holds metadata is used by nothing else.",
            "cluster 0x%x is used as %s and as %s"),
    MAPPING_COMPRESSED_WITH_DATA_FILE("mapping.compressed.external-data-file", COMPRESSED_CLUSTERS, MUST, CORRUPTION,
            "An image with an external data file has no compressed clusters.",
            "L2 entry %d of the table at 0x%x is compressed but the image has an external data file"),
    MAPPING_SUBCLUSTER_ALLOC_AND_ZERO("mapping.extended-l2.bitmap.alloc-and-zero", EXTENDED_L2, MUST, CORRUPTION,
            "No subcluster is marked both allocated and zero in an extended L2 entry's bitmap.",
            "L2 entry %d of the table at 0x%x: subclusters 0x%08x are marked both allocated and reading as zero"),
    MAPPING_SUBCLUSTER_UNALLOCATED_CLUSTER("mapping.extended-l2.bitmap.unallocated-cluster", EXTENDED_L2, MUST, CORRUPTION,
            "When an extended L2 entry has no host cluster, none of its subclusters is marked allocated.",
            "L2 entry %d of the table at 0x%x has no host cluster but subclusters 0x%08x are marked allocated"),
    MAPPING_SUBCLUSTER_COMPRESSED("mapping.extended-l2.bitmap.compressed", EXTENDED_L2, MUST, CORRUPTION,
            "The subcluster bitmap of a compressed cluster is reserved and zero.",
            "L2 entry %d of the table at 0x%x is compressed and its subcluster bitmap is 0x%016x"),
    // (more cluster mapping rules go above this line)

    // ---- Backing files ------------------------------------------------------------------
    BACKING_LOOP("backing.chain.loop", HEADER, MUST, CORRUPTION,
            "A backing chain never leads back to an image already in the chain.",
            "backing chain loops: %s"),
    BACKING_MISSING("backing.file.readable", HEADER, MUST, CORRUPTION,
            "The backing file named by the image can be opened.",
            "backing file %s: %s"),
    BACKING_FORMAT_KNOWN("backing.format.known", STRING_EXTENSIONS, MUST, CORRUPTION,
            "The backing file format, when named, is one the reader knows (this kit: qcow2 and raw).",
            "backing file format '%s' is not supported"),
    // Not a spec rule: the guest reader's own gaps, kept here until their areas land.
    READ_UNSUPPORTED("kit.read.unsupported-feature", KIT, IMPLEMENTATION_LIMIT, Severity.LIMIT,
            "The kit's guest reader (convert, data checks) does not handle every valid image yet; it refuses those it cannot read.",
            "the guest reader does not support %s yet"),
    // (more backing file rules go above this line)

    // ---- Snapshots ----------------------------------------------------------------------
    SNAPSHOT_TABLE_IN_FILE("snapshot.table.in-file", SNAPSHOTS, MUST, CORRUPTION,
            "When the image has snapshots, the snapshot table starts inside the image file.",
            "snapshot table at 0x%x (%d snapshots) starts past the end of the file (size %d)"),
    SNAPSHOT_ENTRY_IN_FILE("snapshot.entry.in-file", SNAPSHOTS, MUST, CORRUPTION,
            "Each snapshot table entry, with its extra data, ID and name, lies inside the image file (the table is one contiguous area).",
            "snapshot table entry %d at 0x%x: %s (%d bytes at 0x%x) reaches past the end of the file (size %d)"),
    SNAPSHOT_L1_OFFSET_ALIGNED("snapshot.entry.l1_table_offset.aligned", SNAPSHOTS, MUST, CORRUPTION,
            "A snapshot's L1 table offset is a multiple of the cluster size.",
            "snapshot %s (%s): L1 table offset 0x%x is not aligned to the cluster size %d"),
    SNAPSHOT_L1_COVERS_VIRTUAL_SIZE("snapshot.entry.l1_size.covers-virtual-size", SNAPSHOTS, SHOULD, WARNING,
            "A snapshot's L1 table has an entry for every guest cluster of the snapshot's virtual disk; guest clusters past it read as unallocated.",
            "snapshot %s (%s): l1_size %d cannot map its virtual size of %d bytes (%d entries needed)"),
    SNAPSHOT_EXTRA_DATA_V3("snapshot.entry.extra_data.version-3-min", SNAPSHOTS, MUST, CORRUPTION,
            "In a version 3 image every snapshot table entry has extra data at least up to the virtual disk size field (16 bytes).",
            "snapshot table entry %d (ID %s) has %d bytes of extra data; version 3 needs at least 16"),
    SNAPSHOT_WITH_DATA_FILE("snapshot.table.external-data-file", HEADER_FEATURES, MUST, CORRUPTION,
            "An image with an external data file (incompatible bit 2) has no internal snapshots.",
            "the image has an external data file and %d snapshots"),
    SNAPSHOT_ID_UNIQUE("snapshot.entry.id.unique", SNAPSHOTS, SHOULD, WARNING,
            "The ID string of each snapshot is unique in the snapshot table.",
            "snapshot table entries %d and %d have the same ID '%s'"),
    SNAPSHOT_COUNT_MAX("snapshot.table.nb_snapshots.max-qemu", SNAPSHOTS, IMPLEMENTATION_LIMIT, Severity.LIMIT,
            "QEMU refuses more than 65536 snapshots (the kit's --max-snapshots).",
            "nb_snapshots %d is more than the limit of %d"),
    SNAPSHOT_TABLE_SIZE_MAX("snapshot.table.size.max-qemu", SNAPSHOTS, IMPLEMENTATION_LIMIT, Severity.LIMIT,
            "QEMU refuses a snapshot table larger than 64 MiB (the kit's --max-snapshot-table-bytes).",
            "the snapshot table reaches %d bytes at entry %d, more than the limit of %d"),
    SNAPSHOT_EXTRA_DATA_MAX("snapshot.entry.extra_data_size.max-qemu", SNAPSHOTS, IMPLEMENTATION_LIMIT, Severity.LIMIT,
            "QEMU refuses snapshot table entries with more than 1024 bytes of extra data (the kit's --max-snapshot-extra-data).",
            "snapshot table entry %d has %d bytes of extra data, more than the limit of %d"),
    SNAPSHOT_L1_SIZE_MAX("snapshot.entry.l1_size.max-qemu", SNAPSHOTS, IMPLEMENTATION_LIMIT, Severity.LIMIT,
            "A snapshot's L1 table is at most 32 MiB (QEMU's limit, the kit's --max-l1-bytes); QEMU's check counts a larger one as a corrupt entry.",
            "snapshot %s (%s): l1_size %d (%d bytes) exceeds the limit of %d bytes"),
    // (more snapshot rules go above this line)

    // ---- Bitmaps ------------------------------------------------------------------------
    BITMAP_DIRECTORY_ENTRY_IN_DIRECTORY("bitmaps.directory.entry.in-directory", BITMAP_DIRECTORY, MUST, CORRUPTION,
            "Each directory entry, with its extra data, name and padding, lies inside bitmap_directory_size bytes.",
            "bitmap directory entry at 0x%x needs %d bytes but only %d are left in the directory"),
    BITMAP_DIRECTORY_SIZE_MATCHES("bitmaps.directory.size-matches-entries", BITMAPS_EXTENSION, MUST, CORRUPTION,
            "bitmap_directory_size is exactly the total size of the directory entries.",
            "the bitmap directory ends with %d bytes that are not a directory entry"),
    BITMAP_DIRECTORY_COUNT_MATCHES("bitmaps.directory.count-matches-nb_bitmaps", BITMAPS_EXTENSION, MUST, CORRUPTION,
            "The bitmap directory holds exactly nb_bitmaps entries.",
            "nb_bitmaps is %d but the bitmap directory holds %d entries"),
    BITMAP_NAME_NON_EMPTY("bitmaps.directory.name_size.non-zero", BITMAP_DIRECTORY, MUST, CORRUPTION,
            "Every bitmap has a name of at least one byte.",
            "bitmap directory entry at 0x%x has name_size 0"),
    BITMAP_NAME_UNIQUE("bitmaps.directory.name.unique", BITMAP_DIRECTORY, MUST, CORRUPTION,
            "No two bitmaps of an image have the same name.",
            "bitmap name '%s' is used by more than one directory entry"),
    BITMAP_NAME_QEMU_MAX("bitmaps.directory.name_size.max-1023", BITMAP_DIRECTORY, IMPLEMENTATION_LIMIT, Severity.LIMIT,
            "QEMU refuses bitmap names longer than 1023 bytes.",
            "bitmap '%s' has name_size %d; QEMU accepts at most 1023"),
    BITMAP_TYPE_KNOWN("bitmaps.directory.type.dirty-tracking", BITMAP_DIRECTORY, MUST, CORRUPTION,
            "A bitmap's type is 1 (dirty tracking); the other values are reserved.",
            "bitmap '%s' has type %d, not 1 (dirty tracking)"),
    BITMAP_GRANULARITY_MAX("bitmaps.directory.granularity_bits.max-63", BITMAP_DIRECTORY, MUST, CORRUPTION,
            "granularity_bits is between 0 and 63.",
            "bitmap '%s' has granularity_bits %d, more than 63"),
    BITMAP_GRANULARITY_QEMU("bitmaps.directory.granularity_bits.qemu-9-31", BITMAP_DIRECTORY, IMPLEMENTATION_LIMIT, Severity.LIMIT,
            "QEMU only supports granularity_bits from 9 to 31 (512 B to 2 GiB per bit).",
            "bitmap '%s' has granularity_bits %d; QEMU supports 9 to 31"),
    BITMAP_FLAGS_RESERVED("bitmaps.directory.flags.reserved", BITMAP_DIRECTORY, MUST, CORRUPTION,
            "Flag bits 3-31 of a bitmap directory entry are zero.",
            "bitmap '%s' has reserved flag bits 0x%x set"),
    BITMAP_IN_USE("bitmaps.directory.flags.in-use", BITMAP_DIRECTORY, SHOULD, WARNING,
            "A bitmap whose in_use flag is set was not saved correctly: its data and size may be stale and must not be trusted.",
            "bitmap '%s' is marked in_use: its content may be inconsistent"),
    BITMAP_EXTRA_DATA_SIZE_ZERO("bitmaps.directory.extra_data_size.zero", BITMAP_DIRECTORY, SHOULD, WARNING,
            "No extra data is defined yet, so extra_data_size is reserved and should be 0.",
            "bitmap '%s' has %d bytes of extra data"),
    BITMAP_EXTRA_DATA_UNUSABLE("bitmaps.directory.extra_data.not-compatible", BITMAP_DIRECTORY, MUST, WARNING,
            "A bitmap with extra data that the reader does not know, and without the extra_data_compatible flag, must not be used (but must be kept).",
            "bitmap '%s' has unknown extra data and no extra_data_compatible flag: it must not be used"),
    BITMAP_EXTRA_DATA_QEMU("bitmaps.directory.extra_data.qemu-unsupported", BITMAP_DIRECTORY, IMPLEMENTATION_LIMIT, Severity.LIMIT,
            "QEMU refuses any bitmap extra data and the extra_data_compatible flag.",
            "bitmap '%s' has %s; QEMU refuses to open the image"),
    BITMAP_TABLE_OFFSET_ALIGNED("bitmaps.directory.bitmap_table_offset.aligned", BITMAP_DIRECTORY, MUST, CORRUPTION,
            "bitmap_table_offset is a multiple of the cluster size.",
            "bitmap '%s' has its table at 0x%x, not aligned to the cluster size %d"),
    BITMAP_TABLE_OFFSET_NON_ZERO("bitmaps.directory.bitmap_table_offset.non-zero", BITMAP_DIRECTORY, MUST, CORRUPTION,
            "A bitmap table lies after the header: offset 0 would put it over the header, and a table of no entries cannot hold a non-empty disk's bitmap (proposal zero-bitmap-table-offset gives offset 0 a meaning).",
            "bitmap '%s' has bitmap_table_offset 0 (table size %d)"),
    BITMAP_TABLE_OFFSET_ZERO_SIZE("bitmaps.directory.bitmap_table_offset.zero-needs-zero-size", BITMAP_DIRECTORY, MUST, CORRUPTION,
            "Proposal zero-bitmap-table-offset: offset 0 means the bitmap has no table and every bit is zero; bitmap_table_size must then be 0.",
            "bitmap '%s' has bitmap_table_offset 0 but bitmap_table_size %d"),
    BITMAP_TABLE_SIZE_COVERS_DISK("bitmaps.directory.bitmap_table_size.covers-disk", BITMAPS, MUST, CORRUPTION,
            "Unless in_use is set, the bitmap table has an entry for every cluster of bitmap data the virtual disk needs at the bitmap's granularity.",
            "bitmap '%s' has %d table entries; the virtual disk needs %d"),
    BITMAP_TABLE_SIZE_QEMU_EXACT("bitmaps.directory.bitmap_table_size.qemu-exact", BITMAP_DIRECTORY, IMPLEMENTATION_LIMIT, Severity.LIMIT,
            "QEMU loads a bitmap that is not in_use only when its table has exactly the entries the virtual disk needs.",
            "bitmap '%s' has %d table entries; QEMU requires exactly %d"),
    BITMAP_TABLE_SIZE_QEMU_RANGE("bitmaps.directory.bitmap_table_size.qemu-range", BITMAP_DIRECTORY, IMPLEMENTATION_LIMIT, Severity.LIMIT,
            "QEMU accepts bitmap tables of 1 to 0x8000000 entries whose data is at most 512 MiB.",
            "bitmap '%s' has %d table entries (%d bytes of data); QEMU accepts 1 to 134217728 entries and 512 MiB"),
    BITMAP_TABLE_IN_FILE("bitmaps.table.in-file", BITMAP_TABLE, MUST, CORRUPTION,
            "Each bitmap table lies inside the image file.",
            "bitmap '%s': table at 0x%x, %d entries, reaches past the end of the file (size %d)"),
    BITMAP_TABLE_ENTRY_RESERVED("bitmaps.table.entry.reserved", BITMAP_TABLE, MUST, CORRUPTION,
            "Bits 1-8 and 56-63 of a bitmap table entry are zero, and so is bit 0 when the entry has an offset.",
            "bitmap '%s': table entry %d (0x%016x) has reserved bits set"),
    BITMAP_TABLE_ENTRY_ALIGNED("bitmaps.table.entry.aligned", BITMAP_TABLE, MUST, CORRUPTION,
            "A bitmap data cluster offset is a multiple of the cluster size.",
            "bitmap '%s': table entry %d points to 0x%x, not cluster aligned"),
    BITMAP_DATA_IN_FILE("bitmaps.data.in-file", BITMAP_DATA, MUST, CORRUPTION,
            "Each bitmap data cluster starts inside the image file.",
            "bitmap '%s': table entry %d points to 0x%x, past the end of the file (size %d)"),
    BITMAP_DATA_TAIL_ZERO("bitmaps.data.tail-bits.zero", BITMAP_DATA, MUST, CORRUPTION,
            "The bits of the last bitmap data cluster past the end of the bitmap are zero.",
            "bitmap '%s': unused tail bits of the last data cluster at 0x%x are set (first at byte 0x%x)"),
    BITMAP_PADDING_ZERO("bitmaps.directory.padding.zero", BITMAP_DIRECTORY, MUST, CORRUPTION,
            "The padding that rounds a directory entry up to a multiple of 8 bytes is zero.",
            "bitmap '%s': padding byte at 0x%x is not zero"),
    // (more bitmap rules go above this line)

    // ---- Extended L2 entries and external data files ------------------------------------
    // The reader and the checker name the two faults this rule groups by their own rules
    // (mapping.extended-l2.bitmap.alloc-and-zero, .unallocated-cluster); the ID is kept, never reused.
    MAPPING_EXTENDED_L2_BITMAP("mapping.extended-l2.bitmap.valid", EXTENDED_L2, MUST, CORRUPTION,
            "In a standard extended L2 entry no subcluster is both allocated and marked as reading zeros, and an entry without a host offset marks no subcluster allocated.",
            "L2 entry %d of the table at 0x%x: subcluster bitmap 0x%016x %s"),
    HEADER_EXTENDED_L2_CLUSTER_BITS_MIN("header.cluster_bits.min-with-extended-l2", HEADER, MUST, CORRUPTION,
            "With extended L2 entries cluster_bits is at least 14, so that each of the 32 subclusters is at least 512 bytes.",
            "cluster_bits %d is less than 14, the minimum with extended L2 entries"),
    MAPPING_EXTENDED_L2_ZERO_FLAG("mapping.extended-l2.zero-flag", EXTENDED_L2, MUST, CORRUPTION,
            "With extended L2 entries bit 0 of a standard cluster descriptor is 0; the subcluster bitmap says what reads as zeros.",
            "L2 entry %d of the table at 0x%x has bit 0 set; with extended L2 entries it is always 0"),
    DATA_FILE_READABLE("data-file.file.readable", HEADER_FEATURES, MUST, CORRUPTION,
            "An image with the external data file bit can be read only with its data file: the one its name extension names or one given by the user.",
            "external data file %s: %s"),
    DATA_FILE_HOST_OFFSET_EQUALS_GUEST("mapping.data-file.host-offset-equals-guest", HEADER_FEATURES, MUST, CORRUPTION,
            "With an external data file, a cluster's host offset in the data file equals its guest offset.",
            "L2 entry %d of the table at 0x%x maps guest offset 0x%x to host offset 0x%x of the external data file"),
    DATA_FILE_RAW_WITH_BACKING("header.backing_file_offset.raw-external-data", HEADER, MUST, CORRUPTION,
            "An image whose raw external data bit (autoclear bit 1) is set has no backing file.",
            "the image names a backing file but autoclear bit 1 (raw external data) is set"),
    // (more extended L2 and external data file rules go above this line)

    // ---- Encryption ---------------------------------------------------------------------
    ENCRYPTION_PASSPHRASE_REQUIRED("encryption.passphrase.required", DATA_ENCRYPTION, IMPLEMENTATION_LIMIT, Severity.LIMIT,
            "Guest data of an encrypted image is read only with its passphrase; without one the kit refuses to read rather than return ciphertext.",
            "the image is encrypted (%s): give a passphrase to read its guest data"),
    ENCRYPTION_PASSPHRASE_OPENS_KEY("encryption.passphrase.opens-key", DATA_ENCRYPTION, IMPLEMENTATION_LIMIT, Severity.LIMIT,
            "The passphrase given unlocks an active LUKS key slot whose master key matches the master key digest.",
            "the passphrase opens none of the active key slots (%s)"),
    LUKS_HEADER_LENGTH("encryption.luks.header.length", FDE_HEADER_POINTER, MUST, CORRUPTION,
            "The LUKS encryption header area is long enough for the 592-byte LUKS partition header.",
            "encryption header length %d is less than the 592 bytes of a LUKS header"),
    LUKS_MAGIC("encryption.luks.magic", FDE_HEADER_POINTER, MUST, CORRUPTION,
            "The LUKS header starts with the magic 'LUKS' 0xba 0xbe.",
            "LUKS magic is %s, not 4c554b53babe"),
    LUKS_VERSION("encryption.luks.version", FDE_HEADER_POINTER, MUST, CORRUPTION,
            "The LUKS header version is 1.",
            "LUKS version %d is not 1"),
    LUKS_CIPHER_KNOWN("encryption.luks.cipher.known", FDE_HEADER_POINTER, IMPLEMENTATION_LIMIT, Severity.LIMIT,
            "LUKS1 allows more ciphers than a reader may have; an implementation may refuse one it lacks, never misread it. "
                    + "The kit decrypts aes and serpent (128-, 192- or 256-bit keys) in xts or cbc mode with plain, plain64 "
                    + "or essiv:HASH IVs.",
            "cipher '%s' mode '%s' is not supported by the kit (it decrypts aes and serpent, xts or cbc, plain, plain64 "
                    + "or essiv IVs)"),
    LUKS_HASH_KNOWN("encryption.luks.hash.known", FDE_HEADER_POINTER, IMPLEMENTATION_LIMIT, Severity.LIMIT,
            "LUKS1 allows more hashes than a reader may have; an implementation may refuse one it lacks, never misread "
                    + "the image. The kit computes md5, sha1, sha224, sha256, sha384, sha512 and ripemd160 (PBKDF2, AF "
                    + "diffusion, ESSIV).",
            "hash spec '%s' is not supported by the kit (it computes md5, sha1, sha224, sha256, sha384, sha512 "
                    + "and ripemd160)"),
    LUKS_KEY_BYTES("encryption.luks.key-bytes.valid", FDE_HEADER_POINTER, MUST, CORRUPTION,
            "The LUKS master key length is a key length of the cipher and mode.",
            "key_bytes %d is not a key length of %s-%s"),
    LUKS_MK_ITERATIONS("encryption.luks.mk-digest-iterations.nonzero", FDE_HEADER_POINTER, MUST, CORRUPTION,
            "The LUKS master key digest is computed with at least one iteration.",
            "mk_digest_iterations is 0"),
    LUKS_PAYLOAD_OFFSET("encryption.luks.payload-offset.nonzero", FDE_HEADER_POINTER, SHOULD, WARNING,
            "A LUKS header inside qcow2 still carries a valid (non-zero) payload offset, though qcow2 does not use it.",
            "payload_offset is 0"),
    LUKS_KEY_SLOT_STATE("encryption.luks.key-slot.state", FDE_HEADER_POINTER, MUST, CORRUPTION,
            "Each LUKS key slot is marked active (0x00ac71f3) or disabled (0x0000dead).",
            "key slot %d state is 0x%08x, neither active nor disabled"),
    LUKS_ACTIVE_SLOT("encryption.luks.key-slot.one-active", FDE_HEADER_POINTER, MUST, CORRUPTION,
            "At least one LUKS key slot is active, or the image can never be decrypted.",
            "no key slot is active"),
    LUKS_KEY_SLOT_PARAMETERS("encryption.luks.key-slot.parameters", FDE_HEADER_POINTER, MUST, CORRUPTION,
            "An active LUKS key slot has at least one iteration and at least one stripe.",
            "key slot %d has %d iterations and %d stripes"),
    LUKS_KEY_MATERIAL_OFFSET("encryption.luks.key-slot.key-material-offset", FDE_HEADER_POINTER, MUST, CORRUPTION,
            "An active key slot's key material (offset in sectors from the start of the LUKS header) starts after the 592-byte header and overlaps no other active slot's.",
            "key slot %d key material at sector %d %s"),
    LUKS_KEY_MATERIAL_IN_AREA("encryption.luks.key-slot.in-header-area", FDE_HEADER_POINTER, MUST, CORRUPTION,
            "An active key slot's key material (key_bytes times stripes, in whole sectors) lies inside the encryption header area.",
            "key slot %d key material ends at byte %d of the LUKS area, past its length %d"),
    LUKS_WORK_LIMIT("encryption.luks.work.limit", KIT, IMPLEMENTATION_LIMIT, Severity.LIMIT,
            "Unlocking a LUKS key slot takes at most the kit's limits of PBKDF2 iterations (2^26) and key material (16 MiB).",
            "key slot %d needs %d iterations and %d bytes of key material, beyond the kit's limits"),
    // (more encryption rules go above this line)

    // ---- Limits of this kit (settable; defaults close to QEMU's) ------------------------
    LIMIT_L1_SIZE("kit.limit.l1-table-size", KIT, IMPLEMENTATION_LIMIT, Severity.LIMIT,
            "The active L1 table is at most the kit's limit (default 32 MiB, as QEMU).",
            "l1_size %d (%d bytes) exceeds the limit of %d bytes"),
    LIMIT_REFCOUNT_TABLE_SIZE("kit.limit.refcount-table-size", KIT, IMPLEMENTATION_LIMIT, Severity.LIMIT,
            "The refcount table is at most the kit's limit (default 8 MiB, as QEMU).",
            "refcount_table_clusters %d (%d bytes) exceeds the limit of %d bytes"),
    LIMIT_CLUSTER_BITS("kit.limit.cluster-bits", KIT, IMPLEMENTATION_LIMIT, Severity.LIMIT,
            "cluster_bits is at most the kit's limit (default 24, 16 MiB clusters).",
            "cluster_bits %d exceeds the limit of %d"),
    LIMIT_BACKING_DEPTH("kit.limit.backing-chain-depth", KIT, IMPLEMENTATION_LIMIT, Severity.LIMIT,
            "A backing chain is at most the kit's limit deep (default 16).",
            "backing chain is deeper than %d images"),
    LIMIT_METADATA_BYTES("kit.limit.metadata-bytes", KIT, IMPLEMENTATION_LIMIT, Severity.LIMIT,
            "The metadata read for one operation is at most the kit's limit (default 1 GiB).",
            "more than %d bytes of metadata would be read"),
    PATH_OUTSIDE_IMAGE_FOLDER("kit.path.outside-image-folder", KIT, IMPLEMENTATION_LIMIT, Severity.LIMIT,
            "A file named inside an image (backing or data file) is absolute or leaves the image's folder; refused unless allowed.",
            "%s '%s' resolves outside the image's folder (allow it with --allow-outside-paths)");

    private static final Map<String, Rule> BY_ID = Arrays.stream(values())
            .collect(Collectors.toUnmodifiableMap(Rule::id, Function.identity()));

    private final String id;
    private final Clause clause;
    private final Level level;
    private final Severity severity;
    private final String paraphrase;
    private final String messageTemplate;

    Rule(String id, Clause clause, Level level, Severity severity, String paraphrase, String messageTemplate) {
        this.id = id;
        this.clause = clause;
        this.level = level;
        this.severity = severity;
        this.paraphrase = paraphrase;
        this.messageTemplate = messageTemplate;
    }

    public String id() {
        return id;
    }

    public Clause clause() {
        return clause;
    }

    public Level level() {
        return level;
    }

    public Severity severity() {
        return severity;
    }

    public String paraphrase() {
        return paraphrase;
    }

    public String messageTemplate() {
        return messageTemplate;
    }

    public String format(Object... args) {
        return String.format(messageTemplate, args);
    }

    public static Optional<Rule> byId(String id) {
        return Optional.ofNullable(BY_ID.get(id));
    }
}
