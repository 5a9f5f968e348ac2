package io.qcow2conformance.generators.scenario;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** Every phrase of the vocabulary is listed in docs/writing-scenarios.md, so reviewers see the whole language. */
class VocabularyDocumentedTest {
    @Test
    void everyPhraseIsInTheGuide() throws IOException {
        String guide = Files.readString(Path.of("..", "docs", "writing-scenarios.md"));
        List<String> missing = Vocabulary.phrases().stream().map(Vocabulary.Phrase::form)
                .filter(f -> !guide.contains("`" + f.replace("|", "\\|") + "`")).toList();
        assertEquals(List.of(), missing, "phrases missing from docs/writing-scenarios.md");
    }
}
