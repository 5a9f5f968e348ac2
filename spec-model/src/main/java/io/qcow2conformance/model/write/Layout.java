package io.qcow2conformance.model.write;

import io.qcow2conformance.model.header.HeaderField;
import io.qcow2conformance.model.snapshot.SnapshotEntryField;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Where {@link Qcow2Writer} put every structure of an image: named byte regions, plus the
 * refcount the writer stored for each host cluster. Mutations and manifests address
 * structures through these names, never through hard-coded offsets.
 *
 * <p>Region names: {@code header.<field>} (see {@link HeaderField}), {@code header.additional_fields},
 * {@code extension[i]} (type, length, data and padding), {@code extensions.end},
 * {@code backing_file_name}, {@code refcount_table}, {@code refcount_table_entry[i]},
 * {@code refcount_block[i]}, {@code l1_table}, {@code l1_entry[i]}, {@code l2_table[i]} (the
 * table L1 entry i points to), {@code l2_entry[c]} (the entry of guest cluster c),
 * {@code l2_bitmap[c]} (with extended L2 entries: the subcluster bitmap after the entry of guest cluster c),
 * {@code data[c]} (the host cluster of a normal or preallocated zero guest cluster c) and
 * {@code compressed[c]} (the compressed bytes of guest cluster c, without sector rounding);
 * with persistent bitmaps the bitmaps extension is the last {@code extension[i]}, and
 * {@code bitmap_directory}, {@code bitmap_directory_entry[b]}, {@code bitmap_table[b]},
 * {@code bitmap_table_entry[b][j]} and {@code bitmap_data[b][j]} name the bitmap structures
 * (b: the bitmap's place in the directory; j: the table entry). With an external data file
 * there are no {@code data[c]} regions: guest cluster c is at byte c * cluster_size of the
 * data file ({@link DataFileWriter}); with internal snapshots,
 * {@code snapshot_table}, {@code snapshot_entry[s]}, its {@code snapshot_entry[s].extra_data} and
 * fields {@code snapshot_entry[s].<field>} (see {@link SnapshotEntryField}; derived, not listed in
 * {@link #regions()}) and {@code snapshot_l1_table[s]} (s: the snapshot's place in
 * the table); with LUKS encryption,
 * {@code luks_area} (the area the full disk encryption header pointer names), {@code luks_header}
 * (its 592-byte LUKS1 header), {@code luks.<field>} and {@code luks.key_slot[i].<field>} (the LUKS1
 * field names of {@link io.qcow2conformance.model.crypto.LuksField}) and {@code luks_key_material[i]}
 * (the key material of an active slot).
 */
public final class Layout {
    /** One byte range of the file. */
    public record Region(String name, long offset, long length) {
        public long end() {
            return offset + length;
        }
    }

    /** Where the refcount of one host cluster is stored: the byte it starts in, its bit shift in that byte (sub-byte widths) and its width in bits. */
    public record RefcountSlot(long hostCluster, long byteOffset, int bitShift, int bits) {
    }

    private final int clusterBits;
    private final int refcountOrder;
    private final long fileSize;
    private final Map<String, Region> regions;
    private final long[] refcountBlockOffsets;
    private final long[] refcounts;
    private final int l2EntrySize;

    Layout(int clusterBits, int refcountOrder, long fileSize, Map<String, Region> regions, long[] refcountBlockOffsets,
           long[] refcounts, int l2EntrySize) {
        this.clusterBits = clusterBits;
        this.refcountOrder = refcountOrder;
        this.fileSize = fileSize;
        this.regions = Collections.unmodifiableMap(new LinkedHashMap<>(regions));
        this.refcountBlockOffsets = refcountBlockOffsets.clone();
        this.refcounts = refcounts.clone();
        this.l2EntrySize = l2EntrySize;
    }

    public static String extension(int index) {
        return "extension[" + index + "]";
    }

    public static String refcountBlock(int index) {
        return "refcount_block[" + index + "]";
    }

    public static String refcountTableEntry(int index) {
        return "refcount_table_entry[" + index + "]";
    }

    public static String l1Entry(int index) {
        return "l1_entry[" + index + "]";
    }

    public static String l2Table(int l1Index) {
        return "l2_table[" + l1Index + "]";
    }

    public static String l2Entry(long guestCluster) {
        return "l2_entry[" + guestCluster + "]";
    }

    /** The subcluster bitmap of the extended L2 entry of guest cluster {@code guestCluster} (spec: Extended L2 Entries). */
    public static String l2Bitmap(long guestCluster) {
        return "l2_bitmap[" + guestCluster + "]";
    }

    public static String data(long guestCluster) {
        return "data[" + guestCluster + "]";
    }

    public static String compressed(long guestCluster) {
        return "compressed[" + guestCluster + "]";
    }

    /** The directory entry of the {@code index}th bitmap (directory order). */
    public static String bitmapDirectoryEntry(int index) {
        return "bitmap_directory_entry[" + index + "]";
    }

    /** The bitmap table of the {@code index}th bitmap (its entries, without cluster padding). */
    public static String bitmapTable(int index) {
        return "bitmap_table[" + index + "]";
    }

    /** Entry {@code entry} of the bitmap table of the {@code index}th bitmap. */
    public static String bitmapTableEntry(int index, int entry) {
        return "bitmap_table_entry[" + index + "][" + entry + "]";
    }

    /** The data cluster that table entry {@code entry} of the {@code index}th bitmap points to. */
    public static String bitmapData(int index, int entry) {
        return "bitmap_data[" + index + "][" + entry + "]";
    }

    /** The snapshot table entry of the {@code index}th snapshot (fixed part, extra data, ID, name, padding). */
    public static String snapshotEntry(int index) {
        return "snapshot_entry[" + index + "]";
    }

    /**
     * Field {@code f} of the table entry of the {@code index}th snapshot (present when its extra
     * data holds it). Not stored one by one: {@link #find} derives it from the entry's
     * {@link #snapshotExtraData} region, so that tens of thousands of snapshots keep the layout small.
     */
    public static String snapshotEntryField(int index, SnapshotEntryField f) {
        return snapshotEntry(index) + "." + f.specName();
    }

    /** The extra data of the {@code index}th snapshot's table entry (spec: Snapshots > Snapshot table entry). */
    public static String snapshotExtraData(int index) {
        return snapshotEntry(index) + ".extra_data";
    }

    private static final Pattern SNAPSHOT_ENTRY_FIELD = Pattern.compile("snapshot_entry\\[(\\d+)]\\.(\\w+)");

    /** The L1 table of the {@code index}th snapshot (its entries, without cluster padding). */
    public static String snapshotL1Table(int index) {
        return "snapshot_l1_table[" + index + "]";
    }

    public static final String SNAPSHOT_TABLE = "snapshot_table";

    /** A field of the LUKS header by its LUKS1 name ({@code magic}, {@code key-bytes}, {@code mk-digest-iter}...). */
    public static String luksField(String luksName) {
        return "luks." + luksName;
    }

    /** A field of LUKS key slot {@code slot} by its LUKS1 name ({@code active}, {@code iterations}, {@code stripes}...). */
    public static String luksKeySlotField(int slot, String luksName) {
        return "luks.key_slot[" + slot + "]." + luksName;
    }

    /** The key material of active LUKS key slot {@code slot}. */
    public static String luksKeyMaterial(int slot) {
        return "luks_key_material[" + slot + "]";
    }

    public static final String LUKS_AREA = "luks_area";
    public static final String LUKS_HEADER = "luks_header";
    public static final String BITMAP_DIRECTORY = "bitmap_directory";
    public static final String ADDITIONAL_FIELDS = "header.additional_fields";
    public static final String EXTENSIONS_END = "extensions.end";
    public static final String BACKING_FILE_NAME = "backing_file_name";
    public static final String REFCOUNT_TABLE = "refcount_table";
    public static final String L1_TABLE = "l1_table";

    public int clusterBits() {
        return clusterBits;
    }

    public long clusterSize() {
        return 1L << clusterBits;
    }

    public int refcountOrder() {
        return refcountOrder;
    }

    /** Entries per L2 table: 8-byte entries, 16-byte ones with extended L2 entries. */
    public long l2Entries() {
        return clusterSize() / l2EntrySize;
    }

    /** The L1 index of the L2 table that maps guest cluster {@code guestCluster}. */
    public int l1Index(long guestCluster) {
        return (int) (guestCluster / l2Entries());
    }

    /** The size of the written file. */
    public long fileSize() {
        return fileSize;
    }

    /** Every region, in the order written. */
    public List<Region> regions() {
        return List.copyOf(regions.values());
    }

    public Optional<Region> find(String name) {
        Region r = regions.get(name);
        return r != null ? Optional.of(r) : snapshotEntryField(name);
    }

    /** The region called {@code name}; an error when the image has no such structure. */
    public Region region(String name) {
        return find(name).orElseThrow(() -> new IllegalArgumentException("the image has no structure '" + name + "'"));
    }

    /** A {@link #snapshotEntryField} region: at the field's offset in the entry, when the extra data holds the field. */
    private Optional<Region> snapshotEntryField(String name) {
        Matcher m = SNAPSHOT_ENTRY_FIELD.matcher(name);
        if (!m.matches()) {
            return Optional.empty();
        }
        int index = Integer.parseInt(m.group(1));
        Region entry = regions.get(snapshotEntry(index));
        Region extra = regions.get(snapshotExtraData(index));
        return SnapshotEntryField.bySpecName(m.group(2))
                .filter(f -> entry != null && extra != null && f.presentWith(extra.length()))
                .map(f -> new Region(name, entry.offset() + f.offset(), f.width()));
    }

    public Region headerField(HeaderField f) {
        return region(f.regionName());
    }

    /** The host cluster index that holds the start of the region. */
    public long hostClusterOf(String name) {
        return region(name).offset() >>> clusterBits;
    }

    /** Number of host clusters the refcounts cover (the file, rounded up to clusters). */
    public long hostClusters() {
        return refcounts.length;
    }

    /** The refcount the writer stored for host cluster {@code hostCluster}. */
    public long refcount(long hostCluster) {
        return refcounts[(int) hostCluster];
    }

    /** Where the refcount of {@code hostCluster} lives (spec: Host cluster management, Refcount block entry). */
    public RefcountSlot refcountSlot(long hostCluster) {
        long perBlock = (clusterSize() * 8) >>> refcountOrder;
        int block = (int) (hostCluster / perBlock);
        if (block >= refcountBlockOffsets.length) {
            throw new IllegalArgumentException("host cluster " + hostCluster + " has no refcount block");
        }
        long index = hostCluster % perBlock;
        int bits = 1 << refcountOrder;
        long bitPos = index * bits;
        return new RefcountSlot(hostCluster, refcountBlockOffsets[block] + bitPos / 8,
                bits < 8 ? (int) (bitPos % 8) : 0, bits);
    }
}
