package io.qcow2conformance.harness.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.qcow2conformance.model.bitmap.PersistentBitmaps;
import io.qcow2conformance.model.bitmap.StoredBitmap;
import io.qcow2conformance.model.check.Proposal;
import io.qcow2conformance.model.crypto.CipherSpec;
import io.qcow2conformance.model.crypto.LuksHeader;
import io.qcow2conformance.model.extensions.ExtensionRules;
import io.qcow2conformance.model.extensions.HeaderExtension;
import io.qcow2conformance.model.extensions.HeaderExtension.BackingFormat;
import io.qcow2conformance.model.extensions.HeaderExtension.Bitmaps;
import io.qcow2conformance.model.extensions.HeaderExtension.ExternalDataFile;
import io.qcow2conformance.model.extensions.HeaderExtension.FeatureName;
import io.qcow2conformance.model.extensions.HeaderExtension.FeatureNameTable;
import io.qcow2conformance.model.extensions.HeaderExtension.FullDiskEncryption;
import io.qcow2conformance.model.extensions.HeaderExtension.Unknown;
import io.qcow2conformance.model.extensions.HeaderExtensions;
import io.qcow2conformance.model.header.Header;
import io.qcow2conformance.model.image.Qcow2Image;
import io.qcow2conformance.model.rules.Finding;
import io.qcow2conformance.model.rules.ImageException;
import io.qcow2conformance.model.snapshot.Snapshot;
import io.qcow2conformance.model.snapshot.SnapshotDisk;
import io.qcow2conformance.model.snapshot.SnapshotTable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.MathContext;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Callable;

/**
 * {@code info IMAGE}: what the header and its extensions say, as {@code qemu-img info}.
 * JSON uses qemu-img's field names where the concept is the same; everything else is
 * under the {@value #EXTRAS} key. The backing file is named, never opened.
 */
@Command(name = "info", mixinStandardHelpOptions = true, description = "Show an image's header and header extensions (field names as qemu-img info).")
final class InfoCommand implements Callable<Integer> {
    /** Key of the fields qemu-img does not have. */
    static final String EXTRAS = "qcow2-conformance";
    /** The unit in which QEMU counts the virtual size (qcow2.c keeps total_sectors = size / 512). */
    private static final long QEMU_SECTOR = 512;
    private static final long NANOS = 1_000_000_000L;
    private static final DateTimeFormatter SNAPSHOT_DATE =
            DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss").withZone(ZoneOffset.UTC);

    /** Names of the known feature bits (spec: Header, *_features), by bitmap type then bit. */
    private static final Map<Integer, List<String>> KNOWN_BITS = Map.of(
            FeatureName.INCOMPATIBLE, List.of("dirty", "corrupt", "external data file", "compression type",
                    "extended L2 entries"),
            FeatureName.COMPATIBLE, List.of("lazy refcounts"),
            FeatureName.AUTOCLEAR, List.of("bitmaps", "raw external data"));

    @Spec
    CommandSpec spec;

    @Mixin
    ImageOptions args;

    @Override
    public Integer call() {
        ObjectNode info;
        try (Qcow2Image img = Qcow2Image.open(args.image, args.model.limits())) {
            info = describe(img, args.image.toString(), args.proposals.applied());
        }
        PrintWriter out = spec.commandLine().getOut();
        out.print(args.json() ? Json.write(info) + "\n" : human(info));
        out.flush();
        return Main.EXIT_OK;
    }

    /** The JSON document of {@code info --output=json}; {@code applied} proposals judge the bitmaps. */
    static ObjectNode describe(Qcow2Image img, String filename, Set<Proposal> applied) {
        Header h = img.header();
        PersistentBitmaps bitmaps = null;
        String bitmapsError = null;
        try {
            bitmaps = PersistentBitmaps.load(img.source(), h, img.extensions(), img.limits()).orElse(null);
        } catch (ImageException e) {
            bitmapsError = e.getMessage();
        }
        ObjectNode n = Json.object();
        String backing = img.backingFileName();
        if (backing != null && img.backingFormat() != null) {
            n.put("backing-filename-format", img.backingFormat());
        }
        // Divergence from qemu-img: QEMU keeps the size in 512-byte sectors and so reports it
        // rounded down (qemu-behaviour.md §3, "size ... lossy"); we report the header's value,
        // which is what the spec defines (spec: Header, size), and QEMU's under EXTRAS.
        putU64(n, "virtual-size", h.size());
        n.put("filename", filename);
        n.put("cluster-size", h.clusterSize());
        n.put("format", "qcow2");
        if (h.cryptMethod() != 0) {
            n.put("encrypted", true);
        }
        ObjectNode specific = n.putObject("format-specific");
        specific.put("type", "qcow2");
        formatSpecific(img, bitmaps, specific.putObject("data"));
        if (backing != null) {
            n.put("full-backing-filename", fullBackingFilename(filename, backing));
            n.put("backing-filename", backing);
        }
        n.put("dirty-flag", h.hasIncompatible(Header.INCOMPAT_DIRTY));
        SnapshotTable snapshots = SnapshotDisk.table(img);
        if (!snapshots.entries().isEmpty()) {
            n.set("snapshots", snapshots(snapshots));
        }
        ObjectNode x = extras(img);
        bitmapExtras(x, bitmaps, bitmapsError, applied);
        x.set("snapshots", snapshotExtras(h, snapshots));
        n.set(EXTRAS, x);
        return n;
    }

