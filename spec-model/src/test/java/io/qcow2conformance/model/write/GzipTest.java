package io.qcow2conformance.model.write;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.Arrays;
import java.util.zip.GZIPInputStream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Gzip files are checked with the JDK's gzip reader (zlib), the reference decoder, and against RFC 1952's fixed header. */
class GzipTest {
    private static byte[] gunzip(byte[] gz) throws IOException {
        try (GZIPInputStream in = new GZIPInputStream(new ByteArrayInputStream(gz))) {
            return in.readAllBytes();
        }
    }

    @Property(tries = 100)
    void arbitraryBytesRoundTrip(@ForAll @Size(max = 5000) byte[] data) throws IOException {
        assertArrayEquals(data, gunzip(Gzip.encode(data)));
    }

    /** A sparse image: megabytes of zeros around pattern clusters, far longer than the deflate window. */
    @Property(tries = 10)
    void sparseImagesRoundTripAndShrink(@ForAll @IntRange(min = 9, max = 21) int clusterBits, @ForAll @IntRange(min = 1, max = 5) int clusters) throws IOException {
        int cs = 1 << clusterBits;
        byte[] image = new byte[4 * 1024 * 1024 + clusters * cs];
        for (int i = 0; i < clusters; i++) {
            GuestPattern.fill((long) i * cs, 0, image, image.length - (i + 1) * cs, cs / 2);
        }
        byte[] gz = Gzip.encode(image);
        assertArrayEquals(image, gunzip(gz));
        assertTrue(gz.length < image.length / 4, "a mostly empty image shrinks: " + gz.length + " of " + image.length);
    }

    /** RFC 1952, 2.3: ID1 ID2 CM=8 FLG=0, MTIME=0, XFL=0, OS=255: nothing of the host or the time enters the file. */
    @Test
    void theHeaderNamesNothingOfTheHost() {
        byte[] gz = Gzip.encode(new byte[100]);
        assertArrayEquals(new byte[] {0x1f, (byte) 0x8b, 8, 0, 0, 0, 0, 0, 0, (byte) 255}, Arrays.copyOf(gz, 10));
        assertArrayEquals(gz, Gzip.encode(new byte[100]));
    }
}
