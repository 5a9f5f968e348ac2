package io.qcow2conformance.harness.info;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.qcow2conformance.harness.testkit.Cli;
import io.qcow2conformance.harness.testkit.Qemu;
import io.qcow2conformance.harness.process.ProcessRunner;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.TreeSet;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code info --output=json} against {@code qemu-img info --output=json} on images made by
 * {@code qemu-img create}. Compared field by field, present in both or in neither:
 * {@link #SHARED_TOP_LEVEL}, {@code format-specific.type} and every key of
 * {@code format-specific.data} (compat, compression-type, lazy-refcounts, refcount-bits,
 * corrupt, extended-l2, data-file, data-file-raw as QEMU emits them; of {@code encrypt}
 * only {@code format}). Not compared: {@code actual-size} (host allocation, which the kit
 * does not report) and the LUKS header details QEMU adds under {@code encrypt}.
 */
class InfoAgainstQemuTest {
    static final List<String> SHARED_TOP_LEVEL = List.of("virtual-size", "filename", "cluster-size", "format",
            "dirty-flag", "encrypted", "backing-filename", "full-backing-filename", "backing-filename-format");
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final String SIZE = "4M";

    @TempDir
    Path dir;

    static Stream<Arguments> createOptions() {
        return Stream.of(
                Arguments.of("v2", "compat=0.10"),
                Arguments.of("v2 small clusters", "compat=0.10,cluster_size=512"),
                Arguments.of("v3 512-byte clusters", "cluster_size=512"),
                Arguments.of("v3 2 MiB clusters, 1-bit refcounts", "cluster_size=2M,refcount_bits=1"),
                Arguments.of("64-bit refcounts, lazy refcounts", "refcount_bits=64,lazy_refcounts=on"),
                Arguments.of("8-bit refcounts, 4 KiB clusters", "refcount_bits=8,cluster_size=4k"),
                Arguments.of("zstd", "compression_type=zstd"),
                Arguments.of("extended L2", "extended_l2=on,cluster_size=64k"),
                Arguments.of("backing file with format", "backing_file=base.qcow2,backing_fmt=qcow2"),
                Arguments.of("v2 backing file, raw", "compat=0.10,backing_file=base.raw,backing_fmt=raw"),
                Arguments.of("external data file", "data_file=DIR/data.raw"),
                Arguments.of("raw external data file", "data_file=DIR/data.raw,data_file_raw=on"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("createOptions")
    void sharedFieldsAgreeWithQemu(String name, String options) throws IOException {
        Qemu.require("qemu-img");
        Qemu.img("create", "-q", "-f", "qcow2", dir.resolve("base.qcow2").toString(), "1M");
        Qemu.img("create", "-q", "-f", "raw", dir.resolve("base.raw").toString(), "1M");
        Path image = dir.resolve("image.qcow2");
        Qemu.img("create", "-q", "-f", "qcow2", "-o", options.replace("DIR", dir.toString()), image.toString(), SIZE);
        List<String> compared = assertAgree(image);
        assertTrue(compared.contains("format-specific.data.compat") && compared.contains("virtual-size"), compared::toString);
        if (options.contains("backing_file")) {
            assertTrue(compared.contains("backing-filename-format") && compared.contains("full-backing-filename"),
                    compared::toString);
        }
    }

    @Test
    void luksEncryptedImage() throws IOException {
        Qemu.require("qemu-img");
        Path image = dir.resolve("luks.qcow2");
        Qemu.img("create", "-q", "-f", "qcow2", "--object", "secret,id=sec0,data=test",
                "-o", "encrypt.format=luks,encrypt.key-secret=sec0,encrypt.iter-time=10,cluster_size=4k",
                image.toString(), "1M");
        List<String> compared = assertAgree(image);
        assertTrue(compared.contains("encrypted") && compared.contains("format-specific.data.encrypt.format"),
                compared::toString);
        JsonNode ext = ourInfo(image).get("qcow2-conformance").get("header-extensions");
        assertTrue(ext.findValuesAsText("kind").contains("full-disk-encryption"), ext::toString);
    }

    @Test
    void missingBackingFileIsNamedNotOpened() throws IOException {
        Qemu.require("qemu-img");
        Path base = dir.resolve("gone.qcow2");
        Qemu.img("create", "-q", "-f", "qcow2", base.toString(), "1M");
        Path image = dir.resolve("child.qcow2");
        Qemu.img("create", "-q", "-f", "qcow2", "-b", "gone.qcow2", "-F", "qcow2", image.toString(), "1M");
        Files.delete(base);
        List<String> compared = assertAgree(image);
        assertTrue(compared.contains("backing-filename"), compared::toString);
    }

    /**
     * A size that is not a multiple of 512: we report the header's value (spec: Header, size);
     * QEMU reports it rounded down to whole sectors, which we give as an extra.
     */
    @Test
    void virtualSizeIsTheHeadersValueAndQemusRoundedValueIsAnExtra() throws IOException {
        Qemu.require("qemu-img");
        Path image = dir.resolve("odd.qcow2");
        Qemu.img("create", "-q", "-f", "qcow2", image.toString(), "1M");
        long size = (1 << 20) - 100;
        try (RandomAccessFile f = new RandomAccessFile(image.toFile(), "rw")) {
            f.seek(24); // spec: Header, bytes 24-31: size
            f.writeLong(size);
        }
        JsonNode qemu = qemuInfo(image);
        JsonNode ours = ourInfo(image);
        assertEquals(size, ours.get("virtual-size").asLong());
        assertNotEquals(size, qemu.get("virtual-size").asLong());
        assertEquals(qemu.get("virtual-size"), ours.get("qcow2-conformance").get("virtual-size-qemu"));
    }

    @Test
    void humanOutputNamesWhatQemuNames() throws IOException {
        Qemu.require("qemu-img");
        Qemu.img("create", "-q", "-f", "qcow2", dir.resolve("base.qcow2").toString(), "1M");
        Path image = dir.resolve("image.qcow2");
        Qemu.img("create", "-q", "-f", "qcow2", "-b", "base.qcow2", "-F", "qcow2", "-o", "cluster_size=4k",
                image.toString(), "3M");
        String qemu = Qemu.img("info", "-f", "qcow2", image.toString()).out();
        Cli.Result ours = Cli.run("info", image.toString());
        assertEquals(0, ours.exitCode(), ours.err());
        for (String line : qemu.lines().toList()) {
            if (line.startsWith("virtual size:") || line.startsWith("cluster_size:") || line.startsWith("backing file")
                    || line.startsWith("image:") || line.startsWith("file format:")) {
                assertTrue(ours.out().lines().anyMatch(line::equals), () -> "missing '" + line + "' in\n" + ours.out());
            }
        }
    }

    @Test
    void badMagicIsAOneLineErrorNamingTheRule() throws IOException {
        Path image = corrupted(f -> {
            f.seek(0); // spec: Header, bytes 0-3: magic
            f.write(new byte[] {'Q', 'F', 'I', 0});
        });
        assertRefused(image, "header.magic");
    }

    @Test
    void unknownIncompatibleBitIsAOneLineErrorNamingTheRule() throws IOException {
        Path image = corrupted(f -> {
            f.seek(72); // spec: Header, bytes 72-79: incompatible_features; bits 5-63 are reserved
            long bits = f.readLong();
            f.seek(72);
            f.writeLong(bits | 1L << 5);
        });
        assertRefused(image, "header.incompatible_features.unknown");
    }

    @Test
    void truncatedHeaderIsAOneLineErrorNamingTheRule() throws IOException {
        Path image = corrupted(f -> f.setLength(50)); // version 3 needs at least 104 bytes
        assertRefused(image, "file.structure-in-bounds");
    }

    interface Poke {
        void apply(RandomAccessFile f) throws IOException;
    }

    private Path corrupted(Poke poke) throws IOException {
        Qemu.require("qemu-img");
        Path image = dir.resolve("broken.qcow2");
        Qemu.img("create", "-q", "-f", "qcow2", image.toString(), "1M");
        try (RandomAccessFile f = new RandomAccessFile(image.toFile(), "rw")) {
            poke.apply(f);
        }
        return image;
    }

    private static void assertRefused(Path image, String ruleId) {
        ProcessRunner.Result qemu = Qemu.run("qemu-img", "info", "-f", "qcow2", image.toString());
        assertNotEquals(0, qemu.exitCode(), "QEMU opened the broken image too: " + qemu.out());
        for (String format : List.of("human", "json")) {
            Cli.Result ours = Cli.run("info", "--output=" + format, image.toString());
            assertEquals(1, ours.exitCode(), ours.err());
            assertEquals("", ours.out());
            List<String> lines = ours.err().lines().toList();
            assertEquals(1, lines.size(), ours.err());
            assertTrue(lines.get(0).contains(ruleId), lines.get(0));
            assertTrue(lines.get(0).contains("offset 0x"), lines.get(0));
        }
    }

    private static JsonNode qemuInfo(Path image) throws IOException {
        return MAPPER.readTree(Qemu.img("info", "--output=json", "-f", "qcow2", image.toString()).out());
    }

    private static JsonNode ourInfo(Path image) throws IOException {
        Cli.Result r = Cli.run("info", "--output=json", image.toString());
        assertEquals(0, r.exitCode(), r.err());
        return MAPPER.readTree(r.out());
    }

    /** Compares every shared field; returns the paths of the fields compared. */
    private static List<String> assertAgree(Path image) throws IOException {
        JsonNode qemu = qemuInfo(image);
        JsonNode ours = ourInfo(image);
        List<String> compared = new ArrayList<>();
        for (String field : SHARED_TOP_LEVEL) {
            assertEquals(qemu.has(field), ours.has(field), () -> field + ": qemu " + qemu + "\nours " + ours);
            if (qemu.has(field)) {
                assertEquals(qemu.get(field), ours.get(field), field);
                compared.add(field);
            }
        }
        JsonNode qs = qemu.get("format-specific");
        JsonNode os = ours.get("format-specific");
        assertEquals(qs.get("type"), os.get("type"));
        compared.add("format-specific.type");
        JsonNode qd = qs.get("data");
        JsonNode od = os.get("data");
        assertEquals(names(qd), names(od), "format-specific.data keys");
        for (Iterator<String> it = qd.fieldNames(); it.hasNext(); ) {
            String k = it.next();
            if (k.equals("encrypt")) {
                // QEMU adds the LUKS header's contents; the kit names the method only
                assertEquals(qd.get(k).get("format"), od.get(k).get("format"), "format-specific.data.encrypt.format");
                compared.add("format-specific.data.encrypt.format");
            } else {
                assertEquals(qd.get(k), od.get(k), "format-specific.data." + k);
                compared.add("format-specific.data." + k);
            }
        }
        return compared;
    }

    private static TreeSet<String> names(JsonNode n) {
        TreeSet<String> s = new TreeSet<>();
        n.fieldNames().forEachRemaining(s::add);
        return s;
    }
}
