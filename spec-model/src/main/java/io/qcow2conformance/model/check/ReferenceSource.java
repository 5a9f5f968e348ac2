package io.qcow2conformance.model.check;

/**
 * Extension point of the refcount cross-check: structures that this package does not
 * decode itself (the snapshot table and the snapshots' L1 tables, the bitmap directory,
 * bitmap tables and bitmap data) add their references to host clusters here. Each source
 * is called once per check, after the active L1/L2 tables are counted and before the
 * refcount structures are, in the order given to {@link ImageChecker#withReferenceSources}.
 * Report faults with {@link CheckContext#report}; count clusters with
 * {@link CheckContext#reference} and walk snapshot L1 tables with
 * {@link CheckContext#countL1Table}.
 */
@FunctionalInterface
public interface ReferenceSource {
    void addReferences(CheckContext context);
}
