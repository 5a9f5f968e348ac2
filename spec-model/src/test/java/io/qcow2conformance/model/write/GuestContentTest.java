package io.qcow2conformance.model.write;

import org.junit.jupiter.api.Test;

import java.io.InputStream;
import java.security.MessageDigest;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * Expected guest content follows the spec's read rules (spec: Cluster mapping): written bytes
 * are the layer's pattern, unallocated clusters read the backing file (zeros past its end, or
 * without one), zero clusters read zeros and never the backing file.
 */
class GuestContentTest {
    private static final int CS = 4096;
    private static final ImageDescription BASE = ImageDescription.builder().clusterBits(12).virtualSize(4 * CS).layer(1)
            .write(0, 4 * CS).build();
    private static final ImageDescription TOP = ImageDescription.builder().clusterBits(12).virtualSize(6 * CS).layer(2)
            .backing("base.qcow2", BASE)
            .write(CS + 100, 8)              // partial write over backing data
            .zero(2 * CS, CS, false)         // zero over backing data
            .zero(3 * CS, CS, true).write(3 * CS + 8, 8)   // write into a zero cluster
            .writeCompressed(5 * CS, CS)
            .build();

    private static byte[] read(GuestContent g, long offset, int len) {
        byte[] b = new byte[len];
        g.read(offset, b, 0, len);
        return b;
    }

    private static byte[] pattern(long offset, int layer, int len) {
        byte[] b = new byte[len];
        for (int i = 0; i < len; i++) {
            b[i] = GuestPattern.byteAt(offset + i, layer);
        }
        return b;
    }

    @Test
    void eachClusterReadsAsTheSpecSays() {
        GuestContent g = GuestContent.of(TOP);
        assertArrayEquals(pattern(0, 1, CS), read(g, 0, CS), "unallocated: the backing file");
        assertArrayEquals(pattern(CS, 1, 100), read(g, CS, 100), "partial write keeps backing bytes before");
        assertArrayEquals(pattern(CS + 100, 2, 8), read(g, CS + 100, 8), "partial write");
        assertArrayEquals(pattern(CS + 108, 1, CS - 108), read(g, CS + 108, CS - 108), "and after");
        assertArrayEquals(new byte[CS], read(g, 2 * CS, CS), "zero cluster hides the backing file");
        assertArrayEquals(new byte[8], read(g, 3 * CS, 8), "write into a zero cluster: zeros around");
        assertArrayEquals(pattern(3 * CS + 8, 2, 8), read(g, 3 * CS + 8, 8));
        assertArrayEquals(new byte[CS], read(g, 4 * CS, CS), "past the backing file's end: zeros");
        assertArrayEquals(pattern(5 * CS, 2, CS), read(g, 5 * CS, CS), "compressed");
    }

    @Test
    void streamAndSha256CoverTheWholeDisk() throws Exception {
        GuestContent g = GuestContent.of(TOP);
        byte[] all;
        try (InputStream in = g.stream()) {
            all = in.readAllBytes();
        }
        assertEquals(TOP.virtualSize(), all.length);
        assertArrayEquals(read(g, 0, (int) TOP.virtualSize()), all);
        assertArrayEquals(MessageDigest.getInstance("SHA-256").digest(all), g.sha256());
    }

    @Test
    void readsOutsideTheDiskAreRefused() {
        GuestContent g = GuestContent.of(TOP);
        assertThrows(IllegalArgumentException.class, () -> read(g, TOP.virtualSize() - 4, 8));
    }
}
