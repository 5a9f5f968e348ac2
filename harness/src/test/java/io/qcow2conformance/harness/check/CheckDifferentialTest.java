package io.qcow2conformance.harness.check;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.qcow2conformance.harness.cli.Json;
import io.qcow2conformance.harness.process.ProcessRunner;
import io.qcow2conformance.harness.testkit.Cli;
import io.qcow2conformance.harness.testkit.Qemu;
import io.qcow2conformance.model.mapping.L2Entry;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * {@code check} against the real {@code qemu-img check}: images that QEMU makes must be
 * clean for both, with the same allocation counters and image end offset; copies
 * corrupted at offsets read from the image's own header and tables must give the same
 * exit code class and our findings must name the broken rule.
 *
 * <p>Where the counts differ by design: our {@code layout.metadata-overlap} is an extra
 * corruption next to the refcount mismatch QEMU reports for the same cluster.
 */
public class CheckDifferentialTest {
    static final String[] COUNTERS = {"image-end-offset", "total-clusters", "allocated-clusters",
        "fragmented-clusters", "compressed-clusters", "corruptions", "leaks", "check-errors"};

    @TempDir
    Path dir;

    @BeforeEach
    void requireQemu() {
        Qemu.require("qemu-img");
        Qemu.require("qemu-io");
    }

    public record Outcome(int exitCode, JsonNode json) {
        public long counter(String name) {
            JsonNode n = json.get(name);
            return n == null ? 0 : n.asLong(); // qemu-img leaves out counters that are 0
        }

        public Set<String> rules() {
            Set<String> out = new TreeSet<>();
            json.path("findings").forEach(f -> out.add(f.get("rule").asText()));
            return out;
        }
    }

    /** {@code qemu-img check --output=json}; {@code imageArgs} name the image (plain path or --image-opts). */
    public static Outcome qemu(String... imageArgs) {
        List<String> args = new ArrayList<>(List.of("check", "--output=json"));
        args.addAll(List.of(imageArgs));
        ProcessRunner.Result r = Qemu.run("qemu-img", args.toArray(String[]::new));
        return new Outcome(r.exitCode(), parse(r.out()));
    }

    static Outcome qemu(Path image) {
        return qemu(image.toString());
    }

    public static Outcome ours(Path image) {
        Cli.Result r = Cli.run("check", "--output=json", image.toString());
        return new Outcome(r.exitCode(), parse(r.out()));
    }

