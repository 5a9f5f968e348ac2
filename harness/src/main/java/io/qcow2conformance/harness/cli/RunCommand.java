package io.qcow2conformance.harness.cli;

import io.qcow2conformance.harness.adapter.Adapters;
import io.qcow2conformance.harness.adapter.Implementation;
import io.qcow2conformance.harness.report.Baseline;
import io.qcow2conformance.harness.report.Matrix;
import io.qcow2conformance.harness.report.Reports;
import io.qcow2conformance.harness.report.ResultsJson;
import io.qcow2conformance.harness.runner.CaseResult;
import io.qcow2conformance.harness.runner.Expectations;
import io.qcow2conformance.harness.runner.Filters;
import io.qcow2conformance.harness.runner.Glob;
import io.qcow2conformance.harness.runner.Manifest;
import io.qcow2conformance.harness.runner.RunResult;
import io.qcow2conformance.harness.runner.Runner;
import io.qcow2conformance.harness.runner.Verdict;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;

/**
 * {@code run}: the golden corpus against the reference model and real implementations.
 * Exit 0 when every result is what the implementations' expectation files say, 1 when some
 * result is unexpected (or the corpus cannot be used), 64 on a usage error.
 */
@Command(name = "run", sortOptions = false, mixinStandardHelpOptions = true,
        description = {"Run the golden corpus against implementations and judge each result against the manifest.",
                "Without --impl: the reference model plus every one of qemu, libqcow and 7zip found on this machine.",
                "Exit 0 when every result matches the expectation files, 1 otherwise."})
