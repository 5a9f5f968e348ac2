package io.qcow2conformance.model.read;

import static io.qcow2conformance.model.read.DataFileReadTest.fails;
import static io.qcow2conformance.model.read.Qcow2DiskTest.readAll;
import static io.qcow2conformance.model.read.TinyImage.pattern;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import io.qcow2conformance.model.image.Limits;
import io.qcow2conformance.model.mapping.L2Entry;
import io.qcow2conformance.model.rules.Rule;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * Extended L2 entries on hand-built images (spec: Extended L2 Entries; Header >
 * cluster_bits note), the cases {@code Qcow2DiskTest} does not cover: the minimum cluster
 * size, and subclusters in an external data file.
 */
class Extl2ReadTest {
    @TempDir
    Path dir;

    @Test
    void clustersUnder16KiBAreRefused() throws IOException {
        TinyImage t = new TinyImage(13, 8192, true);
        Path img = t.write(dir, "small.qcow2");
        fails(Rule.HEADER_EXTENDED_L2_CLUSTER_BITS_MIN, () -> BackingChain.open(img, Limits.DEFAULT));
    }

    @Test
    void subclustersOfAClusterAtDataFileOffset0() throws IOException {
        int cs = 16384;
        int sub = cs / 32;
        byte[] data = pattern(2 * cs, 8);
        Files.write(dir.resolve("x.data"), data);
        TinyImage t = new TinyImage(14, 2 * cs, true);
        t.incompatibleFeatures = 1L << 2;
        t.dataFileName = "x.data";
        // Cluster 0 at data file offset 0: subclusters 0-1 allocated, 2 zero, the rest unallocated.
        t.setL2(0, L2Entry.COPIED, 0x3L | 0x4L << 32);
        // Cluster 1: offset 0 without the copied flag is no host cluster; subcluster 31 reads as zeros.
        t.setL2(1, 0, 1L << 63);
        byte[] expected = new byte[2 * cs];
        System.arraycopy(data, 0, expected, 0, 2 * sub);
        try (Qcow2Disk d = BackingChain.open(t.write(dir, "x.qcow2"), Limits.DEFAULT)) {
            assertArrayEquals(expected, readAll(d));
        }
        t.setL2(1, 0, 1L); // allocated subcluster without a host cluster
        try (Qcow2Disk d = BackingChain.open(t.write(dir, "y.qcow2"), Limits.DEFAULT)) {
            fails(Rule.MAPPING_SUBCLUSTER_UNALLOCATED_CLUSTER, () -> readAll(d));
        }
        t.setL2(1, 2L * cs | L2Entry.COPIED, 1L); // a host cluster, but not at the guest offset
        try (Qcow2Disk d = BackingChain.open(t.write(dir, "z.qcow2"), Limits.DEFAULT)) {
            assertArrayEquals(Arrays.copyOf(expected, cs), Qcow2DiskTest.read(d, 0, cs));
            fails(Rule.DATA_FILE_HOST_OFFSET_EQUALS_GUEST, () -> Qcow2DiskTest.read(d, cs, 1));
        }
    }
}
