package io.qcow2conformance.harness.adapter;

import com.fasterxml.jackson.databind.JsonNode;
import io.qcow2conformance.harness.cli.Json;
import io.qcow2conformance.harness.process.ProcessRunner;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/**
 * Any program speaking the kit's language-neutral protocol (docs/adapter-protocol.md):
 * {@code PROGRAM capabilities | version | open IMAGE | read IMAGE | read-snapshot IMAGE NAME |
 * check IMAGE | bitmap IMAGE NAME}. Exit 0 answers, exit 1 is a clean refusal (one line on
 * stderr), exit 69 means "not supported"; anything else (a signal, another code) is a crash.
 * Configured as {@code command:NAME=PROGRAM [ARG...]} (arguments split on blanks, no quoting).
 * For an encrypted image every request about it ends with {@code --passphrase-file=FILE}.
 */
public final class CommandAdapter extends ProgramAdapter {
    public static final String PREFIX = "command:";
    static final int REFUSED_EXIT = 1;
    static final int UNSUPPORTED_EXIT = 69;
    private static final Set<Integer> REFUSED = Set.of(REFUSED_EXIT);

    private final String name;
    private final List<String> program;
    private volatile Set<Capability> capabilities;
    private volatile String capabilitiesProblem;
    /** The passphrase of encrypted images, or null. */
    private final Path passphraseFile;

    public CommandAdapter(String name, List<String> program, Duration timeout) {
        this(name, program, timeout, null);
    }

    private CommandAdapter(String name, List<String> program, Duration timeout, Path passphraseFile) {
        super(timeout);
        this.passphraseFile = passphraseFile;
        if (program.isEmpty()) {
            throw new IllegalArgumentException("empty command for " + name);
        }
        this.name = name;
        this.program = List.copyOf(program);
    }

    /** Parses {@code command:NAME=PROGRAM [ARG...]}. */
    public static CommandAdapter parse(String spec, Duration timeout) {
        int eq = spec.indexOf('=');
        String name = !spec.startsWith(PREFIX) || eq < PREFIX.length() ? "" : spec.substring(PREFIX.length(), eq);
        List<String> argv = eq < 0 ? List.of() : List.of(spec.substring(eq + 1).trim().split("\\s+"));
        if (!name.matches("[A-Za-z0-9._-]+") || argv.isEmpty() || argv.get(0).isEmpty()) {
            throw new IllegalArgumentException("expected command:NAME=PROGRAM [ARG...], got '" + spec + "'");
        }
        return new CommandAdapter(name, argv, timeout);
    }

    @Override
    public String name() {
        return PREFIX + name;
    }

    @Override
    protected String mainProgram() {
        return program.get(0);
    }

    @Override
    public Optional<String> unavailableReason() {
        Optional<String> missing = super.unavailableReason();
        if (missing.isPresent()) {
            return missing;
        }
        capabilities();
        return Optional.ofNullable(capabilitiesProblem);
    }

    @Override
    protected Optional<String> probeVersion() {
        var r = exec(argv("version"), null);
        return r.exitCode() == 0 ? r.out().lines().map(String::strip).filter(l -> !l.isEmpty()).findFirst()
                : Optional.empty();
    }

    /** The capabilities the program declares; empty (and the adapter unavailable) when it cannot say. */
    @Override
    public Set<Capability> capabilities() {
        Set<Capability> caps = capabilities;
        if (caps == null) {
            caps = EnumSet.noneOf(Capability.class);
            var r = exec(argv("capabilities"), null);
            try {
                if (r.exitCode() != 0) {
                    throw new IOException("exit " + r.exitCode() + (r.timedOut() ? " (timeout)" : "") + " "
                            + r.firstErrorLine());
                }
                JsonNode list = Json.MAPPER.readTree(r.stdout());
                if (list == null || !list.isArray()) {
                    throw new IOException("stdout is not a JSON list");
                }
                for (JsonNode c : list) {
                    caps.add(capability(c.asText()));
                }
            } catch (IOException | IllegalArgumentException e) {
                capabilitiesProblem = "'capabilities' failed: " + e.getMessage();
                caps = EnumSet.noneOf(Capability.class);
            }
            capabilities = caps;
        }
        return caps;
    }