public final class RunCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--corpus", paramLabel = "DIR",
            description = "The golden corpus folder holding manifest.json (default: ./golden-images, else the kit's own).")
    Path corpus;

    @Option(names = "--impl", paramLabel = "NAME",
            description = "An implementation to run (repeatable): model, qemu, libqcow, 7zip, or command:NAME=PROGRAM [ARG...] "
                    + "(see docs/adapter-protocol.md).")
    List<String> impls = new ArrayList<>();

    @Option(names = "--report", paramLabel = "DIR", description = "Write junit.xml, results.json, summary.md and index.html here.")
    Path report;

    @Option(names = "--baseline", paramLabel = "FILE", description = "An earlier results.json: report only what changed since.")
    Path baseline;

    @Option(names = "--only", paramLabel = "GLOB", description = "Run only images whose ID or a rule ID matches (repeatable; * and ?).")
    List<String> only = new ArrayList<>();

    @Option(names = "--skip", paramLabel = "GLOB", description = "Leave out images whose ID or a rule ID matches (repeatable).")
    List<String> skip = new ArrayList<>();

    @Option(names = "--profile", paramLabel = "v2|v3", description = "Run only images of this profile.")
    String profile;

    @Option(names = "--proposal", paramLabel = "NAME",
            description = "Also run images that depend on this spec proposal (repeatable; default: published spec only).")
    List<String> proposals = new ArrayList<>();

    @Option(names = "--divergences", paramLabel = "FILE",
            description = "The known divergences of the implementations (default: divergences.json in the corpus folder).")
    Path divergences;

    @Option(names = "--timeout", paramLabel = "SECONDS", defaultValue = "20",
            description = "Per-call timeout in seconds (default: ${DEFAULT-VALUE}; corpus images are small, so a call that needs longer is hanging).")
    int timeoutSeconds;

    @Option(names = "--jobs", paramLabel = "N", description = "Parallel calls (default: the number of cores).")
    Integer jobs;

    @Option(names = "--max-guest-bytes", paramLabel = "BYTES",
            description = "Do not read the guest content of images whose header claims more (default: ${DEFAULT-VALUE}).")
    long maxGuestBytes = Runner.Options.DEFAULT_MAX_GUEST_BYTES;

    @Override
    public Integer call() throws IOException {
        PrintWriter out = spec.commandLine().getOut();
        if (profile != null && !profile.equals("v2") && !profile.equals("v3")) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--profile must be v2 or v3, not " + profile);
        }
        if (timeoutSeconds < 1 || (jobs != null && jobs < 1)) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--timeout and --jobs must be at least 1");
        }
        Duration timeout = Duration.ofSeconds(timeoutSeconds);
        List<Implementation> selected = new ArrayList<>();
        HashSet<String> seen = new HashSet<>();
        for (String name : impls.isEmpty() ? Adapters.BUILT_IN : impls) {
            Implementation impl = adapter(name, timeout);
            if (!seen.add(impl.name())) {
                throw new CommandLine.ParameterException(spec.commandLine(), "--impl " + impl.name() + " given twice");
            }
            selected.add(impl);
        }
        Path dir = corpus != null ? corpus : defaultCorpus();
        Manifest manifest = Manifest.load(dir);
        for (Implementation impl : List.copyOf(selected)) {
            Optional<String> why = impl.unavailableReason();
            if (why.isPresent() && impls.isEmpty()) {
                out.println("not running " + impl.name() + ": " + why.get());
                selected.remove(impl);
            } else if (why.isPresent()) {
                out.println(impl.name() + " is unavailable (its results are skipped): " + why.get());
            }
        }
        Filters filters = new Filters(only.stream().map(Glob::of).toList(), skip.stream().map(Glob::of).toList(),
                Optional.ofNullable(profile), new HashSet<>(proposals));
        var before = Optional.ofNullable(baseline).map(ResultsJson::readVerdicts);
        int threads = jobs != null ? jobs : Runtime.getRuntime().availableProcessors();
        Progress progress = new Progress(out, System.console() != null);
        RunResult run = Runner.run(manifest, selected, new Runner.Options(dir, filters, threads,
                Optional.ofNullable(divergences), maxGuestBytes), progress::done);
        progress.end();
        var changes = before.map(b -> Baseline.changes(b, run));
        printSummary(out, run, changes);
        if (report != null) {
            Reports.writeAll(run, manifest, changes, report);
            out.println("reports written to " + report);
        }
        return run.asExpected() ? Main.EXIT_OK : Main.EXIT_ERROR;
    }

    private Implementation adapter(String name, Duration timeout) {
        try {
            return Adapters.named(name, timeout);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--impl: " + e.getMessage());
        }
    }

    /** ./golden-images when it exists, else the golden-images folder of the kit this jar was built in. */
    static Path defaultCorpus() {
        Path here = Path.of("golden-images");
        if (Files.isDirectory(here)) {
            return here;
        }
        try {
            // .../harness/target/qcow2-conformance.jar or .../harness/target/classes
            Path code = Path.of(RunCommand.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            Path root = code.getParent() == null ? null : code.getParent().getParent();
            root = root == null ? null : root.getParent();
            if (root != null && Files.isDirectory(root.resolve("golden-images"))) {
                return root.resolve("golden-images");
            }
        } catch (URISyntaxException | SecurityException | NullPointerException e) {
            // fall through to the relative default, which names the folder in the error
        }
        return here;
    }

    private static void printSummary(PrintWriter out, RunResult run, Optional<List<Baseline.Change>> changes) {
        out.println();
        out.print(Matrix.of(run).text());
        if (changes.isPresent()) {
            out.println();
            out.println(changes.get().isEmpty() ? "no changes since the baseline" : "changes since the baseline:");
            changes.get().forEach(c -> out.println("  " + c.text()));
        } else {
            List<CaseResult> unexpected = run.results().stream().filter(CaseResult::unexpected).toList();
            if (!unexpected.isEmpty()) {
                out.println();
                out.println("unexpected results:");
                unexpected.forEach(r -> out.println("  " + line(r)));
            }
        }
        run.unusedExpectations().forEach((impl, entries) -> entries.forEach(e -> out.println(
                "note: divergence (" + e.selector() + ") of " + impl + " matched no result")));
        out.println();
        for (RunResult.Impl impl : run.info().implementations()) {
            List<CaseResult> mine = run.results().stream().filter(r -> r.impl().equals(impl.name())).toList();
            out.printf("%s: %d pass, %d known failures, %d skipped, %d unexpected%n", impl.name(),
                    count(mine, Expectations.Outcome.PASS), count(mine, Expectations.Outcome.EXPECTED_FAILURE),
                    count(mine, Expectations.Outcome.SKIPPED), mine.stream().filter(CaseResult::unexpected).count());
        }
        out.printf("%d results: %d pass, %d known failures, %d skipped, %d unexpected passes, %d unexpected failures%n",
                run.results().size(), run.count(Expectations.Outcome.PASS), run.count(Expectations.Outcome.EXPECTED_FAILURE),
                run.count(Expectations.Outcome.SKIPPED), run.count(Expectations.Outcome.UNEXPECTED_PASS),
                run.count(Expectations.Outcome.UNEXPECTED_FAILURE));
        out.println(run.asExpected() ? "every result is as expected" : "FAILED: some results are unexpected");
    }

    private static long count(List<CaseResult> results, Expectations.Outcome outcome) {
        return results.stream().filter(r -> r.outcome() == outcome).count();
    }

    static String line(CaseResult r) {
        String s = r.impl() + " " + r.imageId() + ": " + r.verdictId();
        if (r.verdict() != Verdict.PASS) {
            s += " - " + r.detail();
        }
        if (r.outcome() == Expectations.Outcome.UNEXPECTED_PASS) {
            s += " (unexpected pass: the divergence file says " + r.expectation().map(Expectations.Entry::verdict).orElse("?") + ")";
        }
        return s;
    }

    /** One rewritten status line on a terminal; one line per result otherwise. */
    private static final class Progress {
        private final PrintWriter out;
        private final boolean terminal;
        private int width;

        Progress(PrintWriter out, boolean terminal) {
            this.out = out;
            this.terminal = terminal;
        }

        void done(CaseResult r, int completed, int total) {
            String prefix = "[" + completed + "/" + total + "] ";
            if (!terminal) {
                out.println(prefix + line(r));
                return;
            }
            if (r.unexpected()) {
                out.print("\r" + " ".repeat(width) + "\r");
                out.println(line(r));
            }
            String status = prefix + r.impl() + " " + r.imageId();
            status = status.length() > 100 ? status.substring(0, 100) : status;
            out.print("\r" + status + " ".repeat(Math.max(0, width - status.length())));
            width = status.length();
            out.flush();
        }

        void end() {
            if (terminal && width > 0) {
                out.print("\r" + " ".repeat(width) + "\r");
                out.flush();
            }
        }
    }
}
