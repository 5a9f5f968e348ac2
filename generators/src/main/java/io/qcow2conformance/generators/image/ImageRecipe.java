package io.qcow2conformance.generators.image;

import io.qcow2conformance.model.bitmap.BitmapDirectoryEntry;
import io.qcow2conformance.model.bitmap.Range;
import io.qcow2conformance.model.write.Compression;
import io.qcow2conformance.model.write.Encryption;
import io.qcow2conformance.model.write.PersistentBitmap;
import io.qcow2conformance.model.write.GuestPattern;
import io.qcow2conformance.model.write.InternalSnapshot;
import io.qcow2conformance.model.write.Mutation;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * What a scenario's Given steps say about an image: geometry, the state of each guest
 * cluster, backing file, extensions, and faults to inject. Built step by step by the
 * {@link io.qcow2conformance.generators.scenario.Vocabulary}; written by an
 * {@link ImageWriter}. Everything that reaches the bytes is in here, so equal recipes give
 * equal images.
 */
public final class ImageRecipe {
    /** The {@link GuestPattern} layer of the image's own data. */
    public static final int LAYER_IMAGE = 0;
    /** The layer of its backing file's data. */
    public static final int LAYER_BACKING = 1;
    /** The layer of the data written after snapshot k (from 0) is this plus k. */
    public static final int LAYER_AFTER_SNAPSHOT = 2;
    /** Pads the names {@link #snapshots(int, int)} gives to the length asked for. */
    public static final char NAME_FILL = '-';

    /** A backing file: the same geometry, every guest cluster holding layer-1 data. */
    public enum BackingFormat { QCOW2, RAW }

    /** Which file the backing file name names. */
    public enum BackingFile {
        /** A file written next to the image. */
        SHIPPED,
        /** A name with no file behind it. */
        MISSING,
        /** The image's own file name (a loop). */
        SELF
    }

    /**
     * An external data file (spec: Header, incompatible feature bit 2): {@code raw} sets the raw
     * external data bit; {@code shipped}: the file is written next to the image; {@code named}: the
     * image stores its name; {@code endsAtLastCluster}: it ends after the last cluster it holds.
     */
    public record DataFile(boolean raw, boolean shipped, boolean named, boolean endsAtLastCluster) {
    }

    /** One header extension written in the order given (spec: Header extensions). */
    public record Extension(long type, byte[] data) {
        public Extension {
            data = data.clone();
        }

        @Override
        public byte[] data() {
            return data.clone();
        }
    }

    /** One feature name table entry (spec: Feature name table). */
    public record FeatureName(int type, int bit, String name) {
    }

    /**
     * A persistent bitmap (spec: Bitmaps): granularity, the guest byte ranges set in it and how
     * it is stored; written by the model's writer in the order added.
     */
    public static final class Bitmap {
        private final String name;
        private final int granularityBits;
        private final List<Range> set = new ArrayList<>();
        private PersistentBitmap.Storage storage = PersistentBitmap.Storage.CLUSTERS;
        private boolean inUse;
        private byte[] extraData = new byte[0];
        private boolean extraDataCompatible;

        Bitmap(String name, int granularityBits) {
            this.name = name;
            this.granularityBits = granularityBits;
        }

        public String name() {
            return name;
        }

        public int granularityBits() {
            return granularityBits;
        }

        public void set(Range r) {
            set.add(r);
        }

        public void storage(PersistentBitmap.Storage s) {
            storage = s;
        }

        public void inUse(boolean on) {
            inUse = on;
        }

        /** {@code size} bytes of extra data (0x5a each); {@code compatible} sets the extra_data_compatible flag. */
        public void extraData(int size, boolean compatible) {
            extraData = new byte[size];
            java.util.Arrays.fill(extraData, (byte) 0x5a);
            extraDataCompatible = compatible;
        }

        /** The writer's description of this bitmap (dirty tracking, auto flag). */
        public PersistentBitmap description() {
            // one record, not a chain of copies: images with tens of thousands of (long) names are described quickly
            return new PersistentBitmap(name, granularityBits, inUse, true, BitmapDirectoryEntry.TYPE_DIRTY_TRACKING, set,
                    storage, extraData, extraDataCompatible);
        }
    }

