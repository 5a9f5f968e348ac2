package io.qcow2conformance.model.robust;

import io.qcow2conformance.model.check.CheckReport;
import io.qcow2conformance.model.check.ImageChecker;
import io.qcow2conformance.model.image.Limits;
import io.qcow2conformance.model.image.Qcow2Image;
import io.qcow2conformance.model.rules.Finding;
import io.qcow2conformance.model.rules.ImageException;
import io.qcow2conformance.model.snapshot.Snapshot;
import io.qcow2conformance.model.snapshot.SnapshotDisk;
import io.qcow2conformance.model.rules.Rule;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The images the fuzz campaign found ({@code src/test/resources/regressions/}, each with a
 * one-line note in a {@code .txt} beside it): every entry point of {@link Drive} ends in a
 * result or an ImageException on each, and each keeps the finding its fault breaks.
 */
class RegressionImagesTest {
    @TempDir
    Path dir;

    static List<String> images() {
        try (Stream<Path> s = Files.list(folder())) {
            return s.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".qcow2")).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Path folder() {
        try {
            return Path.of(RegressionImagesTest.class.getResource("/regressions").toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    private Path copy(String name) throws IOException {
        Path p = dir.resolve(name);
        try (InputStream in = Files.newInputStream(folder().resolve(name))) {
            Files.copy(in, p);
        }
        return p;
    }

    @ParameterizedTest
    @MethodSource("images")
    void everyEntryPointEndsInAResultOrAnImageException(String name) throws IOException {
        assertTrue(Files.isRegularFile(folder().resolve(name.replace(".qcow2", ".txt"))), "no note for " + name);
        Path image = copy(name);
        Drive drive = new Drive();
        drive.check(image);
        drive.read(image);
        drive.snapshots(image);
        drive.bitmaps(image);
    }

    @Test
    void regressionImagesExist() {
        assertFalse(images().isEmpty());
    }

    /** A refcount table entry with bit 63 set names a block past the end of the file (spec: Refcount table entry). */
    @Test
    void refcountBlockOffsetWithBit63IsPastTheEndOfTheFile() throws IOException {
        CheckReport r = new ImageChecker(Limits.DEFAULT).check(copy("refcount-block-offset-bit63.qcow2"));
        assertNull(r.fatal());
        assertTrue(has(r, Rule.REFCOUNT_BLOCK_IN_FILE), r.findings().toString());
    }

    /** A snapshot name running over the table (spec: Snapshots > name): the error stays one line and short. */
    @Test
    void snapshotNamesInErrorsAreOneLineAndCut() throws IOException {
        Path image = copy("snapshot-name-in-one-line-error.qcow2");
        try (Qcow2Image img = Qcow2Image.open(image, Limits.DEFAULT)) {
            Snapshot bad = SnapshotDisk.table(img).entries().stream().filter(s -> (s.id() + s.name()).chars().anyMatch(c -> c < 0x20))
                    .findFirst()
                    .orElseThrow(() -> new AssertionError("the regression image lost its multi-line name"));
            ImageException e = assertThrows(ImageException.class, () -> SnapshotDisk.open(img, bad).close());
            assertFalse(e.getMessage().contains("\n"), e.getMessage());
            assertTrue(e.getMessage().length() < 3 * Finding.MAX_MESSAGE, e.getMessage());
        }
    }

    static boolean has(CheckReport r, Rule rule) {
        return r.findings().stream().map(Finding::rule).anyMatch(rule::equals);
    }
}
