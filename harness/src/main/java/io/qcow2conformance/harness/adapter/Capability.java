package io.qcow2conformance.harness.adapter;

/** What an implementation under test can be asked to do. Steps it cannot express are skipped, never passed. */
public enum Capability {
    /** Open an image and say whether it accepts it. */
    OPEN,
    /** Produce the full guest content as raw bytes. */
    READ_GUEST,
    /** Run a consistency check with qemu-img-like exit codes. */
    CHECK,
    /** Report header metadata (virtual size, cluster size...). */
    INFO,
    /** Read the guest content of an internal snapshot. */
    SNAPSHOTS,
    /** Report a persistent bitmap's set ranges. */
    BITMAPS,
    /** Read encrypted images given a passphrase. */
    ENCRYPTION,
    /** Follow backing files. */
    BACKING_FILES,
    /** Read guest clusters from an external data file named by the image (spec: Header, incompatible bit 2). */
    DATA_FILES
}
