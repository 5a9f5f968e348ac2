package io.qcow2conformance.harness.write;

import com.fasterxml.jackson.databind.JsonNode;
import io.qcow2conformance.harness.cli.Json;
import io.qcow2conformance.harness.testkit.Qemu;
import io.qcow2conformance.model.write.GuestContent;
import io.qcow2conformance.model.write.ImageDescription;
import io.qcow2conformance.model.write.InternalSnapshot;
import io.qcow2conformance.model.write.Qcow2Writer;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Arrays;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Internal snapshots written by the model's writer against the real QEMU: {@code qemu-img
 * check} finds the image clean (so shared clusters have exact refcounts and the copied flags
 * QEMU expects), {@code qemu-img info} lists the snapshots with their IDs and names,
 * {@code qemu-img convert} gives the active content and {@code qemu-img snapshot -a} on a
 * copy, then {@code convert}, gives each snapshot's content, all as the description implies
 * ({@link GuestContent}). {@code convert -l snapshot.id=...} keeps the active image's size
 * (see {@code SnapshotDisk}): it must agree up to the shorter size and read zeros past it.
 */
class SnapshotWriterDifferentialTest {
    private static final long CS = 512;

    @TempDir
    Path dir;

    static Stream<Named<ImageDescription>> images() {
        return Stream.of(
                Named.of("two snapshots, clusters shared and rewritten", ImageDescription.builder().clusterBits(9)
                        .virtualSize(32 * CS).refcountOrder(3).write(0, 3 * CS + 100).zero(5 * CS, CS, true)
                        .snapshot("1", "first", 2).write(CS, CS).zero(2 * CS, CS, false).write(10 * CS, 2 * CS)
                        .snapshot("2", "second", 3).write(0, CS).build()),
                Named.of("version 2, no extra data", ImageDescription.builder().version(2).clusterBits(10)
                        .virtualSize(64 * 1024).write(0, 4096)
                        .snapshot(InternalSnapshot.of("1", "v2", 1, 2).withExtraData(0)).write(1024, 1024).build()),
                Named.of("snapshot smaller than the active disk, unknown extra data", ImageDescription.builder()
                        .clusterBits(9).virtualSize(300 * CS).write(0, 4 * CS)
                        .snapshot(InternalSnapshot.of("1", "small", 1, 2).withVirtualSize(8 * CS))
                        .write(250 * CS, CS)
                        .snapshot(InternalSnapshot.of("2", "extra", 2, 3).withExtraData(64))
                        .write(2 * CS, CS).build()),
                // L2 table 0 is the same in the snapshots and the active image (shared, refcount 5);
                // L2 table 1 differs after the last write (each snapshot has its own)
                Named.of("four snapshots sharing one L2 table with the active image", ImageDescription.builder()
                        .clusterBits(9).virtualSize(128 * CS).write(0, CS).write(70 * CS, CS)
                        .snapshot("1", "a", 2).snapshot("2", "b", 3).snapshot("3", "c", 4).snapshot("4", "d", 5)
                        .write(70 * CS, CS).build()));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("images")
    void qemuReadsEverySnapshotAsDescribed(ImageDescription d) throws IOException {
        Qemu.require("qemu-img");
        Path image = dir.resolve("image.qcow2");
        Qcow2Writer.write(d, image);
        WriterDifferentialTest.assertCheckClean(image);
        JsonNode info = Json.MAPPER.readTree(Qemu.img("info", "--output=json", image.toString()).out());
        assertEquals(d.snapshots().size(), info.path("snapshots").size(), info.toString());
        GuestContent content = GuestContent.of(d);
        assertArrayEquals(all(content), Files.readAllBytes(Qemu.convertToRaw(image, dir.resolve("active.raw"))));
        for (int i = 0; i < d.snapshots().size(); i++) {
            InternalSnapshot s = d.snapshots().get(i);
            assertEquals(s.id(), info.path("snapshots").get(i).path("id").asText());
            assertEquals(s.name(), info.path("snapshots").get(i).path("name").asText());
            byte[] want = all(content.snapshot(i));
            byte[] viaL = Files.readAllBytes(Qemu.convertToRaw(image, dir.resolve(i + "-l.raw"),
                    "-l", "snapshot.id=" + s.id()));
            int common = Math.min(want.length, viaL.length);
            assertArrayEquals(Arrays.copyOf(want, common), Arrays.copyOf(viaL, common), "convert -l " + s.name());
            assertArrayEquals(new byte[viaL.length - common], Arrays.copyOfRange(viaL, common, viaL.length),
                    "convert -l reads zeros past the snapshot's end");
            Path copy = Files.copy(image, dir.resolve(i + "-applied.qcow2"), StandardCopyOption.REPLACE_EXISTING);
            Qemu.img("snapshot", "-a", s.id(), copy.toString());
            assertArrayEquals(want, Files.readAllBytes(Qemu.convertToRaw(copy, dir.resolve(i + "-a.raw"))),
                    "snapshot -a " + s.name());
        }
    }

    private static byte[] all(GuestContent c) {
        byte[] b = new byte[(int) c.description().virtualSize()];
        c.read(0, b, 0, b.length);
        return b;
    }
}
