package io.qcow2conformance.harness.datafile;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.qcow2conformance.harness.testkit.Cli;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Our {@code convert} in the differential tests of this package: compared with QEMU's output, or refused. */
final class OurConvert {
    private OurConvert() {
    }

    private static Cli.Result run(Path img, Path out, String... options) {
        List<String> args = new ArrayList<>(List.of("convert"));
        args.addAll(List.of(options));
        args.add(img.toString());
        args.add(out.toString());
        return Cli.run(args.toArray(String[]::new));
    }

    /** Converts {@code img} into {@code dir} (options before the image); it must equal {@code theirs} byte for byte. */
    static byte[] assertSameAs(Path theirs, Path dir, Path img, String... options) {
        Path ours = dir.resolve("ours.raw");
        Cli.Result r = run(img, ours, options);
        assertEquals(0, r.exitCode(), r.err());
        try {
            assertEquals(Files.size(theirs), Files.size(ours), "output size");
            assertEquals(-1L, Files.mismatch(theirs, ours), "first differing byte");
            return Files.readAllBytes(ours);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Converting {@code img} must fail (exit 1) with one line naming {@code ruleId} and leave no output. */
    static void assertRefused(Path dir, Path img, String ruleId, String... options) {
        Path ours = dir.resolve("refused.raw");
        Cli.Result r = run(img, ours, options);
        assertEquals(1, r.exitCode(), r.err());
        String err = r.err().strip();
        assertFalse(err.contains("\n"), err);
        assertTrue(err.contains(ruleId), err);
        assertFalse(Files.exists(ours));
    }
}
