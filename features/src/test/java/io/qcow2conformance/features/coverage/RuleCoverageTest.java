package io.qcow2conformance.features.coverage;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.qcow2conformance.generators.scenario.FeatureCatalog;
import io.qcow2conformance.generators.scenario.ScenarioCase;
import io.qcow2conformance.model.rules.Clause;
import io.qcow2conformance.model.rules.Rule;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Every rule of the catalogue that says something about qcow2 images (all but the kit's own
 * limits, clause {@link Clause#KIT}) has at least one scenario and one golden image, unless
 * it is listed, with the reason, in features/uncovered-rules.txt. The list can only shrink:
 * a listed rule that gained a scenario fails the test until it is removed from the list.
 * Writes target/coverage.md and target/coverage.json (each rule with its scenarios and
 * golden images).
 */
class RuleCoverageTest {
    static final Path SCENARIOS = Path.of("scenarios");
    static final Path ALLOW_LIST = Path.of("uncovered-rules.txt");
    static final Path MANIFEST = Path.of("..", "golden-images", "manifest.json");

    @Test
    void everyImageRuleHasAScenarioAndAGoldenImageOrIsListedAsNotYetCovered() throws IOException {
        List<ScenarioCase> cases = FeatureCatalog.load(SCENARIOS);
        Map<String, List<String>> scenariosByRule = new TreeMap<>();
        for (ScenarioCase c : cases) {
            for (Rule r : c.rules()) {
                scenariosByRule.computeIfAbsent(r.id(), k -> new ArrayList<>()).add(c.id());
            }
        }
        Map<String, List<String>> imagesByRule = new TreeMap<>();
        for (JsonNode img : new ObjectMapper().readTree(MANIFEST.toFile()).get("images")) {
            for (JsonNode r : img.get("rules")) {
                imagesByRule.computeIfAbsent(r.asText(), k -> new ArrayList<>()).add(img.get("file").asText());
            }
        }
        Map<String, String> listed = allowList();

        List<String> missing = new ArrayList<>();
        List<String> nowCovered = new ArrayList<>();
        for (Rule r : Rule.values()) {
            boolean covered = scenariosByRule.containsKey(r.id());
            if (covered && listed.containsKey(r.id())) {
                nowCovered.add(r.id());
            } else if (!listed.containsKey(r.id()) && r.clause() != Clause.KIT
                    && (!covered || !imagesByRule.containsKey(r.id()))) {
                missing.add(r.id() + (covered ? " (no golden image: regenerate the corpus)" : ""));
            }
        }
        writeReports(scenariosByRule, imagesByRule, listed);
        assertEquals(List.of(), missing, "rules without a scenario: write one, or list the rule with the reason in "
                + ALLOW_LIST);
        assertEquals(List.of(), nowCovered, "rules listed in " + ALLOW_LIST + " now have scenarios: remove them from the list");
    }

    /** rule ID → why it has no scenario yet. Lines: "rule.id  reason"; '#' starts a comment. */
    static Map<String, String> allowList() throws IOException {
        Map<String, String> out = new LinkedHashMap<>();
        for (String line : Files.readAllLines(ALLOW_LIST)) {
            String l = line.strip();
            if (l.isEmpty() || l.startsWith("#")) {
                continue;
            }
            String[] parts = l.split("\\s+", 2);
            if (parts.length < 2) {
                throw new AssertionError(ALLOW_LIST + ": '" + l + "' gives no reason");
            }
            out.put(parts[0], parts[1]);
        }
        return out;
    }

    private static void writeReports(Map<String, List<String>> scenarios, Map<String, List<String>> images,
                                     Map<String, String> listed) throws IOException {
        Files.createDirectories(Path.of("target"));
        StringBuilder md = new StringBuilder("# Rule coverage\n\n"
                + "Each catalogue rule with the scenarios (features/scenarios) and golden images that exercise it.\n\n"
                + "| Rule | Level | Scenarios | Golden images | Not yet covered because |\n|---|---|---|---|---|\n");
        ObjectMapper json = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
        ArrayNode rules = json.createArrayNode();
        int covered = 0;
        for (Rule r : Rule.values()) {
            List<String> s = scenarios.getOrDefault(r.id(), List.of());
            List<String> i = images.getOrDefault(r.id(), List.of());
            covered += s.isEmpty() ? 0 : 1;
            md.append("| `").append(r.id()).append("` | ").append(r.level().id()).append(" | ")
                    .append(String.join(", ", s)).append(" | ").append(i.size()).append(" | ")
                    .append(listed.getOrDefault(r.id(), "")).append(" |\n");
            ObjectNode n = rules.addObject();
            n.put("rule", r.id());
            n.put("level", r.level().id());
            n.put("clause", r.clause().heading());
            s.forEach(n.putArray("scenarios")::add);
            i.forEach(n.putArray("images")::add);
            if (listed.containsKey(r.id())) {
                n.put("notYetCovered", listed.get(r.id()));
            }
        }
        List<String> unknown = listed.keySet().stream().filter(id -> Rule.byId(id).isEmpty()).toList();
        md.append("\n").append(covered).append(" of ").append(Rule.values().length).append(" rules have scenarios.\n");
        if (!unknown.isEmpty()) {
            md.append("\nListed in uncovered-rules.txt but not in this catalogue (added on another branch?): ")
                    .append(String.join(", ", unknown)).append("\n");
        }
        Files.writeString(Path.of("target", "coverage.md"), md.toString());
        ObjectNode root = json.createObjectNode();
        root.put("rules", Rule.values().length);
        root.put("covered", covered);
        root.set("byRule", rules);
        json.writeValue(Path.of("target", "coverage.json").toFile(), root);
    }
}
