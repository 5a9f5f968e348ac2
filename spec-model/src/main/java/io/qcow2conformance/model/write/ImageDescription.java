package io.qcow2conformance.model.write;

import io.qcow2conformance.model.header.Header;

import java.util.ArrayList;
import java.util.List;

/**
 * An immutable description of one valid qcow2 image: header values, extensions, backing
 * file and the guest operations that give its content. {@link Qcow2Writer} lays it out;
 * {@link GuestContent} computes what a reader must see. Build with {@link #builder()};
 * {@link Builder#build()} refuses descriptions that no valid image can have (faults are
 * made afterwards with {@link Mutation}).
 *
 * @param version                2 or 3
 * @param clusterBits            9 to 21 (QEMU's range)
 * @param virtualSize            guest disk size in bytes, greater than 0
 * @param refcountOrder          0 to 6; 4 for version 2
 * @param headerLength           72 for version 2; 104, 112, 120... for version 3
 * @param additionalFields       bytes 105 up to header_length (padding and unknown fields), as written
 * @param compression            the compression type of compressed clusters (zstd: version 3, header_length over 104)
 * @param incompatibleFeatures   raw bits written in addition to those derived (dirty, compression type)
 * @param compatibleFeatures     raw bits written in addition to lazy refcounts
 * @param autoclearFeatures      raw bits
 * @param lazyRefcounts          sets compatible bit 0
 * @param dirty                  sets incompatible bit 0 (refcounts are still exact)
 * @param extensions             header extensions in file order (repeats allowed)
 * @param backingFileName        the name stored in the header, or null
 * @param backingPlacement       where the name is stored in the first cluster
 * @param backing                the backing image's description (for chains and expected content), or null
 * @param layer                  the {@link GuestPattern} layer of this image's writes, 0..255
 * @param operations             guest operations, in order
 * @param packCompressed         compressed data packed at byte granularity, each starting at an odd offset
 *                               (sharing sectors and host clusters), instead of each on a fresh host cluster
 * @param truncateCompressedTail end the file exactly where the last compressed cluster's data ends, so its
 *                               last sector reaches past the end of the file
 * @param bitmaps                persistent bitmaps, in directory order; with any, a bitmaps extension follows
 *                               {@code extensions} (spec: Bitmaps extension)
 * @param bitmapsAutoclear       with bitmaps: set autoclear bit 0, which says the bitmaps are consistent
 * @param dataFile               the external data file that holds the guest clusters, or null (sets
 *                               incompatible bit 2, and autoclear bit 1 when raw; see {@link ExternalDataFile})
 * @param extendedL2             extended L2 entries (incompatible bit 4, 16-byte entries with a subcluster bitmap):
 *                               operations then work on subclusters (see {@link ExtendedL2})
 * @param snapshots              internal snapshots, in table order, each taken after some of {@code operations}
 *                               (spec: Snapshots); the operations after the first one cover whole clusters
 * @param encryption             how guest data is encrypted, with the passphrase, or null (crypt_method 0)
 */
