package io.qcow2conformance.features.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.qcow2conformance.harness.cli.Main;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;

/** {@code qcow2-conformance generate [--out DIR] [--check]} through the real command line, in-process. */
class GenerateCommandTest {
    @TempDir
    Path tmp;

    record Run(int rc, String out, String err) {
    }

    static Run run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int rc = Main.run(args, new PrintWriter(out, true), new PrintWriter(err, true));
        return new Run(rc, out.toString(), err.toString());
    }

    @Test
    void writesTheCorpusThenCheckFindsItUpToDateAndNoticesAnEdit() throws IOException {
        Path out = tmp.resolve("corpus");
        Run gen = run("generate", "--scenarios", "scenarios", "--out", out.toString());
        assertEquals(0, gen.rc(), gen.err());
        assertTrue(Files.isRegularFile(out.resolve("manifest.json")));
        assertTrue(Files.isRegularFile(out.resolve("header/hdr-minimal-v3.qcow2")));

        Run check = run("generate", "--scenarios", "scenarios", "--out", out.toString(), "--check");
        assertEquals(0, check.rc(), check.err());

        Path image = out.resolve("header/hdr-minimal-v3.qcow2");
        byte[] b = Files.readAllBytes(image);
        b[b.length - 1] ^= 1;
        Files.write(image, b);
        Files.writeString(out.resolve("header/stray.qcow2"), "x");
        Run stale = run("generate", "--scenarios", "scenarios", "--out", out.toString(), "--check");
        assertEquals(1, stale.rc());
        assertTrue(stale.out().contains("differs: header/hdr-minimal-v3.qcow2"), stale.out());
        assertTrue(stale.out().contains("not generated: header/stray.qcow2"), stale.out());
        assertEquals(1, stale.err().strip().lines().count(), "one-line error: " + stale.err());
    }

    @Test
    void theCommittedCorpusIsUpToDate() {
        Run check = run("generate", "--scenarios", "scenarios", "--out", "../golden-images", "--check");
        assertEquals(0, check.rc(), check.out() + check.err());
    }

    @Test
    void aBrokenScenarioIsAOneLineErrorAndLeavesTheCorpusAlone() throws IOException {
        Path scenarios = Files.createDirectories(tmp.resolve("scenarios"));
        Files.writeString(scenarios.resolve("bad.feature"), """
                @area:header
                Feature: f
                  @id:bad @rule:header.version @must
                  Scenario: s
                    Given a version 3 image with 512-byte clusters and a 64 KiB virtual disk
                    Then the image is shiny
                """);
        Path out = Files.createDirectories(tmp.resolve("corpus"));
        Files.writeString(out.resolve("manifest.json"), "{}");
        Run r = run("generate", "--scenarios", scenarios.toString(), "--out", out.toString());
        assertEquals(1, r.rc());
        assertTrue(r.err().contains("bad.feature:4") && r.err().contains("the image is shiny"), r.err());
        assertEquals(1, r.err().strip().lines().count(), r.err());
        assertEquals("{}", Files.readString(out.resolve("manifest.json")));
    }
}
