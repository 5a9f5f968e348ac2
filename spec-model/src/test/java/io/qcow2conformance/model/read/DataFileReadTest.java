package io.qcow2conformance.model.read;

import static io.qcow2conformance.model.read.Qcow2DiskTest.read;
import static io.qcow2conformance.model.read.Qcow2DiskTest.readAll;
import static io.qcow2conformance.model.read.TinyImage.pattern;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.qcow2conformance.model.image.Limits;
import io.qcow2conformance.model.mapping.L2Entry;
import io.qcow2conformance.model.rules.ImageException;
import io.qcow2conformance.model.rules.Rule;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * Reads through an external data file (spec: Header > incompatible_features bit 2,
 * autoclear_features bit 1; External data file name; Cluster mapping > L2 table entry) on
 * hand-built images: guest clusters are read from the data file at their own offset.
 */
class DataFileReadTest {
    private static final int CS = 512;
    private static final long DATA_FILE_BIT = 1L << 2;
    private static final long COPIED = L2Entry.COPIED;

    @TempDir
    Path dir;

    /** 8 guest clusters: 0 at data file offset 0 (offset 0 + copied), 1-2 mapped, 3 unallocated, 4 zero, 5 mapped. */
    TinyImage image() {
        TinyImage t = new TinyImage(9, 8 * CS);
        t.incompatibleFeatures = DATA_FILE_BIT;
        t.dataFileName = "disk.data";
        t.setL2(0, COPIED);
        t.setL2(1, CS | COPIED);
        t.setL2(2, 2 * CS | COPIED);
        t.setL2(4, 1); // zero flag, no host offset
        t.setL2(5, 5 * CS | COPIED);
        return t;
    }

    /** What the guest sees of {@link #image()} over {@code data}: mapped clusters from the data file, the rest zeros. */
    static byte[] expected(byte[] data) {
        byte[] e = new byte[8 * CS];
        for (int c : new int[] {0, 1, 2, 5}) {
            if (c * CS < data.length) {
                System.arraycopy(data, c * CS, e, c * CS, Math.min(CS, data.length - c * CS));
            }
        }
        return e;
    }

    static ImageException fails(Rule rule, Runnable r) {
        ImageException e = assertThrows(ImageException.class, r::run);
        assertEquals(rule, e.rule(), e.getMessage());
        return e;
    }

    @Test
    void clustersAreReadFromTheDataFileAtTheirGuestOffset() throws IOException {
        byte[] data = pattern(8 * CS, 3);
        Files.write(dir.resolve("disk.data"), data);
        try (Qcow2Disk d = BackingChain.open(image().write(dir, "img.qcow2"), Limits.DEFAULT)) {
            assertArrayEquals(expected(data), readAll(d));
            assertArrayEquals(Arrays.copyOfRange(data, 5 * CS + 3, 5 * CS + 100), read(d, 5 * CS + 3, 97));
        }
    }

    @Test
    void aShortDataFileReadsZerosPastItsEnd() throws IOException {
        byte[] data = pattern(CS + 100, 4);
        Files.write(dir.resolve("disk.data"), data);
        try (Qcow2Disk d = BackingChain.open(image().write(dir, "img.qcow2"), Limits.DEFAULT)) {
            assertArrayEquals(expected(data), readAll(d));
        }
    }

    @Test
    void theDataFileOptionOverridesTheStoredName() throws IOException {
        byte[] other = pattern(8 * CS, 9);
        Path elsewhere = Files.createDirectories(dir.resolve("elsewhere")).resolve("other.raw");
        Files.write(elsewhere, other);
        Path img = image().write(dir, "img.qcow2"); // disk.data does not exist
        try (Qcow2Disk d = BackingChain.open(img, OpenOptions.of(Limits.DEFAULT).withDataFile(elsewhere))) {
            assertArrayEquals(expected(other), readAll(d));
        }
    }

    @Test
    void aMissingDataFileIsRefusedNamingItsRule() throws IOException {
        Path img = image().write(dir, "img.qcow2");
        ImageException e = fails(Rule.DATA_FILE_READABLE, () -> BackingChain.open(img, Limits.DEFAULT));
        assertEquals(e.getMessage().strip(), e.getMessage().lines().findFirst().orElseThrow());
        fails(Rule.DATA_FILE_READABLE,
                () -> BackingChain.open(img, OpenOptions.of(Limits.DEFAULT).withDataFile(dir.resolve("absent.raw"))));
    }

