package io.qcow2conformance.harness.cli;

import io.qcow2conformance.model.crypto.Secret;
import io.qcow2conformance.model.image.Limits;
import io.qcow2conformance.model.read.OpenOptions;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Options shared by every command that opens images: the model's resource limits, the
 * external data file and the passphrase of encrypted images.
 */
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

    @Option(names = "--data-file", paramLabel = "PATH",
            description = "The external data file of the image, instead of the name the image stores "
                    + "(as qemu-img's data-file option). Used where guest data is read; check does not read it.")
    Path dataFile;

    @Option(names = "--passphrase-file", paramLabel = "FILE",
            description = "Passphrase of encrypted images: the file's bytes, exactly (as QEMU's secret object file=).")
    Path passphraseFile;

    @Option(names = "--passphrase", paramLabel = "TEXT",
            description = "Passphrase of encrypted images, as UTF-8 (visible to other users: for tests; prefer --passphrase-file).")
    String passphrase;

    /** The passphrase given, or {@link Secret#NONE}. */
    public Secret secret() {
        if (passphrase != null && passphraseFile != null) {
            throw new Main.UserError("give --passphrase or --passphrase-file, not both");
        }
        if (passphrase != null) {
            return Secret.ofText(passphrase);
        }
        if (passphraseFile == null) {
            return Secret.NONE;
        }
        try {
            return Secret.of(Files.readAllBytes(passphraseFile));
        } catch (IOException e) {
            throw new Main.UserError("cannot read the passphrase file " + passphraseFile + ": " + e.getMessage());
        }
    }

    public Limits limits() {
        return new Limits(maxL1Bytes, maxRefcountTableBytes, maxClusterBits, maxBackingDepth, maxMetadataBytes,
                allowOutsidePaths, maxSnapshots, maxSnapshotTableBytes, maxSnapshotExtraData);
    }

    /** The limits, the data file and the passphrase, for commands that open the image with its chain. */
    public OpenOptions openOptions() {
        return new OpenOptions(limits(), dataFile, secret());
    }
}
