package io.qcow2conformance.model.rules;

/** How a finding counts in a check result (the counters of {@code qemu-img check}). */
public enum Severity {
    /** Broken metadata: guest data may be read wrongly. Counted in {@code corruptions}. */
    CORRUPTION,
    /** Clusters that are allocated but not referenced. Counted in {@code leaks}. */
    LEAK,
    /** Not conforming, but data is still read correctly. */
    WARNING,
    /** Beyond a limit that the kit or common implementations impose. */
    LIMIT;

    public String id() {
        return name().toLowerCase();
    }
}
