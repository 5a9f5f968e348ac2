package io.qcow2conformance.harness.report;

import io.qcow2conformance.harness.runner.CaseResult;
import io.qcow2conformance.harness.runner.RunResult;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The changes between an earlier results.json and this run: new, gone and changed verdicts. */
public final class Baseline {
    public record Key(String image, String impl) {
    }

    /** {@code before} or {@code after} is null when the result is new or gone. */
    public record Change(Key key, String before, String after) {
        public String text() {
            String what = before == null ? "new: " + after : after == null ? "gone (was " + before + ")"
                    : before + " -> " + after;
            return key.image() + " on " + key.impl() + ": " + what;
        }
    }

    private Baseline() {
    }

    public static List<Change> changes(Map<Key, String> before, RunResult run) {
        Map<Key, String> after = new LinkedHashMap<>();
        for (CaseResult r : run.results()) {
            after.put(new Key(r.imageId(), r.impl()), r.verdictId());
        }
        List<Change> changes = new ArrayList<>();
        after.forEach((k, v) -> {
            String old = before.get(k);
            if (!v.equals(old)) {
                changes.add(new Change(k, old, v));
            }
        });
        before.forEach((k, v) -> {
            if (!after.containsKey(k)) {
                changes.add(new Change(k, v, null));
            }
        });
        return changes;
    }
}
