package io.qcow2conformance.harness.adapter;

import com.fasterxml.jackson.databind.JsonNode;
import io.qcow2conformance.harness.cli.Json;
import io.qcow2conformance.harness.cli.Main;
import io.qcow2conformance.model.check.Proposal;
import io.qcow2conformance.model.rules.Rule;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The reference model, run in-process through the kit's own command line ({@link Main#run}).
 * Its open is a <em>validating</em> open: {@code check --output=json IMAGE} runs, and the image
 * is accepted only when no must-level rule is broken (check exit 0, or 3: leaked clusters
 * waste space but do not change what the image means); exit 2 or 1 is a refusal that names
 * the broken rules. {@code convert IMAGE OUT} reads the guest; {@code check} checks. Main's
 * exit codes map directly: 0 OK, 1 a clean refusal, 2 and 3 check results, 64 (usage) an
 * adapter bug, 70 (internal error) or an escaping error a crash.
 * A call that outlives the timeout is abandoned (its thread interrupted) and reported as a timeout.
 */
public final class ModelAdapter implements Implementation {
    /** The command lines the adapter sends; keep in step with InfoCommand/ConvertCommand/CheckCommand. */
    List<String> openArgs(Path image) {
        return checkArgs(image);
    }

    List<String> readArgs(Path image, Optional<String> snapshot, Path rawOut) {
        List<String> args = new ArrayList<>(List.of("convert"));
        args.addAll(passphraseArgs());
        snapshot.ifPresent(s -> args.add("--snapshot=" + s));
        args.addAll(List.of(image.toString(), rawOut.toString()));
        return args;
    }

    List<String> checkArgs(Path image) {
        List<String> args = new ArrayList<>(List.of("check", "--output=json"));
        args.addAll(proposalArgs());
        args.addAll(passphraseArgs());
        args.add(image.toString());
        return args;
    }

    List<String> bitmapArgs(Path image, String bitmap) {
        List<String> args = new ArrayList<>(List.of("bitmap", "--output=json"));
        args.addAll(proposalArgs());
        args.addAll(passphraseArgs());
        args.addAll(List.of(image.toString(), "--name=" + bitmap));
        return args;
    }

    private List<String> proposalArgs() {
        return proposals.stream().map(p -> "--proposal=" + p.id()).toList();
    }

    private List<String> passphraseArgs() {
        return passphraseFile == null ? List.of() : List.of("--passphrase-file=" + passphraseFile);
    }

