package io.qcow2conformance.model.check;

import io.qcow2conformance.model.image.Limits;
import io.qcow2conformance.model.io.ImageSource;
import io.qcow2conformance.model.rules.Rule;
import io.qcow2conformance.model.write.ImageDescription;
import io.qcow2conformance.model.write.Qcow2Writer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

/**
 * The checker requires the backing chain to open (spec: Header, backing_file_offset) and
 * opens it from the header and extensions it has decoded itself: the image is read only
 * through the source it is given, never opened a second time by its name.
 */
class BackingChainCheckTest {
    @TempDir
    Path dir;

    private final ImageChecker checker = new ImageChecker(Limits.DEFAULT);

    /** top.qcow2 over base.qcow2, both valid (written by the model's writer). */
    private Path chain() throws IOException {
        ImageDescription base = ImageDescription.builder().clusterBits(12).virtualSize(64 << 10).write(0, 4096).build();
        ImageDescription top = ImageDescription.builder().clusterBits(12).virtualSize(64 << 10).write(4096, 4096)
                .backing("base.qcow2", base).build();
        Path p = dir.resolve("top.qcow2");
        Qcow2Writer.writeChain(top, p);
        return p;
    }

    @Test
    void theImageIsDecodedOnlyFromTheSourceGiven() throws IOException {
        Path top = chain();
        assertEquals(CheckReport.Verdict.CLEAN, checker.check(top).verdict());
        try (ImageSource src = ImageSource.open(top)) {
            // Opening the image again by its name would now fail (file.readable: no such file).
            Files.delete(top);
            CheckReport r = checker.check(src, top.toString());
            assertNull(r.fatal(), () -> r.fatal().getMessage());
            assertEquals(CheckReport.Verdict.CLEAN, r.verdict(), r.findings()::toString);
        }
    }

    @Test
    void aMissingBackingFileLeavesTheImageUnchecked() throws IOException {
        Path top = chain();
        Files.delete(dir.resolve("base.qcow2"));
        CheckReport r = checker.check(top);
        assertEquals(Rule.BACKING_MISSING, r.fatal().rule(), r.fatal().getMessage());
        assertEquals(CheckReport.Verdict.NOT_CHECKED, r.verdict());
    }
}
