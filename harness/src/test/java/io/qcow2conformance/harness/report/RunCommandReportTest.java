package io.qcow2conformance.harness.report;

import com.fasterxml.jackson.databind.JsonNode;
import io.qcow2conformance.harness.adapter.TestImages;
import io.qcow2conformance.harness.cli.Json;
import io.qcow2conformance.harness.runner.Manifest;
import io.qcow2conformance.harness.runner.TinyCorpus;
import io.qcow2conformance.harness.testkit.Cli;
import io.qcow2conformance.harness.testkit.Qemu;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

import javax.xml.parsers.DocumentBuilderFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code qcow2-conformance run} end to end on {@link TinyCorpus}: exit status, console summary, reports, baseline. */
class RunCommandReportTest {
    @TempDir
    static Path corpus;
    @TempDir
    static Path elsewhere;
    static Path divergences;
    @TempDir
    Path reports;

    /** qemu-img and 7-Zip on five of the images (the runner test covers the verdicts of the others). */
    private static final List<String> FIVE = List.of(TinyCorpus.PLAIN_V3, TinyCorpus.PLAIN_V2, TinyCorpus.WRONG_DIGEST,
            TinyCorpus.UNKNOWN_BIT, TinyCorpus.BAD_MAGIC);
    private static final List<String> BASE = List.of("run", "--impl", "qemu", "--impl", "7zip", "--jobs", "2");
    private static final int CASES = FIVE.size() * 2;

    @BeforeAll
    static void setUp() throws IOException {
        TestImages.require("7zz", "7zip");
        TinyCorpus.write(corpus);
        divergences = elsewhere.resolve("divergences.json");
        Files.writeString(divergences, """
                {"divergences": [
                  {"implementation": "7zip", "rule": "header.incompatible_features.unknown", "verdict": "fail:wrongly-accepted",
                   "reason": "7-Zip ignores incompatible feature bits", "link": "https://example.org/7zip-bit"},
                  {"implementation": "7zip", "image": "*-wrong-digest", "verdict": "fail:wrong-data",
                   "reason": "wrong digest on purpose"},
                  {"implementation": "qemu", "image": "*-wrong-digest", "verdict": "fail:wrong-data",
                   "reason": "wrong digest on purpose"}]}
                """);
        // the corpus's own divergence file, used when --divergences is not given
        Files.writeString(corpus.resolve("divergences.json"), """
                {"divergences": [
                  {"implementation": "7zip", "rule": "header.incompatible_features.unknown", "verdict": "fail:wrongly-accepted",
                   "reason": "7-Zip ignores incompatible feature bits"}]}
                """);
    }

    private static Cli.Result run(String... extra) {
        List<String> args = new ArrayList<>(BASE);
        FIVE.forEach(id -> args.addAll(List.of("--only", id)));
        args.addAll(List.of("--corpus", corpus.toString()));
        args.addAll(List.of(extra));
        return Cli.run(args.toArray(String[]::new));
    }

    @Test
    void aRunMatchingItsExpectationsExitsZeroAndWritesEveryReport() throws Exception {
        Cli.Result r = run("--divergences", divergences.toString(), "--report", reports.toString());
        assertEquals(0, r.exitCode(), r.out() + r.err());
        assertTrue(r.out().contains("pass/fail/skip per area and implementation"), r.out());
        assertTrue(r.out().contains("every result is as expected"), r.out());
        assertTrue(r.out().contains("qemu: 4 pass, 1 known failures, 0 skipped, 0 unexpected"), r.out());
        assertTrue(r.out().contains("7zip: 3 pass, 2 known failures, 0 skipped, 0 unexpected"), r.out());

        Document junit = DocumentBuilderFactory.newInstance().newDocumentBuilder()
                .parse(reports.resolve(JunitXml.FILE).toFile());
        assertEquals(CASES, junit.getElementsByTagName("testcase").getLength());
        assertEquals(0, junit.getElementsByTagName("failure").getLength() + junit.getElementsByTagName("error").getLength());
        assertEquals(3, junit.getElementsByTagName("system-out").getLength()); // the three expected failures

        JsonNode results = Json.MAPPER.readTree(reports.resolve(ResultsJson.FILE).toFile());
        JsonNode info = results.path("run");
        assertEquals(1, info.path("manifestVersion").asInt());
        assertEquals(TestImages.sha256(corpus.resolve(Manifest.FILE)), info.path("manifestSha256").asText());
        assertEquals("qemu", info.path("implementations").path(0).path("name").asText());
        assertTrue(Qemu.run("qemu-img", "--version").out().contains(info.path("implementations").path(0).path("version").asText()));
        assertEquals(CASES, results.path("results").size());
        JsonNode wrong = find(results, TinyCorpus.WRONG_DIGEST, "qemu");
        assertEquals("fail:wrong-data", wrong.path("verdict").asText());
        assertEquals("expected-failure", wrong.path("outcome").asText());

        String md = Files.readString(reports.resolve(MarkdownSummary.FILE));
        assertTrue(md.contains("| area | qemu | 7zip |"), md);
        assertTrue(md.contains("## Known failures"), md);
        String html = Files.readString(reports.resolve(HtmlReport.FILE));
        assertTrue(html.contains("href=\"#image-" + TinyCorpus.UNKNOWN_BIT + "\""), html);
        assertTrue(html.contains("id=\"image-" + TinyCorpus.UNKNOWN_BIT + "\""), html);
        assertTrue(html.contains("id=\"rule-" + TinyCorpus.UNKNOWN_BIT_RULE + "\""), html);
        assertTrue(html.contains("https://example.org/7zip-bit"), html);
    }

