package io.qcow2conformance.harness.robust;

import io.qcow2conformance.harness.process.ProcessRunner;
import io.qcow2conformance.model.header.Header;
import io.qcow2conformance.model.image.Limits;
import io.qcow2conformance.model.image.Qcow2Image;
import io.qcow2conformance.model.mapping.L1Entry;
import io.qcow2conformance.model.mapping.L2Entry;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.zip.Deflater;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code check} of hostile images in a child JVM limited to 256 MiB of heap: the recipes of
 * QEMU's iotests 080 and 060 (shared/research/qemu-behaviour.md §4) that make a header
 * inflate tables, plus a compressed cluster whose deflate stream would expand far past a
 * cluster. Each must end in findings or one line on stderr with exit code 1, 2 or 3 (0
 * only where QEMU too accepts the image), never an OutOfMemoryError, stack trace or hang.
 * The base is a golden image with one deflate-compressed cluster (4 KiB clusters).
 */
class HostileImagesTest {
    private static final Path BASE = repoRoot().resolve("golden-images/compressed/cmp-deflate/v3-c4k.qcow2");
    private static final Duration TIMEOUT = Duration.ofSeconds(120);

    @TempDir
    Path dir;

    /** Writes one hostile change into an open copy of the base image. */
    @FunctionalInterface
    interface Poke {
        void into(RandomAccessFile f, Qcow2Image base) throws IOException;
    }

    /** One hostile change each, with the exit codes it may end in; offsets are the header fields' (spec: Header). */
    enum Hostile {
        HUGE_L1_SIZE(Set.of(1), (f, base) -> putInt(f, 36, 0xffffffff)),
        HUGE_L1_SIZE_2_31(Set.of(1), (f, base) -> putInt(f, 36, 0x7fffffff)),
        HUGE_REFCOUNT_TABLE_CLUSTERS(Set.of(1), (f, base) -> putInt(f, 56, 0xffffffff)),
        HUGE_NB_SNAPSHOTS(Set.of(1, 2), (f, base) -> {
            putInt(f, 60, 0xffffffff);
            putLong(f, 64, base.header().clusterSize());
        }),
        HEADER_LENGTH_MAX(Set.of(1), (f, base) -> putInt(f, 100, 0xffffffff)),
        EXTENSION_LENGTH_2_31(Set.of(1), (f, base) -> {
            putInt(f, base.header().headerLength(), 0x12345678);
            putInt(f, base.header().headerLength() + 4, 0x7fffffff);
        }),
        BACKING_NAME_PAST_EOF(Set.of(1), (f, base) -> {
            putLong(f, 8, f.length() + 4096);
            putInt(f, 16, 0xffffffff);
        }),
        BACKING_OFFSET_ALL_ONES(Set.of(1), (f, base) -> {
            putLong(f, 8, -1L);
            putInt(f, 16, 0x100);
        }),
        REFCOUNT_TABLE_NAMES_ITSELF(Set.of(2, 3),
                (f, base) -> putLong(f, base.header().refcountTableOffset(), base.header().refcountTableOffset())),
        COMPRESSED_DATA_NEVER_ENDS(Set.of(0, 1, 2, 3), HostileImagesTest::endlessCompressedCluster);

        final Set<Integer> exitCodes;
        final Poke poke;

        Hostile(Set<Integer> exitCodes, Poke poke) {
            this.exitCodes = exitCodes;
            this.poke = poke;
        }
    }

    static void putInt(RandomAccessFile f, long at, int v) throws IOException {
        f.seek(at);
        f.writeInt(v);
    }

    static void putLong(RandomAccessFile f, long at, long v) throws IOException {
        f.seek(at);
        f.writeLong(v);
    }

    /**
     * Points the first compressed L2 entry at 16 sectors of a deflate stream of 8 MiB of
     * zeros that does not end within them (spec: Compressed Clusters Descriptor).
     */
    static void endlessCompressedCluster(RandomAccessFile f, Qcow2Image base) throws IOException {
        Header h = base.header();
        long l2 = L1Entry.l2Offset(base.l1Entry(0));
        long[] table = base.l2Table(l2);
        int i = 0;
        while (!L2Entry.compressed(table[i])) {
            i++;
        }
        Deflater d = new Deflater(Deflater.BEST_COMPRESSION, true);
        d.setInput(new byte[8 << 20]);
        d.finish();
        byte[] stream = new byte[16 * 512];
        int n = 0;
        while (n < stream.length && !d.finished()) {
            n += d.deflate(stream, n, stream.length - n);
        }
        d.end();
        long at = (f.length() + 511) & ~511L;
        f.seek(at);
        f.write(stream);
        int x = 62 - ((int) h.clusterBits() - 8);
        putLong(f, l2 + 8L * i, L2Entry.COMPRESSED | (15L << x) | at);
    }

    @ParameterizedTest
    @EnumSource(Hostile.class)
    void checkInA256MiBHeapEndsInFindingsOrOneLine(Hostile hostile) throws IOException {
        Path image = dir.resolve(hostile.name().toLowerCase() + ".qcow2");
        Files.copy(BASE, image);
        try (Qcow2Image base = Qcow2Image.open(BASE, Limits.DEFAULT);
             RandomAccessFile f = new RandomAccessFile(image.toFile(), "rw")) {
            hostile.poke.into(f, base);
        }
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx256m", "-cp", System.getProperty("java.class.path"),
                "io.qcow2conformance.harness.cli.Main", "check", image.toString()));
        ProcessRunner.Result r = ProcessRunner.run(cmd, TIMEOUT);
        String all = r.out() + r.err();
        assertFalse(r.timedOut(), hostile + ": no answer within " + TIMEOUT);
        assertFalse(all.contains("OutOfMemoryError") || all.contains("Exception") || all.contains("\tat "),
                hostile + ": " + all);
        assertTrue(hostile.exitCodes.contains(r.exitCode()), hostile + ": exit " + r.exitCode() + "\n" + all);
        String err = r.err().strip();
        assertFalse(err.contains("\n"), hostile + ": more than one line on stderr: " + err);
        if (r.exitCode() == 1 && !err.isEmpty()) {
            // unusable: the one line names the rule, the field and the byte offset
            assertTrue(err.startsWith("qcow2-conformance: error: ") && err.contains(" at offset 0x"), hostile + ": " + err);
        } else {
            assertFalse(r.out().isBlank(), hostile + ": exit " + r.exitCode() + " without a report");
        }
    }

    static Path repoRoot() {
        Path p = Path.of("").toAbsolutePath();
        while (p != null && !Files.isDirectory(p.resolve("golden-images"))) {
            p = p.getParent();
        }
        if (p == null) {
            throw new IllegalStateException("golden-images/ not found");
        }
        return p;
    }
}
