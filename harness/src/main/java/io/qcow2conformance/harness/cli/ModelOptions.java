package io.qcow2conformance.harness.cli;

import io.qcow2conformance.model.image.Limits;
import picocli.CommandLine.Option;

/** Options shared by every command that opens images: the model's resource limits. */
public final class ModelOptions {
    @Option(names = "--max-l1-bytes", paramLabel = "BYTES",
            description = "Largest L1 table to read (default: ${DEFAULT-VALUE}, as QEMU).")
    long maxL1Bytes = Limits.DEFAULT.maxL1Bytes();

    @Option(names = "--max-refcount-table-bytes", paramLabel = "BYTES",
            description = "Largest refcount table to read (default: ${DEFAULT-VALUE}, as QEMU).")
    long maxRefcountTableBytes = Limits.DEFAULT.maxRefcountTableBytes();

    @Option(names = "--max-cluster-bits", paramLabel = "N",
            description = "Largest cluster_bits whose tables are read (default: ${DEFAULT-VALUE}).")
    int maxClusterBits = Limits.DEFAULT.maxClusterBits();

    @Option(names = "--max-backing-depth", paramLabel = "N",
            description = "Longest backing chain followed (default: ${DEFAULT-VALUE}).")
    int maxBackingDepth = Limits.DEFAULT.maxBackingDepth();

    @Option(names = "--max-metadata-bytes", paramLabel = "BYTES",
            description = "Most metadata read by one command (default: ${DEFAULT-VALUE}).")
    long maxMetadataBytes = Limits.DEFAULT.maxMetadataBytes();

    @Option(names = "--max-snapshots", paramLabel = "N",
            description = "Most snapshot table entries read (default: ${DEFAULT-VALUE}, as QEMU).")
    long maxSnapshots = Limits.DEFAULT.maxSnapshots();

    @Option(names = "--max-snapshot-table-bytes", paramLabel = "BYTES",
            description = "Largest snapshot table read (default: ${DEFAULT-VALUE}, as QEMU).")
    long maxSnapshotTableBytes = Limits.DEFAULT.maxSnapshotTableBytes();

    @Option(names = "--max-snapshot-extra-data", paramLabel = "BYTES",
            description = "Most extra data in one snapshot table entry (default: ${DEFAULT-VALUE}, as QEMU).")
    long maxSnapshotExtraData = Limits.DEFAULT.maxSnapshotExtraData();

    @Option(names = "--allow-outside-paths",
            description = "Follow backing file names that are absolute or leave the image's folder.")
    boolean allowOutsidePaths;

    public Limits limits() {
        return new Limits(maxL1Bytes, maxRefcountTableBytes, maxClusterBits, maxBackingDepth, maxMetadataBytes,
                allowOutsidePaths, maxSnapshots, maxSnapshotTableBytes, maxSnapshotExtraData);
    }
}
