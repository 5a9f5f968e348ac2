package io.qcow2conformance.harness.robust;

import io.qcow2conformance.harness.testkit.Cli;
import io.qcow2conformance.model.rules.Rule;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code convert} writes to a temporary file and renames it: a failure in the middle of the
 * guest disk (golden image map-data-cluster-past-eof: its first 1 KiB reads, the cluster at
 * guest offset 1024 lies past the end of the file) leaves nothing under the final name, and
 * an existing file of that name as it was.
 */
class OutputSafetyTest {
    private static final Path MIDWAY = HostileImagesTest.repoRoot().resolve("golden-images/mapping/map-data-cluster-past-eof.qcow2");

    @TempDir
    Path dir;

    @Test
    void aConvertFailingMidwayLeavesNoFileUnderTheFinalName() throws IOException {
        Path out = dir.resolve("out.raw");
        assertFailsMidway(out);
        assertFalse(Files.exists(out));
        assertEquals(List.of(), leftovers());
    }

    @Test
    void aConvertFailingMidwayLeavesAnExistingFileAsItWas() throws IOException {
        Path out = dir.resolve("out.raw");
        byte[] before = "an earlier conversion".getBytes(StandardCharsets.UTF_8);
        Files.write(out, before);
        assertFailsMidway(out);
        assertEquals(new String(before, StandardCharsets.UTF_8), Files.readString(out));
        assertEquals(List.of("out.raw"), leftovers());
    }

    private static void assertFailsMidway(Path out) {
        Cli.Result r = Cli.run("convert", MIDWAY.toString(), out.toString());
        assertEquals(1, r.exitCode(), r.err());
        String err = r.err().strip();
        assertFalse(err.contains("\n"), err);
        assertTrue(err.contains(Rule.MAPPING_DATA_CLUSTER_IN_FILE.id()), err);
    }

    private List<String> leftovers() throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }
}
