package io.qcow2conformance.harness.write;

import io.qcow2conformance.harness.process.ProcessRunner;
import io.qcow2conformance.harness.testkit.Qemu;
import io.qcow2conformance.model.image.Limits;
import io.qcow2conformance.model.io.BigEndian;
import io.qcow2conformance.model.read.BackingChain;
import io.qcow2conformance.model.read.Qcow2Disk;
import io.qcow2conformance.model.write.GuestContent;
import io.qcow2conformance.model.write.GuestOp;
import io.qcow2conformance.model.write.GuestPattern;
import io.qcow2conformance.model.write.ImageDescription;
import io.qcow2conformance.model.write.Qcow2Writer;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Extended L2 entries (spec: Extended L2 Entries), our writer and our expected content
 * against the real QEMU. Each description is played twice: written by our writer, and
 * replayed on an image made by {@code qemu-img create -o extended_l2=on} with {@code qemu-io}
 * ({@code write -s} of the pattern bytes, {@code write -z}, {@code write -c}), over the same
 * backing file. Both images must pass {@code qemu-img check}; {@code qemu-img convert -O raw}
 * of both must equal {@link GuestContent} of the description, and so must our reader on the
 * image QEMU made. For these operations QEMU also writes the same subcluster bitmaps as our
 * writer and gives the same entries a host cluster, so the L2 entries are compared too.
 */
class ExtendedL2DifferentialTest {
    @TempDir
    Path dir;

