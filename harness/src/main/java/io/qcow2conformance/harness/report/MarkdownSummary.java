package io.qcow2conformance.harness.report;

import io.qcow2conformance.harness.runner.CaseResult;
import io.qcow2conformance.harness.runner.Expectations;
import io.qcow2conformance.harness.runner.RunResult;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/** {@code summary.md}: the area × implementation matrix, then every result worth a look. */
public final class MarkdownSummary {
    public static final String FILE = "summary.md";

    private MarkdownSummary() {
    }

    public static void write(RunResult run, Optional<List<Baseline.Change>> changes, Path file) throws IOException {
        Files.writeString(file, render(run, changes));
    }

    public static String render(RunResult run, Optional<List<Baseline.Change>> changes) {
        Matrix m = Matrix.of(run);
        var info = run.info();
        StringBuilder sb = new StringBuilder("# qcow2-conformance results\n\n");
        sb.append("- kit: ").append(info.kitVersion()).append("\n- corpus: manifest version ").append(info.manifestVersion())
                .append(", SHA-256 `").append(info.manifestSha256()).append("`\n- profile: ")
                .append(info.profile().orElse("all")).append(", proposals: ")
                .append(info.proposals().isEmpty() ? "none" : String.join(", ", info.proposals().stream().sorted().toList()))
                .append("\n- started ").append(info.start()).append(", took ").append(info.duration().toMillis()).append(" ms\n");
        for (RunResult.Impl impl : info.implementations()) {
            sb.append("- ").append(impl.name()).append(": ").append(impl.version().orElse("version unknown"))
                    .append(impl.unavailableReason().map(r -> " (unavailable: " + r + ")").orElse("")).append('\n');
        }
        sb.append("\n**").append(run.asExpected() ? "Every result is as expected." : "Some results are unexpected.")
                .append("**\n\n");
        sb.append("Cells: pass/fail/skip; `known` counts failures listed in the implementation's expectation file.\n\n");
        sb.append("| area |");
        m.impls().forEach(i -> sb.append(' ').append(cell(i)).append(" |"));
        sb.append("\n|---|");
        m.impls().forEach(i -> sb.append("---|"));
        sb.append('\n');
        m.byArea().forEach((area, row) -> {
            sb.append("| ").append(cell(area)).append(" |");
            m.impls().forEach(i -> sb.append(' ').append(row.get(i).text()).append(" |"));
            sb.append('\n');
        });
        sb.append("| **total** |");
        m.impls().forEach(i -> sb.append(" **").append(m.total(i).text()).append("** |"));
        sb.append('\n');
        changes.ifPresent(cs -> {
            sb.append("\n## Changes since the baseline\n\n");
            if (cs.isEmpty()) {
                sb.append("None.\n");
            }
            cs.forEach(c -> sb.append("- ").append(cell(c.text())).append('\n'));
        });
        section(sb, "Unexpected results", run.results().stream().filter(CaseResult::unexpected).toList());
        section(sb, "Known failures (expectation files)", run.results().stream()
                .filter(r -> r.outcome() == Expectations.Outcome.EXPECTED_FAILURE).toList());
        run.unusedExpectations().forEach((impl, entries) -> {
            sb.append("\n## Expectation entries of ").append(impl).append(" that matched nothing\n\n");
            entries.forEach(e -> sb.append("- ").append(cell(e.selector())).append(": ").append(cell(e.reason())).append('\n'));
        });
        return sb.toString();
    }

    private static void section(StringBuilder sb, String title, List<CaseResult> rs) {
        if (rs.isEmpty()) {
            return;
        }
        sb.append("\n## ").append(title).append("\n\n| image | implementation | verdict | detail |\n|---|---|---|---|\n");
        for (CaseResult r : rs) {
            String detail = r.detail() + r.expectation().map(e -> " — expected " + e.verdict() + ": " + e.reason()
                    + (e.link() == null ? "" : " (" + e.link() + ")")).orElse("");
            sb.append("| ").append(cell(r.imageId())).append(" | ").append(cell(r.impl())).append(" | ")
                    .append(r.verdictId()).append(" | ").append(cell(detail)).append(" |\n");
        }
    }

    /** Escapes the characters that would break a Markdown table cell. */
    static String cell(String s) {
        return s == null ? "" : s.replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ");
    }
}