    /**
     * An internal snapshot (spec: Snapshots): it captures the clusters described before it was
     * taken; the steps after it describe the active image. ID: its place in the table, from 1.
     */
    public static final class Snapshot {
        private String id;
        private final String name;
        private final SortedMap<Long, ClusterState> clusters;
        private final Map<Long, Integer> epochs;
        private int extraDataSize = InternalSnapshot.QEMU_EXTRA_DATA;
        private long virtualSize;

        /** {@code clusters} and {@code epochs} are kept as given: the caller hands over unmodifiable copies. */
        private Snapshot(String id, String name, SortedMap<Long, ClusterState> clusters, Map<Long, Integer> epochs) {
            this.id = id;
            this.name = name;
            this.clusters = clusters;
            this.epochs = epochs;
        }

        public String id() {
            return id;
        }

        public String name() {
            return name;
        }

        /** The guest clusters as they were when the snapshot was taken. */
        public SortedMap<Long, ClusterState> clusters() {
            return clusters;
        }

        /** How many snapshots had been taken when guest cluster {@code c} was last described before this one. */
        int epoch(long c) {
            return epochs.getOrDefault(c, 0);
        }

        public void id(String id) {
            this.id = id;
        }

        public void extraDataSize(int size) {
            extraDataSize = size;
        }

        /** Its own virtual size (stored in its extra data), or 0 for the image's. */
        public void virtualSize(long size) {
            virtualSize = size;
        }

        /** The writer's description of this snapshot, taken after {@code operations} operations. */
        public InternalSnapshot description(int operations, int index) {
            // no data follows a snapshot past the last layer (ImageRecipe#cluster refuses it): its layer is never used
            int layerAfter = Math.min(LAYER_AFTER_SNAPSHOT + index, GuestPattern.MAX_LAYER);
            return new InternalSnapshot(id, name, operations, layerAfter, extraDataSize, virtualSize);
        }
    }

    private int version = -1;
    private int clusterBits;
    private long virtualSize;
    private int refcountOrder = 4;
    private Compression compression = Compression.DEFLATE;
    private int headerLength = -1;
    private int layer = LAYER_IMAGE;
    private final SortedMap<Long, ClusterState> clusters = new TreeMap<>();
    private BackingFormat backing;
    private BackingFile backingFile = BackingFile.SHIPPED;
    private String backingFormatName;
    private boolean backingNameAtClusterEnd;
    private boolean backingFormatLast;
    private final List<Extension> extensions = new ArrayList<>();
    private final List<FeatureName> featureNames = new ArrayList<>();
    private int leakedClusters;
    private boolean endAfterCompressedData;
    private final List<Mutation> mutations = new ArrayList<>();
    private final List<Bitmap> bitmaps = new ArrayList<>();
    /** Each bitmap's place in {@link #bitmaps}, by name: images of tens of thousands of bitmaps are described in linear time. */
    private final Map<String, Integer> bitmapPlaces = new HashMap<>();
    private DataFile dataFile;
    private boolean extendedL2;
    private final List<Snapshot> snapshots = new ArrayList<>();
    private final Set<String> snapshotNames = new HashSet<>();
    /** For each described guest cluster, how many snapshots had been taken when it was last described. */
    private final Map<Long, Integer> epochs = new HashMap<>();
    private Encryption encryption;
    private String readerPassphrase;
    private boolean passphraseWithheld;

    public boolean described() {
        return version > 0;
    }

    public void geometry(int version, int clusterBits, long virtualSize) {
        if (described()) {
            throw new IllegalStateException("the image is already described");
        }
        this.version = version;
        this.clusterBits = clusterBits;
        this.virtualSize = virtualSize;
    }

    public int version() {
        return version;
    }

    public int clusterBits() {
        return clusterBits;
    }

    public int clusterSize() {
        return 1 << clusterBits;
    }

    public long virtualSize() {
        return virtualSize;
    }

    public long guestClusters() {
        return (virtualSize + clusterSize() - 1) >>> clusterBits;
    }

    public int refcountOrder() {
        return refcountOrder;
    }

    public void refcountOrder(int order) {
        this.refcountOrder = order;
    }

    public Compression compression() {
        return compression;
    }

    public void compression(Compression c) {
        this.compression = c;
    }

    /** header_length as written: 72 for version 2, 112 by default for version 3 (as QEMU 7.2 writes). */
    public int headerLength() {
        if (version == 2) {
            return 72;
        }
        return headerLength < 0 ? 112 : headerLength;
    }

