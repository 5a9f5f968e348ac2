package io.qcow2conformance.harness.cli;

import io.qcow2conformance.generators.corpus.Corpus;
import io.qcow2conformance.generators.image.ModelImageWriter;
import io.qcow2conformance.generators.scenario.FeatureCatalog;
import io.qcow2conformance.generators.scenario.ScenarioCase;
import io.qcow2conformance.generators.scenario.ScenarioException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.SortedMap;
import java.util.concurrent.Callable;

/**
 * {@code generate}: writes the golden corpus from the feature files, or with
 * {@code --check} regenerates it in memory and fails (exit 1) when the committed corpus
 * differs, listing the differing files on standard output.
 */
@Command(name = "generate", mixinStandardHelpOptions = true,
        description = "Write the golden corpus (images + manifest.json) from features/scenarios/*.feature.")
final class GenerateCommand implements Callable<Integer> {
    @Spec
    private picocli.CommandLine.Model.CommandSpec spec;

    @Option(names = "--out", paramLabel = "DIR", defaultValue = "golden-images",
            description = "Corpus folder (default: ${DEFAULT-VALUE}). Only manifest.json and sub-folders are replaced.")
    private Path out;

    @Option(names = "--scenarios", paramLabel = "DIR", defaultValue = FeatureCatalog.SCENARIOS_DIR,
            description = "Folder of .feature files (default: ${DEFAULT-VALUE}).")
    private Path scenarios;

    @Option(names = "--check", description = "Compare a fresh generation with DIR instead of writing; exit 1 on any difference.")
    private boolean check;

    @Override
    public Integer call() {
        if (!Files.isDirectory(scenarios)) {
            throw new Main.UserError("no scenarios folder " + scenarios + " (run from the repository root or give --scenarios)");
        }
        SortedMap<String, byte[]> files;
        try {
            List<ScenarioCase> cases = FeatureCatalog.load(scenarios);
            files = new Corpus(new ModelImageWriter()).generate(cases);
        } catch (ScenarioException e) {
            throw new Main.UserError(e.getMessage());
        }
        try {
            if (check) {
                List<String> diff = Corpus.diff(files, out);
                diff.forEach(spec.commandLine().getOut()::println);
                if (!diff.isEmpty()) {
                    throw new Main.UserError(out + " differs from the scenarios in " + diff.size()
                            + " file(s); run 'qcow2-conformance generate' and commit the result");
                }
                spec.commandLine().getOut().println(out + " is up to date (" + files.size() + " files)");
                return Main.EXIT_OK;
            }
            Corpus.write(files, out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        spec.commandLine().getOut().println("wrote " + files.size() + " files to " + out);
        return Main.EXIT_OK;
    }
}
