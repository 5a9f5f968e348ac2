package io.qcow2conformance.harness.adapter;

import com.fasterxml.jackson.databind.JsonNode;
import io.qcow2conformance.harness.cli.Json;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * QEMU through {@code qemu-img}: {@code info} opens, {@code convert -O raw} reads the guest
 * (with {@code -l snapshot.name=NAME} for a snapshot), {@code check --output=json} checks.
 * qemu-img documents exit 1 as "could not open / could not check"; check adds 2 (corruptions)
 * and 3 (leaks only), and 63 for a format without checks. Bitmaps are not driven (that needs
 * qemu-nbd plus nbdinfo) and are reported as unsupported.
 */
public final class QemuAdapter extends ProgramAdapter {
    static final String QEMU_IMG = "qemu-img";
    private static final Set<Integer> REFUSED = Set.of(1);

    public QemuAdapter(Duration timeout) {
        super(timeout);
    }

    @Override
    public String name() {
        return "qemu";
    }

    @Override
    protected String mainProgram() {
        return QEMU_IMG;
    }

    @Override
    protected Optional<String> probeVersion() {
        // "qemu-img version 7.2.22 (Debian ...)"
        return lineWith(exec(List.of(QEMU_IMG, "--version"), null).out(), "version")
                .map(l -> l.replaceFirst("^qemu-img version\\s+", ""));
    }

    @Override
    public Set<Capability> capabilities() {
        return EnumSet.of(Capability.OPEN, Capability.READ_GUEST, Capability.CHECK, Capability.INFO,
                Capability.SNAPSHOTS, Capability.BACKING_FILES);
    }

    @Override
    public Result open(Path image) {
        var run = exec(List.of(QEMU_IMG, "info", "--output=json", "-f", "qcow2", image.toString()), null);
        Result r = classify(run, REFUSED);
        if (r.status() != Status.OK) {
            return r;
        }
        try {
            JsonNode info = Json.MAPPER.readTree(run.stdout());
            return Result.ok(0, "virtual-size " + info.path("virtual-size").asLong(-1));
        } catch (IOException e) {
            return adapterError("qemu-img info printed no JSON: " + e.getMessage());
        }
    }

    @Override
    public Result readGuest(Path image, Optional<String> snapshot, Path rawOut) {
        List<String> cmd = new ArrayList<>(List.of(QEMU_IMG, "convert", "-f", "qcow2", "-O", "raw"));
        snapshot.ifPresent(s -> cmd.addAll(List.of("-l", "snapshot.name=" + s)));
        cmd.add(image.toString());
        cmd.add(rawOut.toString());
        return call(cmd, REFUSED, null);
    }

    @Override
    public Result check(Path image) {
        var run = exec(List.of(QEMU_IMG, "check", "--output=json", "-f", "qcow2", image.toString()), null);
        int rc = run.exitCode();
        if (rc == 63) {
            return Result.unsupported("qemu-img cannot check this format");
        }
        if (run.timedOut() || (rc != 2 && rc != 3)) {
            return withCounts(classify(run, REFUSED), run.stdout());
        }
        return withCounts(Result.ok(rc, run.firstErrorLine()), run.stdout());
    }

    /** Adds qemu-img check's counters (present in the JSON only when non-zero) to the detail. */
    private static Result withCounts(Result r, byte[] json) {
        if (r.status() != Status.OK) {
            return r;
        }
        try {
            JsonNode n = Json.MAPPER.readTree(json);
            if (n == null || !n.has("check-errors")) {
                return adapterError("qemu-img check printed no ImageCheck JSON");
            }
            String counts = "corruptions " + n.path("corruptions").asLong(0) + ", leaks " + n.path("leaks").asLong(0)
                    + ", check-errors " + n.path("check-errors").asLong(0);
            return Result.of(Status.OK, r.exitCode(), counts);
        } catch (IOException e) {
            return adapterError("qemu-img check printed no JSON: " + e.getMessage());
        }
    }

    static Result adapterError(String why) {
        return Result.of(Status.ADAPTER_ERROR, -1, why);
    }
}
