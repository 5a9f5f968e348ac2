package io.qcow2conformance.features.impl;

import io.qcow2conformance.generators.scenario.FeatureCatalog;
import io.qcow2conformance.generators.scenario.ScenarioCase;
import io.qcow2conformance.harness.runner.Expectations;
import io.qcow2conformance.harness.runner.Manifest;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * What golden-images/divergences.json says about a scenario for the implementation under
 * test: the scenario is found by its feature file and line (an Examples row has its own
 * line), then its golden image in the manifest, then the first divergence entry that selects
 * that image, exactly as {@code qcow2-conformance run} does.
 */
public final class KnownDivergences {
    private static final Path CORPUS = Path.of("..", "golden-images");
    private static final Path SCENARIOS = Path.of("scenarios");

    private static volatile Map<String, ScenarioCase> cases;
    private static volatile Map<String, Manifest.Image> images;
    private static final Map<String, Expectations> EXPECTATIONS = new java.util.concurrent.ConcurrentHashMap<>();

    private KnownDivergences() {
    }

    /**
     * The entry for the scenario at {@code line} of {@code featureFile} (a path ending in
     * {@code scenarios/NAME.feature}), for implementation {@code impl}.
     */
    public static Optional<Expectations.Entry> forScenario(String impl, String featureFile, long line) {
        String feature = FeatureCatalog.SCENARIOS_DIR + "/" + Path.of(featureFile).getFileName();
        ScenarioCase c = cases().get(feature + ":" + line);
        if (c == null) {
            return Optional.empty();
        }
        Expectations known = EXPECTATIONS.computeIfAbsent(impl,
                name -> Expectations.load(name, CORPUS.resolve(Expectations.FILE_NAME)));
        return Optional.ofNullable(images().get(c.id())).flatMap(known::entryFor);
    }

    private static Map<String, ScenarioCase> cases() {
        if (cases == null) {
            List<ScenarioCase> all = FeatureCatalog.load(SCENARIOS);
            cases = all.stream().collect(Collectors.toMap(c -> c.feature() + ":" + c.line(), Function.identity(), (a, b) -> a));
        }
        return cases;
    }

    private static Map<String, Manifest.Image> images() {
        if (images == null) {
            images = Manifest.load(CORPUS).images().stream()
                    .collect(Collectors.toMap(Manifest.Image::id, Function.identity()));
        }
        return images;
    }
}
