package io.qcow2conformance.generators.corpus;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * {@code generate} writes the corpus to a temporary folder and renames it: a failure after
 * some files are written (here a file "a" followed by "a/b", which needs "a" to be a folder)
 * leaves no corpus under the final name, or the previous corpus as it was.
 */
class CorpusWriteFailureTest {
    @TempDir
    Path dir;

    private static SortedMap<String, byte[]> failingMidway() {
        SortedMap<String, byte[]> files = new TreeMap<>();
        files.put("a", new byte[] {1});
        files.put("a/b", new byte[] {2});
        return files;
    }

    @Test
    void aFailureMidwayLeavesNoCorpusUnderTheFinalName() throws IOException {
        Path corpus = dir.resolve("corpus");
        assertThrows(IOException.class, () -> Corpus.write(failingMidway(), corpus));
        assertFalse(Files.exists(corpus));
        assertEquals(List.of(), names(dir));
    }

    @Test
    void aFailureMidwayLeavesThePreviousCorpusAsItWas() throws IOException {
        Path corpus = Files.createDirectories(dir.resolve("corpus"));
        Files.writeString(corpus.resolve("old.qcow2"), "previous", StandardCharsets.UTF_8);
        assertThrows(IOException.class, () -> Corpus.write(failingMidway(), corpus));
        assertEquals(List.of("old.qcow2"), names(corpus));
        assertEquals("previous", Files.readString(corpus.resolve("old.qcow2")));
        assertEquals(List.of("corpus"), names(dir));
    }

    private static List<String> names(Path folder) throws IOException {
        try (Stream<Path> s = Files.list(folder)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }
}
