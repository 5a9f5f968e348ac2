package io.qcow2conformance.harness.report;

import io.qcow2conformance.harness.runner.Manifest;
import io.qcow2conformance.harness.runner.RunResult;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/** Writes every report of a run into one folder. */
public final class Reports {
    private Reports() {
    }

    public static void writeAll(RunResult run, Manifest manifest, Optional<List<Baseline.Change>> changes, Path dir)
            throws IOException {
        Files.createDirectories(dir);
        JunitXml.write(run, dir.resolve(JunitXml.FILE));
        ResultsJson.write(run, dir.resolve(ResultsJson.FILE));
        MarkdownSummary.write(run, changes, dir.resolve(MarkdownSummary.FILE));
        HtmlReport.write(run, manifest, dir.resolve(HtmlReport.FILE));
    }
}
