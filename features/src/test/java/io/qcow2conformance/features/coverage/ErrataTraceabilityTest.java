package io.qcow2conformance.features.coverage;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.qcow2conformance.generators.scenario.FeatureCatalog;
import io.qcow2conformance.generators.scenario.ScenarioCase;
import io.qcow2conformance.harness.cli.ErrataCommand;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * Scenarios tagged {@code @erratum} and the errata list (spec-model rules/errata.json, the
 * {@code errata} command) point at each other: every such scenario names, in its description,
 * an erratum of the list ("errata: ID"), and every entry of kind "erratum" (the text is
 * wrong, not merely silent) has at least one scenario that follows its corrected reading.
 */
class ErrataTraceabilityTest {
    private static final Pattern REFERENCE = Pattern.compile("errata:\\s+([a-z0-9-]+)");

    @Test
    void erratumScenariosAndTheErrataListNameEachOther() {
        List<ErrataCommand.Erratum> errata = ErrataCommand.load();
        Set<String> ids = errata.stream().map(ErrataCommand.Erratum::id).collect(Collectors.toSet());
        List<String> unnamed = new ArrayList<>();
        List<String> named = new ArrayList<>();
        for (ScenarioCase c : FeatureCatalog.load(RuleCoverageTest.SCENARIOS)) {
            if (!c.erratum()) {
                continue;
            }
            Matcher m = REFERENCE.matcher(c.description().replaceAll("\\s+", " "));
            boolean any = false;
            while (m.find()) {
                if (ids.contains(m.group(1))) {
                    named.add(m.group(1));
                    any = true;
                }
            }
            if (!any) {
                unnamed.add(c.id());
            }
        }
        assertEquals(List.of(), unnamed, "@erratum scenarios whose description names no erratum of the list (\"errata: ID\")");
        List<String> withoutScenario = errata.stream().filter(e -> e.kind().equals("erratum"))
                .map(ErrataCommand.Erratum::id).filter(id -> !named.contains(id)).toList();
        assertEquals(List.of(), withoutScenario, "errata of kind 'erratum' that no @erratum scenario follows");
    }
}
