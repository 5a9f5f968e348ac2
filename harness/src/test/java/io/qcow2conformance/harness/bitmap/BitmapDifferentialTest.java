package io.qcow2conformance.harness.bitmap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.qcow2conformance.harness.adapter.Implementation;
import io.qcow2conformance.harness.adapter.QemuAdapter;
import io.qcow2conformance.harness.adapter.Status;
import io.qcow2conformance.harness.adapter.TestImages;
import io.qcow2conformance.harness.cli.Json;
import io.qcow2conformance.harness.process.ProcessRunner;
import io.qcow2conformance.harness.testkit.Cli;
import io.qcow2conformance.harness.testkit.Qemu;
import io.qcow2conformance.model.check.Proposal;
import io.qcow2conformance.model.extensions.ExtensionsDecoder;
import io.qcow2conformance.model.extensions.HeaderExtension.Bitmaps;
import io.qcow2conformance.model.header.Header;
import io.qcow2conformance.model.header.HeaderDecoder;
import io.qcow2conformance.model.io.ImageSource;
import io.qcow2conformance.model.rules.Rule;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;

/**
 * Persistent bitmaps against the real QEMU 7.2: images whose bitmaps QEMU made
 * ({@code qemu-img bitmap --add}) and dirtied ({@code qemu-io} writes) must check clean for
 * both, our {@code bitmap} ranges must equal QEMU's dirty map ({@code qemu-nbd -B} read by
 * {@code nbdinfo}, through the harness's {@link QemuAdapter}) and {@code info} must list the
 * bitmaps as {@code qemu-img info} does. Then the question of the zero-bitmap-table-offset
 * thread, answered on a QEMU image whose directory entry is patched at offsets read from its
 * own bitmaps extension: QEMU refuses such an image while autoclear bit 0 is set, and opens
 * it with a warning, ignoring the bitmaps, once the bit is clear.
 */
class BitmapDifferentialTest {
    static final String PROPOSAL = "--proposal=" + Proposal.ZERO_BITMAP_TABLE_OFFSET.id();

    @TempDir
    Path dir;

    QemuAdapter qemu = new QemuAdapter(Duration.ofSeconds(60));

    @BeforeEach
    void requireQemu() {
        Qemu.require("qemu-img");
        Qemu.require("qemu-io");
        Qemu.require("qemu-nbd");
        TestImages.require("nbdinfo", "libnbd-bin");
    }

    /** Writes at scattered places, some touching the same granules, one at the very end of the disk. */
    static final String[] WRITES = {"write 0 1k", "write 64k 8k", "write 70k 12k", "write 300k 512", "write 1000k 24k"};

    Path image(String clusterSize, String size) {
        Path p = dir.resolve("b.qcow2");
        Qemu.img("create", "-q", "-f", "qcow2", "-o", "cluster_size=" + clusterSize, p.toString(), size);
        return p;
    }

    /** {@code qemu-io -c COMMAND... IMAGE}: the image opened normally, so enabled bitmaps record the writes. */
    static void io(Path p, String... commands) {
        Qemu.io(Stream.concat(Arrays.stream(commands).flatMap(c -> Stream.of("-c", c)), Stream.of(p.toString()))
                .toArray(String[]::new));
    }

    @ParameterizedTest(name = "cluster_size={0}, size={1}, granularity={2}")
    @CsvSource({"4096, 1M, 4096", "65536, 1M, 65536", "512, 8M, 512", "4096, 1M, 16384", "512, 1024k, 2M"})
    void enabledBitmapsRecordWritesDisabledOnesDoNotAndBothReadAsQemuReadsThem(String clusterSize, String size,
                                                                               String granularity) {
        Path p = image(clusterSize, size);
        Qemu.img("bitmap", "--add", "--granularity", granularity, p.toString(), "on");
        Qemu.img("bitmap", "--add", "--granularity", granularity, "--disable", p.toString(), "off");
        Qemu.img("bitmap", "--add", p.toString(), "default");
        io(p, WRITES);

        assertEquals(0, Qemu.run("qemu-img", "check", p.toString()).exitCode());
        Cli.Result check = Cli.run("check", p.toString());
        assertEquals(0, check.exitCode(), check.out() + check.err());

        List<List<Long>> on = ours(p, "on");
        assertEquals(theirs(p, "on"), on);
        assertFalse(on.isEmpty(), "qemu-io writes reach an enabled bitmap");
        assertEquals(List.of(), theirs(p, "off"), "a disabled bitmap records nothing");
        assertEquals(List.of(), ours(p, "off"));
        assertEquals(theirs(p, "default"), ours(p, "default"));

        JsonNode qemuInfo = parse(Qemu.img("info", "--output=json", p.toString()).out());
        JsonNode ourInfo = parse(Cli.run("info", "--output=json", p.toString()).out());
        assertEquals(qemuInfo.at("/format-specific/data/bitmaps"), ourInfo.at("/format-specific/data/bitmaps"));
        assertEquals(3, ourInfo.at("/format-specific/data/bitmaps").size());
    }