    static Stream<Named<ImageDescription>> descriptions() {
        long k = 1024;
        long cs16 = 16 * k;
        long sc16 = cs16 / 32;
        ImageDescription alone = ImageDescription.builder().clusterBits(14).virtualSize(4 * cs16).extendedL2(true)
                .write(0, 4 * sc16)                      // subclusters 0-3
                .zero(8 * sc16, 2 * sc16, false)          // 8-9 zero, the rest unallocated
                .write(20 * sc16, sc16)                   // one more, after a gap
                .write(cs16, cs16)                        // a whole cluster
                .zero(2 * cs16 + 16 * sc16, 16 * sc16, false)
                .writeCompressed(3 * cs16, cs16)
                .build();
        ImageDescription base = ImageDescription.builder().clusterBits(12).virtualSize(128 * k).layer(1)
                .write(0, 128 * k).build();
        long cs32 = 32 * k;
        long sc32 = cs32 / 32;
        ImageDescription overBacking = ImageDescription.builder().clusterBits(15).virtualSize(4 * cs32).layer(2)
                .extendedL2(true).backing("base.qcow2", base)
                .write(sc32, sc32)                        // single subclusters between backing data
                .write(3 * sc32, 2 * sc32)
                .zero(6 * sc32, 3 * sc32, false)          // zeros hiding backing data
                .write(31 * sc32, sc32)
                .write(cs32, cs32)
                .zero(cs32 + 5 * sc32, sc32, false)       // a zero subcluster inside an allocated cluster
                .writeCompressed(2 * cs32, cs32)
                .write(3 * cs32, cs32)
                .zero(3 * cs32, cs32, true)               // zeros over backing data, keeping the host cluster
                .build();
        long cs2m = 2048 * k;
        long sc2m = cs2m / 32;
        ImageDescription large = ImageDescription.builder().clusterBits(21).virtualSize(2 * cs2m).extendedL2(true)
                .write(5 * sc2m, 2 * sc2m).zero(10 * sc2m, sc2m, false).write(cs2m + 31 * sc2m, sc2m).build();
        return Stream.of(Named.of("16 KiB clusters, no backing file", alone),
                Named.of("32 KiB clusters over a qcow2 backing file", overBacking),
                Named.of("2 MiB clusters (64 KiB subclusters)", large));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("descriptions")
    void ourImageAndQemusImageReadAsTheDescriptionSays(ImageDescription d) throws IOException {
        Qemu.require("qemu-img");
        Qemu.require("qemu-io");
        byte[] expected;
        try (InputStream in = GuestContent.of(d).stream()) {
            expected = in.readAllBytes();
        }
        Path ours = dir.resolve("ours.qcow2");
        Qcow2Writer.writeChain(d, ours);
        assertCheckClean(ours);
        assertSame(expected, Qemu.convertToRaw(ours, dir.resolve("ours.raw"), "-f", "qcow2"), "qemu-img convert of our image");

        Path theirs = qemuImage(d);
        assertCheckClean(theirs);
        assertSame(expected, Qemu.convertToRaw(theirs, dir.resolve("theirs.raw"), "-f", "qcow2"),
                "qemu-img convert of QEMU's image");
        ByteBuffer read = ByteBuffer.allocate((int) d.virtualSize());
        try (Qcow2Disk disk = BackingChain.open(theirs, Limits.DEFAULT)) {
            disk.read(0, read);
        }
        assertEquals(-1, java.util.Arrays.mismatch(expected, read.array()), "our reader on QEMU's image");
        assertEquals(bitmaps(theirs, d), bitmaps(ours, d), "host cluster and subcluster bitmap of each L2 entry");
    }

    /**
     * The subcluster bitmap of every guest cluster, prefixed "host:" when its entry has a host
     * offset, read at the spec's offsets (spec: Header, l1_table_offset; Extended L2 Entries).
     */
    private static List<String> bitmaps(Path image, ImageDescription d) throws IOException {
        byte[] img = Files.readAllBytes(image);
        long l1 = BigEndian.u64(img, 40);
        List<String> out = new ArrayList<>();
        for (long c = 0; c < d.guestClusters(); c++) {
            long l2 = BigEndian.u64(img, (int) (l1 + 8 * (c / d.l2Entries())))
                    & 0x00fffffffffffe00L;
            long entry = l2 == 0 ? 0 : BigEndian.u64(img, (int) (l2 + 16 * (c % d.l2Entries())));
            long bitmap = l2 == 0 ? 0 : BigEndian.u64(img, (int) (l2 + 16 * (c % d.l2Entries()) + 8));
            out.add((entry & 0x00fffffffffffe00L) != 0 ? "host:" + Long.toHexString(bitmap) : Long.toHexString(bitmap));
        }
        return out;
    }

    /** The description replayed by qemu-io on a fresh image with extended L2 entries, over the same backing file. */
    private Path qemuImage(ImageDescription d) {
        Path img = dir.resolve("theirs.qcow2");
        List<String> create = new ArrayList<>(List.of("create", "-q", "-f", "qcow2", "-o",
                "extended_l2=on,cluster_size=" + d.clusterSize()));
        if (d.backingFileName() != null) {
            create.addAll(List.of("-F", "qcow2", "-b", d.backingFileName()));
        }
        create.addAll(List.of(img.toString(), Long.toString(d.virtualSize())));
        Qemu.img(create.toArray(String[]::new));
        List<String> args = new ArrayList<>();
        int n = 0;
        for (GuestOp op : d.operations()) {
            String range = op.offset() + " " + op.length();
            String command;
            if (op instanceof GuestOp.Write || op instanceof GuestOp.WriteCompressed) {
                Path pattern = dir.resolve("pattern" + n++);
                byte[] b = new byte[(int) op.length()];
                GuestPattern.fill(op.offset(), d.layer(), b, 0, b.length);
                write(pattern, b);
                command = "write -q" + (op instanceof GuestOp.WriteCompressed ? " -c" : "") + " -s " + pattern + " " + range;
            } else if (op instanceof GuestOp.Zero) {
                command = "write -q -z " + range;
            } else {
                // qemu's discard may leave zeros instead of the backing data, so it is no replay of ours
                throw new IllegalArgumentException("not replayable with qemu-io: " + op);
            }
            args.add("-c");
            args.add(command);
        }
        args.add(img.toString());
        Qemu.io(args.toArray(String[]::new));
        return img;
    }

    private static void write(Path p, byte[] b) {
        try {
            Files.write(p, b);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static void assertSame(byte[] expected, Path raw, String what) throws IOException {
        byte[] got = Files.readAllBytes(raw);
        assertEquals(expected.length, got.length, what + ": size");
        int at = java.util.Arrays.mismatch(expected, got);
        assertEquals(-1, at, what + ": first differing guest byte");
    }

    private static void assertCheckClean(Path file) {
        ProcessRunner.Result r = Qemu.run("qemu-img", "check", "-f", "qcow2", file.toString());
        assertEquals(0, r.exitCode(), file.getFileName() + ": " + r.out() + r.err());
        assertTrue(r.out().contains("No errors were found"), r.out());
    }
}