    /** {@code snapshots}: the keys of QEMU's SnapshotInfo (block/qapi.c); icount only when it was enabled. */
    private static ArrayNode snapshots(SnapshotTable table) {
        ArrayNode a = Json.MAPPER.createArrayNode();
        for (Snapshot s : table.entries()) {
            ObjectNode o = a.addObject();
            o.put("id", s.id());
            o.put("name", s.name());
            putU64(o, "vm-state-size", s.vmStateSize());
            o.put("date-sec", s.dateSec());
            o.put("date-nsec", s.dateNsec());
            putU64(o, "vm-clock-sec", Long.divideUnsigned(s.vmClockNsec(), NANOS));
            o.put("vm-clock-nsec", Long.remainderUnsigned(s.vmClockNsec(), NANOS));
            if (s.icount().isPresent() && s.icount().getAsLong() != -1) {
                putU64(o, "icount", s.icount().getAsLong());
            }
        }
        return a;
    }

    /** What qemu-img does not show of each snapshot table entry (spec: Snapshots > Snapshot table entry). */
    private static ArrayNode snapshotExtras(Header h, SnapshotTable table) {
        ArrayNode a = Json.MAPPER.createArrayNode();
        for (Snapshot s : table.entries()) {
            ObjectNode o = a.addObject();
            o.put("id", s.id());
            o.put("entry-offset", s.entryOffset());
            putU64(o, "l1_table_offset", s.l1TableOffset());
            o.put("l1_size", s.l1Size());
            o.put("extra_data_size", s.extraDataSize());
            putU64(o, "virtual-size", s.virtualSize(h));
            if (s.unknownExtraData().length > 0) {
                o.put("unknown_extra_data", HexFormat.of().formatHex(s.unknownExtraData()));
            }
        }
        return a;
    }

    /** {@code format-specific.data}, with the keys QEMU's qcow2_get_specific_info sets. */
    private static void formatSpecific(Qcow2Image img, PersistentBitmaps bitmaps, ObjectNode d) {
        Header h = img.header();
        d.put("compat", h.compatLevel());
        d.put("compression-type", h.compressionType() == Header.COMPRESSION_ZSTD ? "zstd" : "zlib");
        if (h.isV3()) {
            d.put("lazy-refcounts", (h.compatibleFeatures() & Header.COMPAT_LAZY_REFCOUNTS) != 0);
        }
        // As QEMU (qcow2_get_bitmap_info_list): listed only when autoclear bit 0 says they are consistent.
        if (bitmaps != null && bitmaps.consistent()) {
            ArrayNode list = d.putArray("bitmaps");
            for (StoredBitmap b : bitmaps.bitmaps()) {
                ObjectNode o = list.addObject();
                ArrayNode flags = o.putArray("flags");
                BitmapCommand.qemuFlags(b.entry()).forEach(flags::add);
                o.put("name", b.name());
                o.put("granularity", b.entry().granularity());
            }
        }
        d.put("refcount-bits", h.refcountBits());
        if (h.cryptMethod() == 1 || h.cryptMethod() == 2) {
            ObjectNode e = d.putObject("encrypt");
            LuksHeader.of(img).filter(l -> h.cryptMethod() == 2 && l.isLuks1()).ifPresentOrElse(l -> luks(l, e),
                    () -> e.put("format", h.cryptMethod() == 1 ? "aes" : "luks"));
        }
        if (h.externalDataFile()) {
            img.extensions().last(ExternalDataFile.class).ifPresent(e -> d.put("data-file", e.name()));
            d.put("data-file-raw", h.hasAutoclear(Header.AUTOCLEAR_DATA_FILE_RAW));
        }
        if (h.isV3()) {
            d.put("corrupt", h.hasIncompatible(Header.INCOMPAT_CORRUPT));
            d.put("extended-l2", h.extendedL2());
        }
    }

