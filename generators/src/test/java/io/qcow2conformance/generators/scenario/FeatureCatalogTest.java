package io.qcow2conformance.generators.scenario;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.qcow2conformance.model.rules.Level;
import io.qcow2conformance.model.rules.Rule;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** The tagging rules of docs/writing-scenarios.md are enforced, with file and line in the message. */
class FeatureCatalogTest {
    @TempDir
    Path dir;

    private static final String GIVEN = "    Given a version 3 image with 512-byte clusters and a 64 KiB virtual disk\n";

    private List<ScenarioCase> load(String name, String text) throws IOException {
        Files.writeString(dir.resolve(name), text);
        return FeatureCatalog.load(dir);
    }

    @Test
    void outlineRowsAreIdentifiedByTheirIdColumn() throws IOException {
        List<ScenarioCase> cases = load("a.feature", """
                @area:header
                Feature: f
                  @id:hdr-version @rule:header.version @must
                  Scenario Outline: version <v>
                """ + GIVEN + """
                    And header field "version" is set to <v>
                    Then a reader must reject the image when opening it, citing rule "header.version"

                    Examples:
                      | v | id |
                      | 4 | v4 |
                      | 1 | v1 |
                """);
        assertEquals(List.of("hdr-version/v4", "hdr-version/v1"), cases.stream().map(ScenarioCase::id).toList());
        assertEquals("version 1", cases.get(1).name());
        assertEquals("header field \"version\" is set to 1", cases.get(1).steps().get(1));
        assertEquals("header/hdr-version/v1.qcow2", cases.get(1).imagePath());
        assertEquals(List.of(Rule.HEADER_VERSION), cases.get(0).rules());
        assertEquals(Level.MUST, cases.get(0).level());
        assertEquals(11, cases.get(0).line(), "the row's own line (line 10 is the table header)");
    }

    @Test
    void aMissingIdNamesFileAndLine() {
        ScenarioException e = assertThrows(ScenarioException.class, () -> load("b.feature", """
                @area:header
                Feature: f
                  @rule:header.version @must
                  Scenario: s
                """ + GIVEN));
        assertTrue(e.getMessage().startsWith("features/scenarios/b.feature:4:"), e.getMessage());
        assertTrue(e.getMessage().contains("@id:"), e.getMessage());
    }

    @Test
    void anUnknownRuleIsRefused() {
        ScenarioException e = assertThrows(ScenarioException.class, () -> load("c.feature", """
                @area:header
                Feature: f
                  @id:x @rule:header.no-such-rule @must
                  Scenario: s
                """ + GIVEN));
        assertTrue(e.getMessage().contains("header.no-such-rule"), e.getMessage());
    }

    @Test
    void anOutlineWithoutIdColumnIsRefused() {
        ScenarioException e = assertThrows(ScenarioException.class, () -> load("d.feature", """
                @area:header
                Feature: f
                  @id:x @rule:header.version @must
                  Scenario Outline: s
                """ + GIVEN + """
                    Examples:
                      | v |
                      | 1 |
                """));
        assertTrue(e.getMessage().contains("'id' column"), e.getMessage());
    }

    @Test
    void anIdUsedTwiceAcrossFilesIsRefused() throws IOException {
        String scenario = """
                @area:header
                Feature: f
                  @id:same @rule:header.version @must
                  Scenario: s
                """ + GIVEN;
        Files.writeString(dir.resolve("e1.feature"), scenario);
        ScenarioException e = assertThrows(ScenarioException.class, () -> load("e2.feature", scenario));
        assertTrue(e.getMessage().contains("already used at features/scenarios/e1.feature:4"), e.getMessage());
    }

    @Test
    void aScenarioNeedsExactlyOneLevel() {
        assertThrows(ScenarioException.class, () -> load("f.feature", """
                @area:header
                Feature: f
                  @id:x @rule:header.version @must @should
                  Scenario: s
                """ + GIVEN));
    }
}
