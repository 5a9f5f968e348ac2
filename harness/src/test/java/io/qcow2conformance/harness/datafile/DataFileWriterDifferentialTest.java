package io.qcow2conformance.harness.datafile;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.qcow2conformance.harness.adapter.Implementation;
import io.qcow2conformance.harness.adapter.QemuAdapter;
import io.qcow2conformance.harness.adapter.Status;
import io.qcow2conformance.harness.check.CheckDifferentialTest;
import io.qcow2conformance.harness.check.CheckDifferentialTest.Outcome;
import io.qcow2conformance.harness.cli.Json;
import io.qcow2conformance.harness.process.ProcessRunner;
import io.qcow2conformance.harness.testkit.Qemu;
import io.qcow2conformance.model.bitmap.Range;
import io.qcow2conformance.model.write.Extension;
import io.qcow2conformance.model.write.ExternalDataFile;
import io.qcow2conformance.model.write.GuestContent;
import io.qcow2conformance.model.write.ImageDescription;
import io.qcow2conformance.model.write.PersistentBitmap;
import io.qcow2conformance.model.write.Qcow2Writer;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * Images with an external data file written by the kit's writer, judged by the real QEMU:
 * {@code qemu-img check} finds them clean (the image file's refcounts cover its metadata
 * only), {@code qemu-img info} reports the stored name and raw bit, and {@code qemu-img
 * convert} reads exactly the guest content the description implies ({@link GuestContent}).
 * QEMU is given the data file explicitly ({@code --image-opts}), as in
 * {@link DataFileDifferentialTest}; the last test checks that the runner's QEMU adapter finds
 * it next to the image by itself.
 */
class DataFileWriterDifferentialTest {
    @TempDir
    Path dir;

    @BeforeEach
    void tools() {
        Qemu.require("qemu-img");
    }

    /** Cluster 0 whole (host offset 0), a partial write, zero, preallocated zero, discarded and a second L2 table. */
    private static ImageDescription.Builder mixed(int clusterBits, long clusters) {
        long cs = 1L << clusterBits;
        return ImageDescription.builder().clusterBits(clusterBits).virtualSize(clusters * cs)
                .write(0, cs).write(cs + cs / 4, cs / 2).zero(3 * cs, cs, false).zero(4 * cs, cs, true)
                .write(5 * cs, cs).discard(5 * cs, cs).write((clusters - 1) * cs + 7, 100);
    }

    static Stream<Named<ImageDescription>> images() {
        ImageDescription base = ImageDescription.builder().clusterBits(12).virtualSize(48 << 10).layer(1)
                .write(0, 48 << 10).build();
        return Stream.of(
                Named.of("512 B clusters, 2 L2 tables", mixed(9, 80)
                        .dataFile(ExternalDataFile.of("image.data", false)).build()),
                Named.of("512 B clusters, raw", mixed(9, 80).dataFile(ExternalDataFile.of("image.data", true)).build()),
                Named.of("64 KiB clusters", mixed(16, 8).dataFile(ExternalDataFile.of("image.data", false)).build()),
                Named.of("64 KiB clusters, raw, 1-bit refcounts", mixed(16, 8).refcountOrder(0)
                        .dataFile(ExternalDataFile.of("image.data", true)).build()),
                Named.of("data file ending at its last cluster", ImageDescription.builder().clusterBits(12)
                        .virtualSize(64 << 10).write(4096, 9000)
                        .dataFile(ExternalDataFile.of("image.data", false).withEndsAtLastCluster(true)).build()),
                Named.of("backing file under a data file image", mixed(12, 12).layer(2)
                        .backing("base.qcow2", base).extension(Extension.backingFormat("qcow2"))
                        .dataFile(ExternalDataFile.of("image.data", false)).build()),
                Named.of("persistent bitmap with a data file", mixed(12, 12)
                        .bitmap(PersistentBitmap.of("b0", 12, List.of(new Range(4096, 8192))))
                        .dataFile(ExternalDataFile.of("image.data", true)).build()));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("images")
    void qemuChecksAndReadsTheWrittenImageAsDescribed(ImageDescription d) throws IOException {
        Path image = dir.resolve("image.qcow2");
        Qcow2Writer.writeChain(d, image);
        Path data = dir.resolve(d.dataFile().name());
        String[] opts = DataFileDifferentialTest.qemuImage(image, data);

        Outcome check = CheckDifferentialTest.qemu(opts);
        assertEquals(0, check.exitCode(), check.json().toString());
        assertEquals(0, check.counter("corruptions") + check.counter("leaks") + check.counter("check-errors"),
                check.json().toString());

        ProcessRunner.Result info = Qemu.run("qemu-img", "info", "--output=json", "-f", "qcow2", image.toString());
        JsonNode specific = Json.MAPPER.readTree(info.out()).path("format-specific").path("data");
        assertEquals("image.data", specific.path("data-file").asText(), info.out());
        assertEquals(d.dataFile().raw(), specific.path("data-file-raw").asBoolean(), info.out());

        Path theirs = dir.resolve("qemu.raw");
        ProcessRunner.Result convert = DataFileDifferentialTest.qemuConvert(image, data, theirs);
        assertEquals(0, convert.exitCode(), convert.err());
        assertArrayEquals(guest(d), Files.readAllBytes(theirs));
    }

    /** QEMU 7.2 looks for a relative data file name in its working directory; the adapter runs it in the image's. */
    @Test
    void theQemuAdapterFindsTheDataFileNextToTheImage() throws IOException {
        ImageDescription d = mixed(9, 16).dataFile(ExternalDataFile.of("image.data", false)).build();
        Path image = Files.createDirectories(dir.resolve("corpus")).resolve("image.qcow2");
        Qcow2Writer.writeChain(d, image);
        Path relative = Path.of("").toAbsolutePath().relativize(image);

        ProcessRunner.Result plain = Qemu.run("qemu-img", "check", relative.toString());
        assertEquals(1, plain.exitCode(), "qemu-img started elsewhere should not find image.data: " + plain.out());
        assertTrue(plain.err().contains("image.data"), plain.err());

        QemuAdapter qemu = new QemuAdapter(Duration.ofSeconds(60));
        assertEquals(Status.OK, qemu.open(relative).status());
        Implementation.Result check = qemu.check(relative);
        assertEquals(Status.OK, check.status(), check.detail());
        assertEquals(0, check.exitCode(), check.detail());
        Path out = dir.resolve("adapter.raw");
        Implementation.Result read = qemu.readGuest(relative, Optional.empty(), out);
        assertEquals(Status.OK, read.status(), read.detail());
        assertArrayEquals(guest(d), Files.readAllBytes(out));
    }

    private static byte[] guest(ImageDescription d) throws IOException {
        try (InputStream in = GuestContent.of(d).stream()) {
            return in.readAllBytes();
        }
    }
}
