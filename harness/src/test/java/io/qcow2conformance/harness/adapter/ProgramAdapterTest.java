package io.qcow2conformance.harness.adapter;

import io.qcow2conformance.harness.process.ProcessRunner;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The classification every program adapter shares, on the exit statuses a POSIX shell reports. */
class ProgramAdapterTest {
    private static ProcessRunner.Result exit(int code, String stderr, boolean timedOut) {
        return new ProcessRunner.Result(code, new byte[0], stderr.getBytes(StandardCharsets.UTF_8), timedOut, false);
    }

    @Test
    void classifiesEveryWayAProgramCanEnd() {
        Set<Integer> refused = Set.of(1);
        assertEquals(Status.OK, ProgramAdapter.classify(exit(0, "", false), refused).status());
        Implementation.Result r = ProgramAdapter.classify(exit(1, "bad magic\nmore", false), refused);
        assertEquals(Status.REJECTED, r.status());
        assertEquals("bad magic", r.detail());
        // POSIX: a process killed by signal N reports 128+N; SIGABRT is 6
        Implementation.Result abort = ProgramAdapter.classify(exit(134, "", false), refused);
        assertEquals(Status.CRASH, abort.status());
        assertTrue(abort.detail().contains("SIGABRT"), abort.detail());
        assertEquals(Status.CRASH, ProgramAdapter.classify(exit(5, "odd", false), refused).status());
        assertEquals(Status.CRASH, ProgramAdapter.classify(exit(-3, "", false), refused).status());
        assertEquals(Status.TIMEOUT, ProgramAdapter.classify(exit(-1, "", true), refused).status());
        assertEquals(Status.ADAPTER_ERROR,
                ProgramAdapter.classify(exit(127, "cannot start x: No such file", false), refused).status());
    }

    @Test
    void oneLineJoinsAndCapsMultiLineErrors() {
        assertEquals("a / b", ProgramAdapter.oneLine("a\n\n  b  \n"));
        assertEquals(300, ProgramAdapter.oneLine("x".repeat(1000)).length());
    }
}
