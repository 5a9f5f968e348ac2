package io.qcow2conformance.model.write;

/**
 * Receives the named regions a planner lays out (the {@link Layout} that mutations and tests
 * find structures by); {@link Qcow2Writer}'s plan is the one implementation, and its
 * structure planners ({@link BitmapPlan}, {@link SnapshotPlan}, {@link EncryptionPlan}) report
 * through it.
 */
@FunctionalInterface
interface RegionSink {
    void region(String name, long offset, long length);
}
