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
 * QEMU through {@code qemu-io} and {@code qemu-img}: {@code qemu-io -r -c quit} opens (the whole
 * backing chain), {@code convert -O raw} reads the guest
 * (with {@code -l snapshot.name=NAME} for a snapshot), {@code check --output=json} checks.
 * qemu-img documents exit 1 as "could not open / could not check"; check adds 2 (corruptions)
 * and 3 (leaks only), and 63 for a format without checks. Persistent bitmaps are read by
 * exporting the image read-only with {@code qemu-nbd -B NAME} (started by {@code nbdinfo} through
 * socket activation, so one process tree per call) and asking {@code nbdinfo --map} for the
 * {@code qemu:dirty-bitmap:NAME} context; exit 1 means the bitmap or the image was refused.
 *
 * <p>Every program runs in the image's folder, given absolute paths: QEMU 7.2 opens a relative
 * external data file name against its working directory (backing file names against the
 * image's folder), so this is how it finds the data file next to the image, as the kit does
 * (errata: external-data-file-name-resolution).
 *
 * <p>Encrypted images ({@link #withPassphraseFile}) are named by {@code --image-opts} with
 * {@code encrypt.key-secret} set to a {@code secret} object that reads the passphrase file.
 */
public final class QemuAdapter extends ProgramAdapter {
    static final String QEMU_IMG = "qemu-img";
    static final String QEMU_IO = "qemu-io";
    static final String QEMU_NBD = "qemu-nbd";
    static final String NBDINFO = "nbdinfo";
    private static final Set<Integer> REFUSED = Set.of(1);
    private static final String SECRET_ID = "sec0";

    /** The passphrase of encrypted images, or null. */
    private final Path passphraseFile;

    public QemuAdapter(Duration timeout) {
        this(timeout, null);
    }

    private QemuAdapter(Duration timeout, Path passphraseFile) {
        super(timeout);
        this.passphraseFile = passphraseFile;
    }

    @Override
    public Implementation withPassphraseFile(Path file) {
        return new QemuAdapter(timeout, file);
    }

    /**
     * How a command names the image: {@code -f qcow2 IMAGE}, or for an encrypted image a secret
     * object and {@code --image-opts} (commas in paths doubled, as QEMU's option syntax wants).
     */
    List<String> imageArgs(Path image) {
        if (passphraseFile == null) {
            return List.of("-f", "qcow2", absolute(image));
        }
        return List.of("--object", "secret,id=" + SECRET_ID + ",file=" + escape(passphraseFile),
                "--image-opts", "driver=qcow2,file.filename=" + escape(image) + ",encrypt.key-secret=" + SECRET_ID);
    }

    private static String escape(Path p) {
        return absolute(p).replace(",", ",,");
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
    public Optional<String> unavailableReason() {
        return super.unavailableReason().or(() -> locate(QEMU_IO).isEmpty()
                ? Optional.of(QEMU_IO + " not found on PATH (apt-get install qemu-utils)") : Optional.empty());
    }

    @Override
    protected Optional<String> probeVersion() {
        // "qemu-img version 7.2.22 (Debian ...)"
        return lineWith(exec(List.of(QEMU_IMG, "--version"), null).out(), "version")
                .map(l -> l.replaceFirst("^qemu-img version\\s+", ""));
    }

    @Override
    public Set<Capability> capabilities() {
        Set<Capability> caps = EnumSet.of(Capability.OPEN, Capability.READ_GUEST, Capability.CHECK, Capability.INFO,
                Capability.SNAPSHOTS, Capability.BACKING_FILES, Capability.DATA_FILES, Capability.ENCRYPTION);
        if (bitmapToolsMissing().isEmpty()) {
            caps.add(Capability.BITMAPS);
        }
        return caps;
    }

    private static Optional<String> bitmapToolsMissing() {
        return locate(QEMU_NBD).isEmpty() ? Optional.of(QEMU_NBD + " not found on PATH (apt-get install qemu-utils)")
                : locate(NBDINFO).isEmpty() ? Optional.of(NBDINFO + " not found on PATH (apt-get install libnbd-bin)")
                : Optional.empty();
    }

    @Override
    public Result bitmap(Path image, String name) {
        Optional<String> missing = bitmapToolsMissing();
        if (missing.isPresent()) {
            return Result.unsupported(missing.get());
        }
        List<String> cmd = new ArrayList<>(List.of(NBDINFO, "--json", "--map=qemu:dirty-bitmap:" + name, "--",
                "[", QEMU_NBD, "-r", "-B", name));
        cmd.addAll(imageArgs(image));
        cmd.add("]");
        var run = exec(cmd, null, folder(image));
        Result r = classify(run, REFUSED);
        if (r.status() != Status.OK) {
            return r;
        }
        try {
            List<long[]> ranges = new ArrayList<>();
            for (JsonNode extent : Json.MAPPER.readTree(run.stdout())) {
                if ((extent.path("type").asLong() & 1) == 0) {
                    continue; // clean
                }
                long offset = extent.path("offset").asLong();
                long length = extent.path("length").asLong();
                long[] last = ranges.isEmpty() ? null : ranges.get(ranges.size() - 1);
                if (last != null && last[0] + last[1] == offset) {
                    last[1] += length;
                } else {
                    ranges.add(new long[] {offset, length});
                }
            }
            return new Result(Status.OK, 0, "ranges " + ranges.size(), List.of(), ranges);
        } catch (IOException | RuntimeException e) {
            return adapterError("nbdinfo printed no extent list: " + e.getMessage());
        }
    }

    /**
     * {@code qemu-io -f qcow2 -c COMMAND IMAGE}: the image opened read-write, as a guest write
     * through QEMU would (it changes {@code image}). OK when qemu-io ran the command.
     */
    public Result io(Path image, String command) {
        var run = exec(List.of(QEMU_IO, "-f", "qcow2", "-c", command, absolute(image)), null, folder(image));
        Result r = classify(run, REFUSED);
        if (r.status() != Status.OK) {
            return r;
        }
        // qemu-io may exit 0 when the open or the command failed: it says "wrote N/N bytes" on success
        List<String> said = (run.out() + "\n" + run.err()).lines().map(String::strip).filter(l -> !l.isEmpty()).toList();
        String warnings = said.stream().filter(l -> l.contains("warning")).collect(java.util.stream.Collectors.joining("; "));
        if (command.startsWith("write") && said.stream().noneMatch(l -> l.startsWith("wrote "))) {
            return Result.rejected(1, said.stream().filter(l -> !l.contains("warning")).findFirst().orElse("no output"));
        }
        return Result.ok(0, warnings);
    }

    /**
     * Opens the image as a guest would: {@code qemu-io -r} opens the whole backing chain (unlike
     * {@code qemu-img info}, which stops at the top image), then quits. A chain QEMU never
     * finishes opening ends in the adapter's timeout, which is a TIMEOUT, never an acceptance.
     */
    @Override
    public Result open(Path image) {
        List<String> cmd = new ArrayList<>(List.of(QEMU_IO, "-r", "-c", "quit"));
        cmd.addAll(imageArgs(image));
        return classify(exec(cmd, null, folder(image)), REFUSED);
    }

    @Override
    public Result readGuest(Path image, Optional<String> snapshot, Path rawOut) {
        List<String> cmd = new ArrayList<>(List.of(QEMU_IMG, "convert", "-O", "raw"));
        snapshot.ifPresent(s -> cmd.addAll(List.of("-l", "snapshot.name=" + s)));
        cmd.addAll(imageArgs(image));
        cmd.add(absolute(rawOut));
        return classify(exec(cmd, null, folder(image)), REFUSED);
    }

    @Override
    public Result check(Path image) {
        List<String> cmd = new ArrayList<>(List.of(QEMU_IMG, "check", "--output=json"));
        cmd.addAll(imageArgs(image));
        var run = exec(cmd, null, folder(image));
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

    private static String absolute(Path p) {
        return p.toAbsolutePath().toString();
    }

    /** The folder QEMU runs in: the image's, where a relative data file name is then found. */
    private static Path folder(Path image) {
        return image.toAbsolutePath().getParent();
    }

    static Result adapterError(String why) {
        return Result.of(Status.ADAPTER_ERROR, -1, why);
    }
}
