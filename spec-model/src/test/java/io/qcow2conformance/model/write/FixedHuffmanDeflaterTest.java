package io.qcow2conformance.model.write;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;

import java.util.Arrays;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The deterministic deflate encoder is checked against the JDK's inflater (zlib), the reference decoder. */
class FixedHuffmanDeflaterTest {
    private static byte[] inflate(byte[] z, int size) throws DataFormatException {
        Inflater inf = new Inflater(true);
        try {
            inf.setInput(z);
            byte[] out = new byte[size + 1];
            int n = 0;
            while (!inf.finished() && !inf.needsInput()) {
                n += inf.inflate(out, n, out.length - n);
            }
            assertTrue(inf.finished(), "the stream ends with its final block");
            assertEquals(size, n);
            return Arrays.copyOf(out, size);
        } finally {
            inf.end();
        }
    }

    @Property(tries = 200)
    void arbitraryBytesRoundTrip(@ForAll @Size(max = 9000) byte[] data) throws DataFormatException {
        assertArrayEquals(data, inflate(FixedHuffmanDeflater.compress(data), data.length));
    }

    /** Long runs and repeats exercise every length code, including 258, and long distances. */
    @Property(tries = 200)
    void repetitiveBytesRoundTrip(@ForAll @IntRange(min = 1, max = 20000) int size, @ForAll @IntRange(min = 1, max = 5000) int period,
                                  @ForAll @IntRange(max = 255) int layer) throws DataFormatException {
        byte[] data = new byte[size];
        GuestPattern.fill(0, layer, data, 0, Math.min(size, period));
        for (int i = period; i < size; i++) {
            data[i] = data[i - period];
        }
        assertArrayEquals(data, inflate(FixedHuffmanDeflater.compress(data), size));
    }

    /** Runs of one byte value longer than a match, between other bytes, take the encoder's run path. */
    @Property(tries = 200)
    void longRunsRoundTrip(@ForAll @Size(min = 1, max = 12) java.util.List<@IntRange(max = 3000) Integer> runs,
                           @ForAll @IntRange(max = 3) int alphabet) throws DataFormatException {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        for (int i = 0; i < runs.size(); i++) {
            byte[] run = new byte[runs.get(i)];
            Arrays.fill(run, (byte) (i % (alphabet + 1)));
            out.writeBytes(run);
            out.write(0x51 + i); // a byte that ends the run
        }
        byte[] data = out.toByteArray();
        assertArrayEquals(data, inflate(FixedHuffmanDeflater.compress(data), data.length));
    }

    @Property(tries = 50)
    void patternClustersShrink(@ForAll @IntRange(min = 9, max = 21) int clusterBits, @ForAll @IntRange(max = 255) int layer) {
        int cs = 1 << clusterBits;
        byte[] cluster = new byte[cs];
        GuestPattern.fill(3L * cs, layer, cluster, 0, cs);
        assertTrue(FixedHuffmanDeflater.compress(cluster).length < cs / 2);
    }
}
