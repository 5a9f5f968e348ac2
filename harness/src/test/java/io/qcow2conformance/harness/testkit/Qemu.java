package io.qcow2conformance.harness.testkit;

import io.qcow2conformance.harness.process.ProcessRunner;
import org.junit.jupiter.api.Assumptions;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The real QEMU tools for differential tests. A test that needs one calls
 * {@link #require}: when the program is absent the test is reported as skipped with the
 * reason (CI installs qemu-utils, so nothing is skipped there).
 */
public final class Qemu {
    public static final Duration TIMEOUT = Duration.ofSeconds(60);

    private Qemu() {
    }

    public static void require(String program) {
        Assumptions.assumeTrue(ProcessRunner.which(program).isPresent(),
                program + " is not installed (apt-get install qemu-utils); skipped");
    }

    /**
     * Runs {@code qemu-img ARGS...} and fails the test if it does not exit 0. qemu-img times
     * LUKS key derivation by CPU usage and, on a busy machine, sometimes fails with "Unable to
     * get accurate CPU usage": such an attempt (a timing hiccup, not behaviour under test) is
     * repeated, at most three times in all.
     */
    public static ProcessRunner.Result img(String... args) {
        for (int attempt = 1; ; attempt++) {
            ProcessRunner.Result r = run("qemu-img", args);
            if (r.exitCode() == 0 || attempt == 3 || !r.err().contains("accurate CPU usage")) {
                return ok(r);
            }
        }
    }

    /** Runs {@code qemu-io ARGS...} and fails the test if it does not exit 0. */
    public static ProcessRunner.Result io(String... args) {
        return ok(run("qemu-io", args));
    }

    /** Runs a QEMU tool and returns the result whatever its exit code. */
    public static ProcessRunner.Result run(String program, String... args) {
        require(program);
        List<String> cmd = new ArrayList<>();
        cmd.add(program);
        cmd.addAll(List.of(args));
        return ProcessRunner.run(cmd, TIMEOUT);
    }

    /** {@code qemu-img convert -O raw IMAGE OUT}. */
    public static Path convertToRaw(Path image, Path out, String... extra) {
        List<String> args = new ArrayList<>(List.of("convert", "-O", "raw"));
        args.addAll(List.of(extra));
        args.add(image.toString());
        args.add(out.toString());
        img(args.toArray(String[]::new));
        return out;
    }

    private static ProcessRunner.Result ok(ProcessRunner.Result r) {
        if (r.exitCode() != 0) {
            throw new AssertionError("QEMU tool failed (exit " + r.exitCode() + "): " + r.err());
        }
        return r;
    }
}
