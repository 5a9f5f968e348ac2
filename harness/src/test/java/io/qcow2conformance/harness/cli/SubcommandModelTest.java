package io.qcow2conformance.harness.cli;

import io.qcow2conformance.harness.testkit.Cli;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link Main} builds only the picocli model of the subcommand named (a start-up saving,
 * docs/performance.md). The command line must behave as with the whole tree: {@code help X}
 * builds the whole tree, {@code X --help} only X, and both must print the same usage.
 */
class SubcommandModelTest {
    private static final String[] NAMES = {"run", "generate", "info", "check", "convert", "bitmap", "rules", "errata"};

    /** Every subcommand has the standard help options (README: --help on any command lists its options). */
    @ParameterizedTest
    @ValueSource(strings = {"run", "generate", "info", "check", "convert", "bitmap", "rules", "errata", "impact"})
    void oneSubcommandPrintsTheUsageOfTheWholeTree(String name) {
        Cli.Result alone = Cli.run(name, "--help");
        Cli.Result tree = Cli.run("help", name);
        assertEquals(0, alone.exitCode(), alone.err());
        assertEquals(tree.exitCode(), alone.exitCode());
        assertEquals(tree.out(), alone.out());
    }

    @ParameterizedTest
    @ValueSource(strings = {"run", "generate", "info", "check", "convert", "bitmap", "rules", "errata"})
    void helpNamesEverySubcommand(String name) {
        Cli.Result help = Cli.run("help", name);
        assertEquals(0, help.exitCode(), help.err());
        assertTrue(help.out().startsWith("Usage: qcow2-conformance " + name + " "), help.out());
    }

    @Test
    void topLevelHelpListsEverySubcommand() {
        Cli.Result help = Cli.run("--help");
        assertEquals(0, help.exitCode());
        for (String name : NAMES) {
            assertTrue(help.out().contains("  " + name + " "), name + " missing from:\n" + help.out());
        }
    }

    /** Settings made after the subcommand is added reach it: enum values in any case. */
    @Test
    void settingsApplyToTheSubcommandBuiltAlone() {
        Cli.Result json = Cli.run("rules", "--output", "JSON");
        assertEquals(0, json.exitCode(), json.err());
        assertTrue(json.out().trim().startsWith("[") || json.out().trim().startsWith("{"), json.out());
    }

    @Test
    void anUnknownSubcommandIsStillAUsageError() {
        assertEquals(Main.EXIT_USAGE, Cli.run("no-such-command").exitCode());
    }
}
