package io.qcow2conformance.model.read;

import io.qcow2conformance.model.image.Limits;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Comparator;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Random reads of a hand-built two-level chain mixing every cluster kind. The expected
 * guest content is assembled from the spec's meaning of each entry while the files are
 * built; every read, whatever its offset and length, must return the matching slice.
 */
class GuestReadPropertyTest {
    private static final int CS = 512;
    private static final int CLUSTERS = 45;
    /** Not a multiple of the cluster size: the last cluster is partial. */
    private static final int SIZE = CLUSTERS * CS - 77;
    private static final int BASE_CLUSTERS = 30;

    private static Path dir;
    private static byte[] expected;
    private static Qcow2Disk disk;

    @BeforeContainer
    static void build() throws IOException {
        dir = Files.createTempDirectory("guest-read-props");
        TinyImage base = new TinyImage(9, BASE_CLUSTERS * CS);
        byte[] baseData = new byte[BASE_CLUSTERS * CS];
        for (int c = 0; c < BASE_CLUSTERS; c++) {
            if (c % 4 != 3) {
                byte[] p = TinyImage.pattern(CS, 100 + c);
                base.data(c, p);
                System.arraycopy(p, 0, baseData, c * CS, CS);
            }
        }
        base.write(dir, "base.qcow2");

        TinyImage top = new TinyImage(9, SIZE);
        top.backingName = "base.qcow2";
        top.backingFormat = "qcow2";
        byte[] want = new byte[CLUSTERS * CS];
        long contiguous = -1;
        for (int c = 0; c < CLUSTERS; c++) {
            byte[] p = TinyImage.pattern(CS, c);
            switch (c % 6) {
                case 0 -> { // data
                    top.data(c, p);
                    System.arraycopy(p, 0, want, c * CS, CS);
                }
                case 1, 5 -> { // unallocated: the backing file, zeros past its end
                    if (c < BASE_CLUSTERS) {
                        System.arraycopy(baseData, c * CS, want, c * CS, CS);
                    }
                }
                case 2 -> top.setL2(c, 1L); // zero cluster
                case 3 -> { // compressed
                    byte[] z = Qcow2DiskTest.deflate(p);
                    long at = top.appendBytes(z);
                    top.setL2(c, top.compressedEntry(at, z.length));
                    System.arraycopy(p, 0, want, c * CS, CS);
                }
                default -> { // data right after the previous data cluster on the host
                    top.alignEnd();
                    contiguous = top.appendCluster(p);
                    top.setL2(c, contiguous | (1L << 63));
                    System.arraycopy(p, 0, want, c * CS, CS);
                }
            }
        }
        expected = Arrays.copyOf(want, SIZE);
        disk = BackingChain.open(top.write(dir, "top.qcow2"), Limits.DEFAULT);
    }

    @AfterContainer
    static void cleanUp() throws IOException {
        disk.close();
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    @Example
    void aFullReadIsTheExpectedContent() {
        assertArrayEquals(expected, Qcow2DiskTest.readAll(disk));
    }

    @Property(tries = 300)
    void anyRangeReadsTheSliceOfTheWholeDisk(@ForAll @IntRange(min = 0, max = SIZE) int offset,
                                              @ForAll @IntRange(min = 0, max = SIZE) int length) {
        int len = Math.min(length, SIZE - offset);
        assertArrayEquals(Arrays.copyOfRange(expected, offset, offset + len), Qcow2DiskTest.read(disk, offset, len));
    }

    @Property(tries = 100)
    void directBuffersReadTheSameBytes(@ForAll @IntRange(min = 0, max = SIZE) int offset,
                                       @ForAll @IntRange(min = 0, max = 4 * CS) int length) {
        int len = Math.min(length, SIZE - offset);
        ByteBuffer b = ByteBuffer.allocateDirect(len);
        disk.read(offset, b);
        byte[] got = new byte[len];
        b.flip().get(got);
        assertArrayEquals(Arrays.copyOfRange(expected, offset, offset + len), got);
    }

    @Property(tries = 200)
    void holesReadAsZeros(@ForAll @IntRange(min = 0, max = SIZE - 1) int offset) {
        long hole = disk.holeLength(offset, SIZE - offset);
        for (long i = offset; i < offset + hole; i++) {
            assertEquals(0, expected[(int) i], "byte " + i + " inside a hole of " + hole + " bytes at " + offset);
        }
    }
}
