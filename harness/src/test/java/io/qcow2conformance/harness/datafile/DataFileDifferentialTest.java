package io.qcow2conformance.harness.datafile;

import static io.qcow2conformance.harness.check.CheckDifferentialTest.assertCountersEqual;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.qcow2conformance.harness.check.CheckDifferentialTest;
import io.qcow2conformance.harness.check.CheckDifferentialTest.Outcome;
import io.qcow2conformance.harness.check.ImageFile;
import io.qcow2conformance.harness.process.ProcessRunner;
import io.qcow2conformance.harness.testkit.Qemu;
import io.qcow2conformance.model.mapping.L2Entry;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;

/**
 * External data files against the real QEMU: images made by {@code qemu-img create -o
 * data_file=...} and written by {@code qemu-io}, read by our {@code convert} and judged by our
 * {@code check}, compared with {@code qemu-img convert -O raw} and {@code qemu-img check}.
 *
 * <p>The image stores the data file's bare name (set with {@code qemu-img amend}), which the
 * kit resolves against the image's folder. QEMU 7.2 resolves such a name against its working
 * directory instead (see the errata list), so QEMU is always given the data file explicitly
 * with {@code --image-opts}.
 */
class DataFileDifferentialTest {
    private static final long CLUSTER = 65536;

    @TempDir
    Path dir;

    @BeforeEach
    void tools() {
        Qemu.require("qemu-img");
        Qemu.require("qemu-io");
    }

    /** {@code img} with data file {@code data} (stored as its bare name), {@code io} commands applied by qemu-io. */
    Path create(String options, String... io) {
        Path img = dir.resolve("img.qcow2");
        Path data = dir.resolve("img.data");
        Qemu.img("create", "-q", "-f", "qcow2", "-o", "data_file=" + data + "," + options, img.toString(), "4M");
        CheckDifferentialTest.io(img, io);
        Qemu.img("amend", "-f", "qcow2", "-o", "data_file=img.data", img.toString());
        return img;
    }

    /** QEMU's way to name the image with its data file given explicitly. */
    static String[] qemuImage(Path img, Path data) {
        return new String[] {"--image-opts", "driver=qcow2,file.filename=" + img + ",data-file.filename=" + data};
    }

    static ProcessRunner.Result qemuConvert(Path img, Path data, Path out) {
        List<String> args = new ArrayList<>(List.of("convert", "-O", "raw"));
        args.addAll(List.of(qemuImage(img, data)));
        args.add(out.toString());
        return Qemu.run("qemu-img", args.toArray(String[]::new));
    }

    /** Our convert of {@code img} (extra options first) must succeed and equal QEMU's, byte for byte. */
    byte[] assertConvertsLikeQemu(Path img, Path data, String... options) {
        Path theirs = dir.resolve("qemu.raw");
        ProcessRunner.Result q = qemuConvert(img, data, theirs);
        assertEquals(0, q.exitCode(), q.err());
        return OurConvert.assertSameAs(theirs, dir, img, options);
    }

    void assertConvertRefused(Path img, String ruleId, String... options) {
        OurConvert.assertRefused(dir, img, ruleId, options);
    }

