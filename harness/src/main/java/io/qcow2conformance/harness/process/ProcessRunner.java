package io.qcow2conformance.harness.process;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * Runs an external program with a timeout and bounded output capture. Every call to a real
 * implementation (qemu-img, qcowinfo, 7zz, a user's command) goes through here, so that a
 * hang or an output flood in the program under test never hangs the kit.
 */
public final class ProcessRunner {
    /** Default cap on captured stdout and stderr, each. */
    public static final int DEFAULT_MAX_OUTPUT = 16 << 20;

    private ProcessRunner() {
    }

    /**
     * The outcome of one run.
     *
     * @param exitCode  the exit status, or -1 on timeout; 128+N when killed by signal N
     * @param stdout    captured standard output (at most the cap)
     * @param stderr    captured standard error (at most the cap)
     * @param timedOut  the program did not finish in time and was killed
     * @param truncated output beyond the cap was discarded
     */
    public record Result(int exitCode, byte[] stdout, byte[] stderr, boolean timedOut, boolean truncated) {
        public String out() {
            return new String(stdout, StandardCharsets.UTF_8);
        }

        public String err() {
            return new String(stderr, StandardCharsets.UTF_8);
        }

        /** The first line of stderr, for one-line reports. */
        public String firstErrorLine() {
            String e = err().strip();
            int nl = e.indexOf('\n');
            return nl < 0 ? e : e.substring(0, nl);
        }
    }

    public static Result run(List<String> command, Duration timeout) {
        return run(command, null, timeout, DEFAULT_MAX_OUTPUT, null);
    }

    /**
     * Runs {@code command}; {@code stdin} may be null (no input). When {@code stdoutFile} is
     * given, standard output goes there uncapped (for guest images) instead of memory.
     */
    public static Result run(List<String> command, byte[] stdin, Duration timeout, int maxOutput, Path stdoutFile) {
        return run(command, stdin, timeout, maxOutput, stdoutFile, null);
    }

    /** As {@link #run(List, byte[], Duration, int, Path)}, started in folder {@code workingDir} (null: this process's). */
    public static Result run(List<String> command, byte[] stdin, Duration timeout, int maxOutput, Path stdoutFile,
                             Path workingDir) {
        ProcessBuilder pb = new ProcessBuilder(command);
        if (workingDir != null) {
            pb.directory(workingDir.toFile());
        }
        if (stdoutFile != null) {
            pb.redirectOutput(stdoutFile.toFile());
        }
        Process p;
        try {
            p = pb.start();
        } catch (IOException e) {
            return new Result(127, new byte[0], ("cannot start " + command.get(0) + ": " + e.getMessage())
                    .getBytes(StandardCharsets.UTF_8), false, false);
        }
        Capture out = stdoutFile == null ? new Capture(p.getInputStream(), maxOutput) : null;
        Capture err = new Capture(p.getErrorStream(), maxOutput);
        if (out != null) {
            out.start();
        }
        err.start();
        try {
            if (stdin != null) {
                try (var os = p.getOutputStream()) {
                    os.write(stdin);
                } catch (IOException ignored) {
                    // the program closed its input early; its exit status tells the rest
                }
            } else {
                p.getOutputStream().close();
            }
            boolean done = p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
            if (!done) {
                p.descendants().forEach(ProcessHandle::destroyForcibly);
                p.destroyForcibly();
                p.waitFor(5, TimeUnit.SECONDS);
            }
            byte[] o = out == null ? new byte[0] : out.finish();
            byte[] e = err.finish();
            boolean truncated = (out != null && out.truncated) || err.truncated;
            return new Result(done ? p.exitValue() : -1, o, e, !done, truncated);
        } catch (InterruptedException | IOException ex) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            return new Result(-1, new byte[0], ex.toString().getBytes(StandardCharsets.UTF_8), true, false);
        }
    }

    /** The absolute path of {@code program} on the PATH, if present. */
    public static Optional<Path> which(String program) {
        String path = System.getenv("PATH");
        if (path == null) {
            return Optional.empty();
        }
        for (String dir : path.split(java.io.File.pathSeparator)) {
            Path candidate = Path.of(dir, program);
            if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
                return Optional.of(candidate);
            }
        }
        return Optional.empty();
    }

    private static final class Capture extends Thread {
        private final InputStream in;
        private final int max;
        private final ByteArrayOutputStream buf = new ByteArrayOutputStream();
        volatile boolean truncated;

        Capture(InputStream in, int max) {
            this.in = in;
            this.max = max;
            setDaemon(true);
        }

        @Override
        public void run() {
            byte[] chunk = new byte[65536];
            try {
                int n;
                while ((n = in.read(chunk)) >= 0) {
                    int keep = Math.min(n, max - buf.size());
                    if (keep > 0) {
                        buf.write(chunk, 0, keep);
                    }
                    if (keep < n) {
                        truncated = true; // keep draining so the program is not blocked
                    }
                }
            } catch (IOException ignored) {
                // stream closed when the process was killed
            }
        }

        byte[] finish() throws InterruptedException {
            join(10_000);
            return buf.toByteArray();
        }
    }
}
