package io.qcow2conformance.harness.report;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.qcow2conformance.harness.cli.Json;
import io.qcow2conformance.harness.runner.CaseResult;
import io.qcow2conformance.harness.runner.Manifest;
import io.qcow2conformance.harness.runner.RunResult;
import io.qcow2conformance.harness.runner.Verdict;
import io.qcow2conformance.model.rules.Rule;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;

/**
 * {@code index.html}: a static page (no scripts) with the area × implementation matrix, then
 * per area every image × implementation verdict. Each result that did not pass links to its
 * image's manifest entry, reproduced further down the page, and that entry links to the
 * catalogue text of its rules.
 */
public final class HtmlReport {
    public static final String FILE = "index.html";
    /** Manifest entries as shown: without absent or empty fields. */
    private static final ObjectMapper COMPACT = Json.MAPPER.copy().setSerializationInclusion(JsonInclude.Include.NON_EMPTY);

    private HtmlReport() {
    }

    public static void write(RunResult run, Manifest manifest, Path file) throws IOException {
        Files.writeString(file, render(run, manifest));
    }

    public static String render(RunResult run, Manifest manifest) {
        Matrix m = Matrix.of(run);
        StringBuilder sb = new StringBuilder("""
                <!DOCTYPE html>
                <html lang="en"><head><meta charset="utf-8"><title>qcow2-conformance results</title>
                <style>
                body{font-family:sans-serif;margin:1.5em} table{border-collapse:collapse;margin-bottom:1.5em}
                td,th{border:1px solid #bbb;padding:.25em .5em;text-align:left;vertical-align:top}
                .pass{background:#d9f2d9} .fail,.crash,.timeout,.adapter-error{background:#f6c6c6}
                .known{background:#f6e6b6} .skipped{background:#e6e6e6} .unexpected{font-weight:bold}
                pre{background:#f4f4f4;padding:.5em;overflow:auto}
                </style></head><body>
                <h1>qcow2-conformance results</h1>
                """);
        var info = run.info();
        sb.append("<p>").append(esc(info.kitVersion())).append(" &middot; corpus manifest version ")
                .append(info.manifestVersion()).append(", SHA-256 <code>").append(esc(info.manifestSha256()))
                .append("</code> &middot; profile ").append(esc(info.profile().orElse("all"))).append(" &middot; started ")
                .append(esc(info.start().toString())).append(", ").append(info.duration().toMillis()).append(" ms</p>\n<ul>\n");
        for (RunResult.Impl impl : info.implementations()) {
            sb.append("<li>").append(esc(impl.name())).append(": ").append(esc(impl.version().orElse("version unknown")))
                    .append(esc(impl.unavailableReason().map(r -> " (unavailable: " + r + ")").orElse(""))).append("</li>\n");
        }
        sb.append("</ul>\n<p><strong>").append(run.asExpected() ? "Every result is as expected."
                : "Some results are unexpected (bold).").append("</strong></p>\n");
        sb.append("<h2>Matrix</h2>\n<p>pass/fail/skip; <em>known</em> counts failures the expectation file lists.</p>\n<table><tr><th>area</th>");
        m.impls().forEach(i -> sb.append("<th>").append(esc(i)).append("</th>"));
        sb.append("</tr>\n");
        m.byArea().forEach((area, row) -> {
            sb.append("<tr><th><a href=\"#area-").append(esc(area)).append("\">").append(esc(area)).append("</a></th>");
            m.impls().forEach(i -> {
                Matrix.Cell c = row.get(i);
                String cls = c.unexpected() > 0 ? "fail unexpected" : c.fail() > 0 ? "known" : c.pass() > 0 ? "pass" : "skipped";
                sb.append("<td class=\"").append(cls).append("\">").append(esc(c.text())).append("</td>");
            });
            sb.append("</tr>\n");
        });
        sb.append("</table>\n");

        Map<String, Map<String, Map<String, CaseResult>>> byAreaImage = new LinkedHashMap<>();
        for (CaseResult r : run.results()) {
            byAreaImage.computeIfAbsent(r.area() == null ? Matrix.NO_AREA : r.area(), a -> new LinkedHashMap<>())
                    .computeIfAbsent(r.imageId(), i -> new LinkedHashMap<>()).put(r.impl(), r);
        }
        TreeSet<String> linked = new TreeSet<>();
        for (String area : m.byArea().keySet()) {
            sb.append("<h2 id=\"area-").append(esc(area)).append("\">").append(esc(area)).append("</h2>\n<table><tr><th>image</th>");
            m.impls().forEach(i -> sb.append("<th>").append(esc(i)).append("</th>"));
            sb.append("</tr>\n");
            byAreaImage.getOrDefault(area, Map.of()).forEach((image, row) -> {
                sb.append("<tr><td><code>").append(esc(image)).append("</code></td>");
                for (String impl : m.impls()) {
                    CaseResult r = row.get(impl);
                    if (r == null) {
                        sb.append("<td></td>");
                        continue;
                    }
                    String cls = r.verdict() == Verdict.PASS || r.verdict() == Verdict.SKIPPED ? r.verdict().id()
                            : r.unexpected() ? r.verdict().id() : "known";
                    sb.append("<td class=\"").append(cls).append(r.unexpected() ? " unexpected" : "").append("\" title=\"")
                            .append(esc(r.detail())).append("\">");
                    if (r.verdict() != Verdict.PASS && r.verdict() != Verdict.SKIPPED) {
                        linked.add(image);
                        sb.append("<a href=\"#image-").append(esc(image)).append("\">").append(esc(r.verdictId())).append("</a>");
                    } else {
                        sb.append(esc(r.verdictId()));
                    }
                    r.expectation().ifPresent(e -> {
                        sb.append("<br><small>expected: ").append(esc(e.reason()));
                        if (e.link() != null) {
                            sb.append(" <a href=\"").append(esc(e.link())).append("\">upstream</a>");
                        }
                        sb.append("</small>");
                    });
                    sb.append("<br><small>").append(esc(r.detail())).append("</small></td>");
                }
                sb.append("</tr>\n");
            });
            sb.append("</table>\n");
        }

        TreeSet<String> rules = new TreeSet<>();
        if (!linked.isEmpty()) {
            sb.append("<h2>Manifest entries of the images that did not pass</h2>\n");
            for (Manifest.Image image : manifest.images()) {
                if (!linked.contains(image.id())) {
                    continue;
                }
                sb.append("<h3 id=\"image-").append(esc(image.id())).append("\"><code>").append(esc(image.id()))
                        .append("</code></h3>\n<p>").append(esc(image.description())).append("</p>\n<p>outcome <strong>")
                        .append(esc(image.outcome())).append("</strong>");
                if (image.scenario() != null) {
                    sb.append(" &middot; scenario <em>").append(esc(image.scenario().name())).append("</em> in <code>")
                            .append(esc(image.scenario().feature())).append("</code>");
                }
                sb.append(" &middot; rules:");
                for (String rule : ruleIds(image)) {
                    rules.add(rule);
                    sb.append(" <a href=\"#rule-").append(esc(rule)).append("\"><code>").append(esc(rule)).append("</code></a>");
                }
                sb.append("</p>\n<pre>").append(esc(Json.write(COMPACT.valueToTree(image.expect())))).append("</pre>\n");
            }
        }
        if (!rules.isEmpty()) {
            sb.append("<h2>Rules</h2>\n<table><tr><th>rule</th><th>spec section</th><th>level</th><th>paraphrase</th></tr>\n");
            for (String id : rules) {
                Optional<Rule> rule = Rule.byId(id);
                sb.append("<tr id=\"rule-").append(esc(id)).append("\"><td><code>").append(esc(id)).append("</code></td><td>")
                        .append(esc(rule.map(r -> r.clause().heading()).orElse("(not in this kit's catalogue)")))
                        .append("</td><td>").append(esc(rule.map(r -> r.level().toString().toLowerCase()).orElse("")))
                        .append("</td><td>").append(esc(rule.map(Rule::paraphrase).orElse(""))).append("</td></tr>\n");
            }
            sb.append("</table>\n");
        }
        return sb.append("</body></html>\n").toString();
    }

    private static List<String> ruleIds(Manifest.Image image) {
        TreeSet<String> ids = new TreeSet<>(image.rules());
        if (image.expect().brokenRule() != null) {
            ids.add(image.expect().brokenRule());
        }
        return List.copyOf(ids);
    }

    private static String esc(String s) {
        return JunitXml.esc(s);
    }
}
