package io.qcow2conformance.harness.write;

import io.qcow2conformance.harness.process.ProcessRunner;
import io.qcow2conformance.model.write.Compression;
import io.qcow2conformance.model.write.GuestPattern;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The writer's deflate data inflates with real zlib restricted to a 4 KiB window (window
 * bits 12, QEMU's setting), one output byte per call so that no match can reach back past
 * the window. zlib refuses such a match ("invalid distance too far back").
 */
class DeflateWindowTest {
    private static final String INFLATE_12 = String.join("\n",
            "import sys, zlib",
            "data = open(sys.argv[1], 'rb').read()",
            "d = zlib.decompressobj(-12)",
            "out = bytearray()",
            "buf = data",
            "while not d.eof:",
            "    chunk = d.decompress(buf, 1)",
            "    buf = d.unconsumed_tail",
            "    if not chunk and not buf:",
            "        break",
            "    out += chunk",
            "sys.stdout.buffer.write(out)");

    @TempDir
    Path dir;

    private byte[] inflateWithZlib12(byte[] z) throws IOException {
        Assumptions.assumeTrue(ProcessRunner.which("python3").isPresent(), "python3 is not installed; skipped");
        Path f = dir.resolve("z.bin");
        Files.write(f, z);
        ProcessRunner.Result r = ProcessRunner.run(List.of("python3", "-c", INFLATE_12, f.toString()), Duration.ofSeconds(60));
        assertEquals(0, r.exitCode(), r.err());
        return r.stdout();
    }

    @Test
    void repeatsFartherThanTheWindowAreNotReferenced() throws IOException {
        byte[] first = new byte[5000];
        new Random(1).nextBytes(first);
        byte[] data = new byte[20000];
        for (int i = 0; i < data.length; i++) {
            data[i] = first[i % first.length];
        }
        assertArrayEquals(data, inflateWithZlib12(Compression.DEFLATE.compress(data)));
    }

    @Test
    void patternClustersInflate() throws IOException {
        byte[] cluster = new byte[1 << 16];
        GuestPattern.fill(7L << 16, 3, cluster, 0, cluster.length);
        assertArrayEquals(cluster, inflateWithZlib12(Compression.DEFLATE.compress(cluster)));
    }
}
