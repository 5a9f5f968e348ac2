package io.qcow2conformance.harness.adapter;

import io.qcow2conformance.harness.adapter.Implementation.Result;
import io.qcow2conformance.harness.process.ProcessRunner;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Base of the adapters that drive an external program. Every call goes through
 * {@link ProcessRunner} with the adapter's timeout and is classified by {@link #classify}:
 * exit 0 is OK, a documented refusal code is REJECTED, a signal (exit 128+N, or a negative
 * status) or any other code is a CRASH, a kill after the timeout is a TIMEOUT, and a program
 * that cannot be started is an ADAPTER_ERROR.
 */
public abstract class ProgramAdapter implements Implementation {
    /** Prefix {@link ProcessRunner} puts on stderr when the program could not be started. */
    private static final String CANNOT_START = "cannot start ";

    protected final Duration timeout;
    private volatile Optional<String> version;

    protected ProgramAdapter(Duration timeout) {
        this.timeout = timeout;
    }

    /** The program whose presence decides availability (looked up on the PATH unless absolute). */
    protected abstract String mainProgram();

    /** Asks the program for its version; called once, only when available. */
    protected abstract Optional<String> probeVersion();

    @Override
    public Optional<String> unavailableReason() {
        return locate(mainProgram()).isPresent() ? Optional.empty()
                : Optional.of(mainProgram() + " not found on PATH");
    }

    @Override
    public Optional<String> version() {
        Optional<String> v = version;
        if (v == null) {
            v = unavailableReason().isPresent() ? Optional.empty() : probeVersion();
            version = v;
        }
        return v;
    }

    /** Runs {@code command} (stdout captured, or streamed to {@code stdoutFile} when not null). */
    protected ProcessRunner.Result exec(List<String> command, Path stdoutFile) {
        return exec(command, stdoutFile, null);
    }

    /** As {@link #exec(List, Path)}, started in folder {@code workingDir} (null: the kit's). */
    protected ProcessRunner.Result exec(List<String> command, Path stdoutFile, Path workingDir) {
        return ProcessRunner.run(command, null, timeout, ProcessRunner.DEFAULT_MAX_OUTPUT, stdoutFile, workingDir);
    }

    /** Runs {@code command} and classifies it; {@code rejectCodes} are its documented refusals. */
    protected Result call(List<String> command, Set<Integer> rejectCodes, Path stdoutFile) {
        return classify(exec(command, stdoutFile), rejectCodes);
    }

    /** The classification shared by every program adapter (see the class comment). */
    public static Result classify(ProcessRunner.Result r, Set<Integer> rejectCodes) {
        int rc = r.exitCode();
        String line = r.firstErrorLine();
        if (r.timedOut()) {
            return Result.of(Status.TIMEOUT, -1, "no answer within the timeout; killed");
        }
        if (rc == 127 && line.startsWith(CANNOT_START)) {
            return Result.of(Status.ADAPTER_ERROR, rc, line);
        }
        if (rc == 0) {
            return Result.ok(0, line);
        }
        if (rc >= 128 || rc < 0) {
            String signal = rc >= 128 ? "killed by signal " + signalName(rc - 128) : "abnormal exit status " + rc;
            return Result.of(Status.CRASH, rc, signal + (line.isEmpty() ? "" : ": " + line));
        }
        if (rejectCodes.contains(rc)) {
            return Result.rejected(rc, line.isEmpty() ? "refused (exit " + rc + ")" : line);
        }
        return Result.of(Status.CRASH, rc, "undocumented exit " + rc + (line.isEmpty() ? "" : ": " + line));
    }

    static String signalName(int n) {
        String name = switch (n) {
            case 4 -> "SIGILL";
            case 6 -> "SIGABRT";
            case 7 -> "SIGBUS";
            case 8 -> "SIGFPE";
            case 9 -> "SIGKILL";
            case 11 -> "SIGSEGV";
            case 15 -> "SIGTERM";
            default -> null;
        };
        return name == null ? String.valueOf(n) : n + " (" + name + ")";
    }

    /** The program as given when it is a path, else its location on the PATH. */
    protected static Optional<Path> locate(String program) {
        if (program.contains("/")) {
            Path p = Path.of(program);
            return java.nio.file.Files.isExecutable(p) ? Optional.of(p) : Optional.empty();
        }
        return ProcessRunner.which(program);
    }

    /** The first non-blank line of {@code text} that contains {@code marker}, stripped. */
    protected static Optional<String> lineWith(String text, String marker) {
        return text.lines().map(String::strip).filter(l -> !l.isEmpty() && l.contains(marker)).findFirst();
    }

    /** All non-blank lines of {@code text} joined with " / ", capped at 300 characters. */
    protected static String oneLine(String text) {
        String joined = String.join(" / ", text.lines().map(String::strip).filter(l -> !l.isEmpty()).toList());
        return joined.length() <= 300 ? joined : joined.substring(0, 297) + "...";
    }

    @Override
    public String toString() {
        return name();
    }
}
