package io.qcow2conformance.harness.process;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** The runner's guards against a program under test that floods its output or never ends. */
class ProcessRunnerTest {
    private static void require(String program) {
        assumeTrue(ProcessRunner.which(program).isPresent(), program + " is not installed");
    }

    @Test
    void aProgramFloodingStdoutIsCappedAndKilledAtTheTimeoutAndTheNextRunWorks() {
        require("yes");
        int cap = 1 << 20;
        ProcessRunner.Result flood = ProcessRunner.run(List.of("yes"), null, Duration.ofSeconds(2), cap, null);
        assertTrue(flood.timedOut(), "yes never ends: it must be killed at the timeout");
        assertEquals(-1, flood.exitCode());
        assertTrue(flood.truncated(), "the output beyond the cap is discarded");
        assertEquals(cap, flood.stdout().length, "exactly the cap is kept");
        assertTrue(flood.out().startsWith("y\ny\n"), flood.out().substring(0, 16));

        require("echo");
        ProcessRunner.Result next = ProcessRunner.run(List.of("echo", "after"), Duration.ofSeconds(30));
        assertFalse(next.timedOut());
        assertEquals(0, next.exitCode());
        assertEquals("after\n", next.out());
    }

    @Test
    void aProgramFloodingStderrIsCappedToo() {
        require("sh");
        int cap = 4096;
        ProcessRunner.Result r = ProcessRunner.run(List.of("sh", "-c", "yes >&2"), null, Duration.ofSeconds(2), cap, null);
        assertTrue(r.timedOut());
        assertTrue(r.truncated());
        assertEquals(cap, r.stderr().length);
        assertEquals(0, r.stdout().length);
    }
}