    @Test
    void aWriteBeforeTheBitmapIsAddedIsNotInIt() {
        Path p = image("4096", "1M");
        io(p, "write 0 64k");
        Qemu.img("bitmap", "--add", "--granularity", "4096", p.toString(), "b0");
        io(p, "write 128k 4k");
        assertEquals(List.of(List.of(128L << 10, 4096L)), theirs(p, "b0"));
        assertEquals(theirs(p, "b0"), ours(p, "b0"));
    }

    @Test
    void anInUseBitmapIsRefusedByBoth() {
        Path p = image("4096", "1M");
        Qemu.img("bitmap", "--add", p.toString(), "b0");
        io(p, "write 0 4k");
        Located entry = locate(p);
        poke(p, entry.entryOffset + 12, new byte[] {0, 0, 0, 3}); // flags: in_use | auto
        assertEquals(Status.REJECTED, qemu.bitmap(p, "b0").status());
        Cli.Result ours = Cli.run("bitmap", "--output=json", p.toString(), "--name=b0");
        assertEquals(1, ours.exitCode(), ours.err());
        assertFalse(parse(ours.out()).get("consistent").asBoolean());
        assertFalse(parse(ours.out()).has("ranges"));
        assertEquals(0, Qemu.run("qemu-img", "check", p.toString()).exitCode());
        assertEquals(0, Cli.run("check", p.toString()).exitCode());
    }

    @Test
    void zeroTableOffsetWithAutoclearSetIsRefusedByQemuAndNeedsTheProposalHere() {
        Path p = zeroTableOffsetImage();

        ProcessRunner.Result info = Qemu.run("qemu-img", "info", p.toString());
        assertEquals(1, info.exitCode());
        assertTrue(info.err().contains("doesn't satisfy the constraints"), info.err());
        assertEquals(Status.REJECTED, qemu.bitmap(p, "b0").status());

        // published spec: a corruption, and the bitmap is not read
        Cli.Result check = Cli.run("check", "--output=json", p.toString());
        assertEquals(2, check.exitCode(), check.out());
        assertTrue(rules(check.out()).contains(Rule.BITMAP_TABLE_OFFSET_NON_ZERO.id()), check.out());
        assertEquals(1, Cli.run("bitmap", p.toString(), "--name=b0").exitCode());
        JsonNode ourInfo = parse(Cli.run("info", "--output=json", p.toString()).out());
        assertEquals(List.of(Proposal.ZERO_BITMAP_TABLE_OFFSET.id()), texts(ourInfo.at("/qcow2-conformance/proposals-needed")));

        // under the proposal: an empty bitmap; the clusters of the table it had are now leaks
        Cli.Result relaxed = Cli.run("check", "--output=json", PROPOSAL, p.toString());
        assertEquals(3, relaxed.exitCode(), relaxed.out());
        assertEquals(Set.of(Rule.REFCOUNT_TOO_HIGH.id()), rules(relaxed.out()));
        Cli.Result bitmap = Cli.run("bitmap", "--output=json", PROPOSAL, p.toString(), "--name=b0");
        assertEquals(0, bitmap.exitCode(), bitmap.err());
        assertEquals(0, parse(bitmap.out()).get("ranges").size());
    }

