package io.qcow2conformance.generators.scenario;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.qcow2conformance.generators.image.ModelImageWriter;
import io.qcow2conformance.generators.image.WrittenImage;
import io.qcow2conformance.model.header.Header;
import io.qcow2conformance.model.header.HeaderDecoder;
import io.qcow2conformance.model.io.ImageSource;
import io.qcow2conformance.model.rules.Level;
import io.qcow2conformance.model.rules.Rule;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;

/** Scenarios that contradict themselves do not compile; faults land where the spec puts the field. */
class CompiledScenarioTest {
    private static final String GEOMETRY = "a version 3 image with 512-byte clusters and a 64 KiB virtual disk";

    private static ScenarioCase scenario(List<Rule> rules, String... steps) {
        List<String> all = new ArrayList<>(List.of(GEOMETRY));
        all.addAll(List.of(steps));
        return new ScenarioCase("x", "features/scenarios/t.feature", 3, "header", "s", "", rules, Level.MUST,
                List.of(), false, all);
    }

    @Test
    void aContentClaimMustFollowFromTheDescription() {
        ScenarioException e = assertThrows(ScenarioException.class, () -> CompiledScenario.compile(scenario(List.of(),
                "guest cluster 2 holds data", "the image is valid", "reading guest cluster 2 returns zeros")));
        assertTrue(e.getMessage().contains("guest cluster 2 cannot read as ZEROS"), e.getMessage());
    }

    @Test
    void exactlyOneVerdict() {
        assertThrows(ScenarioException.class, () -> CompiledScenario.compile(scenario(List.of(),
                "reading guest cluster 2 returns zeros")));
        assertThrows(ScenarioException.class, () -> CompiledScenario.compile(scenario(List.of(Rule.HEADER_VERSION),
                "the image is valid", "a reader must reject the image when opening it, citing rule \"header.version\"")));
    }

    @Test
    void theCitedRuleMustBeTagged() {
        ScenarioException e = assertThrows(ScenarioException.class, () -> CompiledScenario.compile(scenario(List.of(),
                "a reader must reject the image when opening it, citing rule \"header.version\"")));
        assertTrue(e.getMessage().contains("@rule:header.version"), e.getMessage());
    }

    @Test
    void descriptionsComeBeforeExpectations() {
        assertThrows(ScenarioException.class, () -> CompiledScenario.compile(scenario(List.of(),
                "the image is valid", "guest cluster 2 holds data")));
    }

    @Test
    void anUnknownStepIsRefusedWithAPointerToTheDocs() {
        StepException e = assertThrows(StepException.class,
                () -> Vocabulary.apply("the image is shiny", new io.qcow2conformance.generators.image.ImageRecipe()));
        assertTrue(e.getMessage().contains("docs/writing-scenarios.md"), e.getMessage());
    }

    @Test
    void aHeaderFaultLandsInTheFieldTheSpecNames(@TempDir Path tmp) throws IOException {
        // spec: Header: incompatible_features is the 8-byte big-endian field at byte 72;
        // the model's decoder (independent of the writer) reads it back.
        CompiledScenario s = CompiledScenario.compile(scenario(List.of(Rule.HEADER_INCOMPATIBLE_UNKNOWN),
                "bit 5 of header field \"incompatible_features\" is set",
                "a reader must reject the image when opening it, citing rule \"header.incompatible_features.unknown\""));
        WrittenImage w = new ModelImageWriter().write(s.recipe(), "unused");
        assertEquals(0x20, w.bytes()[79] & 0xff, "byte 79 is the least significant byte of incompatible_features");
        Path img = tmp.resolve("i.qcow2");
        Files.write(img, w.bytes());
        try (ImageSource src = ImageSource.open(img)) {
            Header h = HeaderDecoder.decode(src);
            assertEquals(1L << 5, h.incompatibleFeatures());
            assertEquals(9, h.clusterBits());
            assertEquals(64 << 10, h.size());
        }
        assertEquals("reject", s.outcome());
        assertEquals("open", s.phase().orElseThrow());
        assertEquals(Paths.get("features/scenarios/t.feature").toString(), s.scenario().feature());
    }
}
