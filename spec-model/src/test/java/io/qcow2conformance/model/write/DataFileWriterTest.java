package io.qcow2conformance.model.write;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.qcow2conformance.model.check.CheckReport;
import io.qcow2conformance.model.check.ImageChecker;
import io.qcow2conformance.model.image.Limits;
import io.qcow2conformance.model.io.BigEndian;
import io.qcow2conformance.model.mapping.L2Entry;
import io.qcow2conformance.model.read.BackingChain;
import io.qcow2conformance.model.read.Qcow2Disk;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * Images with an external data file, as the writer lays them out, against the spec (Header,
 * incompatible feature bit 2 and autoclear feature bit 1; External data file name; Cluster
 * mapping, L2 table entry): the header bits and the name extension are read from the spec's
 * byte offsets, every L2 entry gives its guest offset with the copied flag, the image file
 * holds no guest data, the data file holds each cluster at its guest offset (and, with the
 * raw bit, is the guest disk itself). The model's reader and checker must then agree with
 * {@link GuestContent} and find nothing wrong.
 */
class DataFileWriterTest {
    @TempDir
    Path dir;

    /** Cluster 0 whole (host offset 0), 1 partial, 2 unallocated, 3 zero, 4 preallocated zero, 6 discarded, 7 partial tail. */
    static ImageDescription.Builder mixed(int clusterBits) {
        long cs = 1L << clusterBits;
        return ImageDescription.builder().clusterBits(clusterBits).virtualSize(8 * cs - 100)
                .write(0, cs).write(cs + 5, 20).zero(3 * cs, cs, false).zero(4 * cs, cs, true)
                .write(6 * cs, cs).discard(6 * cs, cs).write(7 * cs, 10);
    }

    @ParameterizedTest(name = "cluster_bits {0}, raw {1}")
    @CsvSource({"9,false", "9,true", "12,false", "16,true"})
    void imageDataFileAndReaderAgreeWithTheSpec(int clusterBits, boolean raw) throws IOException {
        ImageDescription d = mixed(clusterBits).dataFile(ExternalDataFile.of("disk.data", raw)).build();
        Path image = dir.resolve("disk.qcow2");
        Layout layout = Qcow2Writer.writeChain(d, image);
        byte[] img = Files.readAllBytes(image);
        byte[] data = Files.readAllBytes(dir.resolve("disk.data"));
        long cs = d.clusterSize();

        // spec: Header: incompatible_features (bytes 72-79) bit 2, autoclear_features (88-95) bit 1
        assertEquals(1L << 2, BigEndian.u64(img, 72));
        assertEquals(raw ? 1L << 1 : 0, BigEndian.u64(img, 88));
        // spec: Header extensions: type 0x44415441, length, the name without a terminating zero
        int ext = (int) layout.region(Layout.extension(0)).offset();
        assertEquals(0x44415441L, BigEndian.u32(img, ext));
        assertEquals(9, BigEndian.u32(img, ext + 4));
        assertEquals("disk.data", new String(img, ext + 8, 9, StandardCharsets.US_ASCII));

        // spec: Cluster mapping: host offset = guest offset, copied flag (implicit refcount 1)
        for (long c : new long[] {0, 1, 4, 7}) {
            long e = BigEndian.u64(img, (int) layout.region(Layout.l2Entry(c)).offset());
            assertEquals(c * cs, e & L2Entry.OFFSET_MASK, "host offset of guest cluster " + c);
            assertTrue((e & L2Entry.COPIED) != 0, "copied flag of guest cluster " + c);
            assertEquals(c == 4 ? 1 : 0, e & 1, "zero flag of guest cluster " + c);
        }
        assertEquals(1, BigEndian.u64(img, (int) layout.region(Layout.l2Entry(3)).offset()));
        assertEquals(0, BigEndian.u64(img, (int) layout.region(Layout.l2Entry(2)).offset()));
        assertTrue(layout.find(Layout.data(0)).isEmpty());
        for (int i = 0; i + 8 <= img.length; i += 8) { // no guest pattern word in the image file
            assertNotEquals(GuestPattern.TAG << 8 | d.layer(), (int) (BigEndian.u64(img, i) >>> 48), "word at " + i);
        }

        byte[] guest;
        try (InputStream in = GuestContent.of(d).stream()) {
            guest = in.readAllBytes();
        }
        assertEquals(d.virtualSize(), data.length);
        byte[] expectedCluster = new byte[(int) cs];
        GuestPattern.fill(0, d.layer(), expectedCluster, 0, (int) cs);
        assertArrayEquals(expectedCluster, Arrays.copyOf(data, (int) cs), "guest cluster 0 at data file offset 0");
        if (raw) {
            assertArrayEquals(guest, data, "spec: autoclear bit 1: the data file is the guest disk");
        } else {
            byte[] under = Arrays.copyOfRange(data, (int) (3 * cs), (int) (4 * cs));
            assertFalse(Arrays.equals(new byte[(int) cs], under), "stale bytes under the zero cluster");
        }

        try (Qcow2Disk disk = BackingChain.open(image, Limits.DEFAULT)) {
            ByteBuffer b = ByteBuffer.allocate((int) d.virtualSize());
            disk.read(0, b);
            assertArrayEquals(guest, b.array());
        }
        CheckReport report = new ImageChecker(Limits.DEFAULT).check(image);
        assertEquals(java.util.List.of(), report.findings());
        assertEquals(0, report.leaks());
        assertEquals(0, report.corruptions());
    }

