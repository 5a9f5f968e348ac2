package io.qcow2conformance.harness.report;

import io.qcow2conformance.harness.runner.CaseResult;
import io.qcow2conformance.harness.runner.RunResult;
import io.qcow2conformance.harness.runner.Verdict;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * JUnit XML for CI: one {@code testsuite} per implementation, one {@code testcase} per image
 * (classname {@code IMPL.AREA}). Unexpected results are failures (non-pass verdicts) or
 * errors (crash, timeout, adapter error, unexpected pass); skips are {@code skipped}; a failure
 * the expectation file predicts passes, with the reason in {@code system-out}, so CI stays as
 * green as the run's exit status.
 */
public final class JunitXml {
    public static final String FILE = "junit.xml";

    private JunitXml() {
    }

    public static void write(RunResult run, Path file) throws IOException {
        Files.writeString(file, render(run));
    }

    public static String render(RunResult run) {
        StringBuilder sb = new StringBuilder("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
        sb.append("<testsuites name=\"qcow2-conformance\">\n");
        for (RunResult.Impl impl : run.info().implementations()) {
            List<CaseResult> rs = run.results().stream().filter(r -> r.impl().equals(impl.name())).toList();
            long failures = rs.stream().filter(r -> r.unexpected() && !isError(r)).count();
            long errors = rs.stream().filter(r -> r.unexpected() && isError(r)).count();
            long skipped = rs.stream().filter(r -> r.verdict() == Verdict.SKIPPED).count();
            long millis = rs.stream().mapToLong(CaseResult::millis).sum();
            sb.append("  <testsuite name=\"").append(esc(impl.name())).append("\" tests=\"").append(rs.size())
                    .append("\" failures=\"").append(failures).append("\" errors=\"").append(errors)
                    .append("\" skipped=\"").append(skipped).append("\" time=\"").append(seconds(millis)).append("\">\n");
            sb.append("    <properties><property name=\"version\" value=\"")
                    .append(esc(impl.version().orElse("unknown"))).append("\"/></properties>\n");
            for (CaseResult r : rs) {
                sb.append("    <testcase name=\"").append(esc(r.imageId())).append("\" classname=\"")
                        .append(esc(r.impl() + "." + (r.area() == null ? "none" : r.area()))).append("\" time=\"")
                        .append(seconds(r.millis())).append("\"");
                String message = r.verdictId() + ": " + r.detail();
                if (r.verdict() == Verdict.SKIPPED) {
                    sb.append(">\n      <skipped message=\"").append(esc(r.detail())).append("\"/>\n    </testcase>\n");
                } else if (r.unexpected()) {
                    String tag = isError(r) ? "error" : "failure";
                    String text = r.verdict() == Verdict.PASS ? "unexpected pass: the expectation file says "
                            + r.expectation().map(e -> e.verdict() + " (" + e.reason() + ")").orElse("?") : message;
                    sb.append(">\n      <").append(tag).append(" type=\"").append(esc(r.verdictId()))
                            .append("\" message=\"").append(esc(text)).append("\"/>\n    </testcase>\n");
                } else if (r.expectation().isPresent()) {
                    sb.append(">\n      <system-out>").append(esc("expected " + message + " -- "
                            + r.expectation().get().reason())).append("</system-out>\n    </testcase>\n");
                } else {
                    sb.append("/>\n");
                }
            }
            sb.append("  </testsuite>\n");
        }
        return sb.append("</testsuites>\n").toString();
    }

    private static boolean isError(CaseResult r) {
        return r.verdict() != Verdict.FAIL;
    }

    private static String seconds(long millis) {
        return String.format(java.util.Locale.ROOT, "%.3f", millis / 1000.0);
    }

    /** XML text and attribute escaping; control characters other than tab and newline are dropped. */
    static String esc(String s) {
        if (s == null) {
            return "";
        }
        StringBuilder b = new StringBuilder(s.length());
        for (char c : s.toCharArray()) {
            switch (c) {
                case '<' -> b.append("&lt;");
                case '>' -> b.append("&gt;");
                case '&' -> b.append("&amp;");
                case '"' -> b.append("&quot;");
                case '\'' -> b.append("&#39;");
                default -> {
                    if (c >= 0x20 || c == '\t' || c == '\n') {
                        b.append(c);
                    }
                }
            }
        }
        return b.toString();
    }
}
