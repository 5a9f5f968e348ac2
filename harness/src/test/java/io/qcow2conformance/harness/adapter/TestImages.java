package io.qcow2conformance.harness.adapter;

import io.qcow2conformance.harness.process.ProcessRunner;
import io.qcow2conformance.harness.testkit.Qemu;
import org.junit.jupiter.api.Assumptions;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Images for the harness tests, made by the real qemu-img/qemu-io (small: 1 MiB virtual,
 * 4 KiB clusters) and damaged with RandomAccessFile at offsets the spec fixes (spec: Header).
 * Expected guest content comes from the pattern written ({@link #patternSha256}) or from
 * {@code qemu-img convert}, never from an adapter's output.
 */
public final class TestImages {
    public static final long VIRTUAL_SIZE = 1 << 20;
    public static final int PATTERN_LENGTH = 64 << 10;
    /** spec: Header: incompatible_features is the 8-byte field at offset 72 (version 3). */
    static final long INCOMPATIBLE_FEATURES_OFFSET = 72;
    /** spec: Header: l1_table_offset is the 8-byte field at offset 40. */
    static final long L1_TABLE_OFFSET_OFFSET = 40;

    private TestImages() {
    }

    /** A v3 (compat 1.1) or v2 (compat 0.10) image with {@code byte} written over its first 64 KiB. */
    public static Path patterned(Path dir, String name, boolean v3, int pattern) {
        Path p = dir.resolve(name);
        Qemu.img("create", "-q", "-f", "qcow2", "-o", "compat=" + (v3 ? "1.1" : "0.10") + ",cluster_size=4096",
                p.toString(), String.valueOf(VIRTUAL_SIZE));
        Qemu.io("-c", String.format("write -P 0x%02x 0 64k", pattern), p.toString());
        return p;
    }

    /** SHA-256 of the guest content of {@link #patterned}: 64 KiB of {@code pattern}, zeros to 1 MiB. */
    public static String patternSha256(int pattern) {
        byte[] guest = new byte[(int) VIRTUAL_SIZE];
        java.util.Arrays.fill(guest, 0, PATTERN_LENGTH, (byte) pattern);
        return sha256(guest);
    }

    /** A copy of {@code image} with incompatible feature bit {@code bit} set (unknown for bit 5 and up). */
    public static Path withIncompatibleBit(Path image, Path out, int bit) {
        return poke(image, out, INCOMPATIBLE_FEATURES_OFFSET, 1L << bit);
    }

    /** A copy of {@code image} whose magic is not QFI\xfb. */
    public static Path withBadMagic(Path image, Path out) {
        copy(image, out);
        try (RandomAccessFile f = new RandomAccessFile(out.toFile(), "rw")) {
            f.seek(0);
            f.writeInt(0x58585858);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out;
    }

    /** A copy of {@code image} whose first L1 entry has reserved bit 56 set (qemu-img check counts a corruption). */
    public static Path withL1ReservedBit(Path image, Path out) {
        copy(image, out);
        try (RandomAccessFile f = new RandomAccessFile(out.toFile(), "rw")) {
            f.seek(L1_TABLE_OFFSET_OFFSET);
            long l1 = f.readLong();
            f.seek(l1);
            long entry = f.readLong();
            f.seek(l1);
            f.writeLong(entry | 1L << 56);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out;
    }

    /**
     * A copy of {@code image} (a version 2 image) whose first L2 entry has bit 0 set: the zero
     * flag, which only version 3 defines (spec: Cluster mapping > Standard Cluster Descriptor).
     */
    public static Path withV2ZeroFlag(Path image, Path out) {
        copy(image, out);
        try (RandomAccessFile f = new RandomAccessFile(out.toFile(), "rw")) {
            f.seek(L1_TABLE_OFFSET_OFFSET);
            f.seek(f.readLong());
            long l2 = f.readLong() & 0x00ff_ffff_ffff_fe00L; // spec: L1 table entry, bits 9-55
            f.seek(l2);
            long entry = f.readLong();
            f.seek(l2);
            f.writeLong(entry | 1);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out;
    }

    private static Path poke(Path image, Path out, long offset, long orMask) {
        copy(image, out);
        try (RandomAccessFile f = new RandomAccessFile(out.toFile(), "rw")) {
            f.seek(offset);
            long v = f.readLong();
            f.seek(offset);
            f.writeLong(v | orMask);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out;
    }

    private static void copy(Path from, Path to) {
        try {
            Files.copy(from, to);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** SHA-256 of the guest content as {@code qemu-img convert -O raw} produces it: the independent reference. */
    public static String qemuGuestSha256(Path image, Path dir) {
        Path raw = Qemu.convertToRaw(image, dir.resolve(image.getFileName() + ".qemu.raw"));
        return sha256(raw);
    }

    public static String sha256(Path file) {
        try {
            return sha256(Files.readAllBytes(file));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Asserts that {@code impl} opens v2 and v3 images made by qemu-io and reads back the pattern written. */
    public static void assertReadsPatternedImages(Implementation impl, Path dir) {
        for (boolean v3 : new boolean[] {false, true}) {
            Path image = patterned(dir, "p" + v3 + ".qcow2", v3, 0x5a);
            assertEquals(Status.OK, impl.open(image).status(), impl.name() + " open v3=" + v3);
            Path raw = dir.resolve("p" + v3 + ".raw");
            assertEquals(Status.OK, impl.readGuest(image, Optional.empty(), raw).status(), impl.name() + " read v3=" + v3);
            assertEquals(patternSha256(0x5a), sha256(raw), impl.name() + " guest content v3=" + v3);
        }
    }

    /** A protocol fixture under src/test/resources/protocol/. */
    public static Path protocolFixture(String name) {
        try {
            return Path.of(TestImages.class.getResource("/protocol/" + name).toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Skips the test, with the reason, when {@code program} is not installed. */
    public static void require(String program, String packageName) {
        Assumptions.assumeTrue(program.startsWith("/") ? Files.isExecutable(Path.of(program))
                        : ProcessRunner.which(program).isPresent(),
                program + " is not installed (apt-get install " + packageName + "); skipped");
    }
}