    /**
     * The LUKS fields of {@code encrypt}, named as QEMU's QCryptoBlockInfoLUKS and in the
     * order qemu-img prints them; offsets in bytes.
     */
    private static void luks(LuksHeader l, ObjectNode e) {
        String mode = l.cipherMode();
        int dash = mode.indexOf('-');
        String ivgen = dash < 0 ? "" : mode.substring(dash + 1);
        int colon = ivgen.indexOf(':');
        e.put("ivgen-alg", colon < 0 ? ivgen : ivgen.substring(0, colon));
        e.put("hash-alg", l.hashSpec());
        e.put("cipher-alg", CipherSpec.qemuAlgName(l.cipherName(), l.keyBytes(), mode));
        e.put("uuid", l.uuid());
        if (colon >= 0) {
            e.put("ivgen-hash-alg", ivgen.substring(colon + 1));
        }
        e.put("format", "luks");
        e.put("cipher-mode", dash < 0 ? mode : mode.substring(0, dash));
        ArrayNode slots = e.putArray("slots");
        for (LuksHeader.KeySlot s : l.keySlots()) {
            ObjectNode o = slots.addObject();
            o.put("active", s.active());
            if (s.active()) {
                o.put("iters", s.iterations());
            }
            o.put("key-offset", s.keyMaterialOffset() * LuksHeader.SECTOR);
            if (s.active()) {
                o.put("stripes", s.stripes());
            }
        }
        e.put("payload-offset", l.payloadOffset() * LuksHeader.SECTOR);
        e.put("master-key-iters", l.mkDigestIterations());
    }

    /** As QEMU: a relative backing name is relative to the folder of the image as it was named. */
    static String fullBackingFilename(String filename, String backing) {
        int slash = filename.lastIndexOf('/');
        return backing.startsWith("/") || slash < 0 ? backing : filename.substring(0, slash + 1) + backing;
    }

    private static ObjectNode extras(Qcow2Image img) {
        Header h = img.header();
        ObjectNode x = Json.object();
        putU64(x, "virtual-size-qemu", h.size() - Long.remainderUnsigned(h.size(), QEMU_SECTOR));
        x.put("file-size", img.source().size());
        x.set("header", header(h));
        x.set("features", features(h, img.extensions()));
        ArrayNode exts = x.putArray("header-extensions");
        for (HeaderExtension e : img.extensions().entries()) {
            exts.add(extension(e));
        }
        HeaderExtensions ext = img.extensions();
        x.put("extension-area-start", ext.areaStart());
        x.put("extension-area-end", ext.areaEnd());
        if (ext.endMarkerOffset() >= 0) {
            x.put("end-marker-offset", ext.endMarkerOffset());
        } else {
            x.putNull("end-marker-offset");
        }
        return x;
    }

    /**
     * Our view of the bitmaps (each bitmap's entry and whether it can be trusted with the
     * proposals applied) and {@code proposals-needed}: the proposals whose rules the image
     * relies on (it breaks the published rules they replace), from the bitmap rules.
     */
    private static void bitmapExtras(ObjectNode x, PersistentBitmaps bitmaps, String error, Set<Proposal> applied) {
        ArrayNode needed = x.putArray("proposals-needed");
        ArrayNode appliedIds = x.putArray("proposals-applied");
        applied.forEach(p -> appliedIds.add(p.id()));
        if (error != null) {
            x.put("bitmaps-error", error);
        }
        if (bitmaps == null) {
            return;
        }
        if (bitmaps.consistent()) {
            Proposal.needed(bitmaps.findings()).forEach(p -> needed.add(p.id()));
        }
        ArrayNode list = x.putArray("bitmaps");
        for (StoredBitmap b : bitmaps.bitmaps()) {
            ObjectNode o = BitmapCommand.describe(b);
            Optional<Finding> distrust = bitmaps.distrust(b, applied);
            o.put("consistent", distrust.isEmpty());
            distrust.ifPresent(f -> o.put("reason", f.toString()));
            list.add(o);
        }
    }

