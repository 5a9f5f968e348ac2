package io.qcow2conformance.harness.report;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.qcow2conformance.harness.cli.Json;
import io.qcow2conformance.harness.cli.Main;
import io.qcow2conformance.harness.runner.CaseResult;
import io.qcow2conformance.harness.runner.RunResult;
import io.qcow2conformance.harness.runner.Step;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * {@code results.json}: the run's facts ({@code run}: kit version, corpus manifest version and
 * digest, implementations with versions, profile, proposals, start, duration) and one entry
 * per image × implementation. It is also the baseline format read back by {@code --baseline}.
 */
public final class ResultsJson {
    public static final String FILE = "results.json";
    public static final int FORMAT = 1;

    private ResultsJson() {
    }

    public static ObjectNode toJson(RunResult run) {
        ObjectNode root = Json.object();
        root.put("resultsFormat", FORMAT);
        ObjectNode info = root.putObject("run");
        var i = run.info();
        info.put("kit", i.kitVersion());
        info.put("manifestVersion", i.manifestVersion());
        info.put("manifestSha256", i.manifestSha256());
        info.put("corpusKit", i.corpusKit());
        info.put("profile", i.profile().orElse("all"));
        i.proposals().stream().sorted().forEach(info.putArray("proposals")::add);
        info.put("start", i.start().toString());
        info.put("durationMillis", i.duration().toMillis());
        ArrayNode impls = info.putArray("implementations");
        for (RunResult.Impl impl : i.implementations()) {
            ObjectNode n = impls.addObject();
            n.put("name", impl.name());
            n.put("version", impl.version().orElse(null));
            impl.unavailableReason().ifPresent(r -> n.put("unavailable", r));
            impl.capabilities().forEach(c -> n.withArray("capabilities").add(c.name().toLowerCase().replace('_', '-')));
            n.put("expectations", impl.expectations());
        }
        ObjectNode counts = info.putObject("counts");
        for (var o : io.qcow2conformance.harness.runner.Expectations.Outcome.values()) {
            counts.put(o.id(), run.count(o));
        }
        info.put("asExpected", run.asExpected());
        ArrayNode results = root.putArray("results");
        for (CaseResult r : run.results()) {
            ObjectNode n = results.addObject();
            n.put("image", r.imageId());
            n.put("area", r.area());
            n.put("implementation", r.impl());
            n.put("verdict", r.verdictId());
            n.put("outcome", r.outcome().id());
            n.put("detail", r.detail());
            r.expectation().ifPresent(e -> {
                ObjectNode x = n.putObject("expected");
                x.put("selector", e.selector());
                x.put("verdict", e.verdict());
                x.put("reason", e.reason());
                x.put("link", e.link());
            });
            n.put("millis", r.millis());
            ArrayNode steps = n.putArray("steps");
            for (Step s : r.steps()) {
                ObjectNode sn = steps.addObject();
                sn.put("step", s.name());
                sn.put("status", s.status());
                sn.put("exitCode", s.exitCode());
                sn.put("detail", s.detail());
                if (s.digest() != null) {
                    sn.put("sha256", s.digest());
                }
            }
        }
        return root;
    }

    public static void write(RunResult run, Path file) throws IOException {
        Files.writeString(file, Json.write(toJson(run)) + "\n");
    }

    /** The verdict of every {@code image} × {@code implementation} in an earlier results.json. */
    public static Map<Baseline.Key, String> readVerdicts(Path file) {
        JsonNode root;
        try {
            root = Json.MAPPER.readTree(file.toFile());
        } catch (IOException e) {
            throw new Main.UserError("cannot read baseline " + file + ": " + e.getMessage().lines().findFirst().orElse(""));
        }
        if (root == null || root.path("resultsFormat").asInt() != FORMAT || !root.path("results").isArray()) {
            throw new Main.UserError("baseline " + file + " is not a results.json (resultsFormat " + FORMAT + ")");
        }
        Map<Baseline.Key, String> verdicts = new LinkedHashMap<>();
        for (JsonNode r : root.path("results")) {
            verdicts.put(new Baseline.Key(r.path("image").asText(), r.path("implementation").asText()),
                    r.path("verdict").asText());
        }
        return verdicts;
    }
}
