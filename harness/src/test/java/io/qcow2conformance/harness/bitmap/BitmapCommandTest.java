package io.qcow2conformance.harness.bitmap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.qcow2conformance.harness.testkit.Cli;
import io.qcow2conformance.harness.testkit.Qemu;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

/** The {@code bitmap} command's refusals: one line on stderr and the documented exit code. */
class BitmapCommandTest {
    @TempDir
    Path dir;

    Path image(String... bitmaps) {
        Path p = dir.resolve("a.qcow2");
        Qemu.img("create", "-q", "-f", "qcow2", p.toString(), "1M");
        for (String b : bitmaps) {
            Qemu.img("bitmap", "--add", p.toString(), b);
        }
        return p;
    }

    @Test
    void anUnknownNameIsOneLineAndExitOne() {
        Cli.Result r = Cli.run("bitmap", image("b0", "b1").toString(), "--name=nope");
        assertEquals(1, r.exitCode());
        assertEquals(1, r.err().strip().lines().count(), r.err());
        assertTrue(r.err().contains("'nope'") && r.err().contains("b0, b1"), r.err());
        assertEquals("", r.out());
    }

    @Test
    void anImageWithoutBitmapsIsExitOne() {
        Cli.Result r = Cli.run("bitmap", image().toString(), "--name=b0");
        assertEquals(1, r.exitCode());
        assertTrue(r.err().contains("no bitmaps extension"), r.err());
    }

    @Test
    void theNameIsRequiredAndProposalsAreChecked() {
        Path p = image("b0");
        assertEquals(64, Cli.run("bitmap", p.toString()).exitCode());
        assertEquals(64, Cli.run("bitmap", "--proposal=nope", p.toString(), "--name=b0").exitCode());
        Cli.Result ok = Cli.run("bitmap", p.toString(), "--name=b0");
        assertEquals(0, ok.exitCode(), ok.err());
        assertTrue(ok.out().contains("consistent: yes") && ok.out().contains("set ranges: none"), ok.out());
    }
}