public record ImageDescription(
        int version,
        int clusterBits,
        long virtualSize,
        int refcountOrder,
        int headerLength,
        byte[] additionalFields,
        Compression compression,
        long incompatibleFeatures,
        long compatibleFeatures,
        long autoclearFeatures,
        boolean lazyRefcounts,
        boolean dirty,
        List<Extension> extensions,
        String backingFileName,
        BackingPlacement backingPlacement,
        ImageDescription backing,
        int layer,
        List<GuestOp> operations,
        boolean packCompressed,
        boolean truncateCompressedTail,
        List<PersistentBitmap> bitmaps,
        boolean bitmapsAutoclear,
        ExternalDataFile dataFile,
        boolean extendedL2,
        List<InternalSnapshot> snapshots,
        Encryption encryption) {

    /** Where the backing file name goes (spec: Header, backing_file_offset). */
    public enum BackingPlacement {
        /** Right after the end-of-extensions marker, as QEMU writes it. */
        AFTER_EXTENSIONS,
        /** So that the name ends exactly at the end of the first cluster. */
        END_OF_FIRST_CLUSTER
    }

    public ImageDescription {
        additionalFields = additionalFields.clone();
        extensions = List.copyOf(extensions);
        operations = List.copyOf(operations);
        bitmaps = List.copyOf(bitmaps);
        snapshots = List.copyOf(snapshots);
    }

    @Override
    public byte[] additionalFields() {
        return additionalFields.clone();
    }

    public long clusterSize() {
        return 1L << clusterBits;
    }

    public long guestClusters() {
        return (virtualSize + clusterSize() - 1) >>> clusterBits;
    }

    /** Entries per L2 table: 8-byte entries, or 16-byte ones with extended L2 entries. */
    public long l2Entries() {
        return clusterSize() / l2EntrySize();
    }

    /** Bytes per L2 entry (spec: Extended L2 Entries). */
    public int l2EntrySize() {
        return extendedL2 ? ExtendedL2.ENTRY_SIZE : 8;
    }

    public long l1Size() {
        return (guestClusters() + l2Entries() - 1) / l2Entries();
    }

    /** incompatible_features as written: the raw bits plus dirty, compression type and external data file. */
    public long incompatibleFeaturesWritten() {
        return incompatibleFeatures | (dirty ? Header.INCOMPAT_DIRTY : 0)
                | (compression == Compression.ZSTD ? Header.INCOMPAT_COMPRESSION : 0)
                | (dataFile != null ? Header.INCOMPAT_DATA_FILE : 0)
                | (extendedL2 ? Header.INCOMPAT_EXTL2 : 0);
    }

    /** autoclear_features as written: the raw bits plus bit 0 for consistent bitmaps and bit 1 for raw external data. */
    public long autoclearFeaturesWritten() {
        return autoclearFeatures | (!bitmaps.isEmpty() && bitmapsAutoclear ? Header.AUTOCLEAR_BITMAPS : 0)
                | (dataFile != null && dataFile.raw() ? Header.AUTOCLEAR_DATA_FILE_RAW : 0);
    }

    /** compatible_features as written: the raw bits plus lazy refcounts. */
    public long compatibleFeaturesWritten() {
        return compatibleFeatures | (lazyRefcounts ? Header.COMPAT_LAZY_REFCOUNTS : 0);
    }

    /**
     * The {@link GuestPattern} layer of operation {@code index}: {@link #layer()} before the
     * first snapshot, then the {@link InternalSnapshot#layerAfter()} of the last snapshot
     * taken before it.
     */
    public int layerOf(int index) {
        int l = layer;
        for (InternalSnapshot s : snapshots) {
            if (s.operations() <= index) {
                l = s.layerAfter();
            }
        }
        return l;
    }

    /** The virtual disk size of snapshot {@code index}: its own, else the image's. */
    public long snapshotVirtualSize(int index) {
        long v = snapshots.get(index).virtualSize();
        return v != 0 ? v : virtualSize;
    }

    /**
     * The guest disk that snapshot {@code index} captured, as a description of its own: the
     * operations before it (with their layers), its virtual size, no bitmaps or later snapshots.
     */
    public ImageDescription snapshotView(int index) {
        InternalSnapshot s = snapshots.get(index);
        Builder b = toBuilder();
        b.operations.subList(s.operations(), b.operations.size()).clear();
        b.snapshots.subList(index, b.snapshots.size()).clear();
        b.bitmaps.clear();
        b.virtualSize = snapshotVirtualSize(index);
        return b.build();
    }

    public static Builder builder() {
        return new Builder();
    }

    /** A builder starting from this description (to derive an overlay or a variant). */
    public Builder toBuilder() {
        Builder b = new Builder();
        b.version = version;
        b.clusterBits = clusterBits;
        b.virtualSize = virtualSize;
        b.refcountOrder = refcountOrder;
        b.headerLength = headerLength;
        b.additionalFields = additionalFields.clone();
        b.compression = compression;
        b.incompatibleFeatures = incompatibleFeatures;
        b.compatibleFeatures = compatibleFeatures;
        b.autoclearFeatures = autoclearFeatures;
        b.lazyRefcounts = lazyRefcounts;
        b.dirty = dirty;
        b.extensions.addAll(extensions);
        b.backingFileName = backingFileName;
        b.backingPlacement = backingPlacement;
        b.backing = backing;
        b.layer = layer;
        b.operations.addAll(operations);
        b.packCompressed = packCompressed;
        b.truncateCompressedTail = truncateCompressedTail;
        b.bitmaps.addAll(bitmaps);
        b.bitmapsAutoclear = bitmapsAutoclear;
        b.dataFile = dataFile;
        b.extendedL2 = extendedL2;
        b.snapshots.addAll(snapshots);
        b.encryption = encryption;
        return b;
    }

    /** Builder with QEMU 7.2's defaults: version 3, 64 KiB clusters, 16-bit refcounts, header_length 112. */
    public static final class Builder {
        private int version = 3;
        private int clusterBits = 16;
        private long virtualSize = 1L << 20;
        private int refcountOrder = 4;
        private Integer headerLength;
        private byte[] additionalFields;
        private Compression compression = Compression.DEFLATE;
        private long incompatibleFeatures;
        private long compatibleFeatures;
        private long autoclearFeatures;
        private boolean lazyRefcounts;
        private boolean dirty;
        private final List<Extension> extensions = new ArrayList<>();
        private String backingFileName;
        private BackingPlacement backingPlacement = BackingPlacement.AFTER_EXTENSIONS;
        private ImageDescription backing;
        private int layer;
        private final List<GuestOp> operations = new ArrayList<>();
        private boolean packCompressed;
        private boolean truncateCompressedTail;
        private final List<PersistentBitmap> bitmaps = new ArrayList<>();
        private boolean bitmapsAutoclear = true;
        private ExternalDataFile dataFile;
        private boolean extendedL2;
        private final List<InternalSnapshot> snapshots = new ArrayList<>();
        private Encryption encryption;

        private Builder() {
        }

        public Builder version(int v) {
            version = v;
            return this;
        }

        public Builder clusterBits(int bits) {
            clusterBits = bits;
            return this;
        }

        public Builder virtualSize(long bytes) {
            virtualSize = bytes;
            return this;
        }

        public Builder refcountOrder(int order) {
            refcountOrder = order;
            return this;
        }

        /** header_length; default 72 for version 2 and 112 for version 3. */
        public Builder headerLength(int length) {
            headerLength = length;
            return this;
        }

        /** Bytes 105 up to header_length; default zeros. */
        public Builder additionalFields(byte[] bytes) {
            additionalFields = bytes.clone();
            return this;
        }

        public Builder compression(Compression c) {
            compression = c;
            return this;
        }

        public Builder incompatibleFeatures(long bits) {
            incompatibleFeatures = bits;
            return this;
        }

        public Builder compatibleFeatures(long bits) {
            compatibleFeatures = bits;
            return this;
        }

        public Builder autoclearFeatures(long bits) {
            autoclearFeatures = bits;
            return this;
        }

        public Builder lazyRefcounts(boolean on) {
            lazyRefcounts = on;
            return this;
        }

        public Builder dirty(boolean on) {
            dirty = on;
            return this;
        }

        public Builder extension(Extension e) {
            extensions.add(e);
            return this;
        }

        /** Names a backing file without describing it: it is then taken to read as zeros (see {@link GuestContent}). */
        public Builder backingFileName(String name) {
            backingFileName = name;
            return this;
        }

        public Builder backingPlacement(BackingPlacement p) {
            backingPlacement = p;
            return this;
        }

        /** A backing image written by this writer under {@code name}, next to the overlay. */
        public Builder backing(String name, ImageDescription image) {
            backingFileName = name;
            backing = image;
            return this;
        }

        public Builder layer(int l) {
            layer = l;
            return this;
        }

        public Builder write(long offset, long length) {
            operations.add(new GuestOp.Write(offset, length));
            return this;
        }

        public Builder zero(long offset, long length, boolean preallocated) {
            operations.add(new GuestOp.Zero(offset, length, preallocated));
            return this;
        }

        public Builder discard(long offset, long length) {
            operations.add(new GuestOp.Discard(offset, length));
            return this;
        }

        public Builder writeCompressed(long offset, long length) {
            operations.add(new GuestOp.WriteCompressed(offset, length));
            return this;
        }

        public Builder share(long guestCluster, long sourceCluster) {
            operations.add(new GuestOp.Share(guestCluster, sourceCluster));
            return this;
        }

        public Builder packCompressed(boolean on) {
            packCompressed = on;
            return this;
        }

        public Builder truncateCompressedTail(boolean on) {
            truncateCompressedTail = on;
            return this;
        }

        public Builder bitmap(PersistentBitmap b) {
            bitmaps.add(b);
            return this;
        }

        /** Whether autoclear bit 0 is set when the image has bitmaps; default true. */
        public Builder bitmapsAutoclear(boolean on) {
            bitmapsAutoclear = on;
            return this;
        }

        /** Keeps the guest clusters in an external data file (null: in the image). */
        public Builder dataFile(ExternalDataFile f) {
            dataFile = f;
            return this;
        }

        /** Extended L2 entries: version 3, clusters of 16 KiB or more, no shared clusters (see {@link ExtendedL2}). */
        public Builder extendedL2(boolean on) {
            extendedL2 = on;
            return this;
        }

        /** Adds a snapshot after the others (its operation count must not be less than theirs). */
        public Builder snapshot(InternalSnapshot s) {
            snapshots.add(s);
            return this;
        }

        /** A snapshot of everything written so far, as QEMU writes it; the next writes use {@code layerAfter}. */
        public Builder snapshot(String id, String name, int layerAfter) {
            return snapshot(InternalSnapshot.of(id, name, operations.size(), layerAfter));
        }

        /** Encrypts the guest data (null: none); see {@link EncryptionPlan} for what is written. */
        public Builder encryption(Encryption e) {
            encryption = e;
            return this;
        }

        public ImageDescription build() {
            int hl = headerLength != null ? headerLength : version == 2 ? Header.V2_LENGTH : 112;
            int extra = Math.max(0, hl - Header.COMPRESSION_TYPE_OFFSET - 1);
            byte[] add = additionalFields != null ? additionalFields : new byte[extra];
            ImageDescription d = new ImageDescription(version, clusterBits, virtualSize, refcountOrder, hl, add,
                    compression, incompatibleFeatures, compatibleFeatures, autoclearFeatures, lazyRefcounts, dirty,
                    extensions, backingFileName, backingPlacement, backing, layer, operations, packCompressed,
                    truncateCompressedTail, bitmaps, bitmapsAutoclear, dataFile, extendedL2, snapshots, encryption);
            validate(d);
            return d;
        }

        private static void validate(ImageDescription d) {
            require(d.version == 2 || d.version == 3, "version must be 2 or 3");
            // Up to 4 MiB: one size past QEMU's 2 MiB limit (spec: Header, cluster_bits), for its implementation-limit image.
            require(d.clusterBits >= 9 && d.clusterBits <= 22, "cluster_bits must be 9..22");
            require(d.virtualSize > 0 && d.virtualSize < GuestPattern.MAX_OFFSET, "virtual size out of range");
            require(d.refcountOrder >= 0 && d.refcountOrder <= 6, "refcount_order must be 0..6");
            require(d.layer >= 0 && d.layer <= GuestPattern.MAX_LAYER, "layer must be 0..255");
            if (d.version == 2) {
                require(d.refcountOrder == 4, "version 2 has 16-bit refcounts only");
                require(d.headerLength == Header.V2_LENGTH, "version 2 header_length is 72");
                require(d.incompatibleFeaturesWritten() == 0 && d.compatibleFeaturesWritten() == 0
                        && d.autoclearFeatures == 0, "version 2 has no feature bits");
                require(d.compression == Compression.DEFLATE, "version 2 has deflate only");
                require(d.operations.stream().noneMatch(o -> o instanceof GuestOp.Zero), "version 2 has no zero flag");
            } else {
                require(d.headerLength >= Header.V3_MIN_LENGTH, "version 3 header_length is at least 104");
                require(d.compression == Compression.DEFLATE || d.headerLength > Header.COMPRESSION_TYPE_OFFSET,
                        "zstd needs the compression_type field (header_length over 104)");
            }
            require(d.additionalFields.length == Math.max(0, d.headerLength - Header.COMPRESSION_TYPE_OFFSET - 1),
                    "additionalFields must cover bytes 105 up to header_length");
            require(d.backing == null || d.backingFileName != null, "a backing image needs a name");
            require(d.bitmaps.isEmpty() || d.version == 3, "persistent bitmaps need version 3");
            require(d.bitmaps.stream().map(PersistentBitmap::name).distinct().count() == d.bitmaps.size(),
                    "bitmap names must be unique");
            if (d.dataFile != null) {
                d.dataFile.validate(d);
            }
            if (d.backingFileName != null) {
                require(!d.backingFileName.isEmpty() && d.backingFileName.length() <= 1023,
                        "backing file name must be 1..1023 bytes");
            }
            ExtendedL2.validate(d);
            // An encrypted data file cannot read as the guest disk (spec: Header, autoclear bit 1).
            require(d.encryption == null || d.dataFile == null || !d.dataFile.raw(),
                    "an encrypted image cannot have a raw external data file");
            validateSnapshots(d);
            long cs = d.clusterSize();
            for (GuestOp op : d.operations) {
                if (op instanceof GuestOp.Share s) {
                    require(s.guestCluster() >= 0 && s.guestCluster() < d.guestClusters() && s.sourceCluster() >= 0
                            && s.sourceCluster() < d.guestClusters() && s.guestCluster() != s.sourceCluster(),
                            "share: bad guest clusters " + s);
                    continue;
                }
                require(op.offset() >= 0 && op.length() > 0 && op.offset() + op.length() <= d.virtualSize,
                        "operation outside the virtual disk: " + op);
                if (!(op instanceof GuestOp.Write) && !(d.extendedL2 && !(op instanceof GuestOp.WriteCompressed))) {
                    long end = op.offset() + op.length();
                    require(op.offset() % cs == 0 && (end % cs == 0 || end == d.virtualSize),
                            "operation must cover whole clusters: " + op);
                }
            }
        }

        /**
         * Snapshots come in operation order (IDs may repeat); every operation after the first
         * snapshot covers whole clusters, so that each cluster holds one layer; the operations a
         * snapshot captures lie inside its virtual disk.
         */
        private static void validateSnapshots(ImageDescription d) {
            if (d.snapshots.isEmpty()) {
                return;
            }
            // an image with an external data file has no snapshots (spec: Snapshots); a fault may add them
            require(d.dataFile == null, "an image with an external data file cannot have snapshots");
            // unique IDs are a should (spec: Snapshots > Snapshot table entry): scenarios may break it
            long cs = d.clusterSize();
            int previous = 0;
            for (int i = 0; i < d.snapshots.size(); i++) {
                InternalSnapshot s = d.snapshots.get(i);
                require(s.operations() >= previous && s.operations() <= d.operations.size(),
                        "snapshots must come in operation order");
                previous = s.operations();
                long size = d.snapshotVirtualSize(i);
                require(size > 0 && size < GuestPattern.MAX_OFFSET, "snapshot virtual size out of range");
                for (GuestOp op : d.operations.subList(0, s.operations())) {
                    if (op.offset() + op.length() > size) { // the message only then: names may be 64 KiB long
                        throw new IllegalArgumentException("snapshot " + s.name() + " captures " + op
                                + ", outside its virtual disk");
                    }
                }
            }
            int first = d.snapshots.get(0).operations();
            for (int i = 0; i < d.operations.size(); i++) {
                GuestOp op = d.operations.get(i);
                if (op instanceof GuestOp.Share) {
                    continue; // whole clusters by nature
                }
                long end = op.offset() + op.length();
                require(i < first || (op.offset() % cs == 0 && (end % cs == 0 || end == d.virtualSize)),
                        "operations after a snapshot must cover whole clusters: " + op);
            }
        }

        private static void require(boolean ok, String message) {
            if (!ok) {
                throw new IllegalArgumentException(message);
            }
        }
    }
}
