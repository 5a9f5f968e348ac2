package io.qcow2conformance.features.corpus;

import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * The golden corpus is downloaded and checked out by every user: the whole folder stays
 * under 20 MiB (counted as file lengths, which is what a checkout writes; the generator's
 * sparse files do not help there; a gzip-stored file counts as stored). On failure the largest
 * files are named.
 */
class CorpusSizeTest {
    static final Path CORPUS = Path.of("..", "golden-images");
    static final long BUDGET = 20L << 20;

    @Test
    void theCorpusFolderStaysUnder20MiB() throws IOException {
        List<Path> files;
        try (Stream<Path> s = Files.walk(CORPUS)) {
            files = s.filter(Files::isRegularFile).toList();
        }
        long total = 0;
        for (Path f : files) {
            total += Files.size(f);
        }
        List<String> largest = files.stream().sorted(Comparator.comparingLong(CorpusSizeTest::size).reversed()).limit(5)
                .map(f -> CORPUS.relativize(f) + " (" + size(f) / 1024 + " KiB)").toList();
        assertTrue(total < BUDGET, "golden-images holds " + total / 1024 + " KiB, over the budget of " + BUDGET / 1024
                + " KiB; largest: " + largest);
    }

    private static long size(Path f) {
        try {
            return Files.size(f);
        } catch (IOException e) {
            return 0;
        }
    }
}
