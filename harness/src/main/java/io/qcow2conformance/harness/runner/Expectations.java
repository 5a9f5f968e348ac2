package io.qcow2conformance.harness.runner;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import io.qcow2conformance.harness.cli.Json;
import io.qcow2conformance.harness.cli.Main;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Known results of one implementation: the entries of the corpus's divergence file
 * ({@code golden-images/divergences.json}, or a file given with {@code --divergences}) that name
 * it. The file is the one record, for every implementation, of where it does not do what the
 * spec (and so the manifest) says; programs other than the kit read it too. Each entry selects images by an image-ID glob, a rule-ID glob (any
 * of the image's rules or its broken rule), or both, optionally only images of one manifest
 * {@code outcome}, and names the verdict the implementation
 * is known to produce ({@code fail}, {@code fail:wrong-data}, {@code crash}, ...), with a reason
 * and, when there is one, an upstream link. The first matching entry counts. A result is unexpected when it differs from its
 * entry, or is not a pass and has none; unexpected results fail the run.
 */
public final class Expectations {
    /** How a result compares with the expectation file. */
    public enum Outcome {
        /** Passed, with no entry. */
        PASS(false),
        /** Did not pass, exactly as an entry says. */
        EXPECTED_FAILURE(false),
        /** Skipped (capability or program missing): never counted either way. */
        SKIPPED(false),
        /** Passed although an entry says it fails: update the divergence file. */
        UNEXPECTED_PASS(true),
        /** Did not pass, and no entry says so (or an entry names another failure). */
        UNEXPECTED_FAILURE(true);

        private final boolean unexpected;

        Outcome(boolean unexpected) {
            this.unexpected = unexpected;
        }

        public boolean unexpected() {
            return unexpected;
        }

        public String id() {
            return Verdict.id(name());
        }
    }

    /** One entry of the divergence file. {@code verdict} is {@code VERDICT} or {@code fail:KIND}. */
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record Entry(String implementation, String image, String rule, String outcome, String verdict, String reason,
                        String link) {
        boolean covers(Manifest.Image i) {
            return (image == null || Glob.of(image).matches(i.id()))
                    && (outcome == null || outcome.equals(i.outcome()))
                    && (rule == null || i.rules().stream().anyMatch(Glob.of(rule)::matches)
                        || (i.expect().brokenRule() != null && Glob.of(rule).matches(i.expect().brokenRule())));
        }

        /** How the entry selects images, for reports: {@code image GLOB}, {@code rule GLOB} or both. */
        public String selector() {
            return (image == null ? "" : "image " + image) + (image != null && rule != null ? ", " : "")
                    + (rule == null ? "" : "rule " + rule);
        }

        /** Whether {@code v}/{@code kind} is the result this entry predicts. */
        boolean predicts(Verdict v, Optional<Verdict.Kind> kind) {
            int colon = verdict.indexOf(':');
            Verdict expected = Verdict.parse(colon < 0 ? verdict : verdict.substring(0, colon));
            return expected == v && (colon < 0 || kind.map(k -> k.id().equals(verdict.substring(colon + 1))).orElse(false));
        }
    }

    @JsonIgnoreProperties(ignoreUnknown = true)
    record FileFormat(List<Entry> divergences) {
    }

    /** The divergence file's name, next to {@code manifest.json} in the corpus folder. */
    public static final String FILE_NAME = "divergences.json";

    private final String source;
    private final List<Entry> entries;

    Expectations(String source, List<Entry> entries) {
        this.source = source;
        this.entries = List.copyOf(entries);
    }

    public static Expectations none() {
        return new Expectations("(none)", List.of());
    }

    /** The entries for {@code impl} in {@code file}; none when the file does not exist. */
    public static Expectations load(String impl, Path file) {
        if (!Files.isRegularFile(file)) {
            return none();
        }
        try (InputStream in = Files.newInputStream(file)) {
            return parse(file.toString(), in).forImplementation(impl);
        } catch (IOException e) {
            throw new Main.UserError("cannot read " + file + ": " + e.getMessage());
        }
    }

    private Expectations forImplementation(String impl) {
        return new Expectations(source, entries.stream().filter(e -> e.implementation().equals(impl)).toList());
    }

    static Expectations parse(String source, InputStream in) {
        FileFormat f;
        try {
            f = Json.MAPPER.readValue(in, FileFormat.class);
        } catch (IOException e) {
            throw new Main.UserError(source + " is not a valid divergence file: " + e.getMessage().lines().findFirst().orElse(""));
        }
        List<Entry> entries = f == null || f.divergences() == null ? List.of() : f.divergences();
        for (Entry e : entries) {
            try {
                if (e.implementation() == null || (e.image() == null && e.rule() == null) || e.verdict() == null
                        || e.reason() == null) {
                    throw new IllegalArgumentException("an entry needs implementation, image or rule, verdict and reason");
                }
                e.predicts(Verdict.PASS, Optional.empty()); // validates the verdict spelling
                if (e.verdict().startsWith("pass") || e.verdict().startsWith("skipped")) {
                    throw new IllegalArgumentException("an entry must name a failing verdict, not " + e.verdict());
                }
            } catch (IllegalArgumentException | NullPointerException ex) {
                throw new Main.UserError(source + ": bad entry (" + e.selector() + "): " + ex.getMessage());
            }
        }
        return new Expectations(source, new ArrayList<>(entries));
    }

    public String source() {
        return source;
    }

    public List<Entry> entries() {
        return entries;
    }

    /** The first entry that selects {@code image}. */
    public Optional<Entry> entryFor(Manifest.Image image) {
        return entries.stream().filter(e -> e.covers(image)).findFirst();
    }

    /** Compares a verdict with the entry for its image. */
    public static Outcome compare(Verdict v, Optional<Verdict.Kind> kind, Optional<Entry> entry) {
        if (v == Verdict.SKIPPED) {
            return Outcome.SKIPPED;
        }
        if (v == Verdict.PASS) {
            return entry.isPresent() ? Outcome.UNEXPECTED_PASS : Outcome.PASS;
        }
        return entry.filter(e -> e.predicts(v, kind)).isPresent() ? Outcome.EXPECTED_FAILURE : Outcome.UNEXPECTED_FAILURE;
    }
}
