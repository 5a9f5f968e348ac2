package io.qcow2conformance.features.impl;

import io.qcow2conformance.harness.adapter.Capability;
import io.qcow2conformance.harness.adapter.Implementation;
import io.qcow2conformance.harness.adapter.Status;
import io.qcow2conformance.harness.process.ProcessRunner;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Interim adapter for QEMU's tools ({@code qemu-io} to open, {@code qemu-img convert|check}), so the scenarios
 * can run against the real QEMU before the harness's QEMU adapter is merged; the
 * integrator replaces it with that adapter.
 */
public final class InterimQemuImplementation implements Implementation {
    private static final Duration TIMEOUT = Duration.ofSeconds(60);

    @Override
    public String name() {
        return "qemu";
    }

    @Override
    public Optional<String> version() {
        return Optional.empty();
    }

    @Override
    public Optional<String> unavailableReason() {
        return ProcessRunner.which("qemu-img").isPresent() ? Optional.empty()
                : Optional.of("qemu-img is not installed (apt-get install qemu-utils)");
    }

    @Override
    public Set<Capability> capabilities() {
        return EnumSet.of(Capability.OPEN, Capability.READ_GUEST, Capability.CHECK, Capability.BACKING_FILES);
    }

    /** Opens the image and its backing chain read-only, as a guest would ({@code qemu-img info} skips the chain). */
    @Override
    public Result open(Path image) {
        return classify(ProcessRunner.run(List.of("qemu-io", "-r", "-f", "qcow2", "-c", "quit", image.toString()), TIMEOUT),
                false);
    }

    @Override
    public Result readGuest(Path image, Optional<String> snapshot, Path rawOut) {
        List<String> args = new ArrayList<>(List.of("convert", "-f", "qcow2", "-O", "raw"));
        snapshot.ifPresent(s -> args.addAll(List.of("-l", s)));
        args.addAll(List.of(image.toString(), rawOut.toString()));
        return classify(run(args.toArray(String[]::new)), false);
    }

    @Override
    public Result check(Path image) {
        return classify(run("check", "-f", "qcow2", image.toString()), true);
    }

    private static ProcessRunner.Result run(String... args) {
        List<String> cmd = new ArrayList<>();
        cmd.add("qemu-img");
        cmd.addAll(List.of(args));
        return ProcessRunner.run(cmd, TIMEOUT);
    }

    private static Result classify(ProcessRunner.Result r, boolean check) {
        String line = r.firstErrorLine();
        if (r.timedOut()) {
            return new Result(Status.TIMEOUT, -1, "timed out", List.of(), List.of());
        }
        if (r.exitCode() == 0 || (check && (r.exitCode() == 2 || r.exitCode() == 3))) {
            return Result.ok(r.exitCode(), line);
        }
        if (r.exitCode() == 1) {
            return check ? Result.ok(1, line) : Result.rejected(1, line);
        }
        return new Result(Status.CRASH, r.exitCode(), line, List.of(), List.of());
    }
}
