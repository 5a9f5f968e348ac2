package io.qcow2conformance.harness.write;

import com.fasterxml.jackson.databind.JsonNode;
import io.qcow2conformance.harness.cli.Json;
import io.qcow2conformance.harness.process.ProcessRunner;
import io.qcow2conformance.harness.testkit.Qemu;
import io.qcow2conformance.model.extensions.HeaderExtension.FeatureName;
import io.qcow2conformance.model.write.Compression;
import io.qcow2conformance.model.write.Extension;
import io.qcow2conformance.model.write.GuestContent;
import io.qcow2conformance.model.write.ImageDescription;
import io.qcow2conformance.model.write.ImageDescription.BackingPlacement;
import io.qcow2conformance.model.write.Qcow2Writer;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Differential test of the writer against real QEMU: for each description, the written
 * image (and its backing chain) passes {@code qemu-img check} with no corruption and no
 * leak, and {@code qemu-img convert -O raw} gives exactly the content the description
 * implies ({@link GuestContent}: pattern, zeros and backing data), byte for byte.
 */
class WriterDifferentialTest {
    @TempDir
    Path dir;

    /** A few clusters of every kind: partial and whole writes, zeros, compressed, discarded. */
    private static ImageDescription.Builder mixed(int clusterBits, long clusters) {
        long cs = 1L << clusterBits;
        return ImageDescription.builder()
                .clusterBits(clusterBits)
                .virtualSize(clusters * cs)
                .write(0, cs)                         // normal
                .write(cs + cs / 4, cs / 2)           // partial: the rest reads as zeros
                .writeCompressed(2 * cs, 2 * cs)      // two compressed clusters
                .write(5 * cs, cs)
                .discard(5 * cs, cs);                  // back to unallocated
    }

    private static ImageDescription.Builder withZeros(ImageDescription.Builder b, int clusterBits) {
        long cs = 1L << clusterBits;
        return b.write(6 * cs, cs).zero(6 * cs, cs, false).zero(7 * cs, cs, true);
    }