    public void headerLength(int length) {
        this.headerLength = length;
    }

    public int layer() {
        return layer;
    }

    public void cluster(long guestCluster, ClusterState state) {
        if (guestCluster < 0 || guestCluster >= guestClusters()) {
            throw new IllegalArgumentException("guest cluster " + guestCluster + " is outside the virtual disk ("
                    + guestClusters() + " clusters)");
        }
        if (LAYER_AFTER_SNAPSHOT + snapshots.size() - 1 > GuestPattern.MAX_LAYER) {
            throw new IllegalArgumentException("guest data written after snapshot " + snapshots.size()
                    + " would have no pattern layer of its own (layers are one byte): data can follow at most "
                    + (GuestPattern.MAX_LAYER - LAYER_AFTER_SNAPSHOT + 1) + " snapshots");
        }
        clusters.put(guestCluster, state);
        epochs.put(guestCluster, snapshots.size());
    }

    /** The number of snapshots taken before guest cluster {@code c} was last described (0 when not described). */
    public int epoch(long c) {
        return epochs.getOrDefault(c, 0);
    }

    /** Takes a snapshot of the clusters described so far; names are unique. */
    public Snapshot snapshot(String name) {
        return addSnapshot(name, new TreeMap<>(clusters), new HashMap<>(epochs));
    }

    /**
     * Takes {@code n} snapshots of the clusters described so far, one after the other, each
     * named by its ID (its place in the table, from 1), followed by as many {@link #NAME_FILL}
     * characters as make {@code nameBytes} bytes (0: the ID alone). They share one copy of
     * what they captured, so that tens of thousands of them stay cheap.
     */
    public void snapshots(int n, int nameBytes) {
        if (n < 1 || nameBytes < 0 || nameBytes > 0xffff) {
            throw new IllegalArgumentException("take at least one snapshot, with names of at most 65535 bytes");
        }
        SortedMap<Long, ClusterState> captured = new TreeMap<>(clusters);
        Map<Long, Integer> capturedEpochs = new HashMap<>(epochs);
        for (int i = 0; i < n; i++) {
            String id = String.valueOf(snapshots.size() + 1);
            if (id.length() > nameBytes && nameBytes > 0) {
                throw new IllegalArgumentException("a name of " + nameBytes + " bytes cannot hold ID " + id);
            }
            addSnapshot(id + String.valueOf(NAME_FILL).repeat(Math.max(0, nameBytes - id.length())), captured,
                    capturedEpochs);
        }
    }

    private Snapshot addSnapshot(String name, SortedMap<Long, ClusterState> captured, Map<Long, Integer> capturedEpochs) {
        if (!snapshotNames.add(name)) {
            throw new IllegalArgumentException("the image already has a snapshot \"" + name + "\"");
        }
        Snapshot x = new Snapshot(String.valueOf(snapshots.size() + 1), name,
                Collections.unmodifiableSortedMap(captured), Collections.unmodifiableMap(capturedEpochs));
        snapshots.add(x);
        return x;
    }

    public List<Snapshot> snapshots() {
        return List.copyOf(snapshots);
    }

    /** The place of snapshot {@code name} in the snapshot table. */
    public int snapshotIndex(String name) {
        return index(snapshots, Snapshot::name, name, "snapshot \"" + name + "\"; take it first");
    }

    private static <T> void requireNew(List<T> items, java.util.function.Function<T, String> nameOf, String name,
                                       String kind) {
        if (items.stream().anyMatch(x -> nameOf.apply(x).equals(name))) {
            throw new IllegalArgumentException("the image already has a " + kind + " \"" + name + "\"");
        }
    }

    /** The place of the item called {@code name} in {@code items}; {@code missing} completes "the image has no ...". */
    private static <T> int index(List<T> items, java.util.function.Function<T, String> nameOf, String name,
                                 String missing) {
        for (int i = 0; i < items.size(); i++) {
            if (nameOf.apply(items.get(i)).equals(name)) {
                return i;
            }
        }
        throw new IllegalArgumentException("the image has no " + missing);
    }

    public SortedMap<Long, ClusterState> clusters() {
        return Collections.unmodifiableSortedMap(clusters);
    }

    public Optional<BackingFormat> backing() {
        return Optional.ofNullable(backing);
    }

    public void backing(BackingFormat format) {
        this.backing = format;
    }