    static final String[] WRITES = {"write -P 0x11 0 64k", "write -P 0x22 1000 3000", "write -z 128k 64k",
        "discard 256k 64k", "write -P 0x33 300k 5k", "write -P 0x44 4095k 1k"};

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = ';', value = {
        "cluster_size=4096",
        "cluster_size=65536",
        "cluster_size=65536,data_file_raw=on",
        "extended_l2=on,cluster_size=16384",
        "extended_l2=on,cluster_size=65536,data_file_raw=on"})
    void convertAndCheckAgreeWithQemu(String options) throws IOException {
        Path img = create(options, WRITES);
        Path data = dir.resolve("img.data");
        byte[] guest = assertConvertsLikeQemu(img, data);
        Outcome q = CheckDifferentialTest.qemu(qemuImage(img, data));
        Outcome o = CheckDifferentialTest.ours(img);
        assertEquals(0, q.exitCode(), "qemu-img check: " + q.json());
        assertEquals(0, o.exitCode(), "ours: " + o.json());
        assertEquals(0, o.json().get("findings").size(), o.json().toString());
        assertCountersEqual(q, o, Set.of());
        if (options.contains("data_file_raw=on")) {
            // spec: autoclear bit 1: the data file alone reads as the guest disk
            byte[] raw = Files.readAllBytes(data);
            assertTrue(raw.length <= guest.length, "data file longer than the disk");
            assertEquals(-1, Arrays.mismatch(raw, Arrays.copyOf(guest, raw.length)));
            for (int i = raw.length; i < guest.length; i++) {
                assertEquals(0, guest[i], "byte " + i + " past the end of the data file");
            }
        }
    }

    @Test
    void theDataFileOptionOverridesTheStoredName() throws IOException {
        Path img = create("cluster_size=4096", WRITES);
        Path moved = Files.createDirectories(dir.resolve("elsewhere")).resolve("moved.data");
        Files.move(dir.resolve("img.data"), moved);
        assertConvertRefused(img, "data-file.file.readable");
        assertConvertsLikeQemu(img, moved, "--data-file=" + moved);
    }

    @Test
    void aMissingDataFileIsAOneLineErrorLikeQemusRefusal() throws IOException {
        Path img = create("cluster_size=4096", "write -P 1 0 4k");
        Path data = dir.resolve("img.data");
        Files.delete(data);
        ProcessRunner.Result q = qemuConvert(img, data, dir.resolve("qemu.raw"));
        assertEquals(1, q.exitCode(), q.err());
        assertConvertRefused(img, "data-file.file.readable");
    }

    @Test
    void anAbsoluteStoredNameIsFollowedOnlyWhenAllowed() {
        Path img = dir.resolve("abs.qcow2");
        Path data = dir.resolve("abs.data");
        Qemu.img("create", "-q", "-f", "qcow2", "-o", "data_file=" + data + ",cluster_size=4096", img.toString(), "1M");
        Qemu.io("-c", "write -P 5 8k 8k", img.toString());
        assertConvertRefused(img, "kit.path.outside-image-folder");
        assertConvertsLikeQemu(img, data, "--allow-outside-paths");
    }

    // ---- corrupted copies ---------------------------------------------------------------

    /** Both checks of {@code img}: QEMU's exits {@code qemuExit}; ours exits 2 finding exactly {@code ruleId}. */
    Outcome assertChecks(Path img, int qemuExit, String ruleId) {
        Outcome q = CheckDifferentialTest.qemu(qemuImage(img, dir.resolve("img.data")));
        Outcome o = CheckDifferentialTest.ours(img);
        assertEquals(qemuExit, q.exitCode(), "qemu-img check: " + q.json());
        assertEquals(2, o.exitCode(), "ours: " + o.json());
        assertEquals(Set.of(ruleId), o.rules());
        return o;
    }

    @Test
    void aCompressedClusterIsACorruptionForBothAndUnreadable() {
        ImageFile f = new ImageFile(create("cluster_size=" + CLUSTER, "write -P 1 0 192k"));
        long e = f.l2Entry(1);
        f.putLong(f.l2EntryOffset(1), (e & ~L2Entry.COPIED) | L2Entry.COMPRESSED);
        Path data = dir.resolve("img.data");
        Outcome o = assertChecks(f.path, 2, "mapping.compressed.external-data-file");
        assertCountersEqual(CheckDifferentialTest.qemu(qemuImage(f.path, data)), o, Set.of());
        assertEquals(1, qemuConvert(f.path, data, dir.resolve("qemu.raw")).exitCode());
        assertConvertRefused(f.path, "mapping.compressed.external-data-file");
    }

    /** QEMU checks the data file offset only when reading (research/qemu-behaviour.md §3): its check passes. */
    @Test
    void aHostOffsetOtherThanTheGuestOffsetIsACorruptionAndUnreadable() {
        ImageFile f = new ImageFile(create("cluster_size=" + CLUSTER, "write -P 1 0 192k"));
        f.putLong(f.l2EntryOffset(1), f.l2Entry(2));
        assertChecks(f.path, 0, "mapping.data-file.host-offset-equals-guest");
        ProcessRunner.Result qc = qemuConvert(f.path, dir.resolve("img.data"), dir.resolve("qemu.raw"));
        assertEquals(1, qc.exitCode());
        assertTrue(qc.err().contains("does not match"), qc.err());
        assertConvertRefused(f.path, "mapping.data-file.host-offset-equals-guest");
    }

    /** QEMU refuses the combination when it creates or rebases an image, but opens and checks it. */
    @Test
    void aBackingFileWithRawExternalDataIsACorruption() {
        Path img = create("cluster_size=4096,data_file_raw=on", "write -P 1 0 4k");
        Qemu.img("create", "-q", "-f", "qcow2", dir.resolve("base.qcow2").toString(), "4M");
        ImageFile f = new ImageFile(img);
        byte[] name = "base.qcow2".getBytes(StandardCharsets.US_ASCII);
        long at = f.clusterSize() - 64; // after the header extensions, inside the first cluster
        f.write(at, name);
        f.putLong(8, at); // spec: Header, backing_file_offset and backing_file_size
        f.write(16, new byte[] {0, 0, 0, (byte) name.length});
        assertChecks(img, 0, "header.backing_file_offset.raw-external-data");
    }

    @Test
    void theRawBitWithoutADataFileIsRefusedAsQemuRefusesIt() {
        Path img = dir.resolve("plain.qcow2");
        Qemu.img("create", "-q", "-f", "qcow2", img.toString(), "1M");
        ImageFile f = new ImageFile(img);
        f.putLong(88, 1L << 1); // spec: Header, autoclear_features bit 1
        ProcessRunner.Result q = Qemu.run("qemu-img", "convert", "-O", "raw", img.toString(),
                dir.resolve("qemu.raw").toString());
        assertEquals(1, q.exitCode());
        assertTrue(q.err().contains("data-file-raw requires a data file"), q.err());
        assertConvertRefused(img, "header.autoclear_features.raw-data-without-data-file");
        Outcome o = CheckDifferentialTest.ours(img);
        assertEquals(Set.of("header.autoclear_features.raw-data-without-data-file"), o.rules());
    }
}