    @Test
    void aDataFileEndingAtItsLastClusterIsShorterThanTheDisk() throws IOException {
        long cs = 512;
        ImageDescription d = ImageDescription.builder().clusterBits(9).virtualSize(16 * cs).write(2 * cs, 100)
                .dataFile(ExternalDataFile.of("d.data", false).withEndsAtLastCluster(true)).build();
        Qcow2Writer.writeChain(d, dir.resolve("d.qcow2"));
        assertEquals(3 * cs, Files.size(dir.resolve("d.data")));
        assertEquals(3 * cs, DataFileWriter.length(d));
    }

    @Test
    void anUnnamedDataFileWritesNoNameExtension() throws IOException {
        ImageDescription d = mixed(9).dataFile(ExternalDataFile.of("d.data", false).withNamed(false)).build();
        Layout layout = Qcow2Writer.write(d, dir.resolve("d.qcow2"));
        assertTrue(layout.find(Layout.extension(0)).isEmpty());
        assertEquals(1L << 2, BigEndian.u64(Files.readAllBytes(dir.resolve("d.qcow2")), 72));
    }

    @Test
    void descriptionsNoValidImageCanHaveAreRefused() {
        ExternalDataFile raw = ExternalDataFile.of("d.data", true);
        ExternalDataFile plain = ExternalDataFile.of("d.data", false);
        assertThrows(IllegalArgumentException.class, () -> mixed(9).backingFileName("b.qcow2").dataFile(raw).build());
        assertThrows(IllegalArgumentException.class, () -> mixed(9).writeCompressed(0, 512).dataFile(plain).build());
        assertThrows(IllegalArgumentException.class, () -> mixed(9).share(5, 0).dataFile(plain).build());
        assertThrows(IllegalArgumentException.class, () -> ImageDescription.builder().version(2).refcountOrder(4)
                .headerLength(72).dataFile(plain).build());
        assertThrows(IllegalArgumentException.class, () -> mixed(9).dataFile(raw.withEndsAtLastCluster(true)).build());
        // an encrypted data file cannot read as the guest disk (autoclear bit 1)
        Encryption luks = Encryption.of(Encryption.Method.LUKS, "p");
        assertThrows(IllegalArgumentException.class, () -> mixed(9).dataFile(raw).encryption(luks).build());
        // without the raw bit a backing file, and encryption, are allowed
        mixed(9).backingFileName("b.qcow2").dataFile(plain).build();
        mixed(9).dataFile(plain).encryption(luks).build();
    }
}