    @Test
    void withoutANameTheDataFileMustBeGiven() throws IOException {
        TinyImage t = image();
        t.dataFileName = null;
        Path img = t.write(dir, "img.qcow2");
        fails(Rule.DATA_FILE_READABLE, () -> BackingChain.open(img, Limits.DEFAULT));
        Files.write(dir.resolve("given.raw"), pattern(8 * CS, 5));
        try (Qcow2Disk d = BackingChain.open(img, OpenOptions.of(Limits.DEFAULT).withDataFile(dir.resolve("given.raw")))) {
            assertArrayEquals(expected(pattern(8 * CS, 5)), readAll(d));
        }
    }

    @Test
    void namesOutsideTheImageFolderAreRefusedAsBackingNamesAre() throws IOException {
        Path sub = Files.createDirectories(dir.resolve("sub"));
        Files.write(dir.resolve("disk.data"), pattern(8 * CS, 1));
        TinyImage t = image();
        t.dataFileName = "../disk.data";
        Path img = t.write(sub, "img.qcow2");
        fails(Rule.PATH_OUTSIDE_IMAGE_FOLDER, () -> BackingChain.open(img, Limits.DEFAULT));
        try (Qcow2Disk d = BackingChain.open(img, Limits.DEFAULT.withAllowOutsidePaths(true))) {
            assertArrayEquals(expected(pattern(8 * CS, 1)), readAll(d));
        }
    }

    @Test
    void absoluteNamesSymbolicLinksOutAndDeviceFilesAreRefused() throws IOException {
        Path sub = Files.createDirectories(dir.resolve("sub"));
        Path outside = Files.write(dir.resolve("disk.data"), pattern(8 * CS, 1));
        TinyImage t = image();
        t.dataFileName = "/tmp/disk.data"; // short: the name must fit the 512-byte header cluster
        Path absolute = t.write(sub, "abs.qcow2");
        fails(Rule.PATH_OUTSIDE_IMAGE_FOLDER, () -> BackingChain.open(absolute, Limits.DEFAULT));
        Files.createSymbolicLink(sub.resolve("link.data"), outside.toAbsolutePath());
        t.dataFileName = "link.data";
        Path viaLink = t.write(sub, "link.qcow2");
        fails(Rule.PATH_OUTSIDE_IMAGE_FOLDER, () -> BackingChain.open(viaLink, Limits.DEFAULT));
        Path zero = Path.of("/dev/zero");
        org.junit.jupiter.api.Assumptions.assumeTrue(Files.exists(zero), "no /dev/zero on this system");
        Files.createSymbolicLink(sub.resolve("zero.data"), zero);
        t.dataFileName = "zero.data";
        Path device = t.write(sub, "zero.qcow2");
        fails(Rule.PATH_OUTSIDE_IMAGE_FOLDER, () -> BackingChain.open(device, Limits.DEFAULT));
        // allowed outside the folder, a device file is still never opened
        fails(Rule.DATA_FILE_READABLE, () -> BackingChain.open(device, Limits.DEFAULT.withAllowOutsidePaths(true)));
    }

    @Test
    void aHostOffsetOtherThanTheGuestOffsetIsRefused() throws IOException {
        byte[] data = pattern(8 * CS, 2);
        Files.write(dir.resolve("disk.data"), data);
        TinyImage t = image();
        t.setL2(6, 7 * CS | COPIED);
        try (Qcow2Disk d = BackingChain.open(t.write(dir, "img.qcow2"), Limits.DEFAULT)) {
            assertArrayEquals(Arrays.copyOfRange(data, 5 * CS, 6 * CS), read(d, 5 * CS, CS));
            fails(Rule.DATA_FILE_HOST_OFFSET_EQUALS_GUEST, () -> read(d, 6 * CS, 1));
        }
    }

    @Test
    void compressedClustersAreRefused() throws IOException {
        Files.write(dir.resolve("disk.data"), pattern(8 * CS, 2));
        TinyImage t = image();
        t.setL2(6, t.compressedEntry(6 * CS, 100));
        try (Qcow2Disk d = BackingChain.open(t.write(dir, "img.qcow2"), Limits.DEFAULT)) {
            fails(Rule.MAPPING_COMPRESSED_WITH_DATA_FILE, () -> read(d, 6 * CS, 1));
        }
    }

    @Test
    void theRawBitWithoutTheDataFileBitIsRefused() throws IOException {
        TinyImage t = new TinyImage(9, 8 * CS);
        t.autoclearFeatures = 1L << 1;
        Path img = t.write(dir, "img.qcow2");
        fails(Rule.HEADER_AUTOCLEAR_RAW_WITHOUT_DATA_FILE, () -> BackingChain.open(img, Limits.DEFAULT));
    }
}