    @Test
    void zeroTableOffsetWithAutoclearClearIsOpenedByQemuWithAWarningAndTheBitmapsIgnored() {
        Path p = zeroTableOffsetImage();
        try (ImageSource src = ImageSource.open(p)) {
            Header h = HeaderDecoder.decode(src);
            poke(p, 88, longBytes(h.autoclearFeatures() & ~Header.AUTOCLEAR_BITMAPS)); // spec: Header, autoclear_features
        }
        ProcessRunner.Result info = Qemu.run("qemu-img", "info", "--output=json", p.toString());
        assertEquals(0, info.exitCode(), info.err());
        assertTrue(info.err().contains("warning"), info.err());
        assertTrue(parse(info.out()).at("/format-specific/data/bitmaps").isMissingNode());
        assertEquals(Status.REJECTED, qemu.bitmap(p, "b0").status());

        JsonNode ourInfo = parse(Cli.run("info", "--output=json", p.toString()).out());
        assertTrue(ourInfo.at("/format-specific/data/bitmaps").isMissingNode());
        assertEquals(List.of(), texts(ourInfo.at("/qcow2-conformance/proposals-needed")));

        // QEMU ignores the bitmaps: their clusters are leaks for both
        ProcessRunner.Result theirCheck = Qemu.run("qemu-img", "check", "--output=json", p.toString());
        Cli.Result ourCheck = Cli.run("check", "--output=json", p.toString());
        assertEquals(3, theirCheck.exitCode());
        assertEquals(3, ourCheck.exitCode(), ourCheck.out());
        assertEquals(parse(theirCheck.out()).get("leaks"), parse(ourCheck.out()).get("leaks"));
        assertTrue(rules(ourCheck.out()).contains(Rule.EXTENSIONS_BITMAPS_AUTOCLEAR_CLEAR.id()));

        Cli.Result bitmap = Cli.run("bitmap", "--output=json", PROPOSAL, p.toString(), "--name=b0");
        assertEquals(1, bitmap.exitCode(), "inconsistent bitmaps are never presented as trustworthy");
        assertFalse(parse(bitmap.out()).get("consistent").asBoolean());
    }

    /** A QEMU image with one dirtied bitmap whose directory entry then says table offset 0, size 0. */
    Path zeroTableOffsetImage() {
        Path p = image("4096", "1M");
        Qemu.img("bitmap", "--add", "--granularity", "4096", p.toString(), "b0");
        io(p, "write 8k 4k");
        Located entry = locate(p);
        poke(p, entry.entryOffset, new byte[12]); // bitmap_table_offset (8 bytes) and bitmap_table_size (4)
        return p;
    }

    record Located(long entryOffset) {
    }

    /** The first directory entry, from the image's own bitmaps extension (spec: Bitmaps extension). */
    static Located locate(Path p) {
        try (ImageSource src = ImageSource.open(p)) {
            Header h = HeaderDecoder.decode(src);
            Bitmaps b = ExtensionsDecoder.decode(src, h).last(Bitmaps.class).orElseThrow();
            assertEquals(1, b.nbBitmaps());
            return new Located(b.bitmapDirectoryOffset());
        }
    }

    /** Our {@code bitmap --output=json} ranges as [start, length] pairs (exit 0 required). */
    static List<List<Long>> ours(Path p, String name) {
        Cli.Result r = Cli.run("bitmap", "--output=json", p.toString(), "--name=" + name);
        assertEquals(0, r.exitCode(), r.err());
        List<List<Long>> out = new ArrayList<>();
        parse(r.out()).get("ranges").forEach(n -> out.add(List.of(n.get("start").asLong(), n.get("length").asLong())));
        return out;
    }

    /** QEMU's dirty map of the bitmap, merged into [start, length] pairs by the adapter. */
    List<List<Long>> theirs(Path p, String name) {
        Implementation.Result r = qemu.bitmap(p, name);
        assertEquals(Status.OK, r.status(), r.detail());
        List<List<Long>> out = new ArrayList<>();
        r.ranges().forEach(a -> out.add(List.of(a[0], a[1])));
        return out;
    }

    static Set<String> rules(String checkJson) {
        Set<String> out = new TreeSet<>();
        parse(checkJson).path("findings").forEach(f -> out.add(f.get("rule").asText()));
        return out;
    }

    static List<String> texts(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(n -> out.add(n.asText()));
        return out;
    }

    static JsonNode parse(String s) {
        try {
            return Json.MAPPER.readTree(s);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static byte[] longBytes(long v) {
        byte[] b = new byte[8];
        for (int i = 0; i < 8; i++) {
            b[i] = (byte) (v >>> (56 - 8 * i));
        }
        return b;
    }

    static void poke(Path p, long offset, byte[] bytes) {
        try (RandomAccessFile f = new RandomAccessFile(p.toFile(), "rw")) {
            f.seek(offset);
            f.write(bytes);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