    private static final ExecutorService CALLS = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "model-adapter");
        t.setDaemon(true);
        return t;
    });

    private final Duration timeout;
    private final Set<Proposal> proposals;
    /** The passphrase of encrypted images, or null. */
    private final Path passphraseFile;

    public ModelAdapter(Duration timeout) {
        this(timeout, Set.of());
    }

    /** The model judging images with the proposed spec changes {@code proposals} applied ({@code --proposal}). */
    public ModelAdapter(Duration timeout, Set<Proposal> proposals) {
        this(timeout, proposals, null);
    }

    private ModelAdapter(Duration timeout, Set<Proposal> proposals, Path passphraseFile) {
        this.timeout = timeout;
        this.proposals = proposals.isEmpty() ? Set.of() : EnumSet.copyOf(proposals);
        this.passphraseFile = passphraseFile;
    }

    /** The proposals this adapter applies. */
    public Set<Proposal> proposals() {
        return proposals;
    }

    /** The model with the image's proposals applied; unknown names are ignored (the model judges them as published). */
    @Override
    public Implementation forProposals(List<String> ids) {
        Set<Proposal> wanted = EnumSet.noneOf(Proposal.class);
        ids.forEach(id -> Proposal.byId(id).ifPresent(wanted::add));
        return wanted.equals(proposals) ? this : new ModelAdapter(timeout, wanted, passphraseFile);
    }

    /** The model opening encrypted images with {@code --passphrase-file}. */
    @Override
    public Implementation withPassphraseFile(Path file) {
        return new ModelAdapter(timeout, proposals, file);
    }

    @Override
    public String name() {
        return "model";
    }

    @Override
    public Optional<String> version() {
        return Optional.of(kitVersion());
    }

    /** The kit's own version line, as {@code qcow2-conformance --version} prints it. */
    public static String kitVersion() {
        StringWriter out = new StringWriter();
        Main.run(new String[] {"--version"}, new PrintWriter(out, true), new PrintWriter(new StringWriter(), true));
        return out.toString().strip();
    }

    @Override
    public Optional<String> unavailableReason() {
        return Optional.empty();
    }

    @Override
    public Set<Capability> capabilities() {
        return EnumSet.of(Capability.OPEN, Capability.READ_GUEST, Capability.CHECK, Capability.INFO,
                Capability.SNAPSHOTS, Capability.BACKING_FILES, Capability.BITMAPS, Capability.DATA_FILES,
                Capability.ENCRYPTION);
    }

    /** {@code bitmap --output=json}: exit 0 with the ranges, or exit 1 when the bitmap is absent or cannot be trusted. */
    @Override
    public Result bitmap(Path image, String name) {
        Outcome o = main(bitmapArgs(image, name));
        Result r = classify(o, false);
        if (r.status() != Status.OK) {
            return r;
        }
        try {
            List<long[]> ranges = new ArrayList<>();
            Json.MAPPER.readTree(o.out).path("ranges")
                    .forEach(x -> ranges.add(new long[] {x.path("start").asLong(), x.path("length").asLong()}));
            return new Result(Status.OK, 0, "ranges " + ranges.size(), List.of(), ranges);
        } catch (IOException e) {
            return Result.of(Status.ADAPTER_ERROR, o.exitCode, "model bitmap printed no JSON: " + e.getMessage());
        }
    }

    @Override
    public Result open(Path image) {
        Result checked = checkResult(main(openArgs(image)));
        if (checked.status() != Status.OK && checked.status() != Status.REJECTED) {
            return checked;
        }
        int rc = checked.exitCode();
        Result verdict = rc == Main.EXIT_OK || rc == Main.EXIT_LEAKS
                ? Result.ok(0, "conforms (check exit " + rc + ")")
                : Result.rejected(1, checked.detail());
        return verdict.withFindings(checked.findings());
    }

    @Override
    public Result readGuest(Path image, Optional<String> snapshot, Path rawOut) {
        return classify(main(readArgs(image, snapshot, rawOut)), false);
    }

    @Override
    public Result check(Path image) {
        return checkResult(main(checkArgs(image)));
    }

    /**
     * Classifies a {@code check --output=json} run and collects the rule IDs it names: every
     * finding, plus the rule of a fatal error ({@code error-rule}) when the image could not be
     * checked (exit 1, status REJECTED).
     */
    private static Result checkResult(Outcome o) {
        Result r = classify(o, true);
        if (r.status() != Status.OK && r.status() != Status.REJECTED) {
            return r;
        }
        try {
            JsonNode n = Json.MAPPER.readTree(o.out);
            if ((n == null || n.isMissingNode()) && o.exitCode == Main.EXIT_ERROR) {
                // refused before any report (an unreadable passphrase file): the one-line error starts with
                // the rule's ID, if any. A passphrase that unlocks nothing is a report with error-rule.
                String line = o.firstErrorLine();
                String message = line.replaceFirst("^error: ", "");
                String first = message.contains(":") ? message.substring(0, message.indexOf(':')) : "";
                return Result.rejected(1, line).withFindings(Rule.byId(first).map(x -> List.of(x.id())).orElse(List.of()));
            }
            if (n == null) {
                return Result.of(Status.ADAPTER_ERROR, o.exitCode, "model check printed no JSON");
            }
            List<String> rules = new ArrayList<>();
            n.path("findings").forEach(f -> {
                if (!"warning".equals(f.path("severity").asText())) {
                    rules.add(f.path("rule").asText());
                }
            });
            if (n.hasNonNull("error-rule")) {
                rules.add(n.path("error-rule").asText());
            }
            String detail = n.hasNonNull("error") ? n.path("error").asText()
                    : rules.isEmpty() ? "no findings" : "findings: " + String.join(", ", rules);
            return Result.of(r.status(), o.exitCode, detail).withFindings(rules);
        } catch (IOException e) {
            return Result.of(Status.ADAPTER_ERROR, o.exitCode, "model check printed no JSON: " + e.getMessage());
        }
    }

    private static Result classify(Outcome o, boolean check) {
        String line = o.firstErrorLine();
        return switch (o.exitCode) {
            case Main.EXIT_OK -> Result.ok(0, line);
            case Main.EXIT_ERROR -> Result.rejected(1, line);
            case Main.EXIT_CORRUPTIONS, Main.EXIT_LEAKS -> check ? Result.ok(o.exitCode, line)
                    : Result.of(Status.CRASH, o.exitCode, "undocumented exit " + o.exitCode + ": " + line);
            case Main.EXIT_USAGE -> Result.of(Status.ADAPTER_ERROR, o.exitCode, "the model refused the adapter's command line: " + line);
            case TIMED_OUT -> Result.of(Status.TIMEOUT, -1, "no answer within " + line);
            default -> Result.of(Status.CRASH, o.exitCode, line);
        };
    }

    private static final int TIMED_OUT = -2;

    private record Outcome(int exitCode, String out, String err) {
        String firstErrorLine() {
            return err.strip().lines().findFirst().orElse("").replaceFirst("^qcow2-conformance: ", "");
        }
    }

    private Outcome main(List<String> args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        Future<Integer> call = CALLS.submit(
                () -> Main.run(args.toArray(String[]::new), new PrintWriter(out, true), new PrintWriter(err, true)));
        try {
            return new Outcome(call.get(timeout.toMillis(), TimeUnit.MILLISECONDS), out.toString(), err.toString());
        } catch (TimeoutException e) {
            call.cancel(true);
            return new Outcome(TIMED_OUT, "", timeout.toSeconds() + " s");
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            return new Outcome(Main.EXIT_INTERNAL, "", "escaped " + cause.getClass().getSimpleName() + ": " + cause.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            call.cancel(true);
            return new Outcome(Main.EXIT_INTERNAL, "", "interrupted");
        }
    }
}