    static JsonNode parse(String s) {
        try {
            return s.isBlank() ? Json.object() : Json.MAPPER.readTree(s);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    Path create(String name, String options, String size, String... ioCommands) {
        Path p = dir.resolve(name);
        List<String> args = new ArrayList<>(List.of("create", "-q", "-f", "qcow2"));
        if (!options.isEmpty()) {
            args.add("-o");
            args.add(options);
        }
        args.add(p.toString());
        args.add(size);
        Qemu.img(args.toArray(String[]::new));
        io(p, ioCommands);
        return p;
    }

    public static void io(Path p, String... commands) {
        if (commands.length == 0) {
            return;
        }
        List<String> args = new ArrayList<>();
        for (String c : commands) {
            args.add("-c");
            args.add(c);
        }
        args.add(p.toString());
        Qemu.io(args.toArray(String[]::new));
    }

    static final String[] WRITES = {"write -P 0x11 0 100k", "write -P 0x22 300k 8k", "write -P 0x33 700k 1k",
        "write -P 0x44 2k 3k"};

    static Stream<Arguments> validImages() {
        return Stream.of(
                Arguments.of("512 B clusters, refcount_bits=1", "cluster_size=512,refcount_bits=1"),
                Arguments.of("1 KiB clusters, refcount_bits=2", "cluster_size=1024,refcount_bits=2"),
                Arguments.of("4 KiB clusters, refcount_bits=4", "cluster_size=4096,refcount_bits=4"),
                Arguments.of("refcount_bits=8", "refcount_bits=8"),
                Arguments.of("refcount_bits=32", "refcount_bits=32"),
                Arguments.of("refcount_bits=64", "cluster_size=8192,refcount_bits=64"),
                Arguments.of("2 MiB clusters", "cluster_size=2M"),
                Arguments.of("compat 0.10", "compat=0.10,cluster_size=4096"),
                Arguments.of("lazy_refcounts", "lazy_refcounts=on,cluster_size=4096"),
                Arguments.of("extended L2 entries", "extended_l2=on,cluster_size=65536"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("validImages")
    void imagesWrittenByQemuAreCleanForBoth(String name, String options) {
        Path p = create("v.qcow2", options, "4M", WRITES);
        assertSameCleanReport(p);
    }

    @Test
    void zeroWritesAndDiscardsAreClean() {
        Path p = create("z.qcow2", "cluster_size=4096", "4M", "write -P 1 0 64k", "write -z 8k 16k",
                "discard 32k 8k", "write -z 1M 64k", "write -z -u 40k 4k");
        assertSameCleanReport(p);
        Path v2 = create("z2.qcow2", "compat=0.10,cluster_size=4096", "4M", "write -P 1 0 64k", "write -z 8k 16k",
                "discard 32k 8k");
        assertSameCleanReport(v2);
    }

    @ParameterizedTest(name = "compression_type={0}")
    @MethodSource("compressionTypes")
    void compressedImagesAreClean(String type, String clusterSize) {
        Path src = create("src.qcow2", "cluster_size=" + clusterSize, "2M", WRITES);
        Path c = dir.resolve("c.qcow2");
        Qemu.img("convert", "-c", "-O", "qcow2", "-o", "compression_type=" + type + ",cluster_size=" + clusterSize,
                src.toString(), c.toString());
        Outcome q = assertSameCleanReport(c);
        assertTrue(q.counter("compressed-clusters") > 0, "qemu-img made compressed clusters");
    }

    static Stream<Arguments> compressionTypes() {
        return Stream.of(Arguments.of("zlib", "512"), Arguments.of("zlib", "65536"), Arguments.of("zstd", "4096"));
    }

    @Test
    void compressedVersion2ImageIsClean() {
        Path src = create("src.qcow2", "", "1M", WRITES);
        Path c = dir.resolve("c2.qcow2");
        Qemu.img("convert", "-c", "-O", "qcow2", "-o", "compat=0.10", src.toString(), c.toString());
        assertSameCleanReport(c);
    }

    /** An overlay whose backing file name is stored as {@code backingName} (relative to the overlay's folder, or absolute). */
    Path overlay(String backingName) {
        create("base.qcow2", "cluster_size=4096", "2M", WRITES);
        Path top = dir.resolve("top.qcow2");
        Qemu.img("create", "-q", "-f", "qcow2", "-b", backingName, "-F", "qcow2", "-o", "cluster_size=4096",
                top.toString());
        io(top, "write -P 0x55 4k 8k", "write -z 300k 4k", "discard 700k 4k");
        return top;
    }

    @Test
    void overlayOnABackingFileIsClean() {
        assertSameCleanReport(overlay("base.qcow2"));
    }

    /** The kit's path safety: an absolute backing name is followed only when allowed (both open the chain). */
    @Test
    void absoluteBackingNameIsRefusedUnlessAllowed() {
        Path top = overlay(dir.resolve("base.qcow2").toString());
        Cli.Result refused = Cli.run("check", top.toString());
        assertEquals(1, refused.exitCode());
        assertTrue(refused.err().startsWith("qcow2-conformance: error: kit.path.outside-image-folder:"), refused.err());
        assertEquals(1, refused.err().strip().lines().count(), refused.err());
        Cli.Result allowed = Cli.run("check", "--allow-outside-paths", top.toString());
        assertEquals(0, allowed.exitCode(), allowed.err());
        assertEquals(0, qemu(top).exitCode());
    }

    @Test
    void humanSummaryIsQemuImgsForACleanImage() {
        Path p = create("h.qcow2", "cluster_size=4096", "4M", WRITES);
        ProcessRunner.Result q = Qemu.run("qemu-img", "check", p.toString());
        Cli.Result o = Cli.run("check", p.toString());
        assertEquals(0, q.exitCode());
        assertEquals(q.out(), o.out());
    }

    @Test
    void luksEncryptedImageIsClean() {
        String secret = "secret,id=sec0,data=conformance";
        Path p = dir.resolve("luks.qcow2");
        Qemu.img("create", "-q", "--object", secret, "-f", "qcow2", "-o",
                "encrypt.format=luks,encrypt.key-secret=sec0,encrypt.iter-time=10,cluster_size=4096", p.toString(), "1M");
        String opts = "driver=qcow2,file.filename=" + p + ",encrypt.key-secret=sec0";
        Qemu.io("--object", secret, "--image-opts", opts, "-c", "write -P 3 0 8k");
        assertSameCleanReport(p, "--object", secret, "--image-opts", opts);
    }

    @Test
    void externalDataFileImageIsClean() {
        Path p = create("ext.qcow2", "data_file=" + dir.resolve("ext.raw") + ",cluster_size=4096", "1M",
                "write -P 3 0 8k", "write -z 64k 4k");
        assertSameCleanReport(p);
    }

    // ---- corrupted copies ---------------------------------------------------------------

    /**
     * One deliberate corruption: {@code poke} breaks a copy at offsets read from its own
     * header and tables; both checks must exit with {@code exitCode}, ours must report
     * exactly {@code rules}, and the counters must be QEMU's, except that ours counts
     * {@code extraCorruptions} more (findings QEMU has no counterpart for).
     */
    /**
     * @param exitCode     our check's exit code
     * @param qemuExitCode qemu-img check's, where it differs (golden-images/divergences.json says why)
     */
    record Corruption(String name, String options, Consumer<ImageFile> poke, int exitCode, int qemuExitCode,
                      Set<String> rules, int extraCorruptions) {
        Corruption(String name, String options, Consumer<ImageFile> poke, int exitCode, Set<String> rules,
                   int extraCorruptions) {
            this(name, options, poke, exitCode, exitCode, rules, extraCorruptions);
        }

        Corruption(String name, Consumer<ImageFile> poke, int exitCode, Set<String> rules, int extraCorruptions) {
            this(name, "", poke, exitCode, exitCode, rules, extraCorruptions);
        }

        @Override
        public String toString() {
            return name;
        }
    }

    static Stream<Corruption> corruptions() {
        return Stream.of(
                new Corruption("refcount 0 for a data cluster (QEMU: refcount and OFLAG_COPIED errors)",
                        f -> f.putRefcount(f.dataOffset(0) / f.clusterSize(), 0), 2,
                        Set.of("refcount.count.too-low", "mapping.copied-flag"), 0),
                new Corruption("refcount 1 for a cluster appended to the file",
                        f -> f.putRefcount(f.grow(1), 1), 3, Set.of("refcount.count.too-high"), 0),
                new Corruption("refcount 2 for an unshared data cluster (a leak, and the copied flag is wrong)",
                        f -> f.putRefcount(f.dataOffset(1) / f.clusterSize(), 2), 2,
                        Set.of("refcount.count.too-high", "mapping.copied-flag"), 0),
                new Corruption("L2 entry pointing 512 bytes into its cluster (the range touches the next one)",
                        f -> f.putLong(f.l2EntryOffset(0), f.l2Entry(0) + 0x200), 2,
                        Set.of("mapping.l2.entry.aligned", "refcount.count.too-low"), 0),
                new Corruption("L1 entry with reserved bit 56",
                        f -> f.putLong(f.l1EntryOffset(0), f.l1[0] | (1L << 56)), 2,
                        Set.of("mapping.l1.entry.reserved"), 0),
                new Corruption("L2 entry with reserved bit 57",
                        f -> f.putLong(f.l2EntryOffset(2), f.l2Entry(2) | (1L << 57)), 2,
                        Set.of("mapping.l2.entry.reserved"), 0),
                // A corruption was found, so we exit 2; QEMU counts the unreadable block as a check
                // error and exits 1 (see golden-images/divergences.json).
                new Corruption("unaligned refcount block (its refcounts cannot be read: check errors)", "",
                        f -> f.putLong(f.header.refcountTableOffset(), f.refcountTable[0] + 0x200), 2, 1,
                        Set.of("refcount.table.entry.aligned"), 0),
                new Corruption("extended L2: subcluster 0 both allocated and zero", "extended_l2=on",
                        f -> f.putLong(f.l2EntryOffset(0) + 8, f.readLong(f.l2EntryOffset(0) + 8) | 1L << 32 | 1), 2,
                        Set.of("mapping.extended-l2.bitmap.alloc-and-zero"), 0),
                new Corruption("extended L2: unallocated cluster with an allocated subcluster", "extended_l2=on",
                        f -> f.putLong(f.l2EntryOffset(5) + 8, 1), 2,
                        Set.of("mapping.extended-l2.bitmap.unallocated-cluster"), 0),
                new Corruption("unallocated L2 entry pointed at the active L1 table (QEMU: the refcount error only)",
                        f -> f.putLong(f.l2EntryOffset(5), (f.header.l1TableOffset() & -f.clusterSize()) | L2Entry.COPIED),
                        2, Set.of("layout.metadata-overlap", "refcount.count.too-low"), 1));
    }

    /** 64 KiB clusters, 16-bit refcounts; guest clusters 0-2 and 16 hold data, 5 is unallocated. */
    Path corruptible() {
        return corruptible("");
    }

    Path corruptible(String options) {
        return create("bad.qcow2", options, "4M", "write -P 1 0 192k", "write -P 2 1M 64k");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("corruptions")
    void corruptedCopiesGiveQemusVerdict(Corruption c) {
        ImageFile f = new ImageFile(corruptible(c.options()));
        c.poke().accept(f);
        Outcome q = qemu(f.path);
        Outcome o = ours(f.path);
        assertEquals(c.qemuExitCode(), q.exitCode(), "qemu-img check: " + q.json());
        assertEquals(c.exitCode(), o.exitCode(), "ours: " + o.json());
        assertEquals(c.rules(), o.rules());
        assertEquals(q.counter("corruptions") + c.extraCorruptions(), o.counter("corruptions"));
        assertCountersEqual(q, o, Set.of("corruptions"));
    }

    @Test
    void dirtyImageAfterACrashWithLazyRefcountsIsStillCrossChecked() {
        Path p = create("dirty.qcow2", "lazy_refcounts=on,cluster_size=4096", "1M");
        // qemu-io dies before it writes the deferred refcounts: the dirty bit stays set
        ProcessRunner.Result io = Qemu.run("qemu-io", "-c", "write -P 1 0 16k", "-c", "sigraise 9", p.toString());
        assertEquals(128 + 9, io.exitCode(), io.err());
        Outcome q = qemu(p);
        Outcome o = ours(p);
        assertEquals(2, q.exitCode());
        assertEquals(2, o.exitCode());
        assertEquals(Set.of("header.incompatible_features.dirty", "refcount.count.too-low", "mapping.copied-flag"),
                o.rules());
        assertCountersEqual(q, o, Set.of());
    }

    @Test
    void humanSummaryOfALeakEndsLikeQemuImgs() {
        ImageFile f = new ImageFile(corruptible());
        f.putRefcount(f.grow(1), 1);
        String ours = Cli.run("check", f.path.toString()).out();
        String qemu = Qemu.run("qemu-img", "check", f.path.toString()).out();
        assertTrue(qemu.contains("1 leaked clusters were found on the image."), qemu);
        assertTrue(ours.endsWith(qemu), ours + "\n---\n" + qemu);
    }

    Outcome assertSameCleanReport(Path p) {
        return assertSameCleanReport(p, p.toString());
    }

    Outcome assertSameCleanReport(Path p, String... qemuImageArgs) {
        Outcome q = qemu(qemuImageArgs);
        Outcome o = ours(p);
        assertEquals(0, q.exitCode(), "qemu-img check: " + q.json());
        assertEquals(0, o.exitCode(), "ours: " + o.json());
        assertEquals(0, o.json().get("findings").size(), o.json().toString());
        assertCountersEqual(q, o, Set.of());
        return q;
    }

    /** Our counters are QEMU's (but those in {@code except}), and every one is printed. */
    public static void assertCountersEqual(Outcome q, Outcome o, Set<String> except) {
        for (String c : COUNTERS) {
            assertTrue(o.json().has(c), "every counter is printed: " + c);
            if (!except.contains(c)) {
                assertEquals(q.counter(c), o.counter(c), c + " (qemu-img: " + q.json() + ")");
            }
        }
    }
}
