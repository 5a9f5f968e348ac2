package io.qcow2conformance.features.impl;

import io.qcow2conformance.harness.adapter.Capability;
import io.qcow2conformance.harness.adapter.Implementation;
import io.qcow2conformance.harness.cli.Main;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.Optional;
import java.util.Set;

/**
 * Interim adapter for the reference model: runs the kit's own command line in-process
 * ({@code info}, {@code convert}, {@code check}). The integrator replaces it with the
 * harness's in-process model adapter. A command that is not written yet on this branch
 * reports UNSUPPORTED, so its scenarios are skipped, never passed.
 */
public final class InterimModelCliImplementation implements Implementation {
    @Override
    public String name() {
        return "model";
    }

    @Override
    public Optional<String> version() {
        return Optional.empty();
    }

    @Override
    public Optional<String> unavailableReason() {
        return Optional.empty();
    }

    @Override
    public Set<Capability> capabilities() {
        return EnumSet.of(Capability.OPEN, Capability.READ_GUEST, Capability.CHECK, Capability.BACKING_FILES);
    }

    @Override
    public Result open(Path image) {
        return run(false, "info", image.toString());
    }

    @Override
    public Result readGuest(Path image, Optional<String> snapshot, Path rawOut) {
        if (snapshot.isPresent()) {
            return run(false, "convert", "--snapshot", snapshot.get(), image.toString(), rawOut.toString());
        }
        return run(false, "convert", image.toString(), rawOut.toString());
    }

    @Override
    public Result check(Path image) {
        return run(true, "check", image.toString());
    }

    private static Result run(boolean check, String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int rc = Main.run(args, new PrintWriter(out, true), new PrintWriter(err, true));
        String line = err.toString().strip().lines().findFirst().orElse(out.toString().strip());
        if (line.contains("not written yet") || rc == Main.EXIT_USAGE) {
            // The placeholder commands of this branch take no arguments (usage error).
            return Result.unsupported("model '" + args[0] + "' is not written yet on this branch: " + line);
        }
        if (rc == Main.EXIT_OK || (check && rc <= Main.EXIT_LEAKS)) {
            return Result.ok(rc, line);
        }
        if (rc == Main.EXIT_ERROR) {
            return Result.rejected(rc, line);
        }
        return new Result(io.qcow2conformance.harness.adapter.Status.CRASH, rc, line, java.util.List.of(), java.util.List.of());
    }
}
