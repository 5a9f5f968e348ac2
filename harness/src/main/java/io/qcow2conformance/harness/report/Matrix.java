package io.qcow2conformance.harness.report;

import io.qcow2conformance.harness.runner.CaseResult;
import io.qcow2conformance.harness.runner.Expectations;
import io.qcow2conformance.harness.runner.RunResult;
import io.qcow2conformance.harness.runner.Verdict;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Results counted by spec area × implementation, the shape of every summary (console,
 * Markdown, HTML). A cell counts passes, non-passes (fail, crash, timeout, adapter error;
 * how many of them the expectation file predicts) and skips.
 */
public record Matrix(List<String> impls, Map<String, Map<String, Cell>> byArea) {
    public static final String NO_AREA = "(no area)";

    public record Cell(int pass, int fail, int expectedFail, int skip, int unexpected, List<CaseResult> results) {
        static final Cell EMPTY = new Cell(0, 0, 0, 0, 0, List.of());

        Cell plus(CaseResult r) {
            List<CaseResult> all = new ArrayList<>(results);
            all.add(r);
            boolean passed = r.verdict() == Verdict.PASS;
            boolean skipped = r.verdict() == Verdict.SKIPPED;
            return new Cell(pass + (passed ? 1 : 0), fail + (!passed && !skipped ? 1 : 0),
                    expectedFail + (r.outcome() == Expectations.Outcome.EXPECTED_FAILURE ? 1 : 0),
                    skip + (skipped ? 1 : 0), unexpected + (r.unexpected() ? 1 : 0), List.copyOf(all));
        }

        /** {@code pass/fail/skip}, with the expected failures in brackets when there are some. */
        public String text() {
            return pass + "/" + fail + (expectedFail > 0 ? " (" + expectedFail + " known)" : "") + "/" + skip;
        }
    }

    public static Matrix of(RunResult run) {
        List<String> impls = run.info().implementations().stream().map(RunResult.Impl::name).toList();
        Map<String, Map<String, Cell>> byArea = new TreeMap<>();
        for (CaseResult r : run.results()) {
            String area = r.area() == null ? NO_AREA : r.area();
            Map<String, Cell> row = byArea.computeIfAbsent(area, a -> {
                Map<String, Cell> m = new LinkedHashMap<>();
                impls.forEach(i -> m.put(i, Cell.EMPTY));
                return m;
            });
            row.merge(r.impl(), Cell.EMPTY.plus(r), (a, b) -> a.plus(r));
        }
        return new Matrix(impls, byArea);
    }

    public Cell total(String impl) {
        Cell t = Cell.EMPTY;
        for (Map<String, Cell> row : byArea.values()) {
            for (CaseResult r : row.getOrDefault(impl, Cell.EMPTY).results()) {
                t = t.plus(r);
            }
        }
        return t;
    }

    /** A plain-text table for the console. */
    public String text() {
        List<List<String>> rows = new ArrayList<>();
        List<String> header = new ArrayList<>(List.of("area"));
        header.addAll(impls);
        rows.add(header);
        byArea.forEach((area, row) -> {
            List<String> line = new ArrayList<>(List.of(area));
            impls.forEach(i -> line.add(row.get(i).text()));
            rows.add(line);
        });
        List<String> totals = new ArrayList<>(List.of("total"));
        impls.forEach(i -> totals.add(total(i).text()));
        rows.add(totals);
        int[] width = new int[header.size()];
        rows.forEach(r -> {
            for (int c = 0; c < r.size(); c++) {
                width[c] = Math.max(width[c], r.get(c).length());
            }
        });
        StringBuilder sb = new StringBuilder("pass/fail/skip per area and implementation\n");
        for (List<String> r : rows) {
            for (int c = 0; c < r.size(); c++) {
                sb.append(String.format("%-" + (width[c] + 2) + "s", r.get(c)));
            }
            sb.setLength(sb.length() - 2);
            sb.append('\n');
        }
        return sb.toString();
    }
}
