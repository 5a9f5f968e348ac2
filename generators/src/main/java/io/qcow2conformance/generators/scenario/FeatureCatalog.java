package io.qcow2conformance.generators.scenario;

import io.cucumber.gherkin.GherkinParser;
import io.cucumber.messages.types.Envelope;
import io.cucumber.messages.types.Examples;
import io.cucumber.messages.types.Feature;
import io.cucumber.messages.types.FeatureChild;
import io.cucumber.messages.types.GherkinDocument;
import io.cucumber.messages.types.Scenario;
import io.cucumber.messages.types.Step;
import io.cucumber.messages.types.TableCell;
import io.cucumber.messages.types.TableRow;
import io.cucumber.messages.types.Tag;
import io.qcow2conformance.model.rules.Level;
import io.qcow2conformance.model.rules.Rule;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * Reads every {@code *.feature} file of a folder with the Gherkin parser and turns each
 * Scenario, and each Examples row of a Scenario Outline, into a {@link ScenarioCase}.
 * Enforces the tagging rules of docs/writing-scenarios.md: one {@code @id}, at least one
 * known {@code @rule}, one level tag, a feature-level {@code @area}, an {@code id} column in
 * every Examples table, and IDs unique across all files.
 */
public final class FeatureCatalog {
    /** Where the feature files live, relative to the repository root. */
    public static final String SCENARIOS_DIR = "features/scenarios";

    private static final String ID_PATTERN = "[a-z0-9]+(-[a-z0-9]+)*";

    private FeatureCatalog() {
    }

