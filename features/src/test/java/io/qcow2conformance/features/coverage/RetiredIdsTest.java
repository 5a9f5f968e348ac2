package io.qcow2conformance.features.coverage;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.qcow2conformance.generators.scenario.FeatureCatalog;
import io.qcow2conformance.generators.scenario.ScenarioCase;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Golden-image IDs are never reused: no scenario (or Examples row, or the scenario part of a
 * row's ID) may take an ID listed in features/retired-ids.txt.
 */
class RetiredIdsTest {
    static final Path RETIRED = Path.of("retired-ids.txt");

    @Test
    void noScenarioTakesARetiredId() throws IOException {
        Set<String> retired = Files.readAllLines(RETIRED).stream().map(String::strip)
                .filter(l -> !l.isEmpty() && !l.startsWith("#")).map(l -> l.split("\\s+", 2)[0])
                .collect(Collectors.toSet());
        List<String> reused = FeatureCatalog.load(RuleCoverageTest.SCENARIOS).stream().map(ScenarioCase::id)
                .filter(id -> retired.contains(id) || retired.contains(id.split("/")[0])).toList();
        assertEquals(List.of(), reused, "IDs listed in " + RETIRED + " are retired and may not be used again");
    }
}