    /** Protocol spelling of a capability: lower case with hyphens ({@code read-guest}). */
    public static String protocolName(Capability c) {
        return c.name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    private static Capability capability(String protocolName) {
        for (Capability c : Capability.values()) {
            if (protocolName(c).equals(protocolName)) {
                return c;
            }
        }
        throw new IllegalArgumentException("unknown capability '" + protocolName + "'");
    }

    /** The same program, given {@code --passphrase-file=FILE} after every request about an image. */
    @Override
    public Implementation withPassphraseFile(Path file) {
        CommandAdapter c = new CommandAdapter(name, program, timeout, file);
        c.capabilities = capabilities;
        c.capabilitiesProblem = capabilitiesProblem;
        return c;
    }

    @Override
    public Result open(Path image) {
        return answer(exec(imageArgv("open", image.toString()), null));
    }

    @Override
    public Result readGuest(Path image, Optional<String> snapshot, Path rawOut) {
        List<String> cmd = snapshot.map(s -> imageArgv("read-snapshot", image.toString(), s))
                .orElseGet(() -> imageArgv("read", image.toString()));
        return answer(exec(cmd, rawOut));
    }

    @Override
    public Result check(Path image) {
        var run = exec(imageArgv("check", image.toString()), null);
        Result r = answer(run);
        if (r.status() != Status.OK) {
            return r;
        }
        try {
            JsonNode n = Json.MAPPER.readTree(run.stdout());
            int code = n == null ? -1 : n.path("exitCode").asInt(-1);
            if (code < 0 || code > 3) {
                return Result.of(Status.ADAPTER_ERROR, 0, "check printed no exitCode 0..3: " + oneLine(run.out()));
            }
            List<String> findings = new ArrayList<>();
            n.path("findings").forEach(f -> findings.add(f.isObject() ? f.path("rule").asText() : f.asText()));
            return Result.of(Status.OK, code, "findings " + findings.size()).withFindings(findings);
        } catch (IOException e) {
            return Result.of(Status.ADAPTER_ERROR, 0, "check printed no JSON: " + e.getMessage());
        }
    }

    @Override
    public Result bitmap(Path image, String bitmapName) {
        var run = exec(imageArgv("bitmap", image.toString(), bitmapName), null);
        Result r = answer(run);
        if (r.status() != Status.OK) {
            return r;
        }
        try {
            List<long[]> ranges = new ArrayList<>();
            for (JsonNode pair : Json.MAPPER.readTree(run.stdout()).path("ranges")) {
                ranges.add(new long[] {pair.path(0).asLong(), pair.path(1).asLong()});
            }
            return new Result(Status.OK, 0, "ranges " + ranges.size(), List.of(), ranges);
        } catch (IOException e) {
            return Result.of(Status.ADAPTER_ERROR, 0, "bitmap printed no JSON: " + e.getMessage());
        }
    }

    private Result answer(ProcessRunner.Result run) {
        if (run.exitCode() == UNSUPPORTED_EXIT && !run.timedOut()) {
            return Result.unsupported(name() + ": " + run.firstErrorLine());
        }
        return classify(run, REFUSED);
    }

    private List<String> argv(String... args) {
        List<String> cmd = new ArrayList<>(program);
        cmd.addAll(List.of(args));
        return cmd;
    }

    /** A request about an image: {@link #argv}, plus the passphrase file of an encrypted image. */
    private List<String> imageArgv(String... args) {
        List<String> cmd = argv(args);
        if (passphraseFile != null) {
            cmd.add("--passphrase-file=" + passphraseFile);
        }
        return cmd;
    }
}
