package io.qcow2conformance.harness.write;

import com.fasterxml.jackson.databind.JsonNode;
import io.qcow2conformance.harness.cli.Json;
import io.qcow2conformance.harness.testkit.Qemu;
import io.qcow2conformance.model.write.Encryption;
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
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
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
 * Encrypted images are opened with the passphrase ({@code --object secret}, {@code --image-opts}).
 */
class SnapshotWriterDifferentialTest {
    private static final long CS = 512;
    /** The smallest cluster with extended L2 entries. */
    private static final long XL2 = 16 * 1024;
    private static final String PASSPHRASE = "snapshots";

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
                        .write(70 * CS, CS).build()),
                // spec: Cluster mapping > Compressed Clusters Descriptor: one run kept by both, one by the snapshot alone
                Named.of("compressed clusters kept and rewritten after a snapshot", ImageDescription.builder()
                        .clusterBits(9).virtualSize(16 * CS).writeCompressed(0, 3 * CS).write(3 * CS, CS)
                        .snapshot("1", "packed", 2).write(CS, CS).writeCompressed(3 * CS, CS).discard(2 * CS, CS)
                        .snapshot("2", "later", 3).write(0, CS).build()),
                Named.of("packed compressed clusters shared by two snapshots", ImageDescription.builder()
                        .clusterBits(9).virtualSize(8 * CS).packCompressed(true).writeCompressed(0, 4 * CS)
                        .snapshot("1", "a", 2).snapshot("2", "b", 3).write(2 * CS, CS).build()),
                // spec: Host cluster management: two guest clusters on one host cluster, in both tables
                Named.of("shared clusters before and after a snapshot", ImageDescription.builder()
                        .clusterBits(9).virtualSize(8 * CS).write(0, 2 * CS).share(3, 0).share(4, 1)
                        .snapshot("1", "s", 2).write(CS, CS).share(5, 1).write(6 * CS, CS).build()),
                // spec: Extended L2 Entries: the snapshot's own table keeps the bitmaps of the clusters it captured
                Named.of("extended L2 entries with a snapshot", ImageDescription.builder().clusterBits(14)
                        .virtualSize(4 * XL2).extendedL2(true).write(0, 4 * XL2 / 32).zero(8 * XL2 / 32, 2 * XL2 / 32, false)
                        .write(XL2, XL2).write(2 * XL2 + XL2 / 32, XL2 / 32).snapshot("1", "subclusters", 2)
                        .write(0, XL2).discard(2 * XL2, XL2).write(3 * XL2, XL2).build()),
                // spec: Data encryption: a snapshot's own clusters are encrypted as the active image's
                // (LUKS IVs from their own host sector)
                Named.of("LUKS with snapshots", ImageDescription.builder().clusterBits(9).virtualSize(8 * CS)
                        .encryption(Encryption.luks(PASSPHRASE).withCipher("cbc-essiv:sha256", 16))
                        .write(0, 3 * CS).zero(4 * CS, CS, true).snapshot("1", "s", 2).write(CS, CS)
                        .discard(4 * CS, CS).snapshot("2", "t", 3).write(2 * CS, CS).build()),
                Named.of("legacy AES with a snapshot", ImageDescription.builder().clusterBits(9).virtualSize(8 * CS)
                        .encryption(Encryption.aes(PASSPHRASE)).write(0, 3 * CS).snapshot("1", "s", 2)
                        .write(CS, 2 * CS).build()));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("images")
    void qemuReadsEverySnapshotAsDescribed(ImageDescription d) throws IOException {
        Qemu.require("qemu-img");
        Path image = dir.resolve("image.qcow2");
        Qcow2Writer.write(d, image);
        WriterDifferentialTest.assertCheckClean(opened(d, image));
        JsonNode info = Json.MAPPER.readTree(Qemu.img("info", "--output=json", image.toString()).out());
        assertEquals(d.snapshots().size(), info.path("snapshots").size(), info.toString());
        GuestContent content = GuestContent.of(d);
        assertArrayEquals(all(content), Files.readAllBytes(raw(d, image, dir.resolve("active.raw"))));
        for (int i = 0; i < d.snapshots().size(); i++) {
            InternalSnapshot s = d.snapshots().get(i);
            assertEquals(s.id(), info.path("snapshots").get(i).path("id").asText());
            assertEquals(s.name(), info.path("snapshots").get(i).path("name").asText());
            byte[] want = all(content.snapshot(i));
            byte[] viaL = Files.readAllBytes(raw(d, image, dir.resolve(i + "-l.raw"), "-l", "snapshot.id=" + s.id()));
            int common = Math.min(want.length, viaL.length);
            assertArrayEquals(Arrays.copyOf(want, common), Arrays.copyOf(viaL, common), "convert -l " + s.name());
            assertArrayEquals(new byte[viaL.length - common], Arrays.copyOfRange(viaL, common, viaL.length),
                    "convert -l reads zeros past the snapshot's end");
            Path copy = Files.copy(image, dir.resolve(i + "-applied.qcow2"), StandardCopyOption.REPLACE_EXISTING);
            Qemu.img(command(List.of("snapshot", "-a", s.id()), opened(d, copy)));
            assertArrayEquals(want, Files.readAllBytes(raw(d, copy, dir.resolve(i + "-a.raw"))),
                    "snapshot -a " + s.name());
        }
    }

    /** The arguments that name the image to qemu-img: with the passphrase when it is encrypted. */
    private static String[] opened(ImageDescription d, Path image) {
        if (d.encryption() == null) {
            return new String[] {image.toString()};
        }
        return new String[] {"--object", "secret,id=sec0,data=" + PASSPHRASE, "--image-opts",
                "driver=qcow2,file.filename=" + image + ",encrypt.key-secret=sec0"};
    }

    /** {@code qemu-img convert [OPTIONS] -O raw IMAGE OUT}. */
    private static Path raw(ImageDescription d, Path image, Path out, String... options) {
        List<String> args = new ArrayList<>(List.of("convert"));
        args.addAll(List.of(options));
        args.addAll(List.of("-O", "raw"));
        Qemu.img(command(args, opened(d, image), out.toString()));
        return out;
    }

    private static String[] command(List<String> head, String[] image, String... tail) {
        List<String> args = new ArrayList<>(head);
        args.addAll(List.of(image));
        args.addAll(List.of(tail));
        return args.toArray(String[]::new);
    }

    private static byte[] all(GuestContent c) {
        byte[] b = new byte[(int) c.description().virtualSize()];
        c.read(0, b, 0, b.length);
        return b;
    }
}
