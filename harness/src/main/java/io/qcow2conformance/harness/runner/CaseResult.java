package io.qcow2conformance.harness.runner;

import java.util.List;
import java.util.Optional;

/**
 * The result of one image on one implementation, with how it compares to the
 * implementation's expectation file.
 *
 * @param kind        the failure kind when {@code verdict} is FAIL
 * @param detail      one line explaining the verdict
 * @param steps       the calls made, in order
 * @param expectation the matching expectation entry, if any
 * @param outcome     whether the verdict was expected
 */
public record CaseResult(String imageId, String area, String impl, Verdict verdict, Optional<Verdict.Kind> kind,
                         String detail, List<Step> steps, Optional<Expectations.Entry> expectation,
                         Expectations.Outcome outcome, long millis) {
    public CaseResult {
        steps = List.copyOf(steps);
    }

    /** {@code pass}, {@code fail:wrong-data}, {@code skipped}, ... */
    public String verdictId() {
        return verdict.id() + kind.map(k -> ":" + k.id()).orElse("");
    }

    public boolean unexpected() {
        return outcome.unexpected();
    }
}
