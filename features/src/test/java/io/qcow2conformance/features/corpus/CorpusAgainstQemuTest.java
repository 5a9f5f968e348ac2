package io.qcow2conformance.features.corpus;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import io.qcow2conformance.harness.adapter.QemuAdapter;
import io.qcow2conformance.harness.runner.CaseResult;
import io.qcow2conformance.harness.runner.Expectations;
import io.qcow2conformance.harness.runner.Filters;
import io.qcow2conformance.harness.runner.Manifest;
import io.qcow2conformance.harness.runner.RunResult;
import io.qcow2conformance.harness.runner.Runner;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * Differential check of the committed golden corpus against the real QEMU, judged by the same
 * runner as {@code qcow2-conformance run}: QEMU must do what the manifest says with every image
 * unless golden-images/divergences.json records, with the verdict, why it differs. A recorded
 * divergence that no longer diverges (an unexpected pass) fails too, so the record stays true.
 */
class CorpusAgainstQemuTest {
    static final Path GOLDEN = Path.of("..", "golden-images").toAbsolutePath().normalize();
    /**
     * Per call. An image QEMU loops on (bak-loop) is killed after this and judged a timeout, so
     * it is enough to refuse, far too little for the loop to exhaust memory.
     */
    static final Duration TIMEOUT = Duration.ofSeconds(20);

    private static RunResult run;

    private static synchronized RunResult qemuRun() {
        if (run == null) {
            QemuAdapter qemu = new QemuAdapter(TIMEOUT);
            Assumptions.assumeTrue(qemu.unavailableReason().isEmpty(),
                    () -> qemu.unavailableReason().get() + " (apt-get install qemu-utils); skipped");
            run = Runner.run(Manifest.load(GOLDEN), List.of(qemu), new Runner.Options(GOLDEN, Filters.ALL, 2, Optional.empty()),
                    (r, done, total) -> { });
        }
        return run;
    }

    @TestFactory
    Stream<DynamicTest> qemuDoesWhatTheManifestSaysOrTheDivergenceFileRecords() {
        // Images judged under a proposal are left out: QEMU implements the published spec, and
        // `qcow2-conformance impact` (ImpactCommandTest) measures what it does with them.
        return Manifest.load(GOLDEN).images().stream().filter(image -> image.proposals().isEmpty())
                .map(image -> DynamicTest.dynamicTest(image.id(), () -> {
            CaseResult r = qemuRun().results().stream().filter(c -> c.imageId().equals(image.id())).findFirst().orElseThrow();
            String entry = r.expectation().map(e -> e.verdict() + " (" + e.reason() + ")").orElse("none");
            assertFalse(r.outcome() == Expectations.Outcome.UNEXPECTED_PASS, image.id()
                    + " is recorded as a QEMU divergence, " + entry + ", but QEMU now does what the manifest says: "
                    + "remove it from divergences.json");
            assertFalse(r.unexpected(), image.id() + ": QEMU gives " + r.verdictId() + " - " + r.detail()
                    + "; divergences.json says " + entry);
        }));
    }

    @Test
    void everyQemuDivergenceMatchesAnImage() {
        assertEquals(List.of(), qemuRun().unusedExpectations().getOrDefault("qemu", List.of()),
                "divergences.json entries for qemu that select no image of the corpus");
    }
}
