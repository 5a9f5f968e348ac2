package io.qcow2conformance.features.corpus;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.qcow2conformance.harness.cli.Main;
import org.junit.jupiter.api.Test;

import java.io.PrintWriter;
import java.io.StringWriter;

/**
 * The README's main command on the reference model: {@code run --impl model} over the committed
 * corpus must exit 0 (every image judged as its manifest entry says), so a model regression
 * fails the build and not only the CI run of the launcher.
 */
class CorpusAgainstModelTest {
    @Test
    void theModelPassesTheWholeCorpus() {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int rc = Main.run(new String[] {"run", "--impl", "model", "--corpus", CorpusAgainstQemuTest.GOLDEN.toString()},
                new PrintWriter(out, true), new PrintWriter(err, true));
        assertEquals(0, rc, out + "\n" + err);
        assertTrue(out.toString().contains("every result is as expected"), out::toString);
        assertTrue(out.toString().matches("(?s).*\\nmodel: \\d+ pass, 0 known failures, 0 skipped, 0 unexpected\\n.*"),
                out::toString);
    }
}