    static Stream<Named<ImageDescription>> images() {
        long k = 1024;
        ImageDescription base = ImageDescription.builder()
                .clusterBits(12).virtualSize(24 * k).layer(1)
                .write(0, 16 * k).writeCompressed(16 * k, 4 * k).build();
        ImageDescription overlay = ImageDescription.builder()
                .clusterBits(9).virtualSize(32 * k).layer(2)
                .backing("base.qcow2", base).extension(Extension.backingFormat("qcow2"))
                .write(100, 300)               // partial: COW keeps the backing bytes around it
                .write(4 * k, 1 * k)
                .zero(8 * k, 2 * k, false)     // zero over backing data
                .zero(10 * k, 512, true)
                .writeCompressed(12 * k, 512)
                .write(20 * k + 7, 5 * k)      // runs past the backing's end
                .build();
        return Stream.of(
                Named.of("512 B clusters, 2 L2 tables", withZeros(mixed(9, 80), 9).write(70 * 512, 4096).build()),
                Named.of("4 KiB clusters", withZeros(mixed(12, 8), 12).build()),
                Named.of("64 KiB clusters", withZeros(mixed(16, 8), 16).build()),
                Named.of("2 MiB clusters", withZeros(mixed(21, 8), 21).build()),
                Named.of("refcount_order 0", withZeros(mixed(12, 8), 12).refcountOrder(0).build()),
                Named.of("refcount_order 6", withZeros(mixed(12, 8), 12).refcountOrder(6).build()),
                Named.of("refcount_order 3", withZeros(mixed(12, 8), 12).refcountOrder(3).build()),
                Named.of("version 2", mixed(12, 8).version(2).build()),
                Named.of("header_length 104", withZeros(mixed(12, 8), 12).headerLength(104).build()),
                Named.of("header_length 120 with unknown field bytes", withZeros(mixed(12, 8), 12).headerLength(120)
                        .additionalFields(new byte[] {0, 0, 0, 0, 0, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8}).build()),
                Named.of("zstd", withZeros(mixed(12, 8), 12).compression(Compression.ZSTD).build()),
                Named.of("zstd packed at odd offsets", mixed(16, 8).compression(Compression.ZSTD).packCompressed(true)
                        .writeCompressed(6 * 65536, 2 * 65536).build()),
                Named.of("deflate packed, 512 B clusters", mixed(9, 16).packCompressed(true)
                        .writeCompressed(6 * 512, 10 * 512).build()),
                Named.of("compressed tail past end of file", mixed(12, 8).packCompressed(true)
                        .truncateCompressedTail(true).build()),
                Named.of("shared cluster, refcount 2, no copied flag", mixed(12, 8).share(6, 0).share(7, 0).build()),
                Named.of("lazy refcounts, dirty, unknown compatible and autoclear bits, extensions",
                        withZeros(mixed(12, 8), 12).lazyRefcounts(true).dirty(true)
                                .compatibleFeatures(1L << 40).autoclearFeatures(1L << 33)
                                .extension(Extension.raw(0x12345678L, new byte[] {1, 2, 3}))
                                .extension(Extension.featureNameTable(List.of(
                                        new FeatureName(FeatureName.INCOMPATIBLE, 0, "dirty bit"),
                                        new FeatureName(FeatureName.COMPATIBLE, 0, "lazy refcounts"))))
                                .extension(Extension.raw(0x12345678L, new byte[0]))
                                .build()),
                Named.of("backing chain, 512 B overlay over 4 KiB base", overlay),
                Named.of("backing name ending at the first cluster's end", overlay.toBuilder()
                        .backingPlacement(BackingPlacement.END_OF_FIRST_CLUSTER).build()),
                Named.of("three-level chain, 64 KiB top", ImageDescription.builder().clusterBits(16)
                        .virtualSize(64 * k).layer(3).backing("mid.qcow2", overlay)
                        .extension(Extension.backingFormat("qcow2")).write(30 * k, 100).build()),
                Named.of("version 2 overlay", ImageDescription.builder().version(2).clusterBits(12)
                        .virtualSize(16 * k).backing("base.qcow2", base).layer(3).write(1000, 5000).build()));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("images")
    void qemuAgreesWithTheDescription(ImageDescription d) throws IOException {
        Qemu.require("qemu-img");
        Path image = dir.resolve("image.qcow2");
        Qcow2Writer.writeChain(d, image);
        Path file = image;
        for (ImageDescription layer = d; layer != null; layer = layer.backing()) {
            assertCheckClean(file);
            if (layer.backingFileName() != null) {
                file = file.resolveSibling(layer.backingFileName());
            }
        }
        Path raw = Qemu.convertToRaw(image, dir.resolve("image.raw"), "-f", "qcow2");
        assertEquals(d.virtualSize(), Files.size(raw), "raw size");
        try (InputStream expected = GuestContent.of(d).stream(); InputStream actual = Files.newInputStream(raw)) {
            byte[] e = new byte[1 << 16];
            byte[] a = new byte[1 << 16];
            for (long offset = 0; offset < d.virtualSize(); offset += e.length) {
                int n = (int) Math.min(e.length, d.virtualSize() - offset);
                assertEquals(n, expected.readNBytes(e, 0, n));
                assertEquals(n, actual.readNBytes(a, 0, n));
                int at = Arrays.mismatch(e, 0, n, a, 0, n);
                if (at >= 0) {
                    fail(String.format("guest byte at 0x%x: qemu-img convert gives 0x%02x, the description 0x%02x",
                            offset + at, a[at], e[at]));
                }
            }
        }
    }

    static void assertCheckClean(Path file) throws IOException {
        assertCheckClean("-f", "qcow2", file.toString());
    }

    /** {@code qemu-img check} of the image {@code image} names (e.g. with {@code --object} and {@code --image-opts}) finds nothing. */
    static void assertCheckClean(String... image) throws IOException {
        List<String> args = new ArrayList<>(List.of("check", "--output=json"));
        args.addAll(List.of(image));
        ProcessRunner.Result r = Qemu.run("qemu-img", args.toArray(String[]::new));
        JsonNode j = Json.MAPPER.readTree(r.out().isBlank() ? "{}" : r.out());
        String what = image[image.length - 1] + ": exit " + r.exitCode() + " " + r.out() + r.err();
        assertEquals(0, r.exitCode(), what);
        assertEquals(0, j.path("corruptions").asInt(0), what);
        assertEquals(0, j.path("leaks").asInt(0), what);
        assertEquals(0, j.path("check-errors").asInt(-1), what);
    }
}
