package io.qcow2conformance.harness.runner;

import io.qcow2conformance.harness.adapter.Capability;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Everything a run produced: how it was run ({@link Info}) and one result per image ×
 * implementation, in manifest order.
 *
 * @param unusedExpectations per implementation, expectation entries that matched no result
 */
public record RunResult(Info info, List<CaseResult> results, Map<String, List<Expectations.Entry>> unusedExpectations) {
    public RunResult {
        results = List.copyOf(results);
        unusedExpectations = Map.copyOf(unusedExpectations);
    }

    /** One implementation as run: its version, and why it could not run when it could not. */
    public record Impl(String name, Optional<String> version, Optional<String> unavailableReason,
                       Set<Capability> capabilities, String expectations) {
    }

    public record Info(String kitVersion, int manifestVersion, String manifestSha256, String corpusKit,
                       List<Impl> implementations, Optional<String> profile, Set<String> proposals,
                       Instant start, Duration duration) {
    }

    /** Whether every result is as its expectation file says (the run's exit status). */
    public boolean asExpected() {
        return results.stream().noneMatch(CaseResult::unexpected);
    }

    public long count(Expectations.Outcome outcome) {
        return results.stream().filter(r -> r.outcome() == outcome).count();
    }
}
