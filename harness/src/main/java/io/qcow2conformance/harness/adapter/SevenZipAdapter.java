package io.qcow2conformance.harness.adapter;

import java.nio.file.Path;
import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * 7-Zip's QCOW handler: {@code 7zz t} opens (tests) the image, {@code 7zz e -so} streams the
 * guest content to standard output. The type is forced with {@code -tqcow} so that 7-Zip
 * cannot fall back to another archive format. 7-Zip documents exit 1 (warning, e.g. a
 * truncated stream), 2 (fatal error: not an archive, data error, unsupported method) and 8
 * (not enough memory) as refusals; 7 is a command-line error, i.e. an adapter bug.
 */
public final class SevenZipAdapter extends ProgramAdapter {
    static final String SEVEN_ZIP = "7zz";
    private static final Set<Integer> REFUSED = Set.of(1, 2, 8);
    private static final int USAGE_ERROR = 7;

    public SevenZipAdapter(Duration timeout) {
        super(timeout);
    }

    @Override
    public String name() {
        return "7zip";
    }

    @Override
    protected String mainProgram() {
        return SEVEN_ZIP;
    }

    @Override
    protected Optional<String> probeVersion() {
        // "7-Zip (z) 26.02 (x64) : Copyright ..."
        return lineWith(exec(List.of(SEVEN_ZIP), null).out(), "7-Zip")
                .map(l -> l.replaceFirst("^7-Zip(\\s*\\([a-z]\\))?\\s*", "").replaceFirst("\\s*:.*$", ""));
    }

    @Override
    public Set<Capability> capabilities() {
        return EnumSet.of(Capability.OPEN, Capability.READ_GUEST);
    }

    @Override
    public Result open(Path image) {
        return run(List.of(SEVEN_ZIP, "t", "-tqcow", "-bso0", "-bsp0", image.toString()), null);
    }

    @Override
    public Result readGuest(Path image, Optional<String> snapshot, Path rawOut) {
        if (snapshot.isPresent()) {
            return Result.unsupported("7-Zip reads only the active image, not internal snapshots");
        }
        return run(List.of(SEVEN_ZIP, "e", "-so", "-tqcow", "-bsp0", image.toString()), rawOut);
    }

    private Result run(List<String> command, Path stdoutFile) {
        var run = exec(command, stdoutFile);
        if (run.exitCode() == USAGE_ERROR && !run.timedOut()) {
            return Result.of(Status.ADAPTER_ERROR, USAGE_ERROR, "7zz rejected the adapter's command line: " + oneLine(run.err()));
        }
        Result r = classify(run, REFUSED);
        // 7-Zip spreads one error over several lines ("ERROR: file", "Open ERROR: ...", "ERRORS:", "Is not archive")
        return r.status() == Status.REJECTED ? Result.rejected(r.exitCode(), oneLine(run.err())) : r;
    }

    @Override
    public Result check(Path image) {
        return Result.unsupported("7-Zip has no consistency check");
    }
}
