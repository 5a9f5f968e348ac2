package io.qcow2conformance.generators.scenario;

import io.qcow2conformance.model.rules.Level;
import io.qcow2conformance.model.rules.Rule;

import java.util.List;

/**
 * One golden image's scenario: a Scenario, or one Examples row of a Scenario Outline, with
 * its steps already filled in.
 *
 * @param id          stable ID: {@code @id} tag, plus "/" and the row's {@code id} column for outlines
 * @param feature     the feature file, relative to the repository root
 * @param line        line of the scenario (or of the Examples row) in the feature file
 * @param area        the feature's {@code @area:NAME} tag
 * @param name        scenario name, placeholders filled in
 * @param description free text under the scenario line, may be empty
 * @param rules       the {@code @rule:ID} tags
 * @param level       the level tag
 * @param proposals   the {@code @proposal:NAME} tags
 * @param erratum     tagged {@code @erratum}
 * @param steps       step texts in order
 */
public record ScenarioCase(String id, String feature, long line, String area, String name, String description,
                           List<Rule> rules, Level level, List<String> proposals, boolean erratum, List<String> steps) {
    public ScenarioCase {
        rules = List.copyOf(rules);
        proposals = List.copyOf(proposals);
        steps = List.copyOf(steps);
    }

    /** Path of the golden image, relative to golden-images/. */
    public String imagePath() {
        return area + "/" + id + ".qcow2";
    }
}
