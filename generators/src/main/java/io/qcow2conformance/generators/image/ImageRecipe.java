package io.qcow2conformance.generators.image;

import io.qcow2conformance.model.bitmap.Range;
import io.qcow2conformance.model.write.Compression;
import io.qcow2conformance.model.write.Encryption;
import io.qcow2conformance.model.write.PersistentBitmap;
import io.qcow2conformance.model.write.GuestPattern;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
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

        /** The writer's description of this bitmap (dirty tracking, auto flag). */
        public PersistentBitmap description() {
            return PersistentBitmap.of(name, granularityBits, set).withStorage(storage).withFlags(inUse, true);
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
    private final List<Extension> extensions = new ArrayList<>();
    private final List<FeatureName> featureNames = new ArrayList<>();
    private int leakedClusters;
    private boolean endAfterCompressedData;
    private final List<Mutation> mutations = new ArrayList<>();
    private final List<Bitmap> bitmaps = new ArrayList<>();
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
        clusters.put(guestCluster, state);
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
        if (bitmaps.stream().anyMatch(b -> b.name().equals(name))) {
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
        for (int i = 0; i < bitmaps.size(); i++) {
            if (bitmaps.get(i).name().equals(name)) {
                return i;
            }
        }
        throw new IllegalArgumentException("the image has no bitmap \"" + name + "\"; add it first");
    }

    public void mutate(Mutation m) {
        mutations.add(m);
    }

    public List<Mutation> mutations() {
        return List.copyOf(mutations);
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