    public BackingFile backingFile() {
        return backingFile;
    }

    public void backingFile(BackingFile f) {
        this.backingFile = f;
    }

    /** The name stored in the backing format extension: the format's own name unless a scenario overrides it. */
    public String backingFormatName() {
        if (backingFormatName != null) {
            return backingFormatName;
        }
        return backing == BackingFormat.RAW ? "raw" : "qcow2";
    }

    public void backingFormatName(String name) {
        this.backingFormatName = name;
    }

    /** The backing file name is stored so that it ends exactly at the end of the first cluster. */
    public boolean backingNameAtClusterEnd() {
        return backingNameAtClusterEnd;
    }

    public void backingNameAtClusterEnd(boolean b) {
        this.backingNameAtClusterEnd = b;
    }

    /** Whether the backing file format extension follows the other extensions (QEMU writes it first). */
    public boolean backingFormatLast() {
        return backingFormatLast;
    }

    public void backingFormatLast(boolean b) {
        this.backingFormatLast = b;
    }

    public void extension(Extension e) {
        extensions.add(e);
    }

    public List<Extension> extensions() {
        return List.copyOf(extensions);
    }

    public void featureName(FeatureName f) {
        featureNames.add(f);
    }

    public List<FeatureName> featureNames() {
        return List.copyOf(featureNames);
    }

    public int leakedClusters() {
        return leakedClusters;
    }

    public void leakedClusters(int n) {
        this.leakedClusters = n;
    }

    public boolean endAfterCompressedData() {
        return endAfterCompressedData;
    }

    public void endAfterCompressedData(boolean b) {
        this.endAfterCompressedData = b;
    }

    /** Adds a bitmap; names are unique. */
    public Bitmap bitmap(String name, int granularityBits) {
        if (bitmapPlaces.putIfAbsent(name, bitmaps.size()) != null) {
            throw new IllegalArgumentException("the image already has a bitmap \"" + name + "\"");
        }
        Bitmap b = new Bitmap(name, granularityBits);
        bitmaps.add(b);
        return b;
    }

    public List<Bitmap> bitmaps() {
        return List.copyOf(bitmaps);
    }

    /** The place of bitmap {@code name} in the directory. */
    public int bitmapIndex(String name) {
        Integer i = bitmapPlaces.get(name);
        if (i == null) {
            throw new IllegalArgumentException("the image has no bitmap \"" + name + "\"; add it first");
        }
        return i;
    }

    public Optional<DataFile> dataFile() {
        return Optional.ofNullable(dataFile);
    }

    public void dataFile(DataFile f) {
        this.dataFile = f;
    }

    public void mutate(Mutation m) {
        mutations.add(m);
    }

    public List<Mutation> mutations() {
        return List.copyOf(mutations);
    }

    /** Extended L2 entries: incompatible bit 4, 16-byte L2 entries with subcluster bitmaps. */
    public boolean extendedL2() {
        return extendedL2;
    }

    public void extendedL2(boolean on) {
        this.extendedL2 = on;
    }

    /** How the image's guest data is encrypted (spec: Data encryption), if it is. */
    public Optional<Encryption> encryption() {
        return Optional.ofNullable(encryption);
    }

    public void encryption(Encryption e) {
        this.encryption = e;
    }

    /**
     * The passphrase readers are given: the one a scenario names, else the image's own; none for
     * a plain image or when the scenario withholds it.
     */
    public Optional<String> readerPassphrase() {
        if (passphraseWithheld) {
            return Optional.empty();
        }
        return Optional.ofNullable(readerPassphrase).or(() -> encryption().map(Encryption::passphrase));
    }

    /** Readers are given no passphrase at all. */
    public void withholdPassphrase() {
        this.passphraseWithheld = true;
    }

    public void readerPassphrase(String passphrase) {
        this.readerPassphrase = passphrase;
    }

    /** The backing file's recipe: same geometry, every guest cluster data of layer 1, nothing else. */
    public ImageRecipe backingRecipe() {
        ImageRecipe b = new ImageRecipe();
        b.geometry(version, clusterBits, virtualSize);
        b.refcountOrder = refcountOrder;
        b.layer = LAYER_BACKING;
        for (long g = 0; g < guestClusters(); g++) {
            b.clusters.put(g, new ClusterState.Data());
        }
        return b;
    }
}