    /** Every header field under its spec name (spec: Header, Additional fields). */
    private static ObjectNode header(Header h) {
        ObjectNode n = Json.object();
        n.put("magic", String.format("0x%08x", h.magic()));
        n.put("version", h.version());
        putU64(n, "backing_file_offset", h.backingFileOffset());
        n.put("backing_file_size", h.backingFileSize());
        n.put("cluster_bits", h.clusterBits());
        putU64(n, "size", h.size());
        n.put("crypt_method", h.cryptMethod());
        n.put("l1_size", h.l1Size());
        putU64(n, "l1_table_offset", h.l1TableOffset());
        putU64(n, "refcount_table_offset", h.refcountTableOffset());
        n.put("refcount_table_clusters", h.refcountTableClusters());
        n.put("nb_snapshots", h.nbSnapshots());
        putU64(n, "snapshots_offset", h.snapshotsOffset());
        n.put("incompatible_features", hex(h.incompatibleFeatures()));
        n.put("compatible_features", hex(h.compatibleFeatures()));
        n.put("autoclear_features", hex(h.autoclearFeatures()));
        n.put("refcount_order", h.refcountOrder());
        n.put("header_length", h.headerLength());
        if (h.headerLength() > Header.COMPRESSION_TYPE_OFFSET) {
            n.put("compression_type", h.compressionType());
        }
        if (h.additionalFields().length > 0) {
            n.put("additional_fields", HexFormat.of().formatHex(h.additionalFields()));
        }
        return n;
    }

    /** The set feature bits of each bitmap by name: the spec's name, else the feature name table's. */
    private static ObjectNode features(Header h, HeaderExtensions ext) {
        ObjectNode n = Json.object();
        List<FeatureName> table = ext.last(FeatureNameTable.class).map(FeatureNameTable::entries).orElse(List.of());
        long[] bits = {h.incompatibleFeatures(), h.compatibleFeatures(), h.autoclearFeatures()};
        String[] keys = {"incompatible", "compatible", "autoclear"};
        for (int type = 0; type < bits.length; type++) {
            ArrayNode a = n.putArray(keys[type]);
            for (int bit = 0; bit < 64; bit++) {
                if ((bits[type] & (1L << bit)) != 0) {
                    ObjectNode b = a.addObject();
                    b.put("bit", bit);
                    b.put("name", featureName(type, bit, table));
                }
            }
        }
        if (h.incompatibleFeatures() != (h.incompatibleFeatures() & Header.INCOMPAT_KNOWN)) {
            n.put("unknown-incompatible", ExtensionRules.unknownIncompatibleNames(h, ext).substring(2));
        }
        return n;
    }

    private static String featureName(int type, int bit, List<FeatureName> table) {
        List<String> known = KNOWN_BITS.get(type);
        if (bit < known.size()) {
            return known.get(bit);
        }
        for (FeatureName f : table) {
            if (f.type() == type && f.bit() == bit) {
                return f.name();
            }
        }
        return "unknown";
    }

    private static ObjectNode extension(HeaderExtension e) {
        ObjectNode n = Json.object();
        n.put("offset", e.offset());
        n.put("length", e.length());
        n.put("type", String.format("0x%08x", e.type()));
        n.put("kind", e.kind());
        if (e instanceof BackingFormat b) {
            n.put("name", b.name());
        } else if (e instanceof ExternalDataFile d) {
            n.put("name", d.name());
        } else if (e instanceof FeatureNameTable t) {
            ArrayNode a = n.putArray("entries");
            for (FeatureName f : t.entries()) {
                a.addObject().put("type", f.type()).put("bit", f.bit()).put("name", f.name());
            }
        } else if (e instanceof Bitmaps b) {
            n.put("nb_bitmaps", b.nbBitmaps());
            n.put("reserved", b.reserved());
            putU64(n, "bitmap_directory_size", b.bitmapDirectorySize());
            putU64(n, "bitmap_directory_offset", b.bitmapDirectoryOffset());
        } else if (e instanceof FullDiskEncryption f) {
            putU64(n, "offset_of_encryption_header", f.encryptionHeaderOffset());
            putU64(n, "length_of_encryption_header", f.encryptionHeaderLength());
        } else if (e instanceof Unknown u) {
            n.put("data", HexFormat.of().formatHex(u.data()));
        }
        return n;
    }

    /** Unsigned 64-bit fields stay exact and non-negative in JSON. */
    private static void putU64(ObjectNode n, String key, long value) {
        if (value >= 0) {
            n.put(key, value);
        } else {
            n.put(key, new BigInteger(Long.toUnsignedString(value)));
        }
    }

    private static String hex(long v) {
        return "0x" + Long.toHexString(v);
    }