    private static JsonNode find(JsonNode results, String image, String impl) {
        for (JsonNode r : results.path("results")) {
            if (r.path("image").asText().equals(image) && r.path("implementation").asText().equals(impl)) {
                return r;
            }
        }
        throw new AssertionError("no result for " + image + " on " + impl);
    }

    @Test
    void unexpectedFailuresFailTheRunAndShowInJunit() throws Exception {
        // no --divergences: the corpus's divergences.json applies (it knows 7-Zip ignores the incompatible bit)
        Cli.Result r = run("--report", reports.toString());
        assertEquals(1, r.exitCode(), r.out());
        String unexpected = r.out().substring(r.out().indexOf("unexpected results:"));
        assertTrue(unexpected.contains("7zip " + TinyCorpus.WRONG_DIGEST + ": fail:wrong-data"), r.out());
        assertTrue(!unexpected.contains("7zip " + TinyCorpus.UNKNOWN_BIT), r.out());
        Document junit = DocumentBuilderFactory.newInstance().newDocumentBuilder()
                .parse(reports.resolve(JunitXml.FILE).toFile());
        NodeList failures = junit.getElementsByTagName("failure");
        assertEquals(2, failures.getLength());
        for (int i = 0; i < failures.getLength(); i++) {
            assertEquals("fail:wrong-data", ((Element) failures.item(i)).getAttribute("type"));
        }
        assertEquals(1, junit.getElementsByTagName("system-out").getLength());
    }

    @Test
    void aBaselineReportsOnlyTheChanges() {
        Cli.Result first = run("--divergences", divergences.toString(), "--report", reports.toString(),
                "--skip", TinyCorpus.BAD_MAGIC);
        assertEquals(0, first.exitCode(), first.out());
        String baseline = reports.resolve(ResultsJson.FILE).toString();
        Cli.Result same = run("--divergences", divergences.toString(), "--baseline", baseline, "--skip", TinyCorpus.BAD_MAGIC);
        assertTrue(same.out().contains("no changes since the baseline"), same.out());
        Cli.Result more = run("--divergences", divergences.toString(), "--baseline", baseline);
        assertTrue(more.out().contains(TinyCorpus.BAD_MAGIC + " on qemu: new: pass"), more.out());
        assertTrue(!more.out().contains(TinyCorpus.PLAIN_V3 + " on"), more.out());
    }

    @Test
    void withoutACorpusItSaysHowToMakeOneInOneLine(@TempDir Path empty) {
        Cli.Result r = Cli.run("run", "--corpus", empty.toString());
        assertEquals(1, r.exitCode());
        assertEquals(1, r.err().strip().lines().count(), r.err());
        assertTrue(r.err().contains("run 'qcow2-conformance generate'"), r.err());
        assertEquals("", r.out());
    }

    @Test
    void usageMistakesExit64() {
        assertEquals(64, Cli.run("run", "--corpus", corpus.toString(), "--impl", "nope").exitCode());
        assertEquals(64, Cli.run("run", "--corpus", corpus.toString(), "--profile", "v4").exitCode());
        assertEquals(64, Cli.run("run", "--corpus", corpus.toString(), "--impl", "command:x").exitCode());
    }
}
