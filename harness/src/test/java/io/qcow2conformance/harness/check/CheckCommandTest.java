package io.qcow2conformance.harness.check;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.qcow2conformance.harness.testkit.Cli;
import io.qcow2conformance.harness.testkit.Qemu;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

/** The {@code check} command line: options, usage errors, and images that cannot be checked. */
class CheckCommandTest {
    @TempDir
    Path dir;

    Path image() {
        Path p = dir.resolve("a.qcow2");
        Qemu.img("create", "-q", "-f", "qcow2", p.toString(), "1M");
        return p;
    }

    @Test
    void knownProposalIsAcceptedRepeatedly() {
        Cli.Result r = Cli.run("check", "--proposal=zero-bitmap-table-offset", "--proposal", "zero-bitmap-table-offset",
                image().toString());
        assertEquals(0, r.exitCode(), r.err());
        assertTrue(r.out().contains("No errors were found on the image."), r.out());
    }

    @Test
    void unknownProposalIsAUsageError() {
        Cli.Result r = Cli.run("check", "--proposal=no-such-thing", image().toString());
        assertEquals(64, r.exitCode());
        assertTrue(r.err().contains("no-such-thing") && r.err().contains("zero-bitmap-table-offset"), r.err());
    }

    @Test
    void missingFileIsExitOneWithAJsonError() {
        Cli.Result r = Cli.run("check", "--output=json", dir.resolve("missing.qcow2").toString());
        assertEquals(1, r.exitCode());
        JsonNode j = CheckDifferentialTest.parse(r.out());
        assertEquals(1, j.get("check-errors").asInt());
        assertTrue(j.get("error").asText().contains("file.readable"), j.toString());
        assertEquals(1, r.err().strip().lines().count(), r.err());
    }

    @Test
    void unknownIncompatibleFeatureCannotBeCheckedByEither() {
        ImageFile f = new ImageFile(image());
        f.putLong(72, f.header.incompatibleFeatures() | (1L << 40)); // spec: Header, incompatible_features at 72
        assertEquals(1, Qemu.run("qemu-img", "check", f.path.toString()).exitCode());
        Cli.Result r = Cli.run("check", f.path.toString());
        assertEquals(1, r.exitCode());
        String err = r.err().strip();
        assertEquals(1, err.lines().count(), err);
        assertTrue(err.contains("header.incompatible_features.unknown") && err.contains("incompatible_features")
                && err.contains("0x48"), err);
    }

    @Test
    void helpDocumentsThatEveryCounterIsPrinted() {
        Cli.Result r = Cli.run("check", "--help");
        assertEquals(0, r.exitCode());
        assertTrue(r.out().replaceAll("\\s+", " ").contains("every counter is printed, zero included"), r.out());
    }
}