    /** All cases of {@code dir}, in file-name order and then in file order. */
    public static List<ScenarioCase> load(Path dir) {
        List<Path> files;
        try (Stream<Path> s = Files.list(dir)) {
            files = s.filter(p -> p.getFileName().toString().endsWith(".feature")).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        List<ScenarioCase> cases = new ArrayList<>();
        Map<String, String> seen = new HashMap<>();
        for (Path f : files) {
            for (ScenarioCase c : parse(f, SCENARIOS_DIR + "/" + f.getFileName())) {
                String before = seen.put(c.id(), c.feature() + ":" + c.line());
                if (before != null) {
                    throw new ScenarioException(c.feature(), c.line(), "ID " + c.id() + " is already used at " + before);
                }
                cases.add(c);
            }
        }
        return cases;
    }

    /** The cases of one feature file; {@code featurePath} is how the cases name it. */
    public static List<ScenarioCase> parse(Path file, String featurePath) {
        GherkinParser parser = GherkinParser.builder().includeSource(false).includePickles(false).build();
        List<Envelope> envelopes;
        try (Stream<Envelope> s = parser.parse(file)) {
            envelopes = s.toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        for (Envelope e : envelopes) {
            e.getParseError().ifPresent(err -> {
                throw new ScenarioException(featurePath, err.getSource().getLocation().map(l -> l.getLine()).orElse(0L),
                        err.getMessage());
            });
        }
        Feature feature = envelopes.stream().map(Envelope::getGherkinDocument).flatMap(Optional::stream)
                .map(GherkinDocument::getFeature).flatMap(Optional::stream).findFirst()
                .orElseThrow(() -> new ScenarioException(featurePath, 0, "no Feature"));
        List<String> featureTags = names(feature.getTags());
        String area = single(featureTags, "area:", featurePath, feature.getLocation().getLine(), true).orElseThrow();
        List<String> background = new ArrayList<>();
        List<ScenarioCase> out = new ArrayList<>();
        for (FeatureChild child : feature.getChildren()) {
            child.getBackground().ifPresent(b -> b.getSteps().forEach(s -> background.add(s.getText())));
            child.getRule().ifPresent(r -> {
                throw new ScenarioException(featurePath, r.getLocation().getLine(), "Rule blocks are not used; tag scenarios with @rule:ID");
            });
            child.getScenario().ifPresent(s -> out.addAll(cases(s, featurePath, area, featureTags, background)));
        }
        return out;
    }

    private static List<ScenarioCase> cases(Scenario s, String feature, String area, List<String> featureTags,
                                            List<String> background) {
        long line = s.getLocation().getLine();
        List<String> tags = new ArrayList<>(featureTags);
        tags.addAll(names(s.getTags()));
        String id = single(tags, "id:", feature, line, true).orElseThrow();
        if (!id.matches(ID_PATTERN)) {
            throw new ScenarioException(feature, line, "@id:" + id + " is not lower-case words joined by '-'");
        }
        if (s.getExamples().isEmpty()) {
            return List.of(build(id, feature, line, area, s.getName(), s, tags, background, Map.of()));
        }
        List<ScenarioCase> out = new ArrayList<>();
        for (Examples ex : s.getExamples()) {
            List<String> exTags = new ArrayList<>(tags);
            exTags.addAll(names(ex.getTags()));
            List<String> header = ex.getTableHeader().map(FeatureCatalog::cells).orElse(List.of());
            if (!header.contains("id")) {
                throw new ScenarioException(feature, ex.getLocation().getLine(),
                        "every Examples table has an 'id' column (row IDs are stable; positions are not)");
            }
            for (TableRow row : ex.getTableBody()) {
                List<String> cells = cells(row);
                Map<String, String> values = new HashMap<>();
                for (int i = 0; i < header.size(); i++) {
                    values.put(header.get(i), cells.get(i));
                }
                String rowId = values.get("id");
                if (!rowId.matches(ID_PATTERN)) {
                    throw new ScenarioException(feature, row.getLocation().getLine(), "row id '" + rowId + "' is not lower-case words joined by '-'");
                }
                out.add(build(id + "/" + rowId, feature, row.getLocation().getLine(), area, fill(s.getName(), values),
                        s, exTags, background, values));
            }
        }
        return out;
    }

    private static ScenarioCase build(String id, String feature, long line, String area, String name, Scenario s,
                                      List<String> tags, List<String> background, Map<String, String> values) {
        List<Rule> rules = new ArrayList<>();
        for (String t : tags) {
            if (t.startsWith("rule:")) {
                String ruleId = t.substring(5);
                rules.add(Rule.byId(ruleId).orElseThrow(() ->
                        new ScenarioException(feature, line, "@rule:" + ruleId + " is not in the rule catalogue")));
            }
        }
        if (rules.isEmpty()) {
            throw new ScenarioException(feature, line, "a scenario names the rules it covers with @rule:ID tags");
        }
        List<Level> levels = new ArrayList<>();
        for (Level l : Level.values()) {
            if (tags.contains(l.id())) {
                levels.add(l);
            }
        }
        if (levels.size() != 1) {
            throw new ScenarioException(feature, line, "a scenario has exactly one of @must, @should, @implementation-limit");
        }
        List<String> proposals = tags.stream().filter(t -> t.startsWith("proposal:")).map(t -> t.substring(9)).toList();
        List<String> steps = new ArrayList<>(background);
        for (Step st : s.getSteps()) {
            if (st.getDocString().isPresent() || st.getDataTable().isPresent()) {
                throw new ScenarioException(feature, st.getLocation().getLine(), "steps take no doc strings or tables");
            }
            steps.add(fill(st.getText(), values));
        }
        return new ScenarioCase(id, feature, line, area, name, s.getDescription() == null ? "" : s.getDescription().strip(),
                rules, levels.get(0), proposals, tags.contains("erratum"), steps);
    }

    private static String fill(String text, Map<String, String> values) {
        String out = text;
        for (Map.Entry<String, String> e : values.entrySet()) {
            out = out.replace("<" + e.getKey() + ">", e.getValue());
        }
        return out;
    }

    private static List<String> cells(TableRow row) {
        return row.getCells().stream().map(TableCell::getValue).toList();
    }

    private static List<String> names(List<Tag> tags) {
        return tags.stream().map(t -> t.getName().substring(1)).toList();
    }

    private static Optional<String> single(List<String> tags, String prefix, String feature, long line, boolean required) {
        List<String> found = tags.stream().filter(t -> t.startsWith(prefix)).map(t -> t.substring(prefix.length())).toList();
        if (found.size() > 1 || (required && found.isEmpty())) {
            throw new ScenarioException(feature, line, "exactly one @" + prefix + " tag is required, found " + found);
        }
        return found.stream().findFirst();
    }
}
