package io.qcow2conformance.generators.scenario;

import io.qcow2conformance.generators.image.ClusterState;
import io.qcow2conformance.generators.image.ImageRecipe;
import io.qcow2conformance.model.bitmap.Range;
import io.qcow2conformance.model.extensions.HeaderExtension;
import io.qcow2conformance.model.crypto.CipherSpec;
import io.qcow2conformance.model.crypto.LuksField;
import io.qcow2conformance.model.crypto.LuksHash;
import io.qcow2conformance.model.header.HeaderField;
import io.qcow2conformance.model.rules.Rule;
import io.qcow2conformance.model.snapshot.SnapshotEntryField;
import io.qcow2conformance.model.write.Compression;
import io.qcow2conformance.model.write.ExtendedL2;
import io.qcow2conformance.model.write.Encryption;
import io.qcow2conformance.model.write.Layout;
import io.qcow2conformance.model.write.Mutation;
import io.qcow2conformance.model.write.PersistentBitmap;
import io.qcow2conformance.model.write.Structure;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The step vocabulary of the scenarios (documented in docs/writing-scenarios.md): each
 * phrase either describes the image (it changes an {@link ImageRecipe}) or states what the
 * spec expects (it yields a {@link Claim}). The corpus exporter and the Cucumber glue both
 * run steps through {@link #apply}, so a phrase means the same everywhere.
 */
public final class Vocabulary {
    private static final String SIZE = "(\\d+(?:-byte| bytes?| KiB| MiB| GiB))";
    private static final String VALUE = "(0x[0-9a-fA-F]+|\\d+(?: KiB| MiB| GiB)?|the end of the file)";
    private static final String HEX = "(0x[0-9a-fA-F]+)";
    private static final String RULE = "\"([a-z0-9_.-]+)\"";
    private static final String STRUCTURE = "(the header cluster|the refcount table|refcount block \\d+|the L1 table"
            + "|the L2 table of guest cluster \\d+|the host cluster of guest cluster \\d+"
            + "|the snapshot table|the L1 table of snapshot \"[^\"]+\")";

    /** Does something with a match; returns the claim for Then phrases. */
    private interface Action {
        Optional<Claim> run(Matcher m, ImageRecipe r);
    }

    /** One phrase: its pattern, a readable form for documentation and errors, what it does. */
    public record Phrase(Pattern pattern, String form, boolean claim, Action action) {
    }

    private static final List<Phrase> PHRASES = new ArrayList<>();

    /** Directory entry fields (spec: Bitmap directory): name to {offset, width}. */
    private static final java.util.Map<String, int[]> DIRECTORY_ENTRY_FIELDS = java.util.Map.of(
            "bitmap_table_offset", new int[] {0, 8}, "bitmap_table_size", new int[] {8, 4},
            "flags", new int[] {12, 4}, "type", new int[] {16, 1}, "granularity_bits", new int[] {17, 1},
            "name_size", new int[] {18, 2}, "extra_data_size", new int[] {20, 4});

    /** Bitmaps extension fields (spec: Bitmaps extension): name to {offset, width}. */
    private static final java.util.Map<String, int[]> BITMAPS_EXTENSION_FIELDS = java.util.Map.of(
            "nb_bitmaps", new int[] {0, 4}, "reserved32", new int[] {4, 4},
            "bitmap_directory_size", new int[] {8, 8}, "bitmap_directory_offset", new int[] {16, 8});

    /** Full disk encryption header pointer fields (spec: Full disk encryption header pointer): name to {offset, width}. */
    private static final java.util.Map<String, int[]> ENCRYPTION_POINTER_FIELDS = java.util.Map.of(
            "offset", new int[] {0, 8}, "length", new int[] {8, 8});

    private static void given(String regex, String form, java.util.function.BiConsumer<Matcher, ImageRecipe> a) {
        PHRASES.add(new Phrase(Pattern.compile(regex), form, false, (m, r) -> {
            a.accept(m, r);
            return Optional.empty();
        }));
    }

    private static void then(String regex, String form, java.util.function.Function<Matcher, Claim> a) {
        PHRASES.add(new Phrase(Pattern.compile(regex), form, true, (m, r) -> Optional.of(a.apply(m))));
    }

    static {
        // ---- the image -------------------------------------------------------------------
        given("an? version (2|3) image with " + SIZE + " clusters and an? " + SIZE + " virtual disk",
                "a version <2|3> image with <size> clusters and a <size> virtual disk",
                (m, r) -> {
                    long cs = size(m.group(2));
                    if (Long.bitCount(cs) != 1) {
                        throw new StepException("a cluster size is a power of two, not " + cs);
                    }
                    r.geometry(Integer.parseInt(m.group(1)), Long.numberOfTrailingZeros(cs), size(m.group(3)));
                });
        given("refcounts are (\\d+) bits? wide", "refcounts are <1|2|4|8|16|32|64> bits wide",
                (m, r) -> r.refcountOrder(Integer.numberOfTrailingZeros(Integer.parseInt(m.group(1)))));
        given("the header is (\\d+) bytes long", "the header is <n> bytes long",
                (m, r) -> r.headerLength(Integer.parseInt(m.group(1))));
        given("guest cluster (\\d+) holds data", "guest cluster <n> holds data",
                (m, r) -> r.cluster(num(m, 1), new ClusterState.Data()));
        given("guest clusters (\\d+) to (\\d+) hold data", "guest clusters <n> to <m> hold data",
                (m, r) -> {
                    for (long g = num(m, 1); g <= num(m, 2); g++) {
                        r.cluster(g, new ClusterState.Data());
                    }
                });
        given("guest cluster (\\d+) is a zero cluster", "guest cluster <n> is a zero cluster",
                (m, r) -> r.cluster(num(m, 1), new ClusterState.Zero()));
        given("guest cluster (\\d+) is a zero cluster with a preallocated host cluster",
                "guest cluster <n> is a zero cluster with a preallocated host cluster",
                (m, r) -> r.cluster(num(m, 1), new ClusterState.ZeroAllocated()));
        given("guest cluster (\\d+) is compressed with (deflate|zstd)( at an odd host offset)?",
                "guest cluster <n> is compressed with <deflate|zstd> [at an odd host offset]",
                (m, r) -> {
                    Compression type = m.group(2).equals("zstd") ? Compression.ZSTD : Compression.DEFLATE;
                    if (r.clusters().values().stream().anyMatch(s -> s instanceof ClusterState.Compressed)
                            && r.compression() != type) {
                        throw new StepException("one image uses one compression type");
                    }
                    r.compression(type);
                    r.cluster(num(m, 1), new ClusterState.Compressed(m.group(3) != null));
                });
        given("guest cluster (\\d+) shares the host cluster of guest cluster (\\d+)",
                "guest cluster <n> shares the host cluster of guest cluster <m>",
                (m, r) -> r.cluster(num(m, 1), new ClusterState.Shared(num(m, 2))));
        given("it has a (qcow2|raw) backing file in which every guest cluster holds data",
                "it has a <qcow2|raw> backing file in which every guest cluster holds data",
                (m, r) -> r.backing(ImageRecipe.BackingFormat.valueOf(m.group(1).toUpperCase(Locale.ROOT))));
        given("the backing file (is missing|is the image itself)",
                "the backing file <is missing|is the image itself>",
                (m, r) -> {
                    if (r.backing().isEmpty()) {
                        throw new StepException("say first that the image has a backing file");
                    }
                    r.backingFile(m.group(1).equals("is missing") ? ImageRecipe.BackingFile.MISSING : ImageRecipe.BackingFile.SELF);
                });
        given("the backing file name ends exactly at the end of the first cluster",
                "the backing file name ends exactly at the end of the first cluster",
                (m, r) -> r.backingNameAtClusterEnd(true));
        given("the backing file format extension comes after the other extensions",
                "the backing file format extension comes after the other extensions",
                (m, r) -> {
                    if (r.backing().isEmpty()) {
                        throw new StepException("say first that the image has a backing file");
                    }
                    r.backingFormatLast(true);
                });
        given("the backing file format is named \"([^\"]*)\"", "the backing file format is named \"<name>\"",
                (m, r) -> r.backingFormatName(m.group(1)));
        given("the image keeps its guest data in an external (raw )?data file",
                "the image keeps its guest data in an external [raw] data file",
                (m, r) -> r.dataFile(new ImageRecipe.DataFile(m.group(1) != null, true, true, false)));
        given("the external data file (is missing|is not named in the image|ends after its last data cluster)",
                "the external data file <is missing|is not named in the image|ends after its last data cluster>",
                (m, r) -> {
                    ImageRecipe.DataFile f = r.dataFile().orElseThrow(() -> new StepException(
                            "say first that the image keeps its guest data in an external data file"));
                    r.dataFile(switch (m.group(1)) {
                        case "is missing" -> new ImageRecipe.DataFile(f.raw(), false, f.named(), f.endsAtLastCluster());
                        case "is not named in the image" -> new ImageRecipe.DataFile(f.raw(), false, false,
                                f.endsAtLastCluster());
                        default -> new ImageRecipe.DataFile(f.raw(), f.shipped(), f.named(), true);
                    });
                });
        given("the image file ends right after the last compressed data",
                "the image file ends right after the last compressed data",
                (m, r) -> r.endAfterCompressedData(true));
        given("the image has (\\d+) host clusters? that nothing references, with refcount 1",
                "the image has <n> host cluster(s) that nothing references, with refcount 1",
                (m, r) -> r.leakedClusters(Integer.parseInt(m.group(1))));
        given("the image has a header extension of type " + HEX + " with (\\d+) bytes of data",
                "the image has a header extension of type <0xHEX> with <n> bytes of data",
                (m, r) -> {
                    byte[] data = new byte[Integer.parseInt(m.group(2))];
                    java.util.Arrays.fill(data, (byte) 0x5a);
                    r.extension(new ImageRecipe.Extension(Long.decode(m.group(1)), data));
                });
        given("the image has a header extension of type " + HEX + " holding \"([^\"]*)\"",
                "the image has a header extension of type <0xHEX> holding \"<text>\"",
                (m, r) -> r.extension(new ImageRecipe.Extension(Long.decode(m.group(1)),
                        m.group(2).getBytes(StandardCharsets.UTF_8))));
        given("the image has a header extension of type " + HEX + " holding the bytes ([0-9a-fA-F ]+)",
                "the image has a header extension of type <0xHEX> holding the bytes <hex digits, spaces allowed>",
                (m, r) -> r.extension(new ImageRecipe.Extension(Long.decode(m.group(1)),
                        HexFormat.of().parseHex(m.group(2).replace(" ", "")))));
        given("the image has a feature name table entry of type (\\d+) for bit (\\d+) named \"([^\"]*)\"",
                "the image has a feature name table entry of type <0|1|2> for bit <n> named \"<name>\"",
                (m, r) -> r.featureName(new ImageRecipe.FeatureName(Integer.parseInt(m.group(1)),
                        Integer.parseInt(m.group(2)), m.group(3))));

        // ---- extended L2 entries (spec: Extended L2 Entries) ------------------------------------
        given("the image uses extended L2 entries", "the image uses extended L2 entries",
                (m, r) -> {
                    if (r.version() != 3 || r.clusterBits() < ExtendedL2.MIN_CLUSTER_BITS) {
                        throw new StepException("extended L2 entries need a version 3 image with clusters of 16 KiB or"
                                + " more; for smaller clusters set bit 4 of header field \"incompatible_features\"");
                    }
                    r.extendedL2(true);
                });
        given("subclusters? (\\d+)(?: to (\\d+))? of guest cluster (\\d+) (holds? data|(?:is|are) zero|(?:is|are) unallocated)",
                "subcluster(s) <a> [to <b>] of guest cluster <n> <hold(s) data|is/are zero|is/are unallocated>",
                (m, r) -> subclusters(r, num(m, 1), m.group(2) == null ? num(m, 1) : num(m, 2), num(m, 3), m.group(4)));

        // ---- one fault each, located by name ----------------------------------------------
        given("header field \"(\\w+)\" is set to " + VALUE, "header field \"<name>\" is set to <value>",
                (m, r) -> r.mutate(new Mutation.HeaderValue(field(m.group(1)), Mutation.Op.SET, value(m.group(2)))));
        given("header field \"(\\w+)\" is increased by " + VALUE, "header field \"<name>\" is increased by <value>",
                (m, r) -> r.mutate(new Mutation.HeaderValue(field(m.group(1)), Mutation.Op.ADD, value(m.group(2)))));
        given("bit (\\d+) of header field \"(\\w+)\" is (set|cleared)", "bit <n> of header field \"<name>\" is <set|cleared>",
                (m, r) -> r.mutate(new Mutation.HeaderValue(field(m.group(2)), bitOp(m.group(3)), num(m, 1))));
        given("header byte (\\d+) is set to " + VALUE, "header byte <offset> is set to <value>",
                (m, r) -> r.mutate(new Mutation.HeaderByte(Integer.parseInt(m.group(1)), (int) value(m.group(2)))));
        given("bit (\\d+) of the (L1|L2) entry for guest cluster (\\d+) is (set|cleared)",
                "bit <n> of the <L1|L2> entry for guest cluster <n> is <set|cleared>",
                (m, r) -> r.mutate(new Mutation.TableEntry(m.group(2).equals("L1"), num(m, 3), bitOp(m.group(4)), num(m, 1))));
        given("the host offset in the (L1|L2) entry for guest cluster (\\d+) is (set to|increased by) " + VALUE,
                "the host offset in the <L1|L2> entry for guest cluster <n> is <set to|increased by> <value>",
                (m, r) -> r.mutate(new Mutation.HostOffset(m.group(1).equals("L1"), num(m, 2),
                        m.group(3).equals("set to") ? Mutation.Op.SET : Mutation.Op.ADD, value(m.group(4)))));
        given("bit (\\d+) of the subcluster bitmap of the L2 entry for guest cluster (\\d+) is (set|cleared)",
                "bit <n> of the subcluster bitmap of the L2 entry for guest cluster <n> is <set|cleared>",
                (m, r) -> {
                    if (!r.extendedL2()) {
                        throw new StepException("only an image with extended L2 entries has subcluster bitmaps");
                    }
                    r.mutate(new Mutation.SubclusterBitmap(num(m, 2), bitOp(m.group(3)), num(m, 1)));
                });
        given("the sector count in the L2 entry for guest cluster (\\d+) is set to (\\d+)",
                "the sector count in the L2 entry for guest cluster <n> is set to <n>",
                (m, r) -> r.mutate(new Mutation.CompressedSectors(num(m, 1), num(m, 2))));
        given("bit (\\d+) of refcount table entry (\\d+) is (set|cleared)",
                "bit <n> of refcount table entry <n> is <set|cleared>",
                (m, r) -> r.mutate(new Mutation.RefcountTableEntry(Integer.parseInt(m.group(2)), bitOp(m.group(3)), num(m, 1))));
        given("refcount table entry (\\d+) is (set to|increased by) " + VALUE,
                "refcount table entry <n> is <set to|increased by> <value>",
                (m, r) -> r.mutate(new Mutation.RefcountTableEntry(Integer.parseInt(m.group(1)),
                        m.group(2).equals("set to") ? Mutation.Op.SET : Mutation.Op.ADD, value(m.group(3)))));
        given("the L2 entry for guest cluster (\\d+) points at " + STRUCTURE,
                "the L2 entry for guest cluster <n> points at <structure>",
                (m, r) -> r.mutate(new Mutation.PointAt(num(m, 1), structure(m.group(2), r))));
        given("the refcount of " + STRUCTURE + " is set to (\\d+)", "the refcount of <structure> is set to <n>",
                (m, r) -> r.mutate(new Mutation.Refcount(structure(m.group(1), r), num(m, 2))));
        given("the length field of header extension " + HEX + " is set to " + VALUE,
                "the length field of header extension <0xHEX> is set to <value>",
                (m, r) -> r.mutate(new Mutation.ExtensionLength(Long.decode(m.group(1)), value(m.group(2)))));

        // ---- persistent bitmaps (spec: Bitmaps) -------------------------------------------------
        given("the image has a bitmap \"([^\"]+)\" with a granularity of " + SIZE,
                "the image has a bitmap \"<name>\" with a granularity of <size>",
                (m, r) -> r.bitmap(m.group(1), granularityBits(m.group(2))));
        // Many bitmaps in one step, for QEMU's limits on their number and directory size
        // (spec: Bitmaps extension, nb_bitmaps and bitmap_directory_size).
        given("the image has (\\d+) bitmaps named \"([^\"]*)\" and their number( in (\\d+) digits)?, with a granularity of "
                        + SIZE,
                "the image has <n> bitmaps named \"<prefix>\" and their number [in <k> digits], with a granularity of <size>",
                (m, r) -> {
                    int n = Integer.parseInt(m.group(1));
                    int digits = m.group(4) == null ? 0 : Integer.parseInt(m.group(4));
                    int bits = granularityBits(m.group(5));
                    if (n < 1 || digits > 0 && String.valueOf(n - 1).length() > digits) {
                        throw new StepException(n + " bitmaps cannot be numbered from 0 in " + digits + " digits");
                    }
                    // the bitmaps are numbered from 0, in directory order; zeros pad each number to the digits asked
                    String zeros = "0".repeat(digits);
                    for (int i = 0; i < n; i++) {
                        String number = Integer.toString(i);
                        r.bitmap(m.group(2) + zeros.substring(Math.min(digits, number.length())) + number, bits);
                    }
                });
        given("bitmap \"([^\"]+)\" has " + SIZE + " set at guest offset " + VALUE,
                "bitmap \"<name>\" has <size> set at guest offset <value>",
                (m, r) -> bitmap(r, m.group(1)).set(new Range(value(m.group(3)), size(m.group(2)))));
        given("bitmap \"([^\"]+)\" stores data clusters whose bits are all set as all-ones table entries",
                "bitmap \"<name>\" stores data clusters whose bits are all set as all-ones table entries",
                (m, r) -> bitmap(r, m.group(1)).storage(PersistentBitmap.Storage.ALL_ONES_UNALLOCATED));
        given("bitmap \"([^\"]+)\" has no bitmap table \\(offset 0, size 0\\)",
                "bitmap \"<name>\" has no bitmap table (offset 0, size 0)",
                (m, r) -> bitmap(r, m.group(1)).storage(PersistentBitmap.Storage.NO_TABLE));
        given("bitmap \"([^\"]+)\" is marked in use", "bitmap \"<name>\" is marked in use",
                (m, r) -> bitmap(r, m.group(1)).inUse(true));
        given("bitmap \"([^\"]+)\" has (\\d+) bytes of extra data( that readers may ignore)?",
                "bitmap \"<name>\" has <n> bytes of extra data [that readers may ignore]",
                (m, r) -> bitmap(r, m.group(1)).extraData(Integer.parseInt(m.group(2)), m.group(3) != null));
        given("field \"(\\w+)\" of the directory entry of bitmap \"([^\"]+)\" is (set to|increased by) " + VALUE,
                "field \"<name>\" of the directory entry of bitmap \"<name>\" is <set to|increased by> <value>",
                (m, r) -> {
                    int[] f = field(DIRECTORY_ENTRY_FIELDS, m.group(1), "bitmap directory entry");
                    r.mutate(new Mutation.BitmapEntryField(r.bitmapIndex(m.group(2)), f[0], f[1], setOrAdd(m.group(3)),
                            value(m.group(4))));
                });
        given("byte (\\d+) of the directory entry of bitmap \"([^\"]+)\" is set to " + VALUE,
                "byte <n> of the directory entry of bitmap \"<name>\" is set to <value>",
                (m, r) -> r.mutate(new Mutation.BitmapEntryField(r.bitmapIndex(m.group(2)), Integer.parseInt(m.group(1)), 1,
                        Mutation.Op.SET, value(m.group(3)))));
        given("field \"(\\w+)\" of the bitmaps extension is (set to|increased by) " + VALUE,
                "field \"<name>\" of the bitmaps extension is <set to|increased by> <value>",
                (m, r) -> {
                    int[] f = field(BITMAPS_EXTENSION_FIELDS, m.group(1), "bitmaps extension");
                    r.mutate(new Mutation.ExtensionField(HeaderExtension.TYPE_BITMAPS, f[0], f[1], setOrAdd(m.group(2)),
                            value(m.group(3))));
                });
        given("bitmap table entry (\\d+) of bitmap \"([^\"]+)\" is (set to|increased by) " + VALUE,
                "bitmap table entry <n> of bitmap \"<name>\" is <set to|increased by> <value>",
                (m, r) -> r.mutate(new Mutation.BitmapTableEntry(r.bitmapIndex(m.group(2)), Integer.parseInt(m.group(1)),
                        setOrAdd(m.group(3)), value(m.group(4)))));
        given("bit (\\d+) of bitmap table entry (\\d+) of bitmap \"([^\"]+)\" is (set|cleared)",
                "bit <n> of bitmap table entry <n> of bitmap \"<name>\" is <set|cleared>",
                (m, r) -> r.mutate(new Mutation.BitmapTableEntry(r.bitmapIndex(m.group(3)), Integer.parseInt(m.group(2)),
                        bitOp(m.group(4)), num(m, 1))));
        given("the last byte of data cluster (\\d+) of bitmap \"([^\"]+)\" is set to " + VALUE,
                "the last byte of data cluster <n> of bitmap \"<name>\" is set to <value>",
                (m, r) -> r.mutate(new Mutation.BitmapDataLastByte(r.bitmapIndex(m.group(2)), Integer.parseInt(m.group(1)),
                        (int) value(m.group(3)))));

        // ---- internal snapshots (spec: Snapshots) -------------------------------------------------
        given("a snapshot \"([^\"]+)\" is taken", "a snapshot \"<name>\" is taken",
                (m, r) -> r.snapshot(m.group(1)));
        given("(\\d+) snapshots (?:with (\\d+)-byte names )?are taken", "<n> snapshots [with <n>-byte names] are taken",
                (m, r) -> r.snapshots(Integer.parseInt(m.group(1)), m.group(2) == null ? 0 : Integer.parseInt(m.group(2))));
        given("snapshot \"([^\"]+)\" has the ID \"([^\"]*)\"", "snapshot \"<name>\" has the ID \"<id>\"",
                (m, r) -> snapshot(r, m.group(1)).id(m.group(2)));
        given("snapshot \"([^\"]+)\" has (\\d+) bytes of extra data", "snapshot \"<name>\" has <n> bytes of extra data",
                (m, r) -> snapshot(r, m.group(1)).extraDataSize(Integer.parseInt(m.group(2))));
        given("snapshot \"([^\"]+)\" has an? " + SIZE + " virtual disk", "snapshot \"<name>\" has a <size> virtual disk",
                (m, r) -> snapshot(r, m.group(1)).virtualSize(size(m.group(2))));
        given("field \"(\\w+)\" of the table entry of snapshot \"([^\"]+)\" is (set to|increased by) " + VALUE,
                "field \"<name>\" of the table entry of snapshot \"<name>\" is <set to|increased by> <value>",
                (m, r) -> {
                    SnapshotEntryField f = SnapshotEntryField.bySpecName(m.group(1)).orElseThrow(() -> new StepException(
                            "a snapshot table entry has no field \"" + m.group(1) + "\" (fields: " + java.util.Arrays.stream(
                                    SnapshotEntryField.values()).map(SnapshotEntryField::specName).toList() + ")"));
                    r.mutate(new Mutation.SnapshotEntryField(r.snapshotIndex(m.group(2)), f.offset(), f.width(),
                            setOrAdd(m.group(3)), value(m.group(4))));
                });
        given("byte (\\d+) of the table entry of snapshot \"([^\"]+)\" is set to " + VALUE,
                "byte <n> of the table entry of snapshot \"<name>\" is set to <value>",
                (m, r) -> r.mutate(new Mutation.SnapshotEntryField(r.snapshotIndex(m.group(2)), Integer.parseInt(m.group(1)),
                        1, Mutation.Op.SET, value(m.group(3)))));

        // ---- encryption (spec: Data encryption, Full disk encryption header pointer) -----------
        given("the image is encrypted with (LUKS|AES) using the passphrase \"([^\"]*)\"",
                "the image is encrypted with <LUKS|AES> using the passphrase \"<text>\"",
                (m, r) -> r.encryption(Encryption.of(Encryption.Method.valueOf(m.group(1)), m.group(2))));
        given("the LUKS cipher is (\\w+) in mode \"([^\"]+)\" with an? (\\d+)-byte key",
                "the LUKS cipher is <aes|serpent> in mode \"<mode>\" with a <n>-byte key",
                (m, r) -> r.encryption(luks(r).withCipher(CipherSpec.Algorithm.byName(m.group(1)).orElseThrow(() ->
                        unknownLuks("cipher", m.group(1), java.util.Arrays.stream(CipherSpec.Algorithm.values())
                                .map(CipherSpec.Algorithm::luksName).toList())), m.group(2), Integer.parseInt(m.group(3)))));
        given("the LUKS hash is (\\w+)", "the LUKS hash is <md5|sha1|sha224|sha256|sha384|sha512|ripemd160>",
                (m, r) -> r.encryption(luks(r).withHash(LuksHash.byName(m.group(1)).orElseThrow(() ->
                        unknownLuks("hash", m.group(1), java.util.Arrays.stream(LuksHash.values()).map(LuksHash::luksName).toList())))));
        given("readers are given the passphrase \"([^\"]*)\"", "readers are given the passphrase \"<text>\"",
                (m, r) -> r.readerPassphrase(m.group(1)));
        given("readers are given no passphrase", "readers are given no passphrase", (m, r) -> r.withholdPassphrase());
        given("field \"([\\w-]+)\" of the LUKS header is (set to|increased by) " + VALUE,
                "field \"<name>\" of the LUKS header is <set to|increased by> <value>",
                (m, r) -> r.mutate(new Mutation.RegionValue(Layout.luksField(luksField(m.group(1), false)),
                        setOrAdd(m.group(2)), value(m.group(3)))));
        given("field \"([\\w-]+)\" of LUKS key slot (\\d+) is (set to|increased by) " + VALUE,
                "field \"<name>\" of LUKS key slot <n> is <set to|increased by> <value>",
                (m, r) -> r.mutate(new Mutation.RegionValue(
                        Layout.luksKeySlotField(Integer.parseInt(m.group(2)), luksField(m.group(1), true)),
                        setOrAdd(m.group(3)), value(m.group(4)))));
        given("field \"(\\w+)\" of the full disk encryption header pointer is (set to|increased by) " + VALUE,
                "field \"<name>\" of the full disk encryption header pointer is <set to|increased by> <value>",
                (m, r) -> {
                    int[] f = field(ENCRYPTION_POINTER_FIELDS, m.group(1), "full disk encryption header pointer");
                    r.mutate(new Mutation.ExtensionField(HeaderExtension.TYPE_FULL_DISK_ENCRYPTION, f[0], f[1],
                            setOrAdd(m.group(2)), value(m.group(3))));
                });

        // ---- what the spec expects ---------------------------------------------------------
        then("the image is valid", "the image is valid", m -> new Claim.Valid(0));
        then("the image is valid, but a check reports (\\d+) leaked host clusters?",
                "the image is valid, but a check reports <n> leaked host cluster(s)",
                m -> new Claim.Valid(Integer.parseInt(m.group(1))));
        then("a reader must reject the image when opening it, citing rule " + RULE,
                "a reader must reject the image when opening it, citing rule \"<rule id>\"",
                m -> new Claim.RejectOpen(rule(m.group(1))));
        then("a reader must refuse to read guest cluster (\\d+), citing rule " + RULE,
                "a reader must refuse to read guest cluster <n>, citing rule \"<rule id>\"",
                m -> new Claim.RejectRead(num(m, 1), rule(m.group(2))));
        then("a check must report corruption, citing rule " + RULE,
                "a check must report corruption, citing rule \"<rule id>\"",
                m -> new Claim.CheckCorruption(rule(m.group(1))));
        then("the outcome is (implementation-defined|an implementation limit): a reader may accept or reject the image, "
                        + "but must never (.+)",
                "the outcome is <implementation-defined|an implementation limit>: a reader may accept or reject the image, "
                        + "but must never <what>",
                m -> new Claim.Open(m.group(1).equals("an implementation limit"), m.group(2)));
        then("reading guest cluster (\\d+) returns zeros", "reading guest cluster <n> returns zeros",
                m -> new Claim.ClusterContent(num(m, 1), Claim.Source.ZEROS, num(m, 1)));
        then("reading guest cluster (\\d+) returns its data", "reading guest cluster <n> returns its data",
                m -> new Claim.ClusterContent(num(m, 1), Claim.Source.OWN_DATA, num(m, 1)));
        then("reading guest cluster (\\d+) returns the backing file's data",
                "reading guest cluster <n> returns the backing file's data",
                m -> new Claim.ClusterContent(num(m, 1), Claim.Source.BACKING_DATA, num(m, 1)));
        then("reading guest cluster (\\d+) returns the data of guest cluster (\\d+)",
                "reading guest cluster <n> returns the data of guest cluster <m>",
                m -> new Claim.ClusterContent(num(m, 1), Claim.Source.DATA_OF, num(m, 2)));
        then("reading subcluster (\\d+) of guest cluster (\\d+) returns (zeros|its data|the backing file's data)",
                "reading subcluster <k> of guest cluster <n> returns <zeros|its data|the backing file's data>",
                m -> new Claim.SubclusterContent(num(m, 2), Integer.parseInt(m.group(1)), switch (m.group(3)) {
                    case "zeros" -> Claim.Source.ZEROS;
                    case "its data" -> Claim.Source.OWN_DATA;
                    default -> Claim.Source.BACKING_DATA;
                }));
        then("bitmap \"([^\"]+)\" reads as (empty|the ranges set in it)",
                "bitmap \"<name>\" reads as <empty|the ranges set in it>",
                m -> new Claim.BitmapContent(m.group(1), m.group(2).equals("empty")));
        then("bitmap \"([^\"]+)\" must not be used", "bitmap \"<name>\" must not be used",
                m -> new Claim.BitmapUnusable(m.group(1)));
        then("snapshot \"([^\"]+)\" reads as the guest content when it was taken",
                "snapshot \"<name>\" reads as the guest content when it was taken",
                m -> new Claim.SnapshotContent(m.group(1)));
        then("the guest content matches the pattern", "the guest content matches the pattern",
                m -> new Claim.GuestMatches());
    }

    private Vocabulary() {
    }

    private static int[] field(java.util.Map<String, int[]> fields, String name, String where) {
        int[] f = fields.get(name);
        if (f == null) {
            throw new StepException("the " + where + " has no field \"" + name + "\" (fields: "
                    + String.join(", ", new java.util.TreeSet<>(fields.keySet())) + ")");
        }
        return f;
    }

    /**
     * Subclusters {@code first} to {@code last} of guest cluster {@code g} hold data, are zero
     * or are unallocated; a cluster described whole before (data or zero) is cut into its 32
     * subclusters first.
     */
    private static void subclusters(ImageRecipe r, long first, long last, long g, String what) {
        if (!r.extendedL2()) {
            throw new StepException("say first that the image uses extended L2 entries");
        }
        if (first > last || last >= ExtendedL2.SUBCLUSTERS) {
            throw new StepException("a cluster has subclusters 0 to 31, in order");
        }
        ClusterState prev = r.clusters().get(g);
        ClusterState.Subclusters s;
        if (prev == null) {
            s = new ClusterState.Subclusters(0, 0, false);
        } else if (prev instanceof ClusterState.Subclusters x) {
            s = x;
        } else if (prev instanceof ClusterState.Data) {
            s = new ClusterState.Subclusters(ExtendedL2.ALL, 0, false);
        } else if (prev instanceof ClusterState.Zero) {
            s = new ClusterState.Subclusters(0, ExtendedL2.ALL, false);
        } else if (prev instanceof ClusterState.ZeroAllocated) {
            s = new ClusterState.Subclusters(0, ExtendedL2.ALL, true);
        } else {
            throw new StepException("guest cluster " + g + " is already described as " + prev
                    + "; it has no subclusters to describe");
        }
        int n = (int) (last - first + 1);
        int mask = n == ExtendedL2.SUBCLUSTERS ? ExtendedL2.ALL : ((1 << n) - 1) << first;
        int allocated = s.allocated() & ~mask;
        int zero = s.zero() & ~mask;
        if (what.contains("data")) {
            allocated |= mask;
        } else if (what.endsWith("zero")) {
            zero |= mask;
        }
        r.cluster(g, new ClusterState.Subclusters(allocated, zero, s.preallocated()));
    }

    private static ImageRecipe.Snapshot snapshot(ImageRecipe r, String name) {
        return r.snapshots().get(r.snapshotIndex(name));
    }

    /** The LUKS1 name of a numeric header ({@code slot} false) or key slot field, checked against the table. */
    /** The recipe's LUKS encryption, which the cipher and hash steps change. */
    private static Encryption luks(ImageRecipe r) {
        return r.encryption().filter(e -> e.method() == Encryption.Method.LUKS)
                .orElseThrow(() -> new StepException("encrypt the image with LUKS first"));
    }

    private static StepException unknownLuks(String what, String name, List<String> known) {
        return new StepException("the kit writes no LUKS " + what + " \"" + name + "\" (it has " + String.join(", ", known) + ")");
    }

    private static String luksField(String name, boolean slot) {
        List<LuksField> fields = slot ? LuksField.keySlotFields() : LuksField.headerFields();
        return fields.stream().filter(f -> f.luksName().equals(name) && f.width() <= 8).findFirst()
                .map(LuksField::luksName)
                .orElseThrow(() -> new StepException("the LUKS " + (slot ? "key slot" : "header") + " has no numeric field \""
                        + name + "\" (fields: " + String.join(", ", fields.stream().filter(f -> f.width() <= 8)
                        .map(LuksField::luksName).toList()) + ")"));
    }

    /** log2 of a bitmap granularity, which must be a power of two (spec: Bitmap directory, granularity_bits). */
    private static int granularityBits(String size) {
        long g = size(size);
        if (Long.bitCount(g) != 1) {
            throw new StepException("a granularity is a power of two, not " + g);
        }
        return Long.numberOfTrailingZeros(g);
    }

    private static ImageRecipe.Bitmap bitmap(ImageRecipe r, String name) {
        return r.bitmaps().get(r.bitmapIndex(name));
    }

    private static Mutation.Op setOrAdd(String s) {
        return s.equals("set to") ? Mutation.Op.SET : Mutation.Op.ADD;
    }

    /**
     * Runs one step: a description changes {@code recipe} and returns empty; an expectation
     * returns its claim. Unknown text fails with the list of phrases.
     */
    public static Optional<Claim> apply(String text, ImageRecipe recipe) {
        for (Phrase p : PHRASES) {
            Matcher m = p.pattern().matcher(text.strip());
            if (m.matches()) {
                if (!p.claim() && !recipe.described() && !p.form().startsWith("a version")) {
                    throw new StepException("describe the image first (\"a version 3 image with ...\")");
                }
                try {
                    return p.action().run(m, recipe);
                } catch (IllegalArgumentException | IllegalStateException e) {
                    throw new StepException(e.getMessage());
                }
            }
        }
        throw new StepException("no such step: \"" + text + "\"; see docs/writing-scenarios.md");
    }

    /** Every phrase in readable form, descriptions first; for documentation. */
    public static List<Phrase> phrases() {
        return List.copyOf(PHRASES);
    }

    private static long num(Matcher m, int group) {
        return Long.parseLong(m.group(group));
    }

    /** "512-byte", "64 KiB", "1 MiB", "1000 bytes". */
    static long size(String s) {
        String[] parts = s.replace("-byte", " bytes").split(" ");
        long n = Long.parseLong(parts[0]);
        String unit = parts.length > 1 ? parts[1] : "bytes";
        return switch (unit) {
            case "KiB" -> n << 10;
            case "MiB" -> n << 20;
            case "GiB" -> n << 30;
            default -> n;
        };
    }

    static long value(String s) {
        if (s.equals("the end of the file")) {
            return Mutation.END_OF_FILE;
        }
        if (s.startsWith("0x")) {
            return Long.parseUnsignedLong(s.substring(2), 16);
        }
        return size(s);
    }

    private static Mutation.Op bitOp(String s) {
        return s.equals("set") ? Mutation.Op.SET_BIT : Mutation.Op.CLEAR_BIT;
    }

    private static HeaderField field(String name) {
        return java.util.Arrays.stream(HeaderField.values()).filter(f -> f.specName().equals(name)).findFirst()
                .orElseThrow(() -> new StepException("no header field \"" + name + "\""));
    }

    private static Rule rule(String id) {
        return Rule.byId(id).orElseThrow(() -> new StepException("no rule \"" + id + "\" in the catalogue"));
    }

    private static Structure structure(String s, ImageRecipe r) {
        String[] w = s.split(" ");
        long n = w[w.length - 1].matches("\\d+") ? Long.parseLong(w[w.length - 1]) : 0;
        if (s.startsWith("the L1 table of snapshot")) {
            return new Structure.SnapshotL1Table(r.snapshotIndex(s.substring(s.indexOf('"') + 1, s.length() - 1)));
        } else if (s.equals("the snapshot table")) {
            return new Structure.SnapshotTable();
        } else if (s.startsWith("the header")) {
            return new Structure.HeaderCluster();
        } else if (s.equals("the refcount table")) {
            return new Structure.RefcountTable();
        } else if (s.startsWith("refcount block")) {
            return new Structure.RefcountBlock((int) n);
        } else if (s.equals("the L1 table")) {
            return new Structure.L1Table();
        } else if (s.startsWith("the L2 table")) {
            return new Structure.L2Table(n);
        }
        return new Structure.DataCluster(n);
    }
}
