package io.qcow2conformance.harness.adapter;

import io.qcow2conformance.harness.process.ProcessRunner;

import java.nio.file.Path;
import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * libqcow (libyal): {@code qcowinfo} opens (exit 1 is its documented refusal), guest reads go
 * through the Python binding {@code pyqcow} run by the system Python (Debian python3-libqcow),
 * with a small inline script that streams {@code read_buffer} chunks to the output file.
 * libqcow has no consistency check and no snapshot access. For encrypted images the script
 * hands the passphrase to {@code set_password} (libqcow decrypts crypt_method 1, AES, with
 * passphrases of at most 16 bytes; it does not implement LUKS, whose images it reads without
 * decrypting them: golden-images/divergences.json); {@code qcowinfo} takes no passphrase.
 */
public final class LibqcowAdapter extends ProgramAdapter {
    static final String QCOWINFO = "qcowinfo";
    /** The interpreter the Debian binding is installed for (a pyenv shim would not see it). */
    static final String PYTHON = "/usr/bin/python3";
    /** Exit code of {@link #READ_SCRIPT} when the binding itself misbehaves (not a libqcow verdict). */
    private static final int SCRIPT_ERROR = 3;
    private static final Set<Integer> REFUSED = Set.of(1);

    /** argv[1] image, argv[2] output, argv[3] (optional) passphrase file; exit 1 with one stderr line when libqcow refuses. */
    private static final String READ_SCRIPT = """
            import sys
            try:
                import pyqcow
            except Exception as e:
                sys.stderr.write("pyqcow unavailable: %s\\n" % e); sys.exit(3)
            f = pyqcow.file()
            try:
                if len(sys.argv) > 3:
                    with open(sys.argv[3], "rb") as p:
                        f.set_password(p.read().decode("utf-8"))
                f.open(sys.argv[1])
                size = f.get_media_size()
                left = size
                with open(sys.argv[2], "wb") as out:
                    while left > 0:
                        chunk = f.read_buffer(min(left, 1 << 20))
                        if not chunk:
                            raise IOError("short read at guest offset %d" % (size - left))
                        out.write(chunk)
                        left -= len(chunk)
            except (IOError, OSError) as e:
                sys.stderr.write(" ".join(str(e).split()) + "\\n"); sys.exit(1)
            except Exception as e:
                sys.stderr.write("pyqcow failed: %r\\n" % e); sys.exit(3)
            """;

    private volatile Optional<String> bindingMissing;
    /** The passphrase of encrypted images, or null. */
    private final Path passphraseFile;

    public LibqcowAdapter(Duration timeout) {
        this(timeout, null);
    }

    private LibqcowAdapter(Duration timeout, Path passphraseFile) {
        super(timeout);
        this.passphraseFile = passphraseFile;
    }

    @Override
    public Implementation withPassphraseFile(Path file) {
        return new LibqcowAdapter(timeout, file);
    }

    @Override
    public String name() {
        return "libqcow";
    }

    @Override
    protected String mainProgram() {
        return QCOWINFO;
    }

    @Override
    protected Optional<String> probeVersion() {
        return lineWith(exec(List.of(QCOWINFO, "-V"), null).out(), QCOWINFO)
                .map(l -> l.replaceFirst("^qcowinfo\\s+", ""));
    }

    /** Why guest reads are impossible (no Python or no pyqcow), or empty. */
    Optional<String> bindingMissing() {
        Optional<String> m = bindingMissing;
        if (m == null) {
            var r = exec(List.of(PYTHON, "-c", "import pyqcow"), null);
            m = r.exitCode() == 0 ? Optional.empty()
                    : Optional.of("pyqcow cannot be imported by " + PYTHON + " (apt-get install python3-libqcow)");
            bindingMissing = m;
        }
        return m;
    }

    @Override
    public Set<Capability> capabilities() {
        Set<Capability> caps = EnumSet.of(Capability.OPEN, Capability.INFO);
        if (bindingMissing().isEmpty()) {
            caps.add(Capability.READ_GUEST);
            caps.add(Capability.ENCRYPTION);
        }
        return caps;
    }

    @Override
    public Result open(Path image) {
        var run = exec(List.of(QCOWINFO, image.toString()), null);
        Result r = classify(run, REFUSED);
        return r.status() == Status.REJECTED ? Result.rejected(r.exitCode(), libqcowReason(run)) : r;
    }

    /** libqcow prints a call trace, innermost first: its first {@code libqcow_} line is the cause. */
    private static String libqcowReason(ProcessRunner.Result run) {
        return lineWith(run.err(), "libqcow_").orElse(run.firstErrorLine());
    }

    @Override
    public Result readGuest(Path image, Optional<String> snapshot, Path rawOut) {
        if (snapshot.isPresent()) {
            return Result.unsupported("libqcow cannot read internal snapshots");
        }
        Optional<String> missing = bindingMissing();
        if (missing.isPresent()) {
            return Result.unsupported(missing.get());
        }
        List<String> cmd = new java.util.ArrayList<>(List.of(PYTHON, "-c", READ_SCRIPT, image.toString(), rawOut.toString()));
        if (passphraseFile != null) {
            cmd.add(passphraseFile.toString());
        }
        var run = exec(cmd, null);
        if (run.exitCode() == SCRIPT_ERROR && !run.timedOut()) {
            return Result.of(Status.ADAPTER_ERROR, SCRIPT_ERROR, run.firstErrorLine());
        }
        return classify(run, REFUSED);
    }

    @Override
    public Result check(Path image) {
        return Result.unsupported("libqcow has no consistency check");
    }
}