    /** The human form, laid out like qemu-img info's. */
    static String human(ObjectNode info) {
        StringBuilder s = new StringBuilder();
        JsonNode x = info.get(EXTRAS);
        BigInteger size = info.get("virtual-size").bigIntegerValue();
        s.append("image: ").append(info.get("filename").asText()).append('\n');
        s.append("file format: qcow2\n");
        s.append("virtual size: ").append(sizeToString(size)).append(" (").append(size).append(" bytes)\n");
        s.append("file size: ").append(x.get("file-size").asLong()).append(" bytes\n");
        if (info.has("encrypted")) {
            s.append("encrypted: yes\n");
        }
        s.append("cluster_size: ").append(info.get("cluster-size").asLong()).append('\n');
        if (info.has("backing-filename")) {
            String name = info.get("backing-filename").asText();
            String full = info.get("full-backing-filename").asText();
            s.append("backing file: ").append(name);
            if (!full.equals(name)) {
                s.append(" (actual path: ").append(full).append(')');
            }
            s.append('\n');
        }
        if (info.has("backing-filename-format")) {
            s.append("backing file format: ").append(info.get("backing-filename-format").asText()).append('\n');
        }
        s.append("Format specific information:\n");
        fields(s, info.get("format-specific").get("data"), "    ");
        s.append("Header:\n");
        fields(s, x.get("header"), "    ");
        s.append("Feature bits:\n");
        for (String kind : List.of("incompatible", "compatible", "autoclear")) {
            s.append("    ").append(kind).append(':');
            for (JsonNode b : x.get("features").get(kind)) {
                s.append(" ").append(b.get("bit").asInt()).append(" (").append(b.get("name").asText()).append(')');
            }
            s.append('\n');
        }
        s.append("Header extensions:\n");
        for (JsonNode e : x.get("header-extensions")) {
            s.append(String.format("    at %d: %s %s, length %d%n", e.get("offset").asLong(), e.get("type").asText(),
                    e.get("kind").asText(), e.get("length").asLong()));
        }
        JsonNode end = x.get("end-marker-offset");
        s.append("    end marker: ").append(end.isNull() ? "none" : "at " + end.asLong()).append('\n');
        if (info.has("snapshots")) {
            // as qemu-img (block/snapshot.c, bdrv_snapshot_dump), with dates in UTC
            s.append("Snapshot list:\n");
            s.append(String.format("%-10s%-17s%8s%20s%13s%11s%n", "ID", "TAG", "VM SIZE", "DATE", "VM CLOCK", "ICOUNT"));
            for (JsonNode sn : info.get("snapshots")) {
                long secs = sn.get("vm-clock-sec").asLong();
                String clock = String.format("%02d:%02d:%02d.%03d", secs / 3600, secs / 60 % 60, secs % 60,
                        sn.get("vm-clock-nsec").asLong() / 1_000_000);
                String date = SNAPSHOT_DATE.format(Instant.ofEpochSecond(sn.get("date-sec").asLong()));
                s.append(String.format("%-9s %-17s%8s%20s%13s%11s%n", sn.get("id").asText(), sn.get("name").asText(),
                        sizeToString(sn.get("vm-state-size").bigIntegerValue()), date, clock,
                        sn.has("icount") ? sn.get("icount").asText() : ""));
            }
        }
        return s.toString();
    }

    private static void fields(StringBuilder s, JsonNode obj, String indent) {
        for (Iterator<Map.Entry<String, JsonNode>> it = obj.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> f = it.next();
            field(s, f.getKey().replace('-', ' '), f.getValue(), indent);
        }
    }

    /** One field; objects and arrays nested below it as qemu-img prints them (array items as "[i]"). */
    private static void field(StringBuilder s, String name, JsonNode v, String indent) {
        if (v.isObject()) {
            s.append(indent).append(name).append(":\n");
            fields(s, v, indent + "    ");
        } else if (v.isArray()) {
            s.append(indent).append(name).append(":\n");
            for (int i = 0; i < v.size(); i++) {
                field(s, "[" + i + "]", v.get(i), indent + "    ");
            }
        } else {
            s.append(indent).append(name).append(": ").append(v.asText()).append('\n');
        }
    }

    /** As QEMU's size_to_str: three significant digits, switching unit at 1000 of the smaller one. */
    static String sizeToString(BigInteger bytes) {
        String[] units = {"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
        BigDecimal v = new BigDecimal(bytes);
        int i = 0;
        while (i < units.length - 1 && v.compareTo(BigDecimal.valueOf(1000)) >= 0) {
            v = v.divide(BigDecimal.valueOf(1024));
            i++;
        }
        return v.round(new MathContext(3)).stripTrailingZeros().toPlainString() + " " + units[i];
    }
}
