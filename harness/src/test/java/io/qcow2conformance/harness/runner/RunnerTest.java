package io.qcow2conformance.harness.runner;

import io.qcow2conformance.harness.adapter.CommandAdapter;
import io.qcow2conformance.harness.adapter.Implementation;
import io.qcow2conformance.harness.adapter.QemuAdapter;
import io.qcow2conformance.harness.adapter.SevenZipAdapter;
import io.qcow2conformance.harness.adapter.TestImages;
import io.qcow2conformance.harness.cli.Main;
import io.qcow2conformance.harness.testkit.Qemu;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The runner's verdicts on {@link TinyCorpus} for qemu-img, 7-Zip and a Python protocol reader. */
class RunnerTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(60);
    @TempDir
    static Path corpus;
    static Manifest manifest;

    @BeforeAll
    static void corpus() throws IOException {
        TinyCorpus.write(corpus);
        manifest = Manifest.load(corpus);
    }

    private static List<Implementation> impls() {
        TestImages.require("7zz", "7zip");
        TestImages.require("/usr/bin/python3", "python3");
        return List.of(new QemuAdapter(TIMEOUT), new SevenZipAdapter(TIMEOUT), CommandAdapter.parse(
                "command:mini=/usr/bin/python3 " + TestImages.protocolFixture("mini_qcow2.py"), TIMEOUT));
    }

    private static RunResult run(List<Implementation> impls, Filters filters, Optional<Path> expectations) {
        return Runner.run(manifest, impls, new Runner.Options(corpus, filters, 2, expectations), (r, done, total) -> { });
    }

    private static Map<String, String> verdicts(RunResult run) {
        Map<String, String> m = new HashMap<>();
        run.results().forEach(r -> m.put(r.imageId() + " " + r.impl(), r.verdictId()));
        return m;
    }

    @Test
    void judgesEachImageOnEachImplementation() {
        Map<String, String> v = verdicts(run(impls(), Filters.ALL, Optional.empty()));
        assertEquals(TinyCorpus.ALL.size() * 3, v.size());
        for (String impl : List.of("qemu", "7zip", "command:mini")) {
            assertEquals("pass", v.get(TinyCorpus.PLAIN_V3 + " " + impl), impl);
            assertEquals("pass", v.get(TinyCorpus.PLAIN_V2 + " " + impl), impl);
            assertEquals("fail:wrong-data", v.get(TinyCorpus.WRONG_DIGEST + " " + impl), impl);
            assertEquals("pass", v.get(TinyCorpus.BAD_MAGIC + " " + impl), impl);
        }
        // QEMU and the Python reader refuse an unknown incompatible bit; 7-Zip ignores it
        assertEquals("pass", v.get(TinyCorpus.UNKNOWN_BIT + " qemu"));
        assertEquals("pass", v.get(TinyCorpus.UNKNOWN_BIT + " command:mini"));
        assertEquals("fail:wrongly-accepted", v.get(TinyCorpus.UNKNOWN_BIT + " 7zip"));
        // an implementation-defined image that allows only acceptance
        assertEquals("fail:wrongly-rejected", v.get(TinyCorpus.ACCEPT_ONLY + " qemu"));
        assertEquals("pass", v.get(TinyCorpus.ACCEPT_ONLY + " 7zip"));
        // a fault only a check sees: qemu-img check exits 2; the Python reader cannot check
        assertEquals("pass", v.get(TinyCorpus.L1_RESERVED + " qemu"));
        assertEquals("skipped", v.get(TinyCorpus.L1_RESERVED + " command:mini"));
        // claimed clean, but qemu-img check counts a corruption; 7-Zip refuses to read it at all
        assertEquals("fail:wrong-check", v.get(TinyCorpus.CLAIMED_CLEAN + " qemu"));
        assertEquals("fail:wrongly-rejected", v.get(TinyCorpus.CLAIMED_CLEAN + " 7zip"));
        assertEquals("pass", v.get(TinyCorpus.CLAIMED_CLEAN + " command:mini"));
        // a fault readers meet when reading: QEMU opens the image, then refuses the read
        assertEquals("pass", v.get(TinyCorpus.V2_ZERO_FLAG + " qemu"));
        assertEquals("pass", v.get(TinyCorpus.V2_ZERO_FLAG + " command:mini"));
        RunResult run = run(List.of(new QemuAdapter(TIMEOUT)),
                new Filters(List.of(Glob.of(TinyCorpus.V2_ZERO_FLAG)), List.of(), Optional.empty(), java.util.Set.of()),
                Optional.empty());
        List<Step> steps = run.results().get(0).steps();
        assertEquals(List.of("open", "read"), steps.stream().map(Step::name).toList());
        assertEquals(List.of("ok", "rejected"), steps.stream().map(Step::status).toList());
    }

    @Test
    void crashesAndTimeoutsAreNeverRefusals() {
        TestImages.require("/bin/sh", "dash");
        Filters onlyRejects = new Filters(List.of(Glob.of(TinyCorpus.BAD_MAGIC)), List.of(), Optional.empty(), java.util.Set.of());
        RunResult run = run(List.of(
                CommandAdapter.parse("command:segv=/bin/sh " + TestImages.protocolFixture("segv.sh"), TIMEOUT),
                CommandAdapter.parse("command:sleep=/bin/sh " + TestImages.protocolFixture("sleep.sh"), Duration.ofSeconds(1))),
                onlyRejects, Optional.empty());
        Map<String, String> v = verdicts(run);
        assertEquals("crash", v.get(TinyCorpus.BAD_MAGIC + " command:segv"));
        assertEquals("timeout", v.get(TinyCorpus.BAD_MAGIC + " command:sleep"));
        assertFalse(run.asExpected());
    }

    @Test
    void guestContentLargerThanTheLimitIsNotRead() {
        Filters two = new Filters(List.of(Glob.of(TinyCorpus.PLAIN_V3), Glob.of(TinyCorpus.UNKNOWN_BIT)), List.of(),
                Optional.empty(), java.util.Set.of());
        RunResult run = Runner.run(manifest, List.of(new QemuAdapter(TIMEOUT)),
                new Runner.Options(corpus, two, 1, Optional.empty(), TestImages.VIRTUAL_SIZE - 1), (r, d, t) -> { });
        Map<String, String> v = verdicts(run);
        assertEquals("skipped", v.get(TinyCorpus.PLAIN_V3 + " qemu"));
        assertTrue(run.results().get(0).detail().contains("exceeds the run's limit"), run.results().get(0).detail());
        assertEquals("pass", v.get(TinyCorpus.UNKNOWN_BIT + " qemu")); // refused at open, before any read
    }

    @Test
    void anUnavailableImplementationIsSkippedWithItsReason() {
        RunResult run = run(List.of(CommandAdapter.parse("command:gone=/nonexistent/reader", TIMEOUT)), Filters.ALL,
                Optional.empty());
        assertTrue(run.results().stream().allMatch(r -> r.verdict() == Verdict.SKIPPED
                && r.detail().contains("/nonexistent/reader not found")));
        assertTrue(run.asExpected());
    }

    @Test
    void theDivergenceFileDecidesWhetherTheRunSucceeds() throws IOException {
        Path file = Files.createTempDirectory(corpus, "expect").resolve("divergences.json");
        Files.writeString(file, """
                {"divergences": [
                  {"implementation": "qemu", "image": "*", "verdict": "crash", "reason": "another implementation's entry"},
                  {"implementation": "7zip", "rule": "header.incompatible_features.unknown", "outcome": "reject",
                   "verdict": "fail:wrongly-accepted", "reason": "ignores the bit"},
                  {"implementation": "7zip", "image": "*-wrong-digest", "verdict": "fail:wrong-data",
                   "reason": "the digest is wrong on purpose"}]}
                """);
        Filters noImplDefined = new Filters(List.of(), List.of(Glob.of(TinyCorpus.ACCEPT_ONLY), Glob.of("l1-*"),
                Glob.of(TinyCorpus.V2_ZERO_FLAG)), Optional.empty(), java.util.Set.of());
        RunResult run = run(List.of(new SevenZipAdapter(TIMEOUT)), noImplDefined, Optional.of(file));
        assertTrue(run.asExpected(), () -> run.results().toString());
        assertEquals(2, run.count(Expectations.Outcome.EXPECTED_FAILURE));

        // an entry for an image that passes: an unexpected pass fails the run
        Files.writeString(file, """
                {"divergences": [
                  {"implementation": "7zip", "image": "plain-v2", "verdict": "crash", "reason": "stale entry"}]}
                """);
        RunResult stale = run(List.of(new SevenZipAdapter(TIMEOUT)),
                new Filters(List.of(Glob.of("plain-v2")), List.of(), Optional.empty(), java.util.Set.of()), Optional.of(file));
        assertEquals(Expectations.Outcome.UNEXPECTED_PASS, stale.results().get(0).outcome());
        assertFalse(stale.asExpected());

        // a failure of another kind than the entry says is unexpected
        Files.writeString(file, """
                {"divergences": [
                  {"implementation": "7zip", "image": "*-wrong-digest", "verdict": "crash", "reason": "wrong kind"}]}
                """);
        RunResult other = run(List.of(new SevenZipAdapter(TIMEOUT)),
                new Filters(List.of(Glob.of(TinyCorpus.WRONG_DIGEST)), List.of(), Optional.empty(), java.util.Set.of()),
                Optional.of(file));
        assertEquals(Expectations.Outcome.UNEXPECTED_FAILURE, other.results().get(0).outcome());
    }

    @Test
    void anImageNamingAMissingBackingFileIsSkippedByAReaderWithoutBackingSupport() throws IOException {
        TestImages.require("7zz", "7zip");
        Path dir = TinyCorpus.writeMissingBacking(Files.createTempDirectory(corpus, "backing"));
        List<Implementation> impls = List.of(new SevenZipAdapter(TIMEOUT), new QemuAdapter(TIMEOUT));
        RunResult run = Runner.run(Manifest.load(dir), impls, new Runner.Options(dir, Filters.ALL, 2, Optional.empty()),
                (r, done, total) -> { });
        Map<String, String> v = verdicts(run);
        // 7-Zip opens only the top image, so its open says nothing about the backing chain
        assertEquals("skipped", v.get(TinyCorpus.MISSING_BACKING + " 7zip"));
        assertTrue(run.results().stream().anyMatch(r -> r.detail().contains("names a backing file")), run.results()::toString);
        // QEMU opens the whole chain and refuses the missing file
        assertEquals("pass", v.get(TinyCorpus.MISSING_BACKING + " qemu"));
    }

    @Test
    void snapshotContentIsJudgedAndAReaderWithoutSnapshotsIsSkippedNeverPassed() throws IOException {
        TestImages.require("7zz", "7zip");
        Path dir = TinyCorpus.writeSnapshot(Files.createTempDirectory(corpus, "snapshot"));
        List<Implementation> impls = List.of(new SevenZipAdapter(TIMEOUT), new QemuAdapter(TIMEOUT));
        RunResult run = Runner.run(Manifest.load(dir), impls, new Runner.Options(dir, Filters.ALL, 2, Optional.empty()),
                (r, done, total) -> { });
        Map<String, String> v = verdicts(run);
        assertEquals("pass", v.get(TinyCorpus.SNAPSHOT + " qemu"));
        assertEquals("fail:wrong-data", v.get(TinyCorpus.SNAPSHOT_WRONG_DIGEST + " qemu"));
        // 7-Zip reads the active image right but cannot read the snapshot: not judged
        assertEquals("skipped", v.get(TinyCorpus.SNAPSHOT + " 7zip"));
        assertEquals("skipped", v.get(TinyCorpus.SNAPSHOT_WRONG_DIGEST + " 7zip"));
        assertTrue(run.results().stream().anyMatch(r -> r.detail().contains("cannot read internal snapshots")),
                run.results()::toString);
    }

    /** Gzip-stored files are decoded before an implementation sees them, next to the files they name; a bad one is never judged. */
    @Test
    void gzipStoredImagesAreDecodedAndCheckedBeforeJudging() throws IOException {
        Path dir = TinyCorpus.writeGzipStored(Files.createTempDirectory(corpus, "gzip"));
        RunResult run = Runner.run(Manifest.load(dir), List.of(new QemuAdapter(TIMEOUT)),
                new Runner.Options(dir, Filters.ALL, 2, Optional.empty()), (r, done, total) -> { });
        Map<String, String> v = verdicts(run);
        assertEquals("pass", v.get(TinyCorpus.GZIP_STORED + " qemu"), run.results()::toString);
        assertEquals("pass", v.get(TinyCorpus.GZIP_BACKING + " qemu"), run.results()::toString);
        assertEquals("adapter-error", v.get(TinyCorpus.GZIP_TRUNCATED + " qemu"));
        assertEquals("adapter-error", v.get(TinyCorpus.GZIP_WRONG_DIGEST + " qemu"));
        String truncated = detail(run, TinyCorpus.GZIP_TRUNCATED);
        assertTrue(truncated.contains("cut.qcow2.gz cannot be decoded as gzip"), truncated);
        String wrong = detail(run, TinyCorpus.GZIP_WRONG_DIGEST);
        assertTrue(wrong.contains("other.qcow2.gz does not decode to its manifest SHA-256"), wrong);

        // decoded in place, as 'gunzip -r' leaves a corpus: the decoded files are used as they are
        Files.write(dir.resolve("plain.qcow2"), TinyCorpus.gunzip(dir.resolve("plain.qcow2.gz")));
        Files.delete(dir.resolve("plain.qcow2.gz"));
        RunResult decoded = Runner.run(Manifest.load(dir), List.of(new QemuAdapter(TIMEOUT)), new Runner.Options(dir,
                new Filters(List.of(Glob.of(TinyCorpus.GZIP_STORED)), List.of(), Optional.empty(), java.util.Set.of()), 1,
                Optional.empty()), (r, done, total) -> { });
        assertEquals("pass", verdicts(decoded).get(TinyCorpus.GZIP_STORED + " qemu"), decoded.results()::toString);
    }

    private static String detail(RunResult run, String id) {
        return run.results().stream().filter(r -> r.imageId().equals(id)).findFirst().orElseThrow().detail();
    }

    @Test
    void filtersSelectByIdRuleProfileAndProposal() {
        Filters byRule = new Filters(List.of(Glob.of("header.*")), List.of(), Optional.empty(), java.util.Set.of());
        assertEquals(List.of(TinyCorpus.UNKNOWN_BIT, TinyCorpus.BAD_MAGIC, TinyCorpus.ACCEPT_ONLY), selected(byRule));
        Filters v2 = new Filters(List.of(), List.of(), Optional.of("v2"), java.util.Set.of());
        assertEquals(List.of(TinyCorpus.PLAIN_V2, TinyCorpus.V2_ZERO_FLAG), selected(v2));
        Filters skip = new Filters(List.of(Glob.of("plain-*")), List.of(Glob.of("*digest")), Optional.empty(), java.util.Set.of());
        assertEquals(List.of(TinyCorpus.PLAIN_V3, TinyCorpus.PLAIN_V2), selected(skip));
        Filters byL1Rule = new Filters(List.of(Glob.of("mapping.l1.*")), List.of(), Optional.empty(), java.util.Set.of());
        assertEquals(List.of(TinyCorpus.L1_RESERVED), selected(byL1Rule));
        Manifest.Image proposed = withProposal(manifest.images().get(0), "zero-bitmap-offset");
        assertFalse(Filters.ALL.selects(proposed));
        assertTrue(new Filters(List.of(), List.of(), Optional.empty(), java.util.Set.of("zero-bitmap-offset")).selects(proposed));
    }

    private static List<String> selected(Filters f) {
        return manifest.images().stream().filter(f::selects).map(Manifest.Image::id).toList();
    }

    private static Manifest.Image withProposal(Manifest.Image i, String proposal) {
        return new Manifest.Image(i.id(), i.file(), i.sha256(), i.files(), i.scenario(), i.area(), i.profile(),
                List.of(proposal), i.rules(), i.level(), i.description(), i.outcome(), i.expect(), i.encoding());
    }

    @Test
    void aCorpusFileThatDoesNotMatchItsDigestIsNeverJudged() throws IOException {
        Qemu.require("qemu-img");
        Path copy = Files.createTempDirectory(corpus, "tampered");
        for (Manifest.Image i : manifest.images()) {
            Files.copy(corpus.resolve(i.file()), copy.resolve(i.file()), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        }
        Files.copy(corpus.resolve(Manifest.FILE), copy.resolve(Manifest.FILE));
        Files.write(copy.resolve("bad-magic.qcow2"), new byte[] {0}, java.nio.file.StandardOpenOption.APPEND);
        RunResult run = Runner.run(manifest, List.of(new QemuAdapter(TIMEOUT)), new Runner.Options(copy,
                new Filters(List.of(Glob.of(TinyCorpus.BAD_MAGIC)), List.of(), Optional.empty(), java.util.Set.of()), 1,
                Optional.empty()), (r, d, t) -> { });
        assertEquals(Verdict.ADAPTER_ERROR, run.results().get(0).verdict());
        assertTrue(run.results().get(0).detail().contains("does not match its manifest SHA-256"));
    }

    @Test
    void aMissingOrForeignManifestIsAOneLineUserError(@TempDir Path empty) throws IOException {
        var missing = assertThrows(Main.UserError.class, () -> Manifest.load(empty));
        assertTrue(missing.getMessage().contains("qcow2-conformance generate"), missing.getMessage());
        Files.writeString(empty.resolve(Manifest.FILE), "{\"manifestVersion\": 2, \"images\": []}");
        var version = assertThrows(Main.UserError.class, () -> Manifest.load(empty));
        assertTrue(version.getMessage().contains("manifestVersion 2"), version.getMessage());
    }
}
